# cython: language_level=3
"""Binance ``depthUpdate`` frames parsed in C (see ``_binance_depth.pyx``)."""


cdef enum:
    _INLINE_ROWS = 16       # rows held in the object itself: a depth frame's side needs no malloc


cdef class DepthRows:
    cdef double* _data      # _inline until a side outgrows it
    cdef double _inline[2 * _INLINE_ROWS]
    cdef Py_ssize_t _n
    cdef Py_ssize_t _cap
    cdef Py_ssize_t _shape[2]
    cdef Py_ssize_t _strides[2]
    cdef int _exports

    cdef int _push(self, double price, double amount) except -1
