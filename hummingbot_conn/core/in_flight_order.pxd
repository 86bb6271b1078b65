# cimported under a module alias so the Python names OrderUpdate / TradeUpdate
# stay free for the re-export in in_flight_order.pyx
cimport hummingbot_conn.core.order_state as _os

cdef class InFlightOrder:
    cdef readonly str client_order_id
    cdef readonly str trading_pair
    cdef readonly str base_asset
    cdef readonly str quote_asset
    cdef readonly object order_type
    cdef readonly object trade_type
    cdef readonly object price                # Decimal or None
    cdef readonly object amount               # Decimal > 0
    cdef readonly object exchange_order_id    # str or None
    cdef readonly int leverage
    cdef readonly object position             # PositionAction
    cdef readonly double creation_timestamp
    cdef readonly double last_update_timestamp
    cdef readonly object executed_amount_base
    cdef object _executed_quote               # sum of the quotes folded in so far
    cdef list _pending_quotes                 # fill quotes not yet added (read lazily: one add saved per fill)
    cdef readonly dict order_fills            # trade_id -> TradeUpdate, in arrival order
    cdef readonly bint exchange_reported_filled
    cdef readonly long refused_updates        # illegal transitions and over-fills refused
    cdef readonly long stale_updates          # of those: late statuses the order had moved past (a race)
    cdef readonly int last_update_refused     # 0, REFUSED_STALE or REFUSED_CONTRADICTING: the last update's fate
    cdef int _state
    cdef object _eid_event
    cdef object _filled_event
    cdef object _processed_event

    cpdef bint update_with_order_update(self, _os.OrderUpdate order_update) except -1
    cpdef bint update_with_trade_update(self, _os.TradeUpdate trade_update) except -1
    cpdef bint update_exchange_order_id(self, str exchange_order_id) except -1
    cpdef bint mark_lost(self, double timestamp) except -1
    cpdef object cumulative_fee_paid(self, str token, object rate_source=*)
    cpdef dict to_json(self)
    cdef bint _ids_match(self, object client_order_id, object exchange_order_id) except -1
    cdef void _on_processed(self)
    cdef void _refuse(self, int trigger, object detail)


cdef class PerpetualDerivativeInFlightOrder(InFlightOrder):
    pass
