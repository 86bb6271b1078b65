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
        if len(frames.queue) < frames.room:
            frames._append(item)
        else:
            frames._put(item)
