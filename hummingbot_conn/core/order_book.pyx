# cython: binding=False
# (method descriptors, not CyFunctions: CPython 3.11 specialises calls to
# them, which halves the cost of a call such as get_price(True))
"""The compiled order book: hummingbot's ``OrderBook`` API, its bugs fixed.

Storage and every query of it: ``BookLevels`` (book_levels.pyx), two sorted
C arrays of (price, amount, update_id) levels, best level last (see
``_book_side.pxd`` for why).  Costs here: a diff row O(log n) to locate (O(1)
near the top) plus O(distance from the top) to insert/delete; a snapshot O(n)
for exchange-ordered input, O(n log n) otherwise.

Sequencing (docs/contracts.md, Contract 1), reported by ``apply_diffs`` as
a cached ``DiffResult`` member:

* before the first snapshot, and after a gap until the next snapshot, the
  book is not synced: diffs are not applied and return ``UNSYNCED``;
* ``update_id <= last_diff_uid``: ``STALE``, not applied (nor parsed);
* a gap: ``GAP``, not applied, the book becomes unsynced (``is_synced``
  False) until ``apply_snapshot``.  Three modes, by what the diff carries:

  - spot (Binance ``U``, ``first_update_id >= 0``): a gap when
    ``first_update_id > last_diff_uid + 1``;
  - futures (Binance USDS-M ``pu``, ``prev_update_id >= 0``): the diff
    continues the previous diff when ``prev_update_id == last_diff_uid``,
    anything else is a gap.  The first diff after a snapshot cannot name the
    snapshot (its ``pu`` is an earlier event's id): it is judged by
    ``first_update_id`` when given, else it must straddle the snapshot
    (``prev_update_id <= last_diff_uid < update_id``);
  - neither: no gap can be seen (only STALE is detected);
* otherwise ``APPLIED``: each row sets its level, amount 0 deletes it.

Snapshots (the rule for one older than the book): by default a snapshot
with ``update_id < last_diff_uid`` is refused: ``apply_snapshot`` returns
``STALE`` and the book is unchanged (synced or not).  Accepting it unasked
would roll the book back behind diffs it has already consumed, which a live
stream can never bridge; without first ids (the third mode) nothing would
notice the levels lost.  A snapshot at or after ``last_diff_uid`` is
``APPLIED``.  ``force=True`` replaces the book whatever the ids: the owner
fetched it to resync a book it knows is wrong (its ids ran ahead of the
venue's, or the venue restarted its ids), and the owner, not the book, judges
whether it is new enough.  The same in every mode.

Out of sync on the owner's word: ``mark_unsynced()`` (the owner saw the
stream break, or the book fall provably behind it); diffs are ``UNSYNCED``
until the next snapshot.

Ids: ints (numpy integers, integral floats too), never ``bool``, ``Decimal``
or a fractional float: TypeError / ValueError naming the argument, the book
unchanged.  ``update_id >= 0``; ``first_update_id`` and ``prev_update_id``
are -1 (absent) or ``>= 0``, with ``first_update_id <= update_id`` and
``prev_update_id < update_id``.

Re-entrancy: a row's code cannot run during the parse (``_row_parse.pyx``),
but anything that would call ``apply_snapshot`` / ``apply_diffs`` on a book
while that book is applying a message is refused with RuntimeError.

Rows: see ``_row_parse.pyx`` (decimal strings parsed in C, floats, ints,
Decimals, OrderBookRow, float64 arrays).  Every row of a message is validated
before the book changes, so a bad row raises ValueError and changes nothing.

Prices are keyed by the correctly rounded double of the exchange's decimal
text, the same double ``float()`` gives: "0.30", "0.3", 0.3 and
Decimal("0.3") are one level, and two different decimal prices of up to 15
significant digits can never share a key.

Depth limit (``depth_limit``, 0 = none): after every diff and snapshot each
side keeps only its ``depth_limit`` best levels.  A venue streaming a book
of fixed depth (Kraken's ``depth`` subscription) sends no delete for a level
an insert pushes out of that depth, so the book drops it itself
(docs/contracts.md, Contract 1, "Depth and checksums").

Crossed book: after every diff and snapshot, while best bid >= best ask the
older of the two top levels (lower update id; the bid on a tie, as
hummingbot) is dropped: newer levels win, as on a centralised exchange.
With ``dex=True`` the level with the smaller notional (price * amount) is
dropped instead (hummingbot's DEX rule).  A crossed snapshot has equal ids
on both sides, so its crossing bids are dropped.
"""
from enum import IntEnum

import numpy as np

from libc.math cimport NAN
from libc.stdint cimport int64_t
from libc.stdlib cimport free
from cpython.list cimport PyList_GET_SIZE

cimport cython

from hummingbot_conn.core._book_side cimport (
    BookSide, Level, side_build, side_free, side_maybe_shrink, side_reserve, side_set, side_truncate)
from hummingbot_conn.core._row_parse cimport (
    buffer_free, buffer_init, buffer_trim, parse_price, parse_rows, parse_update_id)
from hummingbot_conn.core.book_levels cimport BookLevels, own_descriptors
from hummingbot_conn.core.common_types cimport TRADE_EVENT_TAG


class DiffResult(IntEnum):
    """What ``apply_diffs`` did with a diff."""
    APPLIED = 1
    STALE = 2
    GAP = 3
    UNSYNCED = 4


# returned as is: building an enum member per call would cost ~100 ns
cdef object _APPLIED = DiffResult.APPLIED
cdef object _STALE = DiffResult.STALE
cdef object _GAP = DiffResult.GAP
cdef object _UNSYNCED = DiffResult.UNSYNCED
cdef extern from "Python.h":
    const Py_ssize_t PY_SSIZE_T_MAX
    bint PyList_CheckExact(object o)
    bint PyLong_CheckExact(object o)


cdef inline object _content_id(dict content, str field):
    value = content.get(field, -1)
    return -1 if value is None else value


cdef object _NO_ID = -1     # the default of first/prev_update_id (a cached small int)


cdef extern from *:
    """
    /* An exact int of at most 60 bits, >= 0, read in place (no call, no
       exception); 0 for anything else, which takes the checked slow path. */
    static CYTHON_INLINE int hbconn_small_uid(PyObject* v, int64_t* out) {
    #if PY_VERSION_HEX >= 0x030C0000
        if (PyUnstable_Long_IsCompact((PyLongObject*)v)) {
            Py_ssize_t x = PyUnstable_Long_CompactValue((PyLongObject*)v);
            if (x >= 0) { *out = (int64_t)x; return 1; }
        }
        return 0;
    #else
        Py_ssize_t size = Py_SIZE(v);
        const digit* d = ((PyLongObject*)v)->ob_digit;
        if (size == 0) { *out = 0; return 1; }
        if (size == 1) { *out = (int64_t)d[0]; return 1; }
        if (size == 2) { *out = ((int64_t)d[1] << PyLong_SHIFT) | (int64_t)d[0]; return 1; }
        return 0;
    #endif
    }
    """
    bint hbconn_small_uid(object v, int64_t* out) noexcept


cdef inline int64_t _uid(object value, str name, int64_t minimum) except? -2:
    # the common case, a small non-negative exact int, without a call
    cdef int64_t out
    if PyLong_CheckExact(value) and hbconn_small_uid(value, &out):
        return out
    return parse_update_id(value, name, minimum)


cdef int _refuse_reentry(str what) except -1:
    raise RuntimeError(f"OrderBook.{what} called while this book is applying another message "
                       f"(from code run during it); refused, the book is unchanged")


cdef class OrderBook(BookLevels):
    """``OrderBook(dex=False, clock=None, depth_limit=0)``: the levels and their queries come from
    ``BookLevels`` (book_levels.pyx); here the sequencing and the updates.

    ``clock``: a callable returning the current time, used to stamp
    ``last_applied_trade``; without one the trade's own ``timestamp`` is used.
    Listeners of tag 901 (``OrderBookEvent.TradeEvent``) get every applied trade.
    """

    ORDER_BOOK_TRADE_EVENT_TAG = TRADE_EVENT_TAG   # one definition: core/common_types.pxd

    def __cinit__(self):
        buffer_init(&self._bid_rows)
        buffer_init(&self._ask_rows)
        self._snapshot_uid = 0
        self._last_diff_uid = 0
        self._synced = False
        self._from_snapshot = False
        self._busy = False
        self._depth_limit = 0
        self._last_trade_price = NAN
        self._last_applied_trade = -1000.0
        self._last_trade_price_rest_updated = -1000.0

    def __init__(self, dex=False, clock=None, depth_limit=0):
        if clock is not None and not callable(clock):
            raise TypeError(f"clock must be callable, got {type(clock).__name__}")
        self.dex = dex
        self._clock = clock
        self.depth_limit = depth_limit

    def __dealloc__(self):
        buffer_free(&self._bid_rows)
        buffer_free(&self._ask_rows)

    def __sizeof__(self):
        """Bytes held: the object plus its C level arrays and scratch buffers."""
        return (object.__sizeof__(self)
                + (self._bids.cap + self._asks.cap + self._bid_rows.cap + self._ask_rows.cap) * sizeof(Level))

    # ---------------------------------------------------------------- updates

    cpdef object apply_snapshot(self, object bids, object asks, object update_id, bint force=False):
        """Replace the whole book atomically; ``snapshot_uid = last_diff_uid =
        update_id``; the book is synced; returns ``DiffResult.APPLIED``.  A
        snapshot older than ``last_diff_uid`` is refused (``STALE``, book
        unchanged) unless ``force`` (a resync: any ids; module docstring,
        docs/contracts.md Contract 1).  Zero amounts are skipped, duplicate
        prices keep the last row.  Bad rows: ValueError; bad id: TypeError /
        ValueError.  O(n) for exchange-ordered rows."""
        cdef BookSide new_bids
        cdef BookSide new_asks
        if self._busy:
            _refuse_reentry("apply_snapshot")
        cdef int64_t uid = _uid(update_id, "update_id", 0)
        if self._busy:      # the id's own code may have started one
            _refuse_reentry("apply_snapshot")
        if uid < self._last_diff_uid and not force:
            return _STALE
        new_bids.levels = NULL
        new_asks.levels = NULL
        self._busy = True
        try:
            parse_rows(bids, &self._bid_rows, 1.0, uid, b"bids")
            parse_rows(asks, &self._ask_rows, -1.0, uid, b"asks")
            side_build(self._bid_rows.rows, self._bid_rows.n, &new_bids)
            side_build(self._ask_rows.rows, self._ask_rows.n, &new_asks)
            # nothing below can fail or run Python code but the best prices' floats
            side_free(&self._bids)
            side_free(&self._asks)
            self._bids = new_bids
            self._asks = new_asks
            new_bids.levels = NULL
            new_asks.levels = NULL
            self._uncross()
            if self._depth_limit:
                self._truncate()
            self._snapshot_uid = uid
            self._last_diff_uid = uid
            self._synced = True
            self._from_snapshot = True
            self._refresh_best()
        finally:
            free(new_bids.levels)
            free(new_asks.levels)
            buffer_trim(&self._bid_rows)
            buffer_trim(&self._ask_rows)
            self._busy = False
        return _APPLIED

    @cython.boundscheck(False)
    @cython.wraparound(False)
    cpdef object apply_diffs(self, object bids, object asks, object update_id, object first_update_id=-1,
                             object prev_update_id=-1):
        """Apply one diff message under the sequencing rule (module docstring);
        returns ``DiffResult.APPLIED``, ``STALE``, ``GAP`` or ``UNSYNCED``.
        ``first_update_id`` (Binance spot ``U``) and ``prev_update_id``
        (Binance USDS-M futures ``pu``) enable gap detection; -1 = absent.
        Bad rows: ValueError; bad ids: TypeError / ValueError; either way the
        book is unchanged.  Cost: O(rows * (log n + distance from the top))."""
        cdef Py_ssize_t i
        cdef Level* row
        cdef bint gap
        if self._busy:
            _refuse_reentry("apply_diffs")
        cdef int64_t uid = _uid(update_id, "update_id", 0)
        cdef int64_t first_uid = -1
        cdef int64_t prev_uid = -1
        if first_update_id is not _NO_ID:
            first_uid = _uid(first_update_id, "first_update_id", -1)
            if first_uid > uid:
                raise ValueError(f"first_update_id {first_uid} > update_id {uid}")
        if prev_update_id is not _NO_ID:
            prev_uid = _uid(prev_update_id, "prev_update_id", -1)
            if prev_uid >= uid:
                raise ValueError(f"prev_update_id {prev_uid} >= update_id {uid}")
        if self._busy:      # an id's own code may have started one
            _refuse_reentry("apply_diffs")
        if not self._synced:
            return _UNSYNCED
        if uid <= self._last_diff_uid:
            return _STALE
        if prev_uid >= 0:
            if not self._from_snapshot:
                gap = prev_uid != self._last_diff_uid
            elif first_uid >= 0:
                gap = first_uid > self._last_diff_uid + 1
            else:
                gap = prev_uid > self._last_diff_uid
        else:
            gap = first_uid >= 0 and first_uid > self._last_diff_uid + 1
        if gap:
            self._synced = False
            return _GAP
        self._busy = True
        try:
            # an empty side (most single-level diffs) skips the parser call
            if PyList_CheckExact(bids) and PyList_GET_SIZE(bids) == 0:
                self._bid_rows.n = 0
            else:
                parse_rows(bids, &self._bid_rows, 1.0, uid, b"bids")
            if PyList_CheckExact(asks) and PyList_GET_SIZE(asks) == 0:
                self._ask_rows.n = 0
            else:
                parse_rows(asks, &self._ask_rows, -1.0, uid, b"asks")
            side_reserve(&self._bids, self._bids.n + self._bid_rows.n)
            side_reserve(&self._asks, self._asks.n + self._ask_rows.n)
            # nothing below can fail: the diff is applied whole
            if self._bid_rows.n:
                for i in range(self._bid_rows.n):
                    row = self._bid_rows.rows + i
                    side_set(&self._bids, row.key, row.amount, uid)
            if self._ask_rows.n:
                for i in range(self._ask_rows.n):
                    row = self._ask_rows.rows + i
                    side_set(&self._asks, row.key, row.amount, uid)
            if (self._bids.n and self._asks.n
                    and self._bids.levels[self._bids.n - 1].key >= -self._asks.levels[self._asks.n - 1].key):
                self._uncross()
            if self._depth_limit:
                self._truncate()
            self._last_diff_uid = uid
            self._from_snapshot = False
            if self._bid_rows.cap > 64 or self._ask_rows.cap > 64:
                buffer_trim(&self._bid_rows)
                buffer_trim(&self._ask_rows)
            side_maybe_shrink(&self._bids)
            side_maybe_shrink(&self._asks)
            self._refresh_best()
        finally:
            self._busy = False
        return _APPLIED

    def mark_unsynced(self):
        """Put the book out of sync on its owner's word (its stream broke, or it
        is provably behind it: docs/contracts.md, Contract 1): ``is_synced``
        False and every diff ``UNSYNCED`` until the next snapshot.  The levels
        and ids are unchanged.  RuntimeError while the book applies a message."""
        if self._busy:
            _refuse_reentry("mark_unsynced")
        self._synced = False

    cdef void _uncross(self) noexcept:
        cdef Level* bid
        cdef Level* ask
        cdef bint drop_bid
        while self._bids.n and self._asks.n:
            bid = self._bids.levels + self._bids.n - 1
            ask = self._asks.levels + self._asks.n - 1
            if bid.key < -ask.key:
                return
            if self.dex:
                drop_bid = bid.key * bid.amount <= -ask.key * ask.amount
            else:
                drop_bid = bid.update_id <= ask.update_id
            if drop_bid:
                self._bids.n -= 1
            else:
                self._asks.n -= 1

    cdef void _truncate(self) noexcept:
        side_truncate(&self._bids, self._depth_limit)
        side_truncate(&self._asks, self._depth_limit)

    @property
    def depth_limit(self):
        """Levels kept per side after every diff and snapshot (0: no limit; module docstring).
        Setting it truncates the book at once; an int >= 0 (TypeError / ValueError otherwise,
        RuntimeError while the book applies a message)."""
        return self._depth_limit

    @depth_limit.setter
    def depth_limit(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"depth_limit must be an int >= 0, got {type(value).__name__}")
        if value < 0:
            raise ValueError(f"depth_limit must be >= 0 (0: no limit), got {value}")
        if self._busy:
            _refuse_reentry("depth_limit")
        self._depth_limit = min(value, PY_SSIZE_T_MAX)
        if self._depth_limit:
            self._truncate()
            side_maybe_shrink(&self._bids)
            side_maybe_shrink(&self._asks)

    def apply_numpy_snapshot(self, bids_array, asks_array, update_id=None, force=False):
        """``apply_snapshot`` for float64 arrays (n, 2) or (n, 3).  Without
        ``update_id`` the max of column 3 is used (hummingbot's convention)."""
        if update_id is None:
            update_id = _max_uid_column(bids_array, asks_array)
        return self.apply_snapshot(bids_array, asks_array, update_id, force)

    def apply_numpy_diffs(self, bids_array, asks_array, update_id=None, first_update_id=-1, prev_update_id=-1):
        """``apply_diffs`` for float64 arrays (n, 2) or (n, 3).  Without
        ``update_id`` the max of column 3 is used (hummingbot's convention)."""
        if update_id is None:
            update_id = _max_uid_column(bids_array, asks_array)
        return self.apply_diffs(bids_array, asks_array, update_id, first_update_id, prev_update_id)

    def restore_from_snapshot_and_diffs(self, snapshot, diffs):
        """Apply ``snapshot`` (an OrderBookMessage; it replaces the book whatever
        its id: a restore is a resync) then replay, in update-id order, only
        the book messages of ``diffs`` with ``update_id >
        snapshot.update_id`` (hummingbot replays stale ones too, W-1).  Gap
        detection uses each diff's ``first_update_id`` and ``prev_update_id``
        content fields when present.  Each step is atomic; a bad diff raises
        after the ones before it."""
        cdef dict content = snapshot.content
        cdef object snapshot_uid = snapshot.update_id
        cdef list newer = []
        for diff in diffs:
            if diff.has_update_id and diff.update_id > snapshot_uid:
                newer.append(diff)
        newer.sort(key=_update_id_of)
        self.apply_snapshot(content["bids"], content["asks"], snapshot_uid, True)
        for diff in newer:
            content = diff.content
            self.apply_diffs(content["bids"], content["asks"], diff.update_id,
                             _content_id(content, "first_update_id"), _content_id(content, "prev_update_id"))

    cpdef object apply_trade(self, object trade):
        """Record a public trade (any object with ``price``; ``timestamp`` is
        used when no clock was injected) and send it to tag-901 listeners."""
        cdef double price = parse_price(trade.price, "trade price")
        cdef double stamp
        if self._clock is not None:
            stamp = self._clock()
        else:
            ts = getattr(trade, "timestamp", None)
            stamp = NAN if ts is None else ts
        self._last_trade_price = price
        self._last_applied_trade = stamp
        self._trigger_event(TRADE_EVENT_TAG, trade)
        return None

    # ---------------------------------------------------------------- state

    @property
    def snapshot_uid(self):
        return self._snapshot_uid

    @property
    def last_diff_uid(self):
        return self._last_diff_uid

    @property
    def is_synced(self):
        """False before the first snapshot, and after a gap or ``mark_unsynced()``
        until the next snapshot."""
        return self._synced

    @property
    def last_trade_price(self):
        return self._last_trade_price

    @last_trade_price.setter
    def last_trade_price(self, double value):
        self._last_trade_price = value

    @property
    def last_applied_trade(self):
        return self._last_applied_trade

    @property
    def last_trade_price_rest_updated(self):
        return self._last_trade_price_rest_updated

    @last_trade_price_rest_updated.setter
    def last_trade_price_rest_updated(self, double value):
        self._last_trade_price_rest_updated = value

    def __repr__(self):
        return (f"OrderBook(bids={self._bids.n}, asks={self._asks.n}, best_bid={self.best_bid!r}, "
                f"best_ask={self.best_ask!r}, last_diff_uid={self._last_diff_uid}, synced={self._synced})")


own_descriptors(OrderBook)      # BookLevels' methods as OrderBook's own: CPython specialises their calls


def _update_id_of(message):
    return message.update_id


def _max_uid_column(bids_array, asks_array):
    # the float itself, not int() of it: a fractional id is refused by the id check, never truncated
    ids = [float(np.max(arr[:, 2])) for arr in (bids_array, asks_array)
           if getattr(arr, "ndim", 0) == 2 and arr.shape[1] >= 3 and arr.shape[0] > 0]
    if not ids:
        raise ValueError("update_id is required unless the arrays carry it in column 3")
    return max(ids)
