# cython: language_level=3
"""Decimal-string -> double, in C, straight from an ASCII buffer (header only).

Why: exchanges send prices as decimal strings ("30000.01").  Calling
``float()`` on each one builds a Python float per value; this parser reads
the str's own bytes and produces the same double ``float()`` would, with no
allocation.

Exactness: the digits become a uint64 mantissa ``m`` and a decimal exponent
``e``.  When ``m <= 2**53`` and ``|e| <= 22`` both ``m`` and ``10**|e|`` are
exact doubles, so one IEEE multiplication or division gives the correctly
rounded result (Clinger's fast path): "0.30", "0.3", "3e-1" and float("0.3")
are the very same double.  Anything else (more than 19 significant digits,
huge exponents) goes to CPython's own correctly rounded ``PyOS_string_to_double``
after our grammar check, so the result always equals ``float(s)``.

Grammar (stricter than ``float()`` on purpose: exchanges never send the rest):
``[+-]? digits? ('.' digits?)? ([eE] [+-]? digits)?`` with at least one
mantissa digit; no whitespace, no underscores, no "nan"/"inf".

Every function is ``cdef inline``: this .pxd has no .pyx and no run-time
module; it is compiled into each module that cimports it.
"""
from libc.stdint cimport int64_t, uint64_t


cdef extern from *:
    """
    static const double hbconn_pow10[23] = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    """
    const double hbconn_pow10[23]


cdef extern from "Python.h":
    double PyOS_string_to_double(const char *s, char **endptr, void *overflow_exception) except? -1.0
    void PyErr_Clear()


# 2**53: every integer up to here is an exact double
cdef enum:
    _MAX_EXACT_MANTISSA = 9007199254740992
    _MAX_MANTISSA_DIGITS = 19      # 10**19 - 1 < 2**64
    _EXPONENT_CAP = 100000         # beyond this the slow path gives 0 or inf anyway


cdef inline int _slow_parse(const char* s, Py_ssize_t n, double* out) noexcept:
    # The grammar was checked already, so this only fails on an embedded NUL.
    cdef char* end = NULL
    cdef double value
    try:
        value = PyOS_string_to_double(s, &end, NULL)
    except Exception:
        return -1
    if end != s + n:
        return -1
    out[0] = value
    return 0


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    /* The value of the 8 ASCII digits at p, all at once (SWAR, little-endian machines), or -1
       when one of them is no digit (or on a big-endian machine, which reads them one by one). */
    static CYTHON_INLINE int64_t hbconn_eight_digits(const char* p) {
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        uint64_t v;
        memcpy(&v, p, 8);
        if (((v & 0xF0F0F0F0F0F0F0F0ULL) | (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4))
                != 0x3333333333333333ULL)
            return -1;
        v = ((v & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
        v = ((v & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
        return (int64_t)(((v & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32);
    #else
        (void)p;
        return -1;
    #endif
    }
    """
    int64_t hbconn_eight_digits(const char* p) noexcept nogil


cdef inline Py_ssize_t _plain_digits(const char* s, Py_ssize_t i, Py_ssize_t n, uint64_t* mantissa) noexcept:
    # digits from s[i] into mantissa (the caller bounds their count): 8 at a time where they run
    # that long (the scalar loop is one multiply-add per digit, each waiting for the last)
    cdef int64_t eight
    cdef unsigned int d
    if i + 8 <= n:
        eight = hbconn_eight_digits(s + i)
        if eight >= 0:
            mantissa[0] = mantissa[0] * 100000000 + <uint64_t>eight
            i += 8
    while i < n:
        d = <unsigned int>(<unsigned char>s[i]) - 48
        if d > 9:
            break
        mantissa[0] = mantissa[0] * 10 + d
        i += 1
    return i


cdef inline int _parse_plain(const char* s, Py_ssize_t n, double* out) noexcept:
    """The shape exchanges send ("30000.01", "0.00150000"): 1 to 19 digits with at most one point,
    no sign, no exponent, a mantissa <= 2**53 and at most 22 fraction digits.  Returns -1 for any
    other text, which ``parse_decimal``'s general loop then reads: for this shape both give
    ``mantissa / 10**fraction``, the same mantissa and exponent (leading zeros change neither, and
    no digit is dropped below 20), so the same double."""
    cdef Py_ssize_t i, point
    cdef Py_ssize_t fraction = 0
    cdef uint64_t mantissa = 0
    if n <= 0 or n > _MAX_MANTISSA_DIGITS + 1:
        return -1
    i = _plain_digits(s, 0, n, &mantissa)
    if i < n and s[i] == b'.':
        point = i
        i = _plain_digits(s, i + 1, n, &mantissa)
        fraction = i - point - 1
        if n == 1:
            return -1           # "." alone has no digit
    elif n > _MAX_MANTISSA_DIGITS:
        return -1
    if i != n or mantissa > _MAX_EXACT_MANTISSA or fraction > 22:
        return -1
    out[0] = <double>mantissa / hbconn_pow10[fraction] if fraction else <double>mantissa
    return 0


cdef inline int parse_decimal(const char* s, Py_ssize_t n, double* out) noexcept:
    """Parse ``s[0:n]`` (NUL-terminated at ``n``) into ``out``.
    Returns 0 on success, -1 if the text is not a decimal number."""
    if _parse_plain(s, n, out) == 0:
        return 0
    cdef Py_ssize_t i = 0
    cdef bint negative = False
    cdef bint any_digit = False
    cdef bint inexact = False         # a non-zero digit past the 19th: slow path
    cdef uint64_t mantissa = 0
    cdef int digits = 0               # significant digits held in mantissa
    cdef long exp10 = 0
    cdef long exp_part = 0
    cdef bint exp_negative = False
    cdef char c
    cdef unsigned int d
    if n <= 0:
        return -1
    c = s[0]
    if c == b'-':
        negative = True
        i = 1
    elif c == b'+':
        i = 1
    # integer part
    while i < n:
        d = <unsigned int>(<unsigned char>s[i]) - 48
        if d > 9:
            break
        any_digit = True
        if digits < _MAX_MANTISSA_DIGITS:
            mantissa = mantissa * 10 + d
            if mantissa != 0:
                digits += 1
        elif d == 0:
            exp10 += 1                # a dropped trailing zero of the integer part
        else:
            inexact = True
            exp10 += 1
        i += 1
    # fraction
    if i < n and s[i] == b'.':
        i += 1
        while i < n:
            d = <unsigned int>(<unsigned char>s[i]) - 48
            if d > 9:
                break
            any_digit = True
            if digits < _MAX_MANTISSA_DIGITS:
                mantissa = mantissa * 10 + d
                exp10 -= 1
                if mantissa != 0:
                    digits += 1
            elif d != 0:
                inexact = True        # dropped zeros of the fraction change nothing
            i += 1
    if not any_digit:
        return -1
    # exponent
    if i < n and (s[i] == b'e' or s[i] == b'E'):
        i += 1
        if i < n and (s[i] == b'-' or s[i] == b'+'):
            exp_negative = s[i] == b'-'
            i += 1
        if i >= n:
            return -1
        while i < n:
            d = <unsigned int>(<unsigned char>s[i]) - 48
            if d > 9:
                return -1
            if exp_part < _EXPONENT_CAP:
                exp_part = exp_part * 10 + d
            i += 1
        exp10 += -exp_part if exp_negative else exp_part
    if i != n:
        return -1
    if mantissa == 0 and not inexact:
        out[0] = -0.0 if negative else 0.0
        return 0
    if inexact:
        return _slow_parse(s, n, out)
    if mantissa > _MAX_EXACT_MANTISSA or exp10 > 22 or exp10 < -22:
        # "30000.0100000000" style: trailing zeros may bring it into range
        while mantissa % 10 == 0:
            mantissa //= 10
            exp10 += 1
        if mantissa > _MAX_EXACT_MANTISSA or exp10 > 22 or exp10 < -22:
            return _slow_parse(s, n, out)
    cdef double value = <double>mantissa
    if exp10 >= 0:
        value = value * hbconn_pow10[exp10]
    else:
        value = value / hbconn_pow10[-exp10]
    out[0] = -value if negative else value
    return 0
