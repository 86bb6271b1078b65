"""RecordingWriter: records go from the event loop into a bounded queue, a thread encodes and compresses them.

The event loop does the least it can: a received frame is one clock read and one
tuple ``(t, connection, data[, private])`` appended to a ``deque`` (references to
the frame it already holds: no encoding, no dict, no copy, no redaction scan);
any other record is a small dict appended the same way.  No I/O, no lock it could
wait on, so a slow disk never stalls it.  The writer's thread makes the lines
(a private connection's frames redacted there, before anything is written),
compresses and writes them, in batches that gather for up to ``_LINGER`` seconds
so it takes the interpreter lock rarely and briefly.

When the queue holds ``max_queue`` records, a new record is not queued: it is
counted in ``lost``, the first loss of each episode is logged as a warning, and
the next record that fits is preceded by a ``gap`` record saying how many were
lost there, so neither the file nor its replay can hide the hole
(docs/recording.md, "Writer").
"""
import base64
import collections
import logging
import threading
import time
from typing import Any, Deque, Dict, List, Optional

import orjson
import zstandard

from hummingbot_conn.recording._frame_tap import FrameQueue, encode_lines
from hummingbot_conn.recording.file_format import Header
from hummingbot_conn.recording.redact import redact_json_text

__all__ = ["RecordingWriter", "DEFAULT_MAX_QUEUE", "frame_line"]

_log = logging.getLogger(__name__)

DEFAULT_MAX_QUEUE = 200_000     # records; ~100 MB of depth frames at worst, minutes of a slow disk
_FLUSH_EVERY = 0.5              # seconds: a killed process leaves at most this much unreadable
_BATCH = 128                    # records a batch: ~80 KB of lines, under malloc's mmap threshold (larger: slower)
_LINGER = 0.02                  # seconds a drained queue is left to refill: batches, not a chase per frame


def frame_line(t: float, connection: int, data: Any, private: bool = False) -> str:
    """The line (no newline) of a received frame as the event loop queued it.

    A text frame without line breaks is written with its text unescaped
    (``{"k":"in","t":T,"c":C,"j":<text>}``, read back byte for byte by ``file_format.py``):
    escaping it into a JSON string was most of the writer's cost.  Other text goes in ``d``,
    a binary frame in ``x`` (base64).  ``private``: the frame came on a private connection
    and is redacted here (``redact.py``; a binary one too when it is UTF-8 text), before
    anything is written.
    """
    if data.__class__ is str:
        if private:
            data = redact_json_text(data)
        if "\n" not in data and "\r" not in data:
            return f'{{"k":"in","t":{t!r},"c":{connection},"j":{data}}}'
        return orjson.dumps({"k": "in", "t": t, "c": connection, "d": data}).decode()
    if private:
        data = _redacted_bytes(data)
    return orjson.dumps({"k": "in", "t": t, "c": connection, "x": base64.b64encode(data).decode()}).decode()


def _redacted_bytes(data: bytes) -> bytes:
    """A private connection's binary frame with its secrets redacted when it is UTF-8 text (JSON or a
    query string, as ``redact_json_text`` reads them); other bytes cannot be read for names and stay."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    shown = redact_json_text(text)
    return data if shown == text else shown.encode()


class RecordingWriter:
    """Writes one recording file from a background thread.

    The event loop's side: :meth:`put` (a record dict), :meth:`put_frame` (a received frame), or,
    on the hot path, a ``FrameTap`` on :attr:`frames` (``_frame_tap.pyx``, what ``capture.py``
    hands a connection): it appends ``(t, connection, data)`` while ``len(queue) < room``;
    ``room`` is 0 while a gap is pending or once closed, so the next record goes through
    :meth:`put`, which counts it lost or marks the gap first.

    :param path: the file to create (overwritten)
    :param header: its first line
    :param max_queue: records the queue may hold before new ones are counted as lost
    :param level: zstd compression level (1: on depth frames ~5x; level -1 saves 8 % of the CPU
        for files 25 % larger, level 3 doubles the CPU for nothing: docs/recording.md, "Cost")
    :raises OSError: the file cannot be created
    """

    def __init__(self, path: str, header: Header, *, max_queue: int = DEFAULT_MAX_QUEUE, level: int = 1) -> None:
        if max_queue < 1:
            raise ValueError(f"max_queue must be >= 1, got {max_queue!r}")
        self.path = path
        self.max_queue = max_queue
        self.queue: Deque[Any] = collections.deque()      # record dicts, or received frames as tuples
        # the hot path's view of the queue and its bound, ``room``: 0 while a gap is pending or after close()
        self.frames = FrameQueue(self.queue, max_queue, self.put)
        self._taken = 0            # records the thread took from the queue (gap records excluded)
        self._gaps_put = 0         # gap records queued by put() ...
        self._gaps_taken = 0       # ... and taken by the thread: queued() leaves them out
        self._batch_gaps = 0
        self.busy = False          # the thread holds records it took and has not written yet
        self.written = 0           # records on disk (header excluded)
        self.lost = 0              # records not queued because the queue was full
        self.full_episodes = 0     # how many times the queue filled up
        self.peak = 0              # the deepest the queue was seen
        self._pending_gap = 0
        self._file = open(path, "wb")
        self._zstd = zstandard.ZstdCompressor(level=level).stream_writer(self._file, closefd=False)
        self._zstd.write(header.to_json() + b"\n")
        self._zstd.flush(zstandard.FLUSH_BLOCK)
        self._sink_write = self._zstd.write      # looked up per batch (a test holds it as a slow disk)
        self._wake = threading.Event()
        self._stopping = False
        self._closed = False
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, name="hbconn-recording-writer", daemon=True)
        self._thread.start()

    # -- the event loop's side ----------------------------------------------------------------------
    def put(self, record: Any) -> bool:
        """Queue one record (a dict, or a received frame's tuple); False when the queue is full
        (the record is counted in ``lost``)."""
        queue = self.queue
        depth = len(queue)
        if depth >= self.max_queue or self._stopping:
            if self._pending_gap == 0:
                self.full_episodes += 1
                _log.warning("recording %s: the writer's queue is full (%d records); records are counted as "
                             "lost until it drains", self.path, self.max_queue)
            self._pending_gap += 1
            self.room = 0
            self.lost += 1
            return False
        if self._pending_gap:
            t = record[0] if record.__class__ is tuple else record.get("t", 0.0)
            queue.append({"k": "gap", "t": t, "n": self._pending_gap})
            self._gaps_put += 1
            self._pending_gap = 0
            self.room = self.max_queue
        queue.append(record)
        if depth >= self.peak:
            self.peak = depth + 1
        return True

    def put_frame(self, t: float, connection: int, data: Any, private: bool = False) -> bool:
        """A received frame (text or bytes) at monotonic time ``t``; ``private``: redact it (on the thread).
        What ``capture.py``'s per-frame tap does inline."""
        queue = self.queue
        item = (t, connection, data, True) if private else (t, connection, data)
        if len(queue) < self.room:
            queue.append(item)
            return True
        return self.put(item)

    @property
    def room(self) -> int:
        """How many records the queue may hold now (``max_queue``; 0 while a gap is pending or once closed)."""
        return self.frames.room

    @room.setter
    def room(self, value: int) -> None:
        self.frames.room = value

    @property
    def queued(self) -> int:
        """Records accepted into the queue (exact once :meth:`close` returned; while recording, a batch
        the thread is taking may be missing for an instant)."""
        return self._taken + len(self.queue) - (self._gaps_put - self._gaps_taken)

    @property
    def depth(self) -> int:
        return len(self.queue)

    # -- the thread ---------------------------------------------------------------------------------
    def _encode(self, items: List[Any]) -> bytes:
        """One batch's lines; public text frames in C (``encode_lines``), the rest by ``_encode_record``."""
        self._batch_gaps = 0
        data = encode_lines(items, self._encode_record, orjson.dumps)
        self._gaps_taken += self._batch_gaps
        self._taken += len(items) - self._batch_gaps
        return data

    def _encode_record(self, item: Any) -> str:
        if item.__class__ is tuple:
            return frame_line(*item)
        if item["k"] == "gap":
            self._batch_gaps += 1
        return orjson.dumps(item, option=orjson.OPT_NON_STR_KEYS).decode()

    def _run(self) -> None:
        queue = self.queue
        popleft = queue.popleft
        last_flush = time.monotonic()
        try:
            while True:
                if not queue:
                    if self._stopping:
                        break
                    self._wake.wait(_LINGER)
                    self._wake.clear()
                    continue
                depth = len(queue)
                if depth > self.peak:       # the hot path leaves the deepest point to be seen here
                    self.peak = depth
                # one batch at a time, the interpreter lock given back after each (the event loop
                # waits for it at most one batch's encoding, never a whole switch interval, 5 ms)
                self.busy = True
                items = [popleft() for _ in range(min(depth, _BATCH))]
                data = self._encode(items)
                self._sink_write(data)          # zstd compresses with the lock released
                self.written += len(items)
                self.busy = False
                now = time.monotonic()
                if now - last_flush >= _FLUSH_EVERY:
                    self._zstd.flush(zstandard.FLUSH_BLOCK)
                    last_flush = now
                if depth <= _BATCH and not self._stopping:
                    # drained: let the next batch gather instead of chasing the loop frame by frame
                    self._wake.wait(_LINGER)
                    self._wake.clear()
                else:
                    time.sleep(0)
        except BaseException as exc:    # noqa: BLE001 - kept and raised by close()
            self._error = exc
            self._stopping = True       # put() now counts what comes as lost, and says so
            self.room = 0
            self.busy = False
            _log.error("recording %s: writing failed (%s: %s); records from now on are lost", self.path,
                       type(exc).__name__, exc)

    def close(self, end: Optional[Dict[str, Any]] = None, *, counts: bool = False) -> None:
        """Write what is queued, then ``end`` (the final record), and close the file.

        ``counts``: set ``end["records"]`` and ``end["lost"]`` to :attr:`queued` and :attr:`lost`
        once the queue has drained (exact then: the recorder's end record).
        Blocking (joins the thread): call it from a thread or at the end of a session.
        :raises OSError: writing failed (the disk is full ...)
        """
        # not ``_stopping``: the thread sets that when writing fails, and that error is still to be said
        if self._closed:
            return
        self._closed = True
        self._stopping = True
        self.room = 0
        self._wake.set()
        self._thread.join()
        try:
            if self._error is None:
                if self._pending_gap:
                    self._zstd.write(orjson.dumps({"k": "gap", "t": (end or {}).get("t", 0.0),
                                                   "n": self._pending_gap}) + b"\n")
                if end is not None:
                    if counts:
                        end["records"], end["lost"] = self.queued, self.lost
                    self._zstd.write(orjson.dumps(end) + b"\n")
            self._zstd.flush(zstandard.FLUSH_FRAME)
        finally:
            self._zstd.close()
            self._file.close()
        if self._error is not None:
            raise self._error
