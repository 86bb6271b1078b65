# The JSON format of InFlightOrder, read strictly (in_flight_order_json.pyx); C-level API only.

cdef enum:
    JSON_FORMAT_VERSION = 1     # InFlightOrder.to_json's "version" (in_flight_order.JSON_VERSION)


cdef bint ids_identify(object own_client_id, object own_exchange_id, object client_order_id,
                       object exchange_order_id) except -1
cdef tuple read_order_json(object data)
cdef list read_order_fills(dict raw_fills, str client_order_id, object exchange_order_id, str trading_pair,
                           object amount, object state, bint reported_filled, bint presumed,
                           object executed_base, object executed_quote)
