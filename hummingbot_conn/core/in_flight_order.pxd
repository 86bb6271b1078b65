from hummingbot_conn.core.trade_fee cimport TradeFeeBase

# State codes: hummingbot's OrderState values for the states both have
# (so hummingbot's saved "last_state" strings restore), EXPIRED after
# hummingbot's gateway-only 7..10.  Fill triggers follow the states.
cdef enum:
    ST_PENDING_CREATE = 0
    ST_OPEN = 1
    ST_PENDING_CANCEL = 2
    ST_CANCELED = 3
    ST_PARTIALLY_FILLED = 4
    ST_FILLED = 5
    ST_FAILED = 6
    ST_EXPIRED = 11
    TR_PARTIAL_FILL = 12    # a fill that leaves something unfilled
    TR_LAST_FILL = 13       # the fill that reaches the order amount
    N_STATE_CODES = 12
    N_TRIGGER_CODES = 14


cdef class OrderUpdate:
    cdef readonly str trading_pair
    cdef readonly double update_timestamp
    cdef readonly object new_state            # OrderState
    cdef readonly object client_order_id      # str or None
    cdef readonly object exchange_order_id    # str or None
    cdef readonly object misc_updates         # dict or None
    cdef int _state_code


cdef class TradeUpdate:
    cdef readonly str trade_id
    cdef readonly object client_order_id      # str or None
    cdef readonly object exchange_order_id    # str or None
    cdef readonly str trading_pair
    cdef readonly double fill_timestamp
    cdef readonly object fill_price           # Decimal >= 0
    cdef readonly object fill_base_amount     # Decimal > 0
    cdef readonly object fill_quote_amount    # Decimal >= 0
    cdef readonly TradeFeeBase fee
    cdef readonly bint is_taker


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
    cdef int _state
    cdef object _eid_event
    cdef object _filled_event
    cdef object _processed_event

    cpdef bint update_with_order_update(self, OrderUpdate order_update) except -1
    cpdef bint update_with_trade_update(self, TradeUpdate trade_update) except -1
    cpdef bint update_exchange_order_id(self, str exchange_order_id) except -1
    cpdef object cumulative_fee_paid(self, str token, object rate_source=*)
    cpdef dict to_json(self)
    cdef bint _ids_match(self, object client_order_id, object exchange_order_id)
    cdef void _on_processed(self)
    cdef void _refuse(self, int trigger, object detail)


cdef class PerpetualDerivativeInFlightOrder(InFlightOrder):
    pass
