# cython: binding=False
"""Binance ``depthUpdate`` text frames -> (symbol, U, u, bid rows, ask rows), in C.

Why: decoding a frame with a JSON library builds ~60 Python objects (a dict,
row lists, 40 strings) that ``OrderBook.apply_diffs`` then reads back and
throws away.  This scanner reads the frame's own bytes once and writes the
rows as doubles into two small ``DepthRows`` buffers, which ``apply_diffs``
takes as (n, 2) float64 arrays (see ``_row_parse.pyx``).

Scope (deliberately narrow): one ASCII JSON object whose ``"e"`` is
``"depthUpdate"`` (docs/binance_spot.md section 5.3): ``"s"`` a string,
``"U"`` / ``"u"`` non-negative integers, ``"b"`` / ``"a"`` arrays of
``["price", "quantity"]`` decimal strings; other keys may carry a string, a
number (JSON's grammar, finite as a double), ``true``, ``false`` or
``null``.  Anything else (another event, a combined-stream wrapper, escapes
or non-ASCII text in strings, numbers as rows, extra row items, a missing
field, malformed text) returns ``None`` so the caller falls back to the
general JSON path, which reports real errors (the scanning pieces shared with the other
venues' scanners: ``core/_json_scan.pxd``).  Prices and quantities are parsed by
``_decimal_parse.pxd`` (the same double ``float()`` gives); the book then
validates them (finite, price > 0, quantity >= 0) as for any other rows.
"""
from cpython.buffer cimport PyBUF_FORMAT, PyBUF_WRITABLE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy

cimport cython

from hummingbot_conn.core._decimal_parse cimport hbconn_pow10, parse_decimal
from hummingbot_conn.core._json_scan cimport (
    JSON_SYMBOL_SLOTS, json_integer, json_scalar_end, json_string_end, json_symbol, json_ws)


cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object o, Py_ssize_t* size) except NULL
    bint PyUnicode_CheckExact(object o)
    bint PyBytes_CheckExact(object o)
    bint PyUnicode_IS_ASCII(object o)


cdef char* _FORMAT = b"d"

cdef enum:
    _FAST_DIGITS = 19                   # characters between the quotes on the one-pass path (point included)

cdef uint64_t _MAX_EXACT = 9007199254740992     # 2**53: every integer up to here is an exact double


@cython.freelist(8)
cdef class DepthRows:
    """One side of a parsed frame: ``n`` rows of (price, quantity) doubles.

    A read-only (n, 2) float64 buffer (``numpy.asarray(rows)`` views it, and
    ``OrderBook.apply_diffs`` takes it as rows).  ``len(rows)``, ``rows[i]``
    -> ``(price, quantity)``, ``rows.tolist()``."""

    def __cinit__(self):
        # two of these per frame: the first rows live in the object (and a freelist keeps the
        # objects), so parsing a frame of up to 16 rows a side allocates nothing from the C heap
        self._data = self._inline
        self._n = 0
        self._cap = _INLINE_ROWS
        self._exports = 0

    def __dealloc__(self):
        if self._data != self._inline:
            free(self._data)

    cdef int _push(self, double price, double amount) except -1:
        cdef double* grown
        if self._exports:
            raise BufferError("DepthRows is exported: it cannot grow")
        if self._n == self._cap:
            if self._data == self._inline:
                grown = <double*>malloc(self._cap * 4 * sizeof(double))
                if grown != NULL:
                    memcpy(grown, self._inline, self._n * 2 * sizeof(double))
            else:
                grown = <double*>realloc(self._data, self._cap * 4 * sizeof(double))
            if grown == NULL:
                raise MemoryError()
            self._data = grown
            self._cap *= 2
        self._data[2 * self._n] = price
        self._data[2 * self._n + 1] = amount
        self._n += 1
        return 0

    def __len__(self):
        return self._n

    def __getitem__(self, Py_ssize_t i):
        if i < 0:
            i += self._n
        if i < 0 or i >= self._n:
            raise IndexError("DepthRows index out of range")
        return (self._data[2 * i], self._data[2 * i + 1])

    def tolist(self):
        return [[self._data[2 * i], self._data[2 * i + 1]] for i in range(self._n)]

    def __getbuffer__(self, Py_buffer* view, int flags):
        if flags & PyBUF_WRITABLE:
            raise BufferError("DepthRows is read-only")
        self._shape[0] = self._n
        self._shape[1] = 2
        self._strides[0] = 2 * sizeof(double)
        self._strides[1] = sizeof(double)
        view.buf = <void*>self._data
        view.obj = self
        view.len = self._n * 2 * sizeof(double)
        view.readonly = 1
        view.itemsize = sizeof(double)
        view.format = _FORMAT if flags & PyBUF_FORMAT else NULL
        view.ndim = 2
        view.shape = self._shape
        view.strides = self._strides
        view.suboffsets = NULL
        view.internal = NULL
        self._exports += 1

    def __releasebuffer__(self, Py_buffer* view):
        self._exports -= 1

    def __repr__(self):
        return f"DepthRows({self.tolist()!r})"


cdef inline Py_ssize_t _decimal_string(const char* s, Py_ssize_t i, Py_ssize_t n, double* out) noexcept:
    """A ``"decimal"`` string at ``s[i]``: the index after its closing quote, -1 otherwise.

    Binance's rows ("29999.99", "0.00150000") take one pass: digits, an optional fraction, the
    closing quote, at most 19 digits and a mantissa <= 2**53.  The double is then the one
    ``parse_decimal`` gives (the same mantissa and power of ten, Clinger's exact case: see
    ``_decimal_parse.pxd``); any other text (a sign, an exponent, more digits, an escape) takes
    the general path below, which checks the string and parses it with ``parse_decimal``."""
    cdef Py_ssize_t end, start = i + 1, j = i + 1, fraction = 0
    cdef uint64_t mantissa = 0
    cdef unsigned int d
    cdef bint point = False
    if i >= n or s[i] != b'"':
        return -1
    while j < n:
        d = <unsigned int>(<unsigned char>s[j]) - 48
        if d > 9:
            break
        mantissa = mantissa * 10 + d
        j += 1
    if j < n and s[j] == b'.':
        point = True
        j += 1
        fraction = j
        while j < n:
            d = <unsigned int>(<unsigned char>s[j]) - 48
            if d > 9:
                break
            mantissa = mantissa * 10 + d
            j += 1
        fraction = j - fraction         # digits after the point
    # s[start:j] holds the digits and the point: at least one digit, at most 19 characters (so the
    # uint64 above cannot have overflowed)
    if (j < n and s[j] == b'"' and j - start - point >= 1 and j - start <= _FAST_DIGITS
            and mantissa <= _MAX_EXACT and fraction <= 22):
        out[0] = <double>mantissa / hbconn_pow10[fraction] if fraction else <double>mantissa
        return j + 1
    end = json_string_end(s, i + 1, n)
    if end < 0 or parse_decimal(s + i + 1, end - i - 1, out) != 0:
        return -1
    return end + 1


cdef Py_ssize_t _rows(const char* s, Py_ssize_t i, Py_ssize_t n, DepthRows rows) except -2:
    """``[["p", "q"], ...]`` at ``s[i]`` into ``rows``: the index after it, -1 if not that shape."""
    cdef double price, amount
    if i >= n or s[i] != b'[':
        return -1
    i = json_ws(s, i + 1, n)
    if i < n and s[i] == b']':
        return i + 1
    while True:
        if i >= n or s[i] != b'[':
            return -1
        i = _decimal_string(s, json_ws(s, i + 1, n), n, &price)
        if i < 0:
            return -1
        i = json_ws(s, i, n)
        if i >= n or s[i] != b',':
            return -1
        i = _decimal_string(s, json_ws(s, i + 1, n), n, &amount)
        if i < 0:
            return -1
        i = json_ws(s, i, n)
        if i >= n or s[i] != b']':
            return -1
        rows._push(price, amount)
        i = json_ws(s, i + 1, n)
        if i < n and s[i] == b',':
            i = json_ws(s, i + 1, n)
            continue
        if i < n and s[i] == b']':
            return i + 1
        return -1


cdef list _symbols = [None] * JSON_SYMBOL_SLOTS     # json_symbol's cache for this scanner


def parse_depth_update(object frame):
    """``(symbol, first_update_id, update_id, bids, asks)`` of a ``depthUpdate`` frame, else None.

    ``frame``: the text frame as ``str`` (or ``bytes``).  ``bids`` / ``asks``
    are ``DepthRows``.  None means "not this fast shape": decode it with a
    JSON library instead (module docstring).  Never raises for bad input
    (only ``MemoryError``)."""
    cdef const char* s
    cdef Py_ssize_t n, i, key_end, end
    cdef char key
    cdef int64_t first_update_id = -1, update_id = -1
    cdef bint is_depth = False
    cdef object symbol = None
    cdef DepthRows bids = None, asks = None
    if PyUnicode_CheckExact(frame):
        # Binance frames are ASCII; anything else (a lone surrogate cannot even be encoded)
        # steps aside to the JSON decoder, which reports it
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
        # a key: the fields used have one character; longer ones (futures' "pu") are skipped
        if i >= n or s[i] != b'"':
            return None
        key_end = json_string_end(s, i + 1, n)
        if key_end < 0:
            return None
        key = s[i + 1] if key_end == i + 2 else 0
        i = json_ws(s, key_end + 1, n)
        if i >= n or s[i] != b':':
            return None
        i = json_ws(s, i + 1, n)
        if key == b'e':
            end = json_scalar_end(s, i, n)
            if end != i + 13 or s[i] != b'"' or memcmp(s + i + 1, b"depthUpdate", 11) != 0:
                return None         # another event: most frames that are not diffs leave here
            is_depth = True
            i = end
        elif key == b's':
            if i >= n or s[i] != b'"':
                return None
            end = json_string_end(s, i + 1, n)
            if end < 0:
                return None
            if end == i + 1:
                return None
            symbol = json_symbol(_symbols, s + i + 1, end - i - 1)
            i = end + 1
        elif key == b'U':
            i = json_integer(s, i, n, &first_update_id)
        elif key == b'u':
            i = json_integer(s, i, n, &update_id)
        elif key == b'b':
            # __new__: Cython calls the type's tp_new directly (no type call, no __init__)
            bids = DepthRows.__new__(DepthRows)
            i = _rows(s, i, n, bids)
        elif key == b'a':
            asks = DepthRows.__new__(DepthRows)
            i = _rows(s, i, n, asks)
        else:
            i = json_scalar_end(s, i, n)
        if i < 0:
            return None
        i = json_ws(s, i, n)
        if i < n and s[i] == b',':
            i = json_ws(s, i + 1, n)
            continue
        if i < n and s[i] == b'}':
            break
        return None
    if json_ws(s, i + 1, n) != n:
        return None
    if not is_depth or symbol is None or first_update_id < 0 or update_id < 0 or bids is None or asks is None:
        return None
    return (symbol, first_update_id, update_id, bids, asks)
