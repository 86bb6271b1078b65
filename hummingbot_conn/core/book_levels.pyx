# cython: binding=False
# (method descriptors, not CyFunctions: CPython 3.11 specialises calls to
# them, which halves the cost of a call such as get_price(True))
"""The order book's levels and every read of them: ``BookLevels``, the base of ``OrderBook``.

Storage: two sorted C arrays of (price, amount, update_id) levels, best level
last (see ``_book_side.pxd`` for why).  Costs: best bid/ask O(1) (cached
float slots, ``best_bid`` / ``best_ask``); a depth query over k levels O(k)
in C.  ``OrderBook`` (order_book.pyx) writes the levels under its sequencing
rule and calls ``_refresh_best`` after every change; nothing here mutates them.
"""
import numpy as np

from libc.math cimport NAN, fabs, isnan
from libc.stdint cimport int64_t
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_FromDouble

cimport cython

from hummingbot_conn.core._book_side cimport BookSide, Level, side_check, side_free, side_init
from hummingbot_conn.core._book_walk cimport (
    side_best_price, walk_price_for_quote_volume, walk_price_for_volume, walk_quote_volume_for_base_amount,
    walk_volume_for_price, walk_vwap_for_volume)
from hummingbot_conn.core.order_book_query_result cimport OrderBookQueryResult, make_query_result
from hummingbot_conn.core.pubsub cimport PubSub

from hummingbot_conn.core.order_book_row import OrderBookRow


cdef extern from *:
    """
    /* A copy of the method or getset descriptor descr owned by cls (a subclass of its type):
       the same C function and doc, for instances of cls. */
    static PyObject* hbconn_descriptor_for(PyTypeObject* cls, PyObject* descr) {
        if (Py_IS_TYPE(descr, &PyMethodDescr_Type))
            return PyDescr_NewMethod(cls, ((PyMethodDescrObject*)descr)->d_method);
        if (Py_IS_TYPE(descr, &PyGetSetDescr_Type))
            return PyDescr_NewGetSet(cls, ((PyGetSetDescrObject*)descr)->d_getset);
        Py_RETURN_NONE;
    }
    /* the type's own attribute dict (a new reference) */
    static PyObject* hbconn_type_dict(PyTypeObject* t) {
        Py_INCREF(t->tp_dict);
        return t->tp_dict;
    }
    """
    object hbconn_descriptor_for(type cls, object descr)
    dict _type_dict "hbconn_type_dict" (type t)
    void PyType_Modified(type t)


cdef int own_descriptors(type cls) except -1:
    """Give ``cls`` (OrderBook) its own copy of every method and property of BookLevels it does
    not define itself.  Why: CPython 3.11 specialises a call of a C method (and skips a subtype
    walk on a property read) only when the instance's type is exactly the descriptor's type; an
    inherited ``book.get_price(True)`` took 33 ns instead of 25.  The copies call the same C
    functions, so behaviour is unchanged; done once, when order_book is imported."""
    if not issubclass(cls, BookLevels):
        raise TypeError(f"{cls.__name__} is not a BookLevels")
    cdef dict own = _type_dict(cls)
    for name, descr in BookLevels.__dict__.items():
        if name in own or name.startswith("__"):
            continue
        copy = hbconn_descriptor_for(cls, descr)
        if copy is not None:
            own[name] = copy
    PyType_Modified(cls)
    return 0


cdef object _tuple_new = tuple.__new__     # rows without the namedtuple's Python __new__
cdef object _NAN = float("nan")


cdef inline object _row(double price, double amount, int64_t update_id):
    return _tuple_new(OrderBookRow, (price, amount, update_id))


cdef inline double _checked(double value, str what) except? -1.0:
    if isnan(value) or value < 0.0:
        raise ValueError(f"{what} must be >= 0, got {value!r}")
    return value


cdef inline object _price_object(object current, double price):
    # keep the existing float while the price is unchanged (NaN == NaN here)
    cdef double old = PyFloat_AS_DOUBLE(current)
    if old == price or (isnan(old) and isnan(price)):
        return current
    return PyFloat_FromDouble(price)


cdef class BookLevels(PubSub):
    """The levels of a book and its queries (hummingbot's ``OrderBook`` read API).  Not built on
    its own: ``OrderBook`` is the book; this base holds what it reads."""

    def __cinit__(self):
        side_init(&self._bids)
        side_init(&self._asks)
        self.best_bid = _NAN
        self.best_ask = _NAN

    def __dealloc__(self):
        side_free(&self._bids)
        side_free(&self._asks)

    cdef int _refresh_best(self) except -1:
        self.best_bid = _price_object(self.best_bid, side_best_price(&self._bids))
        self.best_ask = _price_object(self.best_ask, side_best_price(&self._asks))
        return 0

    @property
    def bid_level_count(self):
        return self._bids.n

    @property
    def ask_level_count(self):
        return self._asks.n

    @property
    def capacity(self):
        """(bid levels, ask levels) allocated; at most 4x the level count + 16."""
        return (self._bids.cap, self._asks.cap)

    # ---------------------------------------------------------------- queries

    @property
    def mid_price(self):
        """(best bid + best ask) / 2; NaN if a side is empty."""
        return (side_best_price(&self._bids) + side_best_price(&self._asks)) / 2.0

    @property
    def spread(self):
        """best ask - best bid; NaN if a side is empty."""
        return side_best_price(&self._asks) - side_best_price(&self._bids)

    cpdef double get_price(self, bint is_buy) except? -1.0:
        """Best ask for a buy, best bid for a sell.  O(1).  Raises
        ``EnvironmentError`` (OSError), as hummingbot, when that side is empty."""
        cdef BookSide* side = &self._asks if is_buy else &self._bids
        if side.n == 0:
            raise EnvironmentError("Order book is empty - no price quote is possible.")
        return fabs(side.levels[side.n - 1].key)

    cpdef OrderBookQueryResult get_price_for_volume(self, bint is_buy, double volume):
        """Price of the level at which cumulative base volume reaches ``volume``
        (NaN price and the available volume if the book runs out).  O(levels walked)."""
        cdef double rp, rv
        walk_price_for_volume(&self._asks if is_buy else &self._bids, _checked(volume, "volume"), &rp, &rv)
        return make_query_result(NAN, volume, rp, rv)

    cpdef OrderBookQueryResult get_vwap_for_volume(self, bint is_buy, double volume):
        """Volume-weighted average price of ``volume`` (NaN price and the
        available volume if the book runs out; volume 0 gives the best price).
        O(levels walked)."""
        cdef double rp, rv
        walk_vwap_for_volume(&self._asks if is_buy else &self._bids, _checked(volume, "volume"), &rp, &rv)
        return make_query_result(NAN, volume, rp, rv)

    cpdef OrderBookQueryResult get_price_for_quote_volume(self, bint is_buy, double quote_volume):
        """Price at which cumulative quote volume reaches ``quote_volume``.  O(levels walked)."""
        cdef double rp, rv
        walk_price_for_quote_volume(&self._asks if is_buy else &self._bids,
                                    _checked(quote_volume, "quote_volume"), &rp, &rv)
        return make_query_result(NAN, quote_volume, rp, rv)

    cpdef OrderBookQueryResult get_quote_volume_for_base_amount(self, bint is_buy, double base_amount):
        """Quote cost of ``base_amount``: result_volume in quote units;
        result_price is the deepest price touched, or NaN when the book runs
        out (then result_volume is the quote value of the whole side)."""
        cdef double rp, rv
        walk_quote_volume_for_base_amount(&self._asks if is_buy else &self._bids,
                                          _checked(base_amount, "base_amount"), &rp, &rv)
        return make_query_result(NAN, base_amount, rp, rv)

    cpdef OrderBookQueryResult get_volume_for_price(self, bint is_buy, double price):
        """Base volume of the asks <= price (buy) or bids >= price (sell);
        result_price is the last level counted (NaN if none).  O(levels counted)."""
        cdef double rp, rv
        if isnan(price):
            raise ValueError("price must not be NaN")
        if is_buy:
            walk_volume_for_price(&self._asks, -price, False, &rp, &rv)
        else:
            walk_volume_for_price(&self._bids, price, False, &rp, &rv)
        return make_query_result(price, NAN, rp, rv)

    cpdef OrderBookQueryResult get_quote_volume_for_price(self, bint is_buy, double price):
        """Like ``get_volume_for_price`` but result_volume is in QUOTE units
        (hummingbot's ExchangeBase returns base units here, W-9)."""
        cdef double rp, rv
        if isnan(price):
            raise ValueError("price must not be NaN")
        if is_buy:
            walk_volume_for_price(&self._asks, -price, True, &rp, &rv)
        else:
            walk_volume_for_price(&self._bids, price, True, &rp, &rv)
        return make_query_result(price, NAN, rp, rv)

    cpdef list simulate_buy(self, double amount):
        """The ask levels a market buy of ``amount`` would consume, best first
        (the last one partially); O(levels consumed)."""
        return self._simulate(&self._asks, _checked(amount, "amount"))

    cpdef list simulate_sell(self, double amount):
        """The bid levels a market sell of ``amount`` would consume, best first."""
        return self._simulate(&self._bids, _checked(amount, "amount"))

    cdef list _simulate(self, BookSide* side, double amount):
        cdef list out = []
        cdef double left = amount
        cdef Level* level
        cdef Py_ssize_t i
        for i in range(side.n - 1, -1, -1):
            if left <= 0.0:
                break
            level = side.levels + i
            if level.amount < left:
                out.append(_row(fabs(level.key), level.amount, level.update_id))
                left -= level.amount
            else:
                out.append(_row(fabs(level.key), left, level.update_id))
                left = 0.0
        return out

    cpdef list bid_entries(self):
        """All bids as ``OrderBookRow``, best (highest) first.  O(n), built in C."""
        return self._entries(&self._bids, 1.0)

    cpdef list ask_entries(self):
        """All asks as ``OrderBookRow``, best (lowest) first.  O(n), built in C."""
        return self._entries(&self._asks, -1.0)

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cdef list _entries(self, BookSide* side, double sign):
        cdef list out = []
        cdef Level* level
        cdef Py_ssize_t i
        for i in range(side.n - 1, -1, -1):
            level = side.levels + i
            out.append(_row(sign * level.key, level.amount, level.update_id))
        return out

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cpdef tuple depth(self, Py_ssize_t n):
        """Top ``n`` levels per side as float64 arrays ``(bids, asks)`` of shape
        (k, 2) = [price, amount], best first (k <= n).  O(n)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        cdef Py_ssize_t kb = min(n, self._bids.n)
        cdef Py_ssize_t ka = min(n, self._asks.n)
        bids = np.empty((kb, 2), dtype=np.float64)
        asks = np.empty((ka, 2), dtype=np.float64)
        cdef double[:, ::1] b = bids
        cdef double[:, ::1] a = asks
        cdef Py_ssize_t i
        cdef Level* level
        for i in range(kb):
            level = self._bids.levels + self._bids.n - 1 - i
            b[i, 0] = level.key
            b[i, 1] = level.amount
        for i in range(ka):
            level = self._asks.levels + self._asks.n - 1 - i
            a[i, 0] = -level.key
            a[i, 1] = level.amount
        return (bids, asks)

    cpdef check_integrity(self):
        """Raise AssertionError naming the first broken invariant: each side
        strictly sorted, prices finite and > 0, amounts finite and > 0,
        n <= capacity, cached best prices true, and the book not crossed."""
        side_check(&self._bids, 1.0, "bids")
        side_check(&self._asks, -1.0, "asks")
        for name, cached, side in (("bid", self.best_bid, self.bid_entries()),
                                   ("ask", self.best_ask, self.ask_entries())):
            true_best = side[0].price if side else NAN
            if cached is not None and not (cached == true_best or (isnan(cached) and isnan(true_best))):
                raise AssertionError(f"cached best {name} {cached!r} but the book's best is {true_best!r}")
        if self._bids.n and self._asks.n and self.best_bid >= self.best_ask:
            raise AssertionError(f"book is crossed: best bid {self.best_bid!r} >= best ask {self.best_ask!r}")
