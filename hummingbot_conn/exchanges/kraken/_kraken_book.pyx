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
with orjson as before, which reports real errors.  Prices and quantities
are parsed by ``_decimal_parse.pxd`` (the same correctly rounded double
``float()`` and orjson give); the book then validates them (finite, price >
0, quantity >= 0) as it does any other rows.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport INT64_MAX, int64_t
from libc.math cimport isfinite
from libc.string cimport memcmp

from hummingbot_conn.core._decimal_parse cimport parse_decimal
from hummingbot_conn.exchanges.binance._binance_depth cimport DepthRows


cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object o, Py_ssize_t* size) except NULL
    object PyUnicode_DecodeASCII(const char* s, Py_ssize_t size, const char* errors)
    bint PyUnicode_CheckExact(object o)
    bint PyBytes_CheckExact(object o)
    bint PyUnicode_IS_ASCII(object o)


cdef enum:
    _MAX_PLAIN_INTEGER_DIGITS = 15      # every such integer is an exact double


cdef inline Py_ssize_t _ws(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    while i < n and (s[i] == b' ' or s[i] == b'\n' or s[i] == b'\r' or s[i] == b'\t'):
        i += 1
    return i


cdef inline Py_ssize_t _string_end(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    """``s[i]`` follows an opening quote: the index of the closing one; -1 on an escape, a control
    byte or a non-ASCII byte (those frames step aside to the JSON decoder)."""
    cdef unsigned char c
    while i < n:
        c = <unsigned char>s[i]
        if c == b'"':
            return i
        if c == b'\\' or c < 0x20 or c >= 0x80:
            return -1
        i += 1
    return -1


cdef inline Py_ssize_t _digits(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    while i < n and b'0' <= s[i] <= b'9':
        i += 1
    return i


cdef Py_ssize_t _number(const char* s, Py_ssize_t i, Py_ssize_t n, double* out) noexcept:
    """A JSON number at ``s[i]`` (RFC 8259 grammar, finite as a double) into ``out``: the index
    after it, -1 otherwise (module docstring: long plain integers step aside too)."""
    cdef Py_ssize_t start = i, j, int_start
    cdef bint plain = True
    if i < n and s[i] == b'-':
        i += 1
    if i >= n:
        return -1
    int_start = i
    if s[i] == b'0':
        i += 1
    elif b'1' <= s[i] <= b'9':
        i = _digits(s, i + 1, n)
    else:
        return -1
    if i < n and s[i] == b'.':
        plain = False
        j = _digits(s, i + 1, n)
        if j == i + 1:
            return -1
        i = j
    if i < n and (s[i] == b'e' or s[i] == b'E'):
        plain = False
        i += 1
        if i < n and (s[i] == b'+' or s[i] == b'-'):
            i += 1
        j = _digits(s, i, n)
        if j == i:
            return -1
        i = j
    if plain and i - int_start > _MAX_PLAIN_INTEGER_DIGITS:
        return -1
    # what follows is not part of a number, so parse_decimal reads exactly s[start:i]
    if parse_decimal(s + start, i - start, out) != 0 or not isfinite(out[0]):
        return -1
    return i


cdef inline Py_ssize_t _integer(const char* s, Py_ssize_t i, Py_ssize_t n, int64_t* out) noexcept:
    """A non-negative JSON integer below 2**63 at ``s[i]``: the index after it, -1 otherwise
    (fractions, exponents, a sign, a leading zero as in ``01``)."""
    cdef Py_ssize_t start = i
    cdef int64_t value = 0
    cdef int d
    while i < n:
        d = <int>(<unsigned char>s[i]) - 48
        if d < 0 or d > 9:
            break
        if value > (INT64_MAX - d) // 10:
            return -1
        value = value * 10 + d
        i += 1
    if i == start or (i < n and (s[i] == b'.' or s[i] == b'e' or s[i] == b'E')):
        return -1
    if s[start] == b'0' and i - start > 1:
        return -1
    out[0] = value
    return i


cdef Py_ssize_t _scalar_end(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    """Skip a string, number, true, false or null; -1 for anything else (objects, arrays)."""
    cdef unsigned char c
    cdef double ignored
    if i >= n:
        return -1
    c = <unsigned char>s[i]
    if c == b'"':
        i = _string_end(s, i + 1, n)
        return -1 if i < 0 else i + 1
    if c == b'-' or (b'0' <= c <= b'9'):
        return _number(s, i, n, &ignored)
    if n - i >= 4 and (memcmp(s + i, b"true", 4) == 0 or memcmp(s + i, b"null", 4) == 0):
        return i + 4
    if n - i >= 5 and memcmp(s + i, b"false", 5) == 0:
        return i + 5
    return -1


cdef object _last_symbol = ""      # the previous frame's symbol: most frames repeat it


cdef object _symbol(const char* text, Py_ssize_t length):
    """The str of an ASCII symbol, the previous one again when the text is the same."""
    global _last_symbol
    cdef Py_ssize_t size
    cdef const char* last = PyUnicode_AsUTF8AndSize(_last_symbol, &size)
    if size == length and memcmp(last, text, length) == 0:
        return _last_symbol
    _last_symbol = PyUnicode_DecodeASCII(text, length, NULL)
    return _last_symbol


cdef inline bint _key_is(const char* s, Py_ssize_t i, Py_ssize_t key_end, const char* name,
                         Py_ssize_t length) noexcept:
    """The key whose text is ``s[i + 1:key_end]`` is ``name``."""
    return key_end - i - 1 == length and memcmp(s + i + 1, name, length) == 0


cdef inline Py_ssize_t _key(const char* s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t* key_end) noexcept:
    """A key and its colon at ``s[i]``: the index of the value, -1 if not that shape."""
    if i >= n or s[i] != b'"':
        return -1
    key_end[0] = _string_end(s, i + 1, n)
    if key_end[0] < 0:
        return -1
    i = _ws(s, key_end[0] + 1, n)
    if i >= n or s[i] != b':':
        return -1
    return _ws(s, i + 1, n)


cdef inline Py_ssize_t _next_member(const char* s, Py_ssize_t i, Py_ssize_t n, char close) noexcept:
    """After a value: the index of the next member (after a comma), ``-2`` at the closing
    ``close`` (``s[i]`` is then that bracket: the caller steps over it), -1 otherwise."""
    i = _ws(s, i, n)
    if i < n and s[i] == b',':
        return _ws(s, i + 1, n)
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
    i = _ws(s, i + 1, n)
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
    return _ws(s, i, n) + 1


cdef object _side(const char* s, Py_ssize_t* at, Py_ssize_t n):
    """``[{"price": p, "qty": q}, ...]`` at ``s[at[0]]``: its rows as a ``DepthRows``, ``at`` moved
    past it; None if not that shape."""
    cdef double price = 0.0, qty = 0.0
    cdef Py_ssize_t i = at[0], member
    cdef DepthRows rows = DepthRows()
    if i >= n or s[i] != b'[':
        return None
    i = _ws(s, i + 1, n)
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
    at[0] = _ws(s, i, n) + 1
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
    i = _ws(s, i + 1, n)
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
            i = _integer(s, i, n, &checksum)
        elif _key_is(s, start, key_end, b"symbol", 6):
            if symbol is not None or i >= n or s[i] != b'"':
                return None
            end = _string_end(s, i + 1, n)
            if end <= i + 1:
                return None
            symbol = _symbol(s + i + 1, end - i - 1)
            i = end + 1
        elif _key_is(s, start, key_end, b"timestamp", 9):
            if seen_timestamp:
                return None
            seen_timestamp = True
            i = _scalar_end(s, i, n)
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
    at[0] = _ws(s, i, n) + 1
    return (symbol, bids if bids is not None else DepthRows(), asks if asks is not None else DepthRows(),
            checksum)


def parse_book_update(object frame):
    """``(symbol, bids, asks, checksum)`` of a Kraken v2 book update frame with one entry, else None.

    ``frame``: the text frame as ``str`` (or ``bytes``).  ``bids`` / ``asks``
    are ``DepthRows`` in the frame's order; ``checksum`` an int.  None means
    "not this fast shape": decode it with a JSON library instead (module
    docstring).  Never raises for bad input (only ``MemoryError``)."""
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
    i = _ws(s, 0, n)
    if i >= n or s[i] != b'{':
        return None
    i = _ws(s, i + 1, n)
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
            i = _ws(s, i + 1, n)
            entry = _entry(s, &i, n)
            if entry is None:
                return None
            i = _ws(s, i, n)
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
    if _ws(s, _ws(s, i, n) + 1, n) != n:
        return None
    if not (is_book and is_update) or entry is None:
        return None
    return entry
