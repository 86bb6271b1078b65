from libc.stdint cimport int64_t


cdef class LatencyStats:
    cdef double* _samples           # the ring (window doubles)
    cdef Py_ssize_t _next           # where the next sample goes
    cdef Py_ssize_t _window
    cdef public int64_t count       # samples ever recorded

    cdef void _add(self, double seconds) noexcept
