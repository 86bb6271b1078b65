# cython: binding=False
"""The per-frame call of a recorded WebSocket connection, compiled (docs/recording.md, "Cost").

``WSConnection.receive`` calls its ``frame_tap(t, data)`` for every frame it
received.  A recording connection's tap does the least the recording needs
on the event loop: one tuple of references (the receive time, the connection
id, the frame's ``str`` or ``bytes`` as received, and for a private connection
a flag asking the writer's thread to redact it) appended to the writer's
bounded queue while it holds fewer than ``writer.room`` records.  Otherwise
the tuple goes through ``writer.put``, which counts it lost (a full queue) or
queues the pending gap record first.  No encoding, no dict, no copy, no scan:
the writer's thread makes the record (``writer.frame_line``).  Compiled, the
call costs no Python frame, which was most of capture's cost on the loop.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.float cimport PyFloat_AS_DOUBLE
from libc.math cimport isfinite
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memchr, memcpy


cdef extern from "Python.h":
    void PyObject_GC_UnTrack(object item)
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL
    const Py_ssize_t PY_SSIZE_T_MAX


cdef class FrameQueue:
    """The writer's bounded queue as a tap sees it: the ``deque`` and ``room``, how many records it may
    hold now (``max_queue``; 0 while a gap is pending or once the writer is closed or failed).

    :param queue: the writer's ``collections.deque``
    :param room: the bound, in records
    :param put: the writer's ``put`` (the way of a record that does not fit: counted lost, or after its gap)
    """

    def __init__(self, queue, Py_ssize_t room, put):
        self.queue = queue
        self.room = room
        self._append = queue.append
        self._put = put


cdef class FrameTap:
    """``FrameTap(...).tap(t, data)``: queue one received frame of connection ``connection`` (see the module).

    :param frames: the writer's :class:`FrameQueue`
    :param connection: the connection id of the records
    :param clock: None: ``t`` (the receive time the connection read) is the record's time;
        else a callable read instead (the recorder's clock when it is not the connection's)
    :param private: the frame is queued with the flag that has the writer redact it
    """

    def __init__(self, FrameQueue frames not None, connection, clock=None, bint private=False):
        self._frames = frames
        self._clock = clock
        self._connection = connection
        self._private = private

    @property
    def connection(self):
        return self._connection

    @property
    def private(self):
        return self._private

    def tap(self, t, data):
        """Queue one frame: ``t`` its receive time (monotonic seconds), ``data`` its str or bytes."""
        cdef object item
        cdef FrameQueue frames = self._frames
        if self._clock is not None:
            t = self._clock()
        if self._private:
            item = (t, self._connection, data, True)
        else:
            item = (t, self._connection, data)
        # a time, an id and a str or bytes hold no references: the tuple can never be in a cycle,
        # so the collector need not track it (CPython would find that out itself, at a cost per frame)
        if type(data) is str or type(data) is bytes:
            PyObject_GC_UnTrack(item)
        if len(frames.queue) < frames.room:
            frames._append(item)
        else:
            frames._put(item)


cdef inline bint _plain_frame(object item):
    """A public text frame with no line break: ``(t, connection, text)``, written raw with a float time."""
    cdef const char* text
    cdef Py_ssize_t size
    if type(item) is not tuple or PyTuple_GET_SIZE(item) != 3:
        return False
    if type(<object>PyTuple_GET_ITEM(item, 2)) is not str or type(<object>PyTuple_GET_ITEM(item, 0)) is not float:
        return False
    if not isfinite(PyFloat_AS_DOUBLE(<object>PyTuple_GET_ITEM(item, 0))):    # orjson writes those as null
        return False
    text = PyUnicode_AsUTF8AndSize(<object>PyTuple_GET_ITEM(item, 2), &size)
    return memchr(text, 10, size) == NULL and memchr(text, 13, size) == NULL


cdef class _LineBuffer:
    """A growing byte buffer in C memory (``malloc`` / ``realloc``), freed with the object.

    Plain C rather than ``std::string``: a C++ library type ties the wheel to a newer libstdc++ ABI
    and so to a newer manylinux tag (README, "Python versions and wheels").  Every append checks
    its length and the room left; the memory is freed by ``__dealloc__`` whatever ends the batch
    (an exception from the fallback included).
    """
    cdef char* data
    cdef Py_ssize_t size
    cdef Py_ssize_t capacity

    def __cinit__(self, Py_ssize_t capacity):
        if capacity < 64:
            capacity = 64
        self.data = <char*>malloc(<size_t>capacity)
        if self.data == NULL:
            raise MemoryError("cannot allocate the batch's buffer")
        self.capacity = capacity
        self.size = 0

    def __dealloc__(self):
        free(self.data)         # NULL when __cinit__ failed: free(NULL) does nothing

    cdef int append(self, const char* text, Py_ssize_t length) except -1:
        cdef Py_ssize_t need, capacity
        cdef char* grown
        if length < 0:
            raise ValueError(f"negative length {length}")
        if length > PY_SSIZE_T_MAX - self.size:
            raise MemoryError("a batch's lines exceed the address space")
        need = self.size + length
        if need > self.capacity:
            capacity = self.capacity
            while capacity < need:
                capacity = need if capacity > PY_SSIZE_T_MAX // 2 else capacity * 2
            grown = <char*>realloc(self.data, <size_t>capacity)
            if grown == NULL:
                raise MemoryError("cannot grow the batch's buffer")
            self.data = grown
            self.capacity = capacity
        if length:
            memcpy(self.data + self.size, text, <size_t>length)
        self.size = need
        return 0

    cdef int append_bytes(self, bytes data) except -1:
        return self.append(PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))

    cdef bytes to_bytes(self):
        return PyBytes_FromStringAndSize(self.data, self.size)


cdef int _append_int(_LineBuffer out, object number) except -1:
    """``number`` (a connection id) in decimal; an id that is not a small int is written by ``str``."""
    cdef char digits[24]
    cdef int at = 24
    cdef long long value
    if type(number) is not int:
        return out.append_bytes(str(number).encode())
    try:
        value = number
    except OverflowError:       # beyond 64 bits: its decimal text all the same
        return out.append_bytes(str(number).encode())
    if value < 0:
        return out.append_bytes(str(number).encode())
    while True:
        at -= 1
        digits[at] = <char>(48 + value % 10)
        value //= 10
        if value == 0:
            break
    return out.append(&digits[at], 24 - at)


def encode_lines(list items, fallback, dumps):
    """The lines (UTF-8, each ending in a newline) of a batch of queued records, as one ``bytes``.

    A public text frame, ``(t, connection, text)`` with a float time and no line break in its text, is
    written in C: ``{"k":"in","t":T,"c":C,"j":<text>}``, the text's UTF-8 as it came, ``T`` the
    shortest text that reads back as the same float (all the batch's times formatted by one call of
    ``dumps``, orjson's, on a list of them: formatting them one by one was most of the encoding);
    anything else goes through ``fallback(item) -> str`` (``RecordingWriter._encode_record``).
    The batch is the records ``items`` holds when the call begins (``fallback`` and ``dumps`` are
    Python code: a change to the list they make is not read).
    On the writer's thread: the encoding holds the interpreter lock, so the less Python per record,
    the less the event loop waits for it.
    :raises UnicodeEncodeError: a text that is not valid Unicode (lone surrogates)
    :raises ValueError: ``dumps`` did not give one number per public text frame
    """
    cdef tuple batch = tuple(items)            # Python code runs below: the batch must not move
    cdef object item
    cdef const char* text
    cdef const char* times_at
    cdef const char* times_end
    cdef const char* comma
    cdef Py_ssize_t size
    cdef list times = []
    cdef bytes formatted
    # a depth frame's line is ~600 bytes: one allocation a batch, as a rule
    cdef _LineBuffer out = _LineBuffer(700 * min(len(batch), 1 << 16))
    for item in batch:
        if _plain_frame(item):
            times.append(<object>PyTuple_GET_ITEM(item, 0))
    formatted = dumps(times)                   # b"[t1,t2,...]"
    if formatted is None or len(formatted) < 2:
        raise ValueError(f"dumps gave {formatted!r} for a list of {len(times)} times")
    times_at = PyBytes_AS_STRING(formatted) + 1
    times_end = PyBytes_AS_STRING(formatted) + PyBytes_GET_SIZE(formatted) - 1
    for item in batch:
        if not _plain_frame(item):
            out.append_bytes((<str?>fallback(item)).encode())
            out.append(b'\n', 1)
            continue
        if times_at >= times_end:
            raise ValueError(f"dumps gave fewer times than the batch's {len(times)} frames: {formatted[:80]!r}")
        comma = <const char*>memchr(times_at, 44, <size_t>(times_end - times_at))
        if comma == NULL:
            comma = times_end
        out.append(b'{"k":"in","t":', 14)
        out.append(times_at, comma - times_at)
        times_at = comma + 1
        out.append(b',"c":', 5)
        _append_int(out, <object>PyTuple_GET_ITEM(item, 1))
        out.append(b',"j":', 5)
        text = PyUnicode_AsUTF8AndSize(<object>PyTuple_GET_ITEM(item, 2), &size)
        out.append(text, size)
        out.append(b'}\n', 2)
    return out.to_bytes()
