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
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.float cimport PyFloat_AS_DOUBLE
from libc.math cimport isfinite
from libc.string cimport memchr
from libcpp.string cimport string


cdef extern from "Python.h":
    void PyObject_GC_UnTrack(object item)
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL


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


cdef int _append_int(string& out, object number) except -1:
    """``number`` (a connection id) in decimal; an id that is not a small int is written by ``str``."""
    cdef char digits[24]
    cdef int at = 24
    cdef long long value
    if type(number) is not int:
        out.append(<bytes>str(number).encode())
        return 0
    value = number
    if value < 0:
        out.append(<bytes>str(number).encode())
        return 0
    while True:
        at -= 1
        digits[at] = <char>(48 + value % 10)
        value //= 10
        if value == 0:
            break
    out.append(&digits[at], 24 - at)
    return 0


def encode_lines(list items, fallback, dumps):
    """The lines (UTF-8, each ending in a newline) of a batch of queued records, as one ``bytes``.

    A public text frame, ``(t, connection, text)`` with a float time and no line break in its text, is
    written in C: ``{"k":"in","t":T,"c":C,"j":<text>}``, the text's UTF-8 as it came, ``T`` the
    shortest text that reads back as the same float (all the batch's times formatted by one call of
    ``dumps``, orjson's, on a list of them: formatting them one by one was most of the encoding);
    anything else goes through ``fallback(item) -> str`` (``RecordingWriter._encode_record``).
    On the writer's thread: the encoding holds the interpreter lock, so the less Python per record,
    the less the event loop waits for it.
    :raises UnicodeEncodeError: a text that is not valid Unicode (lone surrogates)
    """
    cdef string out
    cdef object item
    cdef const char* text
    cdef const char* times_at
    cdef const char* times_end
    cdef const char* comma
    cdef Py_ssize_t size
    cdef list times = []
    cdef bytes formatted
    out.reserve(700 * len(items))              # a depth frame's line is ~600 bytes: one allocation a batch
    for item in items:
        if _plain_frame(item):
            times.append(<object>PyTuple_GET_ITEM(item, 0))
    formatted = dumps(times)                   # b"[t1,t2,...]"
    times_at = <const char*>formatted + 1
    times_end = <const char*>formatted + len(formatted) - 1
    for item in items:
        if not _plain_frame(item):
            out.append(<bytes>(<str>fallback(item)).encode())
            out.append(b'\n')
            continue
        comma = <const char*>memchr(times_at, 44, times_end - times_at)
        if comma == NULL:
            comma = times_end
        out.append(b'{"k":"in","t":')
        out.append(times_at, comma - times_at)
        times_at = comma + 1
        out.append(b',"c":')
        _append_int(out, <object>PyTuple_GET_ITEM(item, 1))
        out.append(b',"j":')
        text = PyUnicode_AsUTF8AndSize(<object>PyTuple_GET_ITEM(item, 2), &size)
        out.append(text, size)
        out.append(b'}\n')
    return PyBytes_FromStringAndSize(out.data(), <Py_ssize_t>out.size())
