"""Rows in every shape users have -> validated C levels, before the book is touched.

Accepted ``rows`` containers: list or tuple of rows (any other iterable is
materialised with ``list()``), or a float64 buffer (numpy array) of shape
(n, 2) or (n, 3).  A row is a list or tuple (hummingbot ``OrderBookRow``
included) of at least ``(price, amount)``; extra items are ignored.  Values:
``str`` / ``bytes`` decimal text (parsed in C, see ``_decimal_parse.pxd``),
``float``, ``int`` (not ``bool``), ``Decimal``.

A row is bad when it has the wrong shape or type, unparsable text, a price
that is not finite and > 0, or an amount that is not finite and >= 0.  The
first bad row raises ``ValueError("bad row 3 of bids: ...")``; the caller has
not mutated anything yet, so the book is left exactly as it was.

No code of a row's own runs while rows are parsed: values are read from the
objects' C data (a ``str`` subclass's characters, a ``float`` subclass's
double, a ``Decimal`` subclass through ``Decimal.__str__``, never an
overridden ``__str__`` / ``__float__`` / ``__index__``), so a hostile value
cannot mutate the rows or the book under the loop.  Python code can still
run in between (a finaliser during an allocation), so the rows list's size
is checked at every row, and a list that changes size is a RuntimeError.
Every helper propagates exceptions (none is ``noexcept`` while it can raise).

This is the one row parser: ``OrderBookMessage.bids`` / ``.asks`` use it too
(``rows_to_list``), so a message refuses exactly what the book refuses.
Update ids: ``parse_update_id``, the one id check of the core.
"""
from cpython.bool cimport PyBool_Check
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_Check, PyBytes_GET_SIZE
from cpython.buffer cimport PyBUF_RECORDS_RO, PyBuffer_Release, PyObject_CheckBuffer, PyObject_GetBuffer
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_Check
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_Check
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from libc.math cimport INFINITY, floor, isfinite
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

cimport cython

from hummingbot_conn.core._safe_repr cimport safe_repr
from hummingbot_conn.core._book_side cimport Level
from hummingbot_conn.core._decimal_parse cimport parse_decimal

from decimal import Decimal
from numbers import Integral
from operator import index as _index
from sys import byteorder as _byteorder

from hummingbot_conn.core.order_book_row import OrderBookRow


cdef extern from "Python.h":
    bint PyUnicode_Check(object o)
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    void* PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    const char* PyUnicode_AsUTF8AndSize(object o, Py_ssize_t* size) except NULL
    bint PyList_CheckExact(object o)
    bint PyTuple_Check(object o)
    bint PyLong_CheckExact(object o)
    bint PyObject_TypeCheck(object o, type t)
    double PyLong_AsDouble(object o) except? -1.0


# Decimal's own text, whatever a subclass overrides (exact: "1E-12"; "NaN" is refused)
cdef object _decimal_str = Decimal.__str__
cdef type _Decimal = Decimal
cdef object _tuple_new = tuple.__new__
cdef char _NATIVE_ORDER = b'<' if _byteorder == "little" else b'>'


cdef enum:
    _OK = 0
    _BAD_TEXT = 1
    _BAD_TYPE = 2
    _SCRATCH_KEEP = 64      # rows kept allocated between messages


cdef int buffer_init(RowBuffer* buf) except -1:
    buf.rows = <Level*>malloc(_SCRATCH_KEEP * sizeof(Level))
    if buf.rows == NULL:
        raise MemoryError()
    buf.n = 0
    buf.cap = _SCRATCH_KEEP
    return 0


cdef void buffer_free(RowBuffer* buf) noexcept:
    free(buf.rows)
    buf.rows = NULL
    buf.n = 0
    buf.cap = 0


cdef void buffer_trim(RowBuffer* buf) noexcept:
    """Give back the room a big snapshot needed (keeps memory flat)."""
    cdef Level* smaller
    if buf.cap > _SCRATCH_KEEP:
        smaller = <Level*>realloc(buf.rows, _SCRATCH_KEEP * sizeof(Level))
        if smaller != NULL:
            buf.rows = smaller
            buf.cap = _SCRATCH_KEEP
    buf.n = 0


cdef int _reserve(RowBuffer* buf, Py_ssize_t need) except -1:
    if need <= buf.cap:
        return 0
    cdef Py_ssize_t cap = buf.cap * 2 if buf.cap else _SCRATCH_KEEP
    while cap < need:
        cap *= 2
    cdef Level* grown = <Level*>realloc(buf.rows, cap * sizeof(Level))
    if grown == NULL:
        raise MemoryError()
    buf.rows = grown
    buf.cap = cap
    return 0


cdef inline int _value(object v, double* out) except -1:
    """One price or amount -> double.  Returns _OK, _BAD_TEXT or _BAD_TYPE;
    -1 only with an exception set (e.g. MemoryError), never swallowed."""
    if PyUnicode_Check(v):
        if PyUnicode_IS_COMPACT_ASCII(v):
            if parse_decimal(<const char*>PyUnicode_DATA(v), PyUnicode_GET_LENGTH(v), out) == 0:
                return _OK
            return _BAD_TEXT
        return _other_text(v, out)
    if PyFloat_Check(v):
        out[0] = PyFloat_AS_DOUBLE(v)
        return _OK
    if PyLong_Check(v):
        if PyBool_Check(v):
            return _BAD_TYPE
        try:
            out[0] = PyLong_AsDouble(v)
        except OverflowError:
            out[0] = INFINITY     # rejected as not finite by the caller
        return _OK
    if PyBytes_Check(v):
        if parse_decimal(PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v), out) == 0:
            return _OK
        return _BAD_TEXT
    return _other_value(v, out)


cdef int _other_text(object v, double* out) except -1:
    # str subclasses and non-ASCII text have no compact ASCII buffer: go
    # through UTF-8 (any non-ASCII byte then fails the grammar).  Only an
    # unencodable text (a lone surrogate) is caught: it is bad text.
    cdef Py_ssize_t size
    cdef const char* text
    try:
        text = PyUnicode_AsUTF8AndSize(v, &size)
    except UnicodeError:
        return _BAD_TEXT
    if parse_decimal(text, size, out) == 0:
        return _OK
    return _BAD_TEXT


cdef int _other_value(object v, double* out) except -1:
    # kept out of _value so that one stays inlinable (no recursion)
    cdef object text
    if PyObject_TypeCheck(v, _Decimal):
        text = _decimal_str(v)
        if (PyUnicode_Check(text) and PyUnicode_IS_COMPACT_ASCII(text)
                and parse_decimal(<const char*>PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), out) == 0):
            return _OK
        return _BAD_TEXT
    return _BAD_TYPE


cdef int _raise_bad(const char* side_name, Py_ssize_t i, object row, str reason) except -1:
    raise ValueError(f"bad row {i} of {side_name.decode()}: {reason}: {safe_repr(row)}")


cdef int _bad_value(const char* side_name, Py_ssize_t i, object row, str field, object v, int code) except -1:
    if code == _BAD_TEXT:
        return _raise_bad(side_name, i, row, f"{field} {safe_repr(v)} is not a decimal number")
    return _raise_bad(side_name, i, row, f"{field} has unsupported type {type(v).__name__}")


@cython.boundscheck(False)
@cython.wraparound(False)
cdef inline int _store(RowBuffer* buf, Py_ssize_t i, double price, double amount, double sign,
                       int64_t update_id, const char* side_name, object row) except -1:
    # "not (x > 0)" is also true for NaN
    if not (price > 0.0 and price < INFINITY):
        return _raise_bad(side_name, i, row, "price must be finite and > 0")
    if not (amount >= 0.0 and amount < INFINITY):
        return _raise_bad(side_name, i, row, "amount must be finite and >= 0")
    cdef Level* level = buf.rows + i
    level.key = sign * price
    level.amount = amount + 0.0    # -0.0 -> 0.0
    level.update_id = update_id
    return 0


cdef inline bint _is_float64(const char* fmt) noexcept:
    """A buffer format of one native double: "d", "@d", "=d", or "<d" / ">d" in this machine's order."""
    if fmt == NULL:         # PEP 3118: no format means unsigned bytes
        return False
    if fmt[0] == b'@' or fmt[0] == b'=' or fmt[0] == _NATIVE_ORDER:
        fmt += 1
    return fmt[0] == b'd' and fmt[1] == 0


cdef int _parse_array(object rows, RowBuffer* buf, double sign, int64_t update_id,
                      const char* side_name) except -1:
    # The buffer read directly, not through a typed memoryview: acquiring one (a memoryview object
    # and a parse of the format string) cost more than parsing the 10 rows of a depth frame.  The
    # same checks: float64, 2 dimensions, at least 2 columns, any strides (no suboffsets).
    cdef Py_buffer view
    cdef Py_ssize_t n, i, row_stride, col_stride
    cdef const char* row
    cdef double price, amount
    try:
        PyObject_GetBuffer(rows, &view, PyBUF_RECORDS_RO)
    except (ValueError, TypeError, BufferError) as exc:
        raise ValueError(f"{side_name.decode()}: an array must be float64 of shape (n, 2) or (n, 3): {exc}") from None
    try:
        if view.ndim != 2 or view.itemsize != sizeof(double) or not _is_float64(view.format):
            raise ValueError(f"{side_name.decode()}: an array must be float64 of shape (n, 2) or (n, 3), got "
                             f"{view.ndim} dimension(s) of format {_format_text(view.format)!r}")
        if view.shape[1] < 2:
            raise ValueError(f"{side_name.decode()}: an array must have shape (n, 2) or (n, 3), "
                             f"got (n, {view.shape[1]})")
        n = view.shape[0]
        row_stride = view.strides[0]
        col_stride = view.strides[1]
        _reserve(buf, n)
        row = <const char*>view.buf
        for i in range(n):
            # memcpy: a strided view may leave a double unaligned
            memcpy(&price, row, sizeof(double))
            memcpy(&amount, row + col_stride, sizeof(double))
            row += row_stride
            if not (price > 0.0 and price < INFINITY and amount >= 0.0 and amount < INFINITY):
                _store(buf, i, price, amount, sign, update_id, side_name, [price, amount])
            buf.rows[i].key = sign * price
            buf.rows[i].amount = amount + 0.0
            buf.rows[i].update_id = update_id
        buf.n = n
    finally:
        PyBuffer_Release(&view)
    return 0


cdef str _format_text(const char* fmt):
    return "B" if fmt == NULL else fmt.decode("ascii", "replace")


@cython.boundscheck(False)
@cython.wraparound(False)
cdef int parse_rows(object rows, RowBuffer* buf, double sign, int64_t update_id,
                    const char* side_name) except -1:
    """Parse and validate every row of one side into ``buf`` (``buf.n`` set).
    ``sign`` is +1 for bids and -1 for asks (see _book_side.pxd keys)."""
    cdef Py_ssize_t n, i, width
    cdef object row
    cdef double price, amount
    cdef int code
    buf.n = 0
    if not PyList_CheckExact(rows) and not PyTuple_Check(rows):
        if PyObject_CheckBuffer(rows) and not isinstance(rows, (str, bytes)):
            return _parse_array(rows, buf, sign, update_id, side_name)
        if rows is None or isinstance(rows, (str, bytes, dict)):
            raise ValueError(f"{side_name.decode()} must be a list of (price, amount) rows, got {type(rows).__name__}")
        rows = list(rows)
    is_list = PyList_CheckExact(rows)
    n = PyList_GET_SIZE(rows) if is_list else PyTuple_GET_SIZE(rows)
    _reserve(buf, n)
    for i in range(n):
        # the size again at every row: Python code (a finaliser) may have run
        if is_list and PyList_GET_SIZE(rows) != n:
            raise RuntimeError(f"{side_name.decode()} changed size while its rows were parsed")
        row = <object>(PyList_GET_ITEM(rows, i) if is_list else PyTuple_GET_ITEM(rows, i))
        if PyList_CheckExact(row):
            width = PyList_GET_SIZE(row)
            if width < 2:
                return _raise_bad(side_name, i, row, "expected (price, amount)")
            p = <object>PyList_GET_ITEM(row, 0)
            a = <object>PyList_GET_ITEM(row, 1)
        elif PyTuple_Check(row):
            width = PyTuple_GET_SIZE(row)
            if width < 2:
                return _raise_bad(side_name, i, row, "expected (price, amount)")
            p = <object>PyTuple_GET_ITEM(row, 0)
            a = <object>PyTuple_GET_ITEM(row, 1)
        else:
            return _raise_bad(side_name, i, row, "expected a (price, amount) list or tuple")
        code = _value(p, &price)
        if code != _OK:
            return _bad_value(side_name, i, row, "price", p, code)
        code = _value(a, &amount)
        if code != _OK:
            return _bad_value(side_name, i, row, "amount", a, code)
        _store(buf, i, price, amount, sign, update_id, side_name, row)
    buf.n = n
    return 0


cdef double parse_price(object value, str what) except? -1.0:
    """One price (trade prices): finite and > 0, else ValueError."""
    cdef double price
    cdef int code = _value(value, &price)
    if code != _OK or not (price > 0.0 and price < INFINITY):
        raise ValueError(f"{what} must be a finite positive number, got {safe_repr(value)}")
    return price


cdef list rows_to_list(object rows, int64_t update_id, const char* side_name):
    """``rows`` parsed and validated exactly as the book does, as a list of
    ``OrderBookRow(price, amount, update_id)`` floats in input order (zero
    amounts kept).  ValueError naming the first bad row."""
    cdef RowBuffer buf
    cdef list out
    cdef Py_ssize_t i
    cdef Level* level
    buffer_init(&buf)
    try:
        parse_rows(rows, &buf, 1.0, update_id, side_name)
        out = [None] * buf.n
        for i in range(buf.n):
            level = buf.rows + i
            out[i] = _tuple_new(OrderBookRow, (level.key, level.amount, update_id))
    finally:
        buffer_free(&buf)
    return out


cdef int64_t parse_update_id(object value, str name, int64_t minimum) except? -2:
    """An update id as int64: an ``int`` (not ``bool``; numpy integers too) or
    an integral finite ``float`` (ids read from a float64 array column), at
    least ``minimum``.  Anything else: TypeError (wrong type) or ValueError
    (not integral, out of range), naming ``name``."""
    cdef double d
    cdef int64_t out
    if PyLong_CheckExact(value):
        try:
            out = value
        except OverflowError:
            out = minimum - 1
        if out < minimum:
            raise ValueError(f"{name} must be an integer in [{minimum}, 2**63), got {safe_repr(value)}")
        return out
    if PyBool_Check(value):
        raise TypeError(f"{name} must be an int, got bool {safe_repr(value)}")
    if PyFloat_Check(value):
        d = PyFloat_AS_DOUBLE(value)
        if not isfinite(d) or d != floor(d) or d < minimum or d >= 9223372036854775808.0:
            raise ValueError(f"{name} must be an integer in [{minimum}, 2**63), got {safe_repr(value)}")
        return <int64_t>d
    if PyLong_Check(value) or isinstance(value, Integral):
        # int subclasses, numpy integers: their integer value (operator.index)
        return parse_update_id(int(_index(value)), name, minimum)
    raise TypeError(f"{name} must be an int, got {type(value).__name__} {safe_repr(value)}")
