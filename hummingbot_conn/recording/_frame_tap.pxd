# The per-frame tap of a recorded connection and the writer's queue it appends to (_frame_tap.pyx).

cdef class FrameQueue:
    cdef readonly object queue
    cdef public Py_ssize_t room
    cdef object _append
    cdef object _put


cdef class FrameTap:
    cdef FrameQueue _frames
    cdef object _clock
    cdef object _connection
    cdef bint _private
