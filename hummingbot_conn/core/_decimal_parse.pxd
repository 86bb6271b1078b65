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
from libc.stdint cimport uint64_t


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


cdef inline int parse_decimal(const char* s, Py_ssize_t n, double* out) noexcept:
    """Parse ``s[0:n]`` (NUL-terminated at ``n``) into ``out``.
    Returns 0 on success, -1 if the text is not a decimal number."""
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
