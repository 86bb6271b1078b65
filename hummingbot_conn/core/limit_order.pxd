from libc.stdint cimport int64_t


cdef class LimitOrder:
    cdef readonly str client_order_id
    cdef readonly str trading_pair
    cdef readonly bint is_buy
    cdef readonly str base_currency
    cdef readonly str quote_currency
    cdef readonly object price               # Decimal or None (an order with no price)
    cdef readonly object quantity            # Decimal
    cdef readonly object filled_quantity     # Decimal
    cdef readonly int64_t creation_timestamp  # microseconds
    cdef readonly object status              # LimitOrderStatus
    cdef readonly object position            # PositionAction

    cpdef int64_t age_til(self, int64_t end_timestamp)
