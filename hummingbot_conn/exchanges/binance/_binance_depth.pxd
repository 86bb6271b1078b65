# cython: language_level=3
"""Binance ``depthUpdate`` frames parsed in C (see ``_binance_depth.pyx``)."""


cdef class DepthRows:
    cdef double* _data
    cdef Py_ssize_t _n
    cdef Py_ssize_t _cap
    cdef Py_ssize_t _shape[2]
    cdef Py_ssize_t _strides[2]
    cdef int _exports

    cdef int _push(self, double price, double amount) except -1
