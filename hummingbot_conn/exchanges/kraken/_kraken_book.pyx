# cython: binding=False
"""Kraken WS v2 ``book`` update text frames -> (symbol, bid rows, ask rows, checksum), in C.

Why: decoding an update with a JSON library builds a dict per level, a
float per number and the rows built from them, all read once by
``OrderBook.apply_diffs`` and thrown away.  This scanner reads the frame's
own bytes once and writes the levels as doubles into two ``DepthRows``
(the Binance scanner's row type, which holds a short side inside the object
and which ``apply_diffs`` reads as an (n, 2) float64 buffer), as
``exchanges/binance/_binance_depth`` does for Binance.

Scope (deliberately narrow, docs/kraken_spot.md section 1): one ASCII JSON
object with ``"channel": "book"``, ``"type": "update"`` and ``"data"`` an
array of exactly one object holding ``"symbol"`` (a non-empty string),
``"checksum"`` (a non-negative JSON integer below 2**63), ``"bids"`` /
``"asks"`` (arrays of ``{"price": number, "qty": number}`` objects, each key
once; a missing side is empty, as ``entry.get("bids", ())`` reads it) and
other keys with a string, number, ``true``, ``false`` or ``null``.  A number
is JSON's grammar, finite as a double; an integer written without fraction
or exponent has at most 15 digits (so its double is the integer a JSON
decoder gives).  Anything else (a snapshot, another channel, several
entries, a duplicated key, a checksum that is not a plain integer, escapes or
non-ASCII text, a missing field, malformed text, NaN, Infinity, a number
beyond the double range) returns ``None``, and the caller decodes the frame
with orjson as before, which reports real errors (the scanning pieces shared
with the other venues' scanners: ``core/_json_scan.pxd``).  Prices and quantities
are parsed by ``_decimal_parse.pxd`` (the same correctly rounded double
``float()`` and orjson give); the book then validates them (finite, price >
0, quantity >= 0) as it does any other rows.

``apply_book_update`` is the synced pair's whole path in one call: the scan,
then what ``OrderBookPairSync.on_diff`` does for a synced ``ARRIVAL`` pair with
a checksum (number, apply, count, sample the latency, verify the checksum),
without the calls in Python between the data source, the tracker and the sync
(docs/kraken_spot.md section 10, Books).  It reads and changes nothing unless the
frame scans and its pair is tracked and synced; every outcome but "applied and
the checksum matches" goes to the sync's own methods.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport int64_t
from libc.math cimport isfinite
from libc.string cimport memcmp

from hummingbot_conn.core._decimal_parse cimport parse_decimal
from hummingbot_conn.core._json_scan cimport (
    JSON_SYMBOL_SLOTS, json_integer, json_number_grammar, json_scalar_end, json_string_end, json_symbol, json_ws)
from hummingbot_conn.core.book_checksum cimport BookChecksum
from hummingbot_conn.core.order_book cimport OrderBook
from hummingbot_conn.exchanges.binance._binance_depth cimport DepthRows
from hummingbot_conn.tracking._latency_stats cimport LatencyStats

from hummingbot_conn.core.order_book import DiffResult
from hummingbot_conn.tracking.book_integrity import SequenceRule
from hummingbot_conn.tracking.order_book_sync_events import SyncState


cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object o, Py_ssize_t* size) except NULL
    bint PyUnicode_CheckExact(object o)
    bint PyBytes_CheckExact(object o)
    bint PyUnicode_IS_ASCII(object o)


cdef enum:
    _MAX_PLAIN_INTEGER_DIGITS = 15      # every such integer is an exact double


cdef Py_ssize_t _number(const char* s, Py_ssize_t i, Py_ssize_t n, double* out) noexcept:
    """A JSON number at ``s[i]`` (RFC 8259 grammar, finite as a double) into ``out``: the index
    after it, -1 otherwise (module docstring: long plain integers step aside too)."""
    cdef Py_ssize_t integer_digits
    cdef Py_ssize_t end = json_number_grammar(s, i, n, &integer_digits)
    if end < 0 or integer_digits > _MAX_PLAIN_INTEGER_DIGITS:
        return -1
    # what follows is not part of a number, so parse_decimal reads exactly s[i:end]
    if parse_decimal(s + i, end - i, out) != 0 or not isfinite(out[0]):
        return -1
    return end


cdef list _symbols = [None] * JSON_SYMBOL_SLOTS     # json_symbol's cache for this scanner


cdef inline bint _key_is(const char* s, Py_ssize_t i, Py_ssize_t key_end, const char* name,
                         Py_ssize_t length) noexcept:
    """The key whose text is ``s[i + 1:key_end]`` is ``name``."""
    return key_end - i - 1 == length and memcmp(s + i + 1, name, length) == 0


cdef inline Py_ssize_t _key(const char* s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t* key_end) noexcept:
    """A key and its colon at ``s[i]``: the index of the value, -1 if not that shape."""
    if i >= n or s[i] != b'"':
        return -1
    key_end[0] = json_string_end(s, i + 1, n)
    if key_end[0] < 0:
        return -1
    i = json_ws(s, key_end[0] + 1, n)
    if i >= n or s[i] != b':':
        return -1
    return json_ws(s, i + 1, n)


cdef inline Py_ssize_t _next_member(const char* s, Py_ssize_t i, Py_ssize_t n, char close) noexcept:
    """After a value: the index of the next member (after a comma), ``-2`` at the closing
    ``close`` (``s[i]`` is then that bracket: the caller steps over it), -1 otherwise."""
    i = json_ws(s, i, n)
    if i < n and s[i] == b',':
        return json_ws(s, i + 1, n)
    if i < n and s[i] == close:
        return -2
    return -1


cdef Py_ssize_t _level(const char* s, Py_ssize_t i, Py_ssize_t n, double* price, double* qty) noexcept:
    """``{"price": number, "qty": number}`` (either order, nothing else) at ``s[i]``: the index
    after it, -1 otherwise."""
    cdef Py_ssize_t key_end, member, start
    cdef bint have_price = False, have_qty = False
    if i >= n or s[i] != b'{':
        return -1
    i = json_ws(s, i + 1, n)
    while True:
        start = i
        i = _key(s, i, n, &key_end)
        if i < 0:
            return -1
        if _key_is(s, start, key_end, b"price", 5) and not have_price:
            have_price = True
            i = _number(s, i, n, price)
        elif _key_is(s, start, key_end, b"qty", 3) and not have_qty:
            have_qty = True
            i = _number(s, i, n, qty)
        else:
            return -1
        if i < 0:
            return -1
        member = _next_member(s, i, n, b'}')
        if member == -2:
            break
        if member < 0:
            return -1
        i = member
    if not (have_price and have_qty):
        return -1
    return json_ws(s, i, n) + 1


cdef object _side(const char* s, Py_ssize_t* at, Py_ssize_t n):
    """``[{"price": p, "qty": q}, ...]`` at ``s[at[0]]``: its rows as a ``DepthRows``, ``at`` moved
    past it; None if not that shape."""
    cdef double price = 0.0, qty = 0.0
    cdef Py_ssize_t i = at[0], member
    cdef DepthRows rows
    if i >= n or s[i] != b'[':
        return None
    # __new__: Cython calls the type's tp_new directly (no type call, no __init__; __cinit__ runs)
    rows = DepthRows.__new__(DepthRows)
    i = json_ws(s, i + 1, n)
    if i < n and s[i] == b']':
        at[0] = i + 1
        return rows
    while True:
        i = _level(s, i, n, &price, &qty)
        if i < 0:
            return None
        rows._push(price, qty)
        member = _next_member(s, i, n, b']')
        if member == -2:
            break
        if member < 0:
            return None
        i = member
    at[0] = json_ws(s, i, n) + 1
    return rows


cdef tuple _entry(const char* s, Py_ssize_t* at, Py_ssize_t n):
    """The one object of ``data`` at ``s[at[0]]``: (symbol, bids, asks, checksum), ``at`` moved
    past it; None if not that shape."""
    cdef Py_ssize_t i = at[0], key_end, end, member, start
    cdef int64_t checksum = -1
    cdef object symbol = None
    cdef object bids = None, asks = None
    cdef bint seen_timestamp = False
    if i >= n or s[i] != b'{':
        return None
    i = json_ws(s, i + 1, n)
    while True:
        start = i
        i = _key(s, i, n, &key_end)
        if i < 0:
            return None
        if _key_is(s, start, key_end, b"bids", 4):
            if bids is not None:
                return None
            bids = _side(s, &i, n)
            if bids is None:
                return None
        elif _key_is(s, start, key_end, b"asks", 4):
            if asks is not None:
                return None
            asks = _side(s, &i, n)
            if asks is None:
                return None
        elif _key_is(s, start, key_end, b"checksum", 8):
            if checksum >= 0:
                return None
            i = json_integer(s, i, n, &checksum)
        elif _key_is(s, start, key_end, b"symbol", 6):
            if symbol is not None or i >= n or s[i] != b'"':
                return None
            end = json_string_end(s, i + 1, n)
            if end <= i + 1:
                return None
            symbol = json_symbol(_symbols, s + i + 1, end - i - 1)
            i = end + 1
        elif _key_is(s, start, key_end, b"timestamp", 9):
            if seen_timestamp:
                return None
            seen_timestamp = True
            i = json_scalar_end(s, i, n)
        else:
            return None         # a key we do not know: its repetition could not be judged here
        if i < 0:
            return None
        member = _next_member(s, i, n, b'}')
        if member == -2:
            break
        if member < 0:
            return None
        i = member
    if symbol is None or checksum < 0:
        return None
    at[0] = json_ws(s, i, n) + 1
    return (symbol, bids if bids is not None else DepthRows.__new__(DepthRows),
            asks if asks is not None else DepthRows.__new__(DepthRows),
            checksum)


def parse_book_update(object frame):
    """``(symbol, bids, asks, checksum)`` of a Kraken v2 book update frame with one entry, else None.

    ``frame``: the text frame as ``str`` (or ``bytes``).  ``bids`` / ``asks``
    are ``DepthRows`` in the frame's order; ``checksum`` an int.  None means
    "not this fast shape": decode it with a JSON library instead (module
    docstring).  Never raises for bad input (only ``MemoryError``)."""
    return _parse(frame)


cdef tuple _parse(object frame):
    cdef const char* s
    cdef Py_ssize_t n, i, key_end, member, start
    cdef bint is_book = False, is_update = False
    cdef tuple entry = None
    if PyUnicode_CheckExact(frame):
        if not PyUnicode_IS_ASCII(frame):
            return None
        s = PyUnicode_AsUTF8AndSize(frame, &n)
    elif PyBytes_CheckExact(frame):
        s = PyBytes_AS_STRING(frame)
        n = PyBytes_GET_SIZE(frame)
    else:
        return None
    i = json_ws(s, 0, n)
    if i >= n or s[i] != b'{':
        return None
    i = json_ws(s, i + 1, n)
    while True:
        start = i
        i = _key(s, i, n, &key_end)
        if i < 0:
            return None
        if _key_is(s, start, key_end, b"channel", 7):
            if is_book or n - i < 6 or memcmp(s + i, b'"book"', 6) != 0:
                return None         # another channel: trades, heartbeats and answers leave here
            is_book = True
            i += 6
        elif _key_is(s, start, key_end, b"type", 4):
            if is_update or n - i < 8 or memcmp(s + i, b'"update"', 8) != 0:
                return None         # a snapshot (rare) takes the general path
            is_update = True
            i += 8
        elif _key_is(s, start, key_end, b"data", 4):
            if entry is not None or i >= n or s[i] != b'[':
                return None
            i = json_ws(s, i + 1, n)
            entry = _entry(s, &i, n)
            if entry is None:
                return None
            i = json_ws(s, i, n)
            if i >= n or s[i] != b']':
                return None     # several entries (or none): the general path serves them
            i += 1
        else:
            return None
        member = _next_member(s, i, n, b'}')
        if member == -2:
            break
        if member < 0:
            return None
        i = member
    if json_ws(s, json_ws(s, i, n) + 1, n) != n:
        return None
    if not (is_book and is_update) or entry is None:
        return None
    return entry


cdef class KrakenBookChecksum(BookChecksum):
    """Kraken's checksum as a proof (docs/kraken_spot.md section 2): what cannot be judged is a mismatch.

    ``BookChecksum.matches`` raises for a checksum that is not an int and for a level too large to
    render, which the tracker counts as unverified and keeps the book synced: right for a venue
    whose checksum is an extra, wrong for Kraken, whose checksum is the only integrity its books
    have. Here a checksum that is not an int in ``[0, 2**32)``, a level too large to render, or a
    top level with more decimals than the pair's precision (the venue never sends one; the
    rendering would round it and could verify a price the venue does not have) is ``False``: the
    pair resyncs.  Levels below the top ``levels`` are not covered by the checksum at all."""

    def __cinit__(self, *args, **kwargs):
        # a top level with more decimals than the pair's is refused as it is rendered (once per
        # level: a cached text was checked when it was rendered)
        self._whole_units = True

    cpdef bint matches(self, OrderBook book, object expected) except -1:
        if type(expected) is not int or expected < 0 or expected > 0xFFFFFFFF:
            return False
        try:
            return BookChecksum.matches(self, book, expected)
        except OverflowError:
            return False


# ---------------------------------------------------------------- the synced happy path in one call

cdef object _SYNCED = SyncState.SYNCED
cdef object _ARRIVAL = SequenceRule.ARRIVAL
cdef object _APPLIED = DiffResult.APPLIED


cdef Py_ssize_t _MAX_LANES = 4096      # more symbols than any source subscribes: the map is emptied


def apply_book_update(object frame, dict pair_by_symbol, dict syncs, double received_at, dict lanes):
    """One book update frame of a synced pair, from its text to the applied, checksum-verified book.

    ``frame``: the text frame; ``pair_by_symbol``: WS symbol -> trading pair (the data source's map);
    ``syncs``: trading pair -> ``OrderBookPairSync`` (the tracker's, ``OrderBookTracker.pair_syncs``);
    ``received_at``: the frame's arrival on the sync's clock; ``lanes``: the caller's cache (a dict
    this function fills; one per data source).  Returns True when the frame was taken
    here, False when nothing was read or changed and the caller must take the general path (a frame
    the scanner does not recognise, a symbol not in the map, a pair not tracked, not synced, not
    ``ARRIVAL``-numbered, or without a checksum rendering yet).

    What it does is ``OrderBookPairSync.on_diff`` for a synced ``ARRIVAL`` pair with a checksum,
    step for step (tracking/order_book_sync.py, step 4): the arrival number, the book's
    ``apply_diffs``, ``diffs_applied`` and the latency sample, ``matches`` of the pair's checksum
    rendering.  Every other outcome (rows the book refuses, a result other than ``APPLIED``, a
    checksum that does not match or cannot be judged) is handed to the sync's own methods
    (``refused_by_book``, ``not_applied``, ``checksum_failed``), so counters, events and resyncs
    are the general path's.  The calls in Python that this saves are the only difference."""
    cdef tuple entry
    cdef object checksum, seq, result, metrics, sync
    cdef _Lane lane
    cdef OrderBook book
    cdef BookChecksum rendering
    cdef bint ok
    entry = _parse(frame)
    if entry is None:
        return False
    lane = lanes.get(entry[0])
    if (lane is None or lane.pair_map is not pair_by_symbol or lane.syncs is not syncs
            or syncs.get(lane.pair) is not lane.sync):
        lane = _lane(entry[0], pair_by_symbol, syncs, lanes)
        if lane is None:
            return False
    sync = lane.sync
    if sync.state is not _SYNCED:
        return False
    checksum = sync._checksum
    if not isinstance(checksum, BookChecksum):
        return False
    book = lane.book
    rendering = <BookChecksum>checksum
    bids, asks, crc = entry[1], entry[2], entry[3]
    # numbered before any refusal, as on_diff does: a diff lost here shows as a gap at the next one
    seq = sync._seq + 1
    sync._seq = seq
    try:
        result = book.apply_diffs(bids, asks, seq, seq, -1)
    except (ValueError, TypeError, OverflowError) as exc:
        sync.refused_by_book(seq, exc)
        return True
    if result is not _APPLIED:
        sync.not_applied(result, bids, asks, seq, seq, -1, received_at, crc)
        return True
    metrics = lane.metrics
    metrics.diffs_applied += 1
    if lane.latency is not None:
        lane.latency._add(lane.clock() - received_at)
    else:
        metrics.latency.add(lane.clock() - received_at)
    try:
        ok = rendering.matches(book, crc)
    except (TypeError, OverflowError):
        ok = False      # not judged here: checksum_failed judges it and counts it
    if not ok:
        sync.checksum_failed(bids, asks, seq, seq, -1, received_at, crc)
    return True


cdef class _Lane:
    """What ``apply_book_update`` reads of one symbol's pair that does not change while its sync
    lives (the sync's book, metrics, clock and sequence rule are set when it is made), so a frame
    reads only what does change (the sync's state, checksum rendering and arrival number)."""
    cdef object pair_map, syncs, pair, sync, metrics, clock
    cdef LatencyStats latency       # None: the metrics hold another latency type, called in Python
    cdef OrderBook book


cdef _Lane _lane(object symbol, dict pair_by_symbol, dict syncs, dict lanes):
    """The lane of ``symbol`` now (kept in ``lanes``), or None when the fast path does not serve it:
    the symbol not in the map, its pair not tracked, not ``ARRIVAL``-numbered, a book of another type."""
    cdef _Lane lane
    lanes.pop(symbol, None)
    pair = pair_by_symbol.get(symbol)
    if pair is None:
        return None
    sync = syncs.get(pair)
    if sync is None or sync._rule is not _ARRIVAL or not isinstance(sync.book, OrderBook):
        return None
    lane = _Lane.__new__(_Lane)
    lane.pair_map, lane.syncs, lane.pair, lane.sync = pair_by_symbol, syncs, pair, sync
    lane.book = sync.book
    lane.metrics = sync.metrics
    lane.clock = sync._clock
    latency = lane.metrics.latency
    lane.latency = latency if type(latency) is LatencyStats else None
    if len(lanes) >= _MAX_LANES:
        lanes.clear()       # symbols no longer seen hold no sync alive for long
    lanes[symbol] = lane
    return lane
