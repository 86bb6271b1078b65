"""The answer of an order-book depth query (hummingbot's ``OrderBookQueryResult``).

Four C doubles; a field that does not apply to the query is NaN.  Equality
treats NaN fields as equal to NaN (a result equals itself, and tests can
compare whole results), and hashing agrees with that equality.
"""
from libc.math cimport isnan

from cpython.object cimport Py_EQ, Py_NE


cdef inline bint _same(double a, double b) noexcept:
    return a == b or (isnan(a) and isnan(b))


cdef inline object _hashable(double x):
    # every NaN hashes alike, matching _same
    return None if isnan(x) else x


cdef OrderBookQueryResult make_query_result(double query_price, double query_volume,
                                            double result_price, double result_volume):
    """C constructor for compiled callers: no argument parsing."""
    cdef OrderBookQueryResult r = OrderBookQueryResult.__new__(OrderBookQueryResult)
    r.query_price = query_price
    r.query_volume = query_volume
    r.result_price = result_price
    r.result_volume = result_volume
    return r


cdef class OrderBookQueryResult:
    """``(query_price, query_volume, result_price, result_volume)``, read-only."""

    def __init__(self, double query_price, double query_volume, double result_price, double result_volume):
        self.query_price = query_price
        self.query_volume = query_volume
        self.result_price = result_price
        self.result_volume = result_volume

    def __repr__(self):
        return (f"OrderBookQueryResult(query_price={self.query_price!r}, query_volume={self.query_volume!r}, "
                f"result_price={self.result_price!r}, result_volume={self.result_volume!r})")

    def __richcmp__(self, other, int op):
        if op != Py_EQ and op != Py_NE:
            return NotImplemented
        if not isinstance(other, OrderBookQueryResult):
            return NotImplemented
        cdef OrderBookQueryResult o = <OrderBookQueryResult>other
        cdef bint eq = (_same(self.query_price, o.query_price) and _same(self.query_volume, o.query_volume)
                        and _same(self.result_price, o.result_price) and _same(self.result_volume, o.result_volume))
        return eq if op == Py_EQ else not eq

    def __hash__(self):
        return hash((_hashable(self.query_price), _hashable(self.query_volume),
                     _hashable(self.result_price), _hashable(self.result_volume)))

    def __reduce__(self):
        return (OrderBookQueryResult, (self.query_price, self.query_volume, self.result_price, self.result_volume))
