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
    cdef int add_parts_to(self, dict out, str quote_token, object notional) except -1
    cdef tuple _key(self)


cdef class AddedToCostTradeFee(TradeFeeBase):
    pass


cdef class DeductedFromReturnsTradeFee(TradeFeeBase):
    pass


# Shared by the core modules: a Decimal (int and str accepted, float refused:
# it is not exact), finite, optionally > 0 or >= 0.  Raises ValueError/TypeError
# naming the field.
cdef object _checked_decimal(object value, str field, int sign)
# Persisted JSON and venue frames, read strictly (issues 10, 16): each raises ValueError naming the field.
# A decimal's adjusted exponent must lie within +-DECIMAL_EXPONENT_LIMIT: every real price, amount and
# fee does (1e-40 .. 1e40), and sums / products of such values never leave the decimal context's range
# ("1E+999999999" is finite, but its first product with a price raises Overflow in a listener).
cdef enum:
    DECIMAL_EXPONENT_LIMIT = 40
cdef object _json_decimal(object value, str field, int sign)   # plain decimal text (or int), like _checked_decimal
cdef double _json_timestamp(object value, str field) except? -1.0   # a finite int/float (not bool)
cdef bint _json_bool(object value, str field) except -1        # exactly True or False
cdef object _json_str(object value, str field, bint optional)   # a non-empty str (or None when optional)
cdef dict _json_dict(object value, str field)
cdef tuple _split_pair(str trading_pair)
