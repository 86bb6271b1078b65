cdef class TokenAmount:
    cdef readonly str token
    cdef readonly object amount          # Decimal, finite (negative = rebate)


cdef class TradeFeeSchema:
    cdef readonly object percent_fee_token                 # str or None
    cdef readonly object maker_percent_fee_decimal         # Decimal
    cdef readonly object taker_percent_fee_decimal         # Decimal
    cdef readonly bint buy_percent_fee_deducted_from_returns
    cdef tuple _maker_fixed_fees                           # of TokenAmount
    cdef tuple _taker_fixed_fees

    cdef tuple _key(self)


cdef class TradeFeeBase:
    cdef readonly object percent                           # Decimal fraction (0.001 = 0.1 %)
    cdef readonly object percent_token                     # str or None
    cdef tuple _flat_fees                                  # of TokenAmount

    cpdef object fee_amount_in_token(self, str trading_pair, object price, object order_amount,
                                     str token, object rate_source=*)
    cdef tuple _key(self)


cdef class AddedToCostTradeFee(TradeFeeBase):
    pass


cdef class DeductedFromReturnsTradeFee(TradeFeeBase):
    pass


# Shared by the core modules: a Decimal (int and str accepted, float refused:
# it is not exact), finite, optionally > 0 or >= 0.  Raises ValueError/TypeError
# naming the field.
cdef object _checked_decimal(object value, str field, int sign) except *
cdef tuple _split_pair(str trading_pair)
