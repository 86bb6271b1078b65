"""The recording file: JSON lines compressed with zstd, one file per session (docs/recording.md, "File format").

The first line is the header::

    {"kind": "hbconn-recording", "format": 1, "library": "0.1.0", "venue": "binance",
     "pairs": ["BTC-USDT"], "options": {...}, "wall_start": 1765080000.0, "mono_start": 1234.5}

Every other line is one record, ``{"k": KIND, "t": seconds, "c": connection id, ...}``
(``t`` on the monotonic clock of ``mono_start``):

======  =====================================================================
``req``     a REST request: ``m`` method, ``u`` URL (query included), ``h`` headers, ``b`` body text
``resp``    its answer (same ``c``): ``s`` status, ``h`` headers that matter, ``b`` body text
``err``     a request or a socket that failed: ``e`` the exception's class, ``msg`` its text
``open``    a WebSocket connect attempt: ``u`` URL; ``opened`` when it succeeded
``in``      a frame received: ``d`` its text (``x``: base64 of a binary frame); a text frame
            without line breaks is written ``{"k":"in","t":T,"c":C,"j":<the frame's text>}``, its
            text unescaped (valid JSON when the frame is; read back byte for byte either way)
``out``     a frame sent: ``d`` its text
``close``   a socket closed: ``by`` ``"local"`` or ``"remote"``, ``msg``
``gap``     ``n`` records lost before this point because the writer's queue was full
``event``   a connector event seen by the recorder (``e`` its tag, ``f`` its fields): for comparison only
``end``     the recorder stopped: ``records`` written, ``lost`` records
======  =====================================================================

Secrets are redacted before a record is made (``redact.py``).
"""
import io
import math
from dataclasses import dataclass, field
from typing import IO, Any, Dict, Iterator, List, Optional

import orjson
import zstandard

__all__ = ["MAGIC", "FORMAT_VERSION", "Header", "RecordingError", "RecordingReader", "read_header"]

MAGIC = "hbconn-recording"
FORMAT_VERSION = 1
_ZSTD_FRAME = b"\x28\xb5\x2f\xfd"
#: the longest record read (a line, its newline included): far above a venue's largest answer (an
#: exchangeInfo of every symbol is some MiB), far below what a hostile file could inflate to
MAX_RECORD_BYTES = 256 << 20


_RAW_FRAME = b'{"k":"in","t":'


def _raw_frame(line: bytes) -> Optional[Dict[str, Any]]:
    """A received frame written with its text unescaped (``writer.py``): sliced, never parsed, so the
    text comes back byte for byte even when it is not JSON."""
    c_at = line.find(b',"c":', len(_RAW_FRAME))
    j_at = line.find(b',"j":', c_at + 1) if c_at > 0 else -1
    if j_at < 0 or not line.endswith(b"}\n"):
        return None
    try:
        return {"k": "in", "t": float(line[len(_RAW_FRAME):c_at]), "c": int(line[c_at + 5:j_at]),
                "d": line[j_at + 5:-2].decode()}
    except (ValueError, UnicodeDecodeError):
        return None


class RecordingError(ValueError):
    """A file that is not a recording, or not a readable one; the message is one sentence."""


@dataclass
class Header:
    """What the first line of a recording says."""

    library: str
    venue: str
    pairs: List[str]
    options: Dict[str, Any] = field(default_factory=dict)
    wall_start: float = 0.0
    mono_start: float = 0.0
    format: int = FORMAT_VERSION

    def to_json(self) -> bytes:
        return orjson.dumps({"kind": MAGIC, "format": self.format, "library": self.library, "venue": self.venue,
                             "pairs": self.pairs, "options": self.options, "wall_start": self.wall_start,
                             "mono_start": self.mono_start})

    @classmethod
    def from_json(cls, line: bytes, path: str) -> "Header":
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise RecordingError(f"{path} is a zstd file but not an hbconn recording (its first line is not "
                                 "JSON).") from None
        if not isinstance(data, dict) or data.get("kind") != MAGIC:
            raise RecordingError(f"{path} is a zstd file but not an hbconn recording (no {MAGIC} header).")
        if data.get("format") != FORMAT_VERSION:
            raise RecordingError(f"{path} is a recording in format {data.get('format')!r}; this version of "
                                 f"hummingbot_conn reads format {FORMAT_VERSION}.")
        try:
            header = cls(library=str(data["library"]), venue=data["venue"], pairs=data["pairs"],
                         options=data.get("options") or {}, wall_start=float(data["wall_start"]),
                         mono_start=float(data["mono_start"]))
        except (KeyError, TypeError, ValueError) as err:
            raise RecordingError(f"{path} has a damaged header (field {err} missing or wrong).") from None
        wrong = header.wrong_field()
        if wrong:
            raise RecordingError(f"{path} has a damaged header ({wrong}).")
        return header

    def wrong_field(self) -> str:
        """What is wrong with the header's fields, in a few words ("" when nothing is): a header that
        lies about its shape would otherwise build a connector on nonsense (docs/recording.md, "File format")."""
        if not isinstance(self.venue, str) or not self.venue:
            return "venue is not a name"
        if not isinstance(self.pairs, list) or not self.pairs or \
                not all(isinstance(p, str) and p.count("-") == 1 and all(p.split("-")) for p in self.pairs):
            return "pairs is not a list of BASE-QUOTE names"
        if not isinstance(self.options, dict):
            return "options is not an object"
        endpoints = self.options.get("endpoints")
        if endpoints is not None and not (isinstance(endpoints, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in endpoints.items())):
            return "options.endpoints is not an object of URLs"
        if not isinstance(self.options.get("trading_required", False), bool):
            return "options.trading_required is not true or false"
        if not (math.isfinite(self.wall_start) and math.isfinite(self.mono_start)):
            return "its start times are not finite numbers"
        return ""


class RecordingReader:
    """Reads a recording: ``header`` at once, then ``records()`` one dict at a time.

    After the iteration, ``complete`` says whether the file ended with its ``end`` record,
    ``ended_at`` is the time of the last record read and ``problem`` the one sentence saying
    why reading stopped early (a truncated or damaged file), or None.
    :raises RecordingError: the file is missing, not zstd, or not a recording (one sentence).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.complete = False
        self.problem: Optional[str] = None
        self.ended_at: Optional[float] = None
        self.count = 0
        try:
            self._file: IO[bytes] = open(path, "rb")
        except OSError as err:
            raise RecordingError(f"cannot open {path}: {err.strerror or err}.") from None
        start = self._file.read(4)
        if start != _ZSTD_FRAME:
            self._file.close()
            what = "empty" if not start else "not zstd-compressed"
            raise RecordingError(f"{path} is not an hbconn recording (the file is {what}).")
        self._file.seek(0)
        reader = zstandard.ZstdDecompressor().stream_reader(self._file, read_across_frames=True)
        self._lines = io.BufferedReader(reader, buffer_size=1 << 16)
        first = self._readline()
        if first is None:
            self.close()
            why = self.problem or "it ends before its header line"
            raise RecordingError(f"{path} is not an hbconn recording ({why}).")
        try:
            self.header = Header.from_json(first, path)
        except RecordingError:
            self.close()
            raise

    def _readline(self) -> Optional[bytes]:
        try:
            line = self._lines.readline(MAX_RECORD_BYTES + 1)
        except zstandard.ZstdError as err:
            self.problem = f"the compressed data is damaged ({err})"
            return None
        if not line:
            return None
        if not line.endswith(b"\n"):
            # a few KiB of zstd can inflate to gigabytes of one line: never held whole in memory
            self.problem = f"record {self.count + 1} is longer than {MAX_RECORD_BYTES >> 20} MiB" \
                if len(line) > MAX_RECORD_BYTES else "the file ends in the middle of a record"
            return None
        return line

    def records(self) -> Iterator[Dict[str, Any]]:
        """Every record after the header, in file order; stops quietly at a damaged or cut tail
        (``problem`` then says what and ``ended_at`` where)."""
        while True:
            line = self._readline()
            if line is None:
                if not self.complete and self.problem is None:
                    self.problem = "the file ends without its end record (the recorder was stopped abruptly)"
                return
            rec = _raw_frame(line) if line.startswith(_RAW_FRAME) else None
            if rec is None:         # every other record (an "in" with "d" too) is plain JSON
                try:
                    rec = orjson.loads(line)
                except orjson.JSONDecodeError:
                    self.problem = f"record {self.count + 1} is not JSON"
                    return
            if not isinstance(rec, dict) or not isinstance(rec.get("k"), str) or \
                    not isinstance(rec.get("t"), (int, float)):
                self.problem = f"record {self.count + 1} has no kind or time"
                return
            self.count += 1
            self.ended_at = float(rec["t"])
            if rec["k"] == "end":
                self.complete = True
                return
            yield rec

    def where_it_ended(self) -> str:
        """One sentence: where a cut or damaged file stopped (empty for a complete one)."""
        if self.complete:
            return ""
        at = "" if self.ended_at is None else \
            f", {self.ended_at - self.header.mono_start:.3f} s into the session"
        return f"{self.path}: {self.problem}; replayed the {self.count} records before it{at}."

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "RecordingReader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def read_header(path: str) -> Header:
    """The header of the recording at ``path`` (``RecordingError`` as for :class:`RecordingReader`)."""
    with RecordingReader(path) as reader:
        return reader.header
