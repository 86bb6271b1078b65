cdef class OrderBookQueryResult:
    # Any field that does not apply to the query is NaN (hummingbot's convention).
    cdef readonly double query_price
    cdef readonly double query_volume
    cdef readonly double result_price
    cdef readonly double result_volume


cdef OrderBookQueryResult make_query_result(double query_price, double query_volume,
                                            double result_price, double result_volume)
