# cython: language_level=3
"""Pieces of a narrow JSON scanner over a frame's own bytes (header only).

The venues' C frame scanners (``exchanges/binance/_binance_depth``,
``exchanges/kraken/_kraken_book``) recognise one frame shape each and step
aside (return None) for anything else, so the general JSON path reports real
errors.  What they share lives here, once: whitespace, strings, integers and
numbers by RFC 8259's grammar, skipping a scalar value, and the interning of
a symbol's ``str``.

Rules every helper keeps: ``s[0:n]`` is the frame; an index at or past ``n``
is never read; -1 means "not this shape" (the caller steps aside), never an
error.  Strings with an escape, a control byte or a non-ASCII byte step aside
(bytes frames may hold invalid UTF-8, which a JSON decoder refuses).  Every
function is ``cdef inline`` and raises nothing (``json_symbol`` only
``MemoryError``); this .pxd has no .pyx and no run-time module.
"""
from libc.math cimport isfinite
from libc.stdint cimport INT64_MAX, int64_t
from libc.string cimport memcmp

from hummingbot_conn.core._decimal_parse cimport parse_decimal


cdef extern from "Python.h":
    object PyUnicode_DecodeASCII(const char* s, Py_ssize_t size, const char* errors)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    void* PyUnicode_DATA(object o)
    Py_ssize_t PyList_GET_SIZE(object o)


cdef enum:
    JSON_SYMBOL_SLOTS = 256             # a symbol cache's size (a power of two): symbols kept by a hash of their text
    JSON_SYMBOL_MAX = 64                # longer symbols are decoded every time
    JSON_INTEGER_NO_PARSE_DIGITS = 308  # a plain integer this long is a finite double: skipped without a parse


cdef inline Py_ssize_t json_ws(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    while i < n and (s[i] == b' ' or s[i] == b'\n' or s[i] == b'\r' or s[i] == b'\t'):
        i += 1
    return i


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    /* The index (0..7) of the first byte of s[0:8] that is a quote, a backslash, a control byte
       (< 0x20) or non-ASCII, 8 if none; -1 on a big-endian machine (the caller reads byte by byte).
       The lowest flagged byte of each test is exact (a borrow only runs towards later bytes). */
    static CYTHON_INLINE int hbconn_json_string_stop(const char* s) {
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
        const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
        uint64_t v, quote, backslash, flags;
        memcpy(&v, s, 8);
        quote = v ^ 0x2222222222222222ULL;
        backslash = v ^ 0x5C5C5C5C5C5C5C5CULL;
        flags = (((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | ((v - 0x20 * ones) & ~v) | v)
                & highs;
        return flags ? (__builtin_ctzll(flags) >> 3) : 8;
    #else
        (void)s;
        return -1;
    #endif
    }
    """
    int hbconn_json_string_stop(const char* s) noexcept nogil


cdef inline Py_ssize_t json_string_end(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    """``s[i]`` follows an opening quote: the index of the closing one; -1 on an escape, a control
    byte or a non-ASCII byte.  Eight bytes at a time while eight remain before ``n`` (never a
    byte past it), the last few one by one."""
    cdef unsigned char c
    cdef int stop
    while i + 8 <= n:
        stop = hbconn_json_string_stop(s + i)
        if stop < 0:
            break               # a big-endian machine: byte by byte below
        if stop < 8:
            return i + stop if s[i + stop] == b'"' else -1
        i += 8
    while i < n:
        c = <unsigned char>s[i]
        if c == b'"':
            return i
        if c == b'\\' or c < 0x20 or c >= 0x80:
            return -1
        i += 1
    return -1


cdef inline Py_ssize_t json_digits(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    while i < n and b'0' <= s[i] <= b'9':
        i += 1
    return i


cdef inline Py_ssize_t json_integer(const char* s, Py_ssize_t i, Py_ssize_t n, int64_t* out) noexcept:
    """A non-negative JSON integer below 2**63 at ``s[i]``: the index after it, -1 otherwise
    (fractions, exponents, a sign, a leading zero as in ``01``, which JSON forbids)."""
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


cdef inline Py_ssize_t json_number_grammar(const char* s, Py_ssize_t i, Py_ssize_t n,
                                           Py_ssize_t* integer_digits) noexcept:
    """A JSON number at ``s[i]`` by RFC 8259's grammar (its value not judged): the index after it,
    -1 otherwise.  ``integer_digits``: the digits of a plain integer (no fraction, no exponent),
    0 for any other number."""
    cdef Py_ssize_t int_start, j
    cdef bint plain = True
    if i < n and s[i] == b'-':
        i += 1
    if i >= n:
        return -1
    int_start = i
    if s[i] == b'0':
        i += 1
    elif b'1' <= s[i] <= b'9':
        i = json_digits(s, i + 1, n)
    else:
        return -1
    if i < n and s[i] == b'.':
        plain = False
        j = json_digits(s, i + 1, n)
        if j == i + 1:
            return -1
        i = j
    if i < n and (s[i] == b'e' or s[i] == b'E'):
        plain = False
        i += 1
        if i < n and (s[i] == b'+' or s[i] == b'-'):
            i += 1
        j = json_digits(s, i, n)
        if j == i:
            return -1
        i = j
    integer_digits[0] = i - int_start if plain else 0
    return i


cdef inline Py_ssize_t json_number_end(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    """A JSON number at ``s[i]`` that is finite as a double (as a JSON decoder such as orjson
    demands): the index after it, -1 otherwise.  A plain integer of up to 308 digits is finite
    without a parse (a venue's millisecond times); any other number is parsed to judge it."""
    cdef Py_ssize_t digits
    cdef Py_ssize_t end = json_number_grammar(s, i, n, &digits)
    cdef double value
    if end < 0:
        return -1
    if 0 < digits <= JSON_INTEGER_NO_PARSE_DIGITS:
        return end
    # what follows is not part of a number, so parse_decimal reads exactly s[i:end]
    if parse_decimal(s + i, end - i, &value) != 0 or not isfinite(value):
        return -1
    return end


cdef inline Py_ssize_t json_scalar_end(const char* s, Py_ssize_t i, Py_ssize_t n) noexcept:
    """Skip a string, number, true, false or null at ``s[i]``; -1 for anything else (objects,
    arrays: the shapes never need one skipped)."""
    cdef unsigned char c
    if i >= n:
        return -1
    c = <unsigned char>s[i]
    if c == b'"':
        i = json_string_end(s, i + 1, n)
        return -1 if i < 0 else i + 1
    if c == b'-' or (b'0' <= c <= b'9'):
        return json_number_end(s, i, n)
    if n - i >= 4 and (memcmp(s + i, b"true", 4) == 0 or memcmp(s + i, b"null", 4) == 0):
        return i + 4
    if n - i >= 5 and memcmp(s + i, b"false", 5) == 0:
        return i + 5
    return -1


cdef inline object json_symbol(list cache, const char* text, Py_ssize_t n):
    """The ``str`` of an ASCII symbol (checked by ``json_string_end``), the same object for the
    same text while it keeps its slot of ``cache`` (a list of ``JSON_SYMBOL_SLOTS`` items, one per
    scanner module): no new str per frame, and the dict lookups downstream reuse its cached hash.
    MemoryError only."""
    cdef Py_ssize_t k
    cdef unsigned int h = 2166136261u
    cdef object cached
    if n > JSON_SYMBOL_MAX or PyList_GET_SIZE(cache) != JSON_SYMBOL_SLOTS:
        return PyUnicode_DecodeASCII(text, n, NULL)
    for k in range(n):                  # FNV-1a
        h = (h ^ <unsigned char>text[k]) * 16777619u
    k = h & (JSON_SYMBOL_SLOTS - 1)
    cached = cache[k]
    if (cached is not None and PyUnicode_GET_LENGTH(cached) == n
            and memcmp(PyUnicode_DATA(cached), text, n) == 0):
        return cached
    cached = PyUnicode_DecodeASCII(text, n, NULL)
    if PyList_GET_SIZE(cache) == JSON_SYMBOL_SLOTS:     # again: the allocation may have run Python code
        cache[k] = cached
    return cached
