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


cdef class FrameTap:
    """``tap(t, data)``: queue one received frame of connection ``connection`` (see the module).

    :param writer: the ``RecordingWriter`` (its ``queue``, ``room`` and ``put``)
    :param connection: the connection id of the records
    :param clock: None: ``t`` (the receive time the connection read) is the record's time;
        else a callable read instead (the recorder's clock when it is not the connection's)
    :param private: the frame is queued with the flag that has the writer redact it
    """

    cdef object _writer
    cdef object _queue
    cdef object _append
    cdef object _put
    cdef object _clock
    cdef object _connection
    cdef bint _private

    def __init__(self, writer, connection, clock=None, bint private=False):
        self._writer = writer
        self._queue = writer.queue
        self._append = writer.queue.append
        self._put = writer.put
        self._clock = clock
        self._connection = connection
        self._private = private

    @property
    def connection(self):
        return self._connection

    @property
    def private(self):
        return self._private

    def __call__(self, t, data):
        cdef object item
        if self._clock is not None:
            t = self._clock()
        if self._private:
            item = (t, self._connection, data, True)
        else:
            item = (t, self._connection, data)
        if len(self._queue) < self._writer.room:
            self._append(item)
        else:
            self._put(item)
