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
general JSON path, which reports real errors.  Prices and quantities are parsed by
``_decimal_parse.pxd`` (the same double ``float()`` gives); the book then
validates them (finite, price > 0, quantity >= 0) as for any other rows.
"""
from cpython.buffer cimport PyBUF_FORMAT, PyBUF_WRITABLE
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport INT64_MAX, int64_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.math cimport isfinite
from libc.string cimport memcmp, memcpy

cimport cython

from hummingbot_conn.core._decimal_parse cimport hbconn_pow10, parse_decimal


cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object o, Py_ssize_t* size) except NULL
    object PyUnicode_DecodeASCII(const char* s, Py_ssize_t size, const char* errors)
    bint PyUnicode_CheckExact(object o)
    bint PyBytes_CheckExact(object o)
    bint PyUnicode_IS_ASCII(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    void* PyUnicode_DATA(object o)


cdef char* _FORMAT = b"d"

cdef enum:
    _FAST_DIGITS = 19                   # characters between the quotes on the one-pass path (point included)

cdef enum:
    _SYMBOL_SLOTS = 256                 # symbols kept (a power of two), by a hash of their text
    _SYMBOL_MAX = 64                    # longer ones are decoded every time

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


cdef inline Py_ssize_t _ws(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    while i < n and (s[i] == b' ' or s[i] == b'\n' or s[i] == b'\r' or s[i] == b'\t'):
        i += 1
    return i


cdef inline Py_ssize_t _string_end(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    """``s[i]`` follows an opening quote: the index of the closing one, -1 on an escape, a control
    byte or a non-ASCII byte (bytes frames may hold invalid UTF-8, which a JSON decoder refuses:
    such strings step aside rather than be checked here)."""
    cdef unsigned char c
    while i < n:
        c = <unsigned char>s[i]
        if c == b'"':
            return i
        if c == b'\\' or c < 0x20 or c >= 0x80:
            return -1
        i += 1
    return -1


cdef inline Py_ssize_t _integer(const char* s, Py_ssize_t i, Py_ssize_t n, int64_t* out) noexcept:
    """A non-negative JSON integer at ``s[i]``: the index after it, -1 otherwise (fractions, exponents,
    a leading zero as in ``01``, which JSON forbids)."""
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


cdef inline Py_ssize_t _digits(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    while i < n and b'0' <= s[i] <= b'9':
        i += 1
    return i


cdef Py_ssize_t _number_end(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    """A JSON number at ``s[i]`` (RFC 8259 grammar, finite as a double, as orjson demands): the
    index after it, -1 otherwise."""
    cdef Py_ssize_t start = i, j
    cdef double value
    cdef bint fraction_or_exponent = False
    if i < n and s[i] == b'-':
        i += 1
    if i >= n:
        return -1
    if s[i] == b'0':
        i += 1
    elif b'1' <= s[i] <= b'9':
        i = _digits(s, i + 1, n)
    else:
        return -1
    if i < n and s[i] == b'.':
        fraction_or_exponent = True
        j = _digits(s, i + 1, n)
        if j == i + 1:
            return -1
        i = j
    if i < n and (s[i] == b'e' or s[i] == b'E'):
        fraction_or_exponent = True
        i += 1
        if i < n and (s[i] == b'+' or s[i] == b'-'):
            i += 1
        j = _digits(s, i, n)
        if j == i:
            return -1
        i = j
    # an integer of up to 308 digits is a finite double (Binance's "E" and "T" times): no parse
    if not fraction_or_exponent and i - start <= 308:
        return i
    # what follows is not part of a number (checked above), so the slow path of
    # parse_decimal stops exactly at s[i]; a value beyond the double range is refused
    if parse_decimal(s + start, i - start, &value) != 0 or not isfinite(value):
        return -1
    return i


cdef Py_ssize_t _scalar_end(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    """Skip a string, number, true, false or null; -1 for anything else (objects, arrays)."""
    cdef unsigned char c
    if i >= n:
        return -1
    c = <unsigned char>s[i]
    if c == b'"':
        i = _string_end(s, i + 1, n)
        return -1 if i < 0 else i + 1
    if c == b'-' or (b'0' <= c <= b'9'):
        return _number_end(s, i, n)
    if n - i >= 4 and (s[i:i + 4] == b"true" or s[i:i + 4] == b"null"):
        return i + 4
    if n - i >= 5 and s[i:i + 5] == b"false":
        return i + 5
    return -1


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
    end = _string_end(s, i + 1, n)
    if end < 0 or parse_decimal(s + i + 1, end - i - 1, out) != 0:
        return -1
    return end + 1


cdef Py_ssize_t _rows(const char* s, Py_ssize_t i, Py_ssize_t n, DepthRows rows) except -2:
    """``[["p", "q"], ...]`` at ``s[i]`` into ``rows``: the index after it, -1 if not that shape."""
    cdef double price, amount
    if i >= n or s[i] != b'[':
        return -1
    i = _ws(s, i + 1, n)
    if i < n and s[i] == b']':
        return i + 1
    while True:
        if i >= n or s[i] != b'[':
            return -1
        i = _decimal_string(s, _ws(s, i + 1, n), n, &price)
        if i < 0:
            return -1
        i = _ws(s, i, n)
        if i >= n or s[i] != b',':
            return -1
        i = _decimal_string(s, _ws(s, i + 1, n), n, &amount)
        if i < 0:
            return -1
        i = _ws(s, i, n)
        if i >= n or s[i] != b']':
            return -1
        rows._push(price, amount)
        i = _ws(s, i + 1, n)
        if i < n and s[i] == b',':
            i = _ws(s, i + 1, n)
            continue
        if i < n and s[i] == b']':
            return i + 1
        return -1


cdef list _symbols = [None] * _SYMBOL_SLOTS


cdef object _symbol(const char* text, Py_ssize_t n):
    """The symbol's str, the same object for the same text while it keeps its slot: no new str
    per frame, and the dict lookups downstream reuse its cached hash.  ``text`` is ASCII (checked
    by ``_string_end``)."""
    cdef Py_ssize_t k
    cdef unsigned int h = 2166136261u
    cdef object cached
    if n > _SYMBOL_MAX:
        return PyUnicode_DecodeASCII(text, n, NULL)
    for k in range(n):                  # FNV-1a
        h = (h ^ <unsigned char>text[k]) * 16777619u
    k = h & (_SYMBOL_SLOTS - 1)
    cached = _symbols[k]
    if (cached is not None and PyUnicode_GET_LENGTH(cached) == n
            and memcmp(PyUnicode_DATA(cached), text, n) == 0):
        return cached
    cached = PyUnicode_DecodeASCII(text, n, NULL)
    _symbols[k] = cached
    return cached


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
    i = _ws(s, 0, n)
    if i >= n or s[i] != b'{':
        return None
    i = _ws(s, i + 1, n)
    while True:
        # a key: the fields used have one character; longer ones (futures' "pu") are skipped
        if i >= n or s[i] != b'"':
            return None
        key_end = _string_end(s, i + 1, n)
        if key_end < 0:
            return None
        key = s[i + 1] if key_end == i + 2 else 0
        i = _ws(s, key_end + 1, n)
        if i >= n or s[i] != b':':
            return None
        i = _ws(s, i + 1, n)
        if key == b'e':
            end = _scalar_end(s, i, n)
            if end != i + 13 or s[i] != b'"' or memcmp(s + i + 1, b"depthUpdate", 11) != 0:
                return None         # another event: most frames that are not diffs leave here
            is_depth = True
            i = end
        elif key == b's':
            if i >= n or s[i] != b'"':
                return None
            end = _string_end(s, i + 1, n)
            if end < 0:
                return None
            if end == i + 1:
                return None
            symbol = _symbol(s + i + 1, end - i - 1)
            i = end + 1
        elif key == b'U':
            i = _integer(s, i, n, &first_update_id)
        elif key == b'u':
            i = _integer(s, i, n, &update_id)
        elif key == b'b':
            # __new__: Cython calls the type's tp_new directly (no type call, no __init__)
            bids = DepthRows.__new__(DepthRows)
            i = _rows(s, i, n, bids)
        elif key == b'a':
            asks = DepthRows.__new__(DepthRows)
            i = _rows(s, i, n, asks)
        else:
            i = _scalar_end(s, i, n)
        if i < 0:
            return None
        i = _ws(s, i, n)
        if i < n and s[i] == b',':
            i = _ws(s, i + 1, n)
            continue
        if i < n and s[i] == b'}':
            break
        return None
    if _ws(s, i + 1, n) != n:
        return None
    if not is_depth or symbol is None or first_update_id < 0 or update_id < 0 or bids is None or asks is None:
        return None
    return (symbol, first_update_id, update_id, bids, asks)
