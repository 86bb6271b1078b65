# cython: language_level=3
"""``safe_repr(value)``: a value as shown in an error message, without running
any code of the value's own (header only).

Why: an error message built with ``{value!r}`` calls the value's ``__repr__``;
a hostile one can raise (so the caller gets its exception instead of our
ValueError) or call back into the object that is reporting the error.  A
value of a static (C-defined, never a Python class or subclass) type that
holds no other objects is shown with its repr, cut at 80 characters; a list
or tuple item by item; anything else by its type name.
"""


cdef extern from "Python.h":
    unsigned long Py_TPFLAGS_HEAPTYPE
    bint PyType_HasFeature(type t, unsigned long feature)


cdef inline str _scalar(object value):
    cdef type t = type(value)
    if (not PyType_HasFeature(t, Py_TPFLAGS_HEAPTYPE)
            and t is not list and t is not tuple and t is not dict and t is not set and t is not frozenset):
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    return f"<{t.__name__} object>"


cdef inline str safe_repr(object value):
    cdef type t = type(value)
    cdef list parts
    if t is list or t is tuple:
        parts = [_scalar(item) for item in value[:8]]
        if len(value) > 8:
            parts.append("...")
        return ("[%s]" if t is list else "(%s)") % ", ".join(parts)
    return _scalar(value)
