"""RecordingWriter: records go from the event loop into a bounded queue, a thread compresses them to disk.

The event loop only appends a dict to a ``deque`` (no I/O, no encoding, no lock
it could wait on), so a slow disk never stalls it.  When the queue holds
``max_queue`` records, a new record is not queued: it is counted in ``lost``,
the first loss of each episode is logged as a warning, and the next record
that fits is preceded by a ``gap`` record saying how many were lost there, so
neither the file nor its replay can hide the hole (docs/recording.md, "Writer").
"""
import collections
import logging
import threading
import time
from typing import Any, Deque, Dict, List, Optional

import orjson
import zstandard

from hummingbot_conn.recording.file_format import Header

__all__ = ["RecordingWriter", "DEFAULT_MAX_QUEUE"]

_log = logging.getLogger(__name__)

DEFAULT_MAX_QUEUE = 200_000     # records; ~100 MB of depth frames at worst, minutes of a slow disk
_FLUSH_EVERY = 0.5              # seconds: a killed process leaves at most this much unreadable
_CHUNK = 128                    # records encoded between two releases of the interpreter lock


class RecordingWriter:
    """Writes one recording file from a background thread.

    :param path: the file to create (overwritten)
    :param header: its first line
    :param max_queue: records the queue may hold before new ones are counted as lost
    :param level: zstd compression level (1: the fastest of the standard levels; on exchange frames it
        compresses as well as 3, ~5x, for two thirds of the CPU)
    :raises OSError: the file cannot be created
    """

    def __init__(self, path: str, header: Header, *, max_queue: int = DEFAULT_MAX_QUEUE, level: int = 1) -> None:
        if max_queue < 1:
            raise ValueError(f"max_queue must be >= 1, got {max_queue!r}")
        self.path = path
        self.max_queue = max_queue
        self._put_count = 0        # records accepted by put()
        self._frame_count = 0      # records accepted by put_frame()
        self._room = max_queue     # put_frame's fast path: 0 while a gap is pending or after close()
        self.written = 0           # records on disk (header excluded)
        self.lost = 0              # records not queued because the queue was full
        self.full_episodes = 0     # how many times the queue filled up
        self.peak = 0              # the deepest the queue was seen
        self._pending_gap = 0
        self._queue: Deque[Any] = collections.deque()      # record dicts, or put_frame's tuples
        self._file = open(path, "wb")
        self._zstd = zstandard.ZstdCompressor(level=level).stream_writer(self._file, closefd=False)
        self._zstd.write(header.to_json() + b"\n")
        self._zstd.flush(zstandard.FLUSH_BLOCK)
        self._sink_write = self._zstd.write      # looked up per chunk (a test holds it as a slow disk)
        self._wake = threading.Event()
        self._stopping = False
        self._closed = False
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, name="hbconn-recording-writer", daemon=True)
        self._thread.start()

    # -- the event loop's side ----------------------------------------------------------------------
    def put(self, record: Dict[str, Any]) -> bool:
        """Queue one record; False when the queue is full (the record is counted in ``lost``)."""
        queue = self._queue
        depth = len(queue)
        if depth >= self.max_queue or self._stopping:
            if self._pending_gap == 0:
                self.full_episodes += 1
                _log.warning("recording %s: the writer's queue is full (%d records); records are counted as "
                             "lost until it drains", self.path, self.max_queue)
            self._pending_gap += 1
            self._room = 0
            self.lost += 1
            return False
        if self._pending_gap:
            queue.append({"k": "gap", "t": record.get("t", 0.0), "n": self._pending_gap})
            self._pending_gap = 0
            self._room = self.max_queue
        queue.append(record)
        self._put_count += 1
        if depth >= self.peak:
            self.peak = depth + 1
        return True

    def put_frame(self, t: float, connection: int, text: str) -> bool:
        """``put({"k": "in", "t": t, "c": connection, "d": text})`` for the hot path: a tuple is queued and
        the writer's thread makes the record (a received text frame is most of a recording)."""
        queue = self._queue
        if len(queue) < self._room:
            queue.append((t, connection, text))
            self._frame_count += 1
            return True
        return self.put({"k": "in", "t": t, "c": connection, "d": text})

    @property
    def queued(self) -> int:
        """Records accepted into the queue."""
        return self._put_count + self._frame_count

    @property
    def depth(self) -> int:
        return len(self._queue)

    # -- the thread ---------------------------------------------------------------------------------
    def _run(self) -> None:
        queue, dumps = self._queue, orjson.dumps
        option = orjson.OPT_NON_STR_KEYS
        last_flush = time.monotonic()
        try:
            while True:
                if not queue:
                    if self._stopping:
                        break
                    self._wake.wait(0.02)
                    self._wake.clear()
                    continue
                if len(queue) > self.peak:      # put_frame leaves the deepest point to be seen here
                    self.peak = len(queue)
                chunk: List[bytes] = []
                # small chunks, the interpreter lock given back after each: the event loop waits for
                # it at most one chunk's encoding (~0.1 ms), never a whole switch interval (5 ms)
                while queue and len(chunk) < _CHUNK:
                    item = queue.popleft()
                    if item.__class__ is tuple:     # put_frame's
                        t, c, text = item
                        if "\n" in text or "\r" in text:
                            item = {"k": "in", "t": t, "c": c, "d": text}
                        else:
                            # the frame's text as it came, not escaped into a JSON string (escaping was
                            # most of the writer's cost); file_format.py reads it back byte for byte
                            chunk.append(b'{"k":"in","t":%a,"c":%d,"j":%b}' % (t, c, text.encode()))
                            continue
                    chunk.append(dumps(item, option=option))
                self._sink_write(b"\n".join(chunk) + b"\n")
                self.written += len(chunk)
                time.sleep(0)
                now = time.monotonic()
                if now - last_flush >= _FLUSH_EVERY:
                    self._zstd.flush(zstandard.FLUSH_BLOCK)
                    last_flush = now
        except BaseException as exc:    # noqa: BLE001 - kept and raised by close()
            self._error = exc
            self._stopping = True       # put() now counts what comes as lost, and says so
            self._room = 0
            _log.error("recording %s: writing failed (%s: %s); records from now on are lost", self.path,
                       type(exc).__name__, exc)

    def close(self, end: Optional[Dict[str, Any]] = None) -> None:
        """Write what is queued, then ``end`` (the final record), and close the file.

        Blocking (joins the thread): call it from a thread or at the end of a session.
        :raises OSError: writing failed (the disk is full ...)
        """
        # not ``_stopping``: the thread sets that when writing fails, and that error is still to be said
        if self._closed:
            return
        self._closed = True
        self._stopping = True
        self._room = 0
        self._wake.set()
        self._thread.join()
        try:
            if self._error is None:
                if self._pending_gap:
                    self._zstd.write(orjson.dumps({"k": "gap", "t": (end or {}).get("t", 0.0),
                                                   "n": self._pending_gap}) + b"\n")
                if end is not None:
                    self._zstd.write(orjson.dumps(end) + b"\n")
            self._zstd.flush(zstandard.FLUSH_FRAME)
        finally:
            self._zstd.close()
            self._file.close()
        if self._error is not None:
            raise self._error
