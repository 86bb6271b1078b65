from libc.stdint cimport int64_t


cdef class PubSub:
    # tag (int) -> list of listeners, in subscription order
    cdef dict _listeners

    cpdef add_listener(self, object event_tag, object listener)
    cpdef remove_listener(self, object event_tag, object listener)
    cpdef list get_listeners(self, object event_tag)
    cpdef trigger_event(self, object event_tag, object message)
    cdef int _trigger_event(self, int64_t tag, object message) except -1
