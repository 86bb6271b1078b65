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
    ST_PRESUMED_FAILED = 7  # lost: FAILED to the outside, but only presumed (never a status)
    ST_EXPIRED = 11
    TR_PARTIAL_FILL = 12    # a fill that leaves something unfilled
    TR_LAST_FILL = 13       # the fill that reaches the order amount
    TR_NOT_FOUND = 14       # the exchange said repeatedly it does not know the order
    N_STATE_CODES = 12
    N_TRIGGER_CODES = 15


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


cdef inline bint _is_terminal(int state) noexcept:
    return (state == ST_FILLED or state == ST_CANCELED or state == ST_EXPIRED or state == ST_FAILED
            or state == ST_PRESUMED_FAILED)


cdef inline bint _is_failure(int state) noexcept:
    return state == ST_FAILED or state == ST_PRESUMED_FAILED


# the compiled table and its lookups, for InFlightOrder
cdef int _next_code(int trigger, int state) noexcept  # next state code, -1 = refused
cdef object _state_member(int code)                  # OrderState member of a state code
cdef object _trigger_member(int code)                # OrderState / FillTrigger member of a trigger code
cdef object _optional_id(object value, str field)    # None or str (ints become str)
cdef object _json_id(object value, str field)        # the same, read from JSON: ValueError naming the field
