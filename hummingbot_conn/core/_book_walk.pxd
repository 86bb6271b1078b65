# cython: language_level=3
"""Depth queries: walks over one BookSide from the best level down (header only).

Each walk reads contiguous 24-byte levels from the end of the array, so a
query over k levels costs O(k) with no Python object touched.  ``side`` is
the asks for a buy and the bids for a sell; prices are ``fabs(key)``.
Semantics follow hummingbot's (docs/weaknesses.md, numbers we matched), fixes noted inline.
"""
from libc.math cimport NAN, fabs

from hummingbot_conn.core._book_side cimport BookSide, Level


cdef inline double side_best_price(const BookSide* side) noexcept nogil:
    return fabs(side.levels[side.n - 1].key) if side.n else NAN


cdef inline void walk_price_for_volume(const BookSide* side, double volume,
                                       double* result_price, double* result_volume) noexcept nogil:
    """Price of the level where cumulative base volume reaches ``volume``;
    NaN price and the whole side's volume when the side runs out."""
    cdef double cum = 0.0
    cdef Py_ssize_t i
    result_price[0] = NAN
    for i in range(side.n - 1, -1, -1):
        cum += side.levels[i].amount
        if cum >= volume:
            result_price[0] = fabs(side.levels[i].key)
            break
    result_volume[0] = cum if cum < volume else volume


cdef inline bint walk_base_cost(const BookSide* side, double base_amount,
                                double* cost, double* filled, double* last_price) noexcept nogil:
    """Take ``base_amount`` from the best level down: ``cost`` is the quote
    paid, ``filled`` the base taken and ``last_price`` the deepest price
    touched.  True when the side covers the amount (then ``filled`` is
    ``base_amount``); False when it runs out (the whole side's base and cost).
    The one walk behind the VWAP and the quote-for-base queries."""
    cdef double price
    cdef double take
    cdef Py_ssize_t i
    cost[0] = 0.0
    filled[0] = 0.0
    last_price[0] = NAN
    for i in range(side.n - 1, -1, -1):
        price = fabs(side.levels[i].key)
        take = side.levels[i].amount
        if filled[0] + take >= base_amount:
            cost[0] += (base_amount - filled[0]) * price
            filled[0] = base_amount
            last_price[0] = price
            return True
        cost[0] += take * price
        filled[0] += take
    return False


cdef inline void walk_vwap_for_volume(const BookSide* side, double volume,
                                      double* result_price, double* result_volume) noexcept nogil:
    """Average price paid for ``volume``.  Volume 0 gives the best price (the
    limit of the average for a vanishing order) and volume 0, NaN on an empty
    side: hummingbot divides by zero there.  NaN price and the whole side's
    volume when the side runs out."""
    cdef double cost
    cdef double last_price
    if volume == 0.0:
        result_price[0] = side_best_price(side)
        result_volume[0] = 0.0
        return
    if walk_base_cost(side, volume, &cost, result_volume, &last_price):
        result_price[0] = cost / volume
    else:
        result_price[0] = NAN


cdef inline void walk_price_for_quote_volume(const BookSide* side, double quote_volume,
                                             double* result_price, double* result_volume) noexcept nogil:
    """Like walk_price_for_volume with volume counted in quote units."""
    cdef double cum = 0.0
    cdef double price
    cdef Py_ssize_t i
    result_price[0] = NAN
    for i in range(side.n - 1, -1, -1):
        price = fabs(side.levels[i].key)
        cum += side.levels[i].amount * price
        if cum >= quote_volume:
            result_price[0] = price
            break
    result_volume[0] = cum if cum < quote_volume else quote_volume


cdef inline void walk_quote_volume_for_base_amount(const BookSide* side, double base_amount,
                                                   double* result_price, double* result_volume) noexcept nogil:
    """Quote cost of ``base_amount``.  result_price is the deepest price
    touched when the side covers the amount, NaN when it runs out (then
    result_volume is the quote value of the whole side): hummingbot gives NaN
    either way, so a shortfall cannot be seen."""
    cdef double filled
    if base_amount == 0.0:
        result_price[0] = side_best_price(side)
        result_volume[0] = 0.0
        return
    walk_base_cost(side, base_amount, result_volume, &filled, result_price)


cdef inline void walk_volume_for_price(const BookSide* side, double limit_key, bint quote,
                                       double* result_price, double* result_volume) noexcept nogil:
    """Cumulative volume of the levels at or better than the limit (asks
    <= price for a buy, bids >= price for a sell), in base or quote units.
    ``limit_key`` is the limit price in this side's key space."""
    cdef double cum = 0.0
    cdef Level* level
    cdef Py_ssize_t i
    result_price[0] = NAN
    for i in range(side.n - 1, -1, -1):
        level = side.levels + i
        if level.key < limit_key:
            break
        cum += level.amount * fabs(level.key) if quote else level.amount
        result_price[0] = fabs(level.key)
    result_volume[0] = cum
