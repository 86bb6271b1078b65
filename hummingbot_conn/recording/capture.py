"""The recording side of the transport: the real connections, wrapped, each frame and request written down.

``RecordingRESTConnection`` and ``RecordingWSConnection`` stand where the
connector's ``ConnectionsFactory`` would hand out a ``RESTConnection`` or a
``WSConnection`` (``web/connections.py``, ``transport_tap``), call the real one
and put one record per request, answer, connect, frame, close and error into
the :class:`~hummingbot_conn.recording.writer.RecordingWriter`'s queue.  The
recorded times are the injected monotonic clock's.  A received frame costs a
clock read and a dict appended to a deque; frames of a private connection
(a user stream) are also scanned for secrets.
"""
import base64
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional, Protocol

from hummingbot_conn.recording._frame_tap import FrameTap
from hummingbot_conn.recording.redact import redact_headers, redact_json_text, redact_url
from hummingbot_conn.web.connections import RESTConnection, WSConnection, build_body, build_url
from hummingbot_conn.web.data_types import RESTRequest, RESTResponse, WSRequest
from hummingbot_conn.web.errors import WSDisconnectedError

if TYPE_CHECKING:
    from hummingbot_conn.recording.writer import RecordingWriter


class RecordSink(Protocol):
    """What a recording connection writes to (the ``Recorder``)."""

    clock: Callable[[], float]

    def put(self, record: Dict[str, Any]) -> bool: ...

    writer: "RecordingWriter"


    def next_connection_id(self) -> int: ...

__all__ = ["RecordingRESTConnection", "RecordingWSConnection", "KEPT_RESPONSE_HEADERS", "record_header_options",
           "RecordSink"]

#: the answer headers a connector reads (content type, retry-after, the venues' weight and order counters)
KEPT_RESPONSE_HEADERS = frozenset(("content-type", "retry-after", "x-mbx-used-weight*", "x-mbx-order-count*",
                                   "x-sapi-used*", "x-ratelimit*"))


def _text(body: Optional[bytes]) -> Optional[str]:
    if body is None:
        return None
    return body.decode("utf-8", errors="replace")


class RecordingRESTConnection(RESTConnection):
    """A ``RESTConnection`` that records each request, its answer or its error (same connection id)."""

    def __init__(self, inner: RESTConnection, recorder: RecordSink) -> None:
        self._inner = inner
        self._rec = recorder
        self.max_response_size = inner.max_response_size

    async def call(self, request: RESTRequest, timeout: Optional[float] = None) -> RESTResponse:
        rec = self._rec
        cid = rec.next_connection_id()
        body = build_body(request.data, request.headers)
        url = build_url(request.url or "", request.params)
        text = None if body is None else redact_json_text(body.decode("utf-8", errors="replace"))
        rec.put({"k": "req", "t": rec.clock(), "c": cid, "m": request.method.value, "u": redact_url(url),
                 "h": redact_headers(request.headers), "b": text})
        try:
            response = await self._inner.call(request, timeout)
        except BaseException as exc:
            rec.put({"k": "err", "t": rec.clock(), "c": cid, "e": type(exc).__name__, "msg": str(exc)[:500]})
            raise
        body_text = _text(response.body)
        rec.put({"k": "resp", "t": rec.clock(), "c": cid, "s": response.status,
                 "h": redact_headers(response.headers, KEPT_RESPONSE_HEADERS),
                 "b": redact_json_text(body_text) if body_text else body_text})
        return response


class RecordingWSConnection(WSConnection):
    """A ``WSConnection`` whose connects, frames both ways, closes and errors are recorded.

    Received frames are taken by the inner connection's ``frame_tap`` (the exact text, before
    any decoding) and its death by ``death_tap``; ``receive`` *is* the inner connection's, so
    the connector reads frames exactly as it would unrecorded, through no extra layer.

    Received frames are scanned for secrets only on a private connection: one whose URL
    held a secret (a listen key, a token) or on which a frame with a secret was sent (a
    signed logon or subscription).  A public market stream is never authenticated, so it
    cannot carry an account's secrets, and its frames (most of a recording) are never scanned;
    a private connection's are, on the writer's thread (docs/recording.md, "Secrets").
    """

    def __init__(self, inner: WSConnection, recorder: RecordSink) -> None:
        self._inner = inner
        self._rec = recorder
        self._put = recorder.put
        self._writer = recorder.writer
        self._clock = recorder.clock
        self._cid = 0
        self.private = False
        self.receive = inner.receive            # type: ignore[method-assign]
        self._install_tap()
        inner.death_tap = self._on_death

    @property
    def connected(self) -> bool:
        return self._inner.connected

    @property
    def last_recv_time(self) -> float:
        return self._inner.last_recv_time

    @property
    def url(self) -> str:
        return self._inner.url

    def _install_tap(self) -> None:
        """Hand the inner connection the per-frame call for the current connection id and privacy.

        It runs for every frame received, so it is compiled and does only this: one tuple of
        references (the receive time, the connection id, the frame's str or bytes as received)
        appended to the writer's bounded queue (``_frame_tap.pyx``).  The time is the one the
        connection has just read for the frame when its clock is the recorder's (the usual case:
        both ``time.monotonic``), else a read of the recorder's clock.  A private connection's
        frames are queued with a flag: the writer's thread redacts them before anything is
        written.  The call is rebuilt when the id or the privacy changes, so it tests neither.
        """
        same_clock = getattr(self._inner, "_clock", None) is self._clock
        self._inner.frame_tap = FrameTap(self._writer.frames, self._cid, None if same_clock else self._clock,
                                         self.private).tap

    def _make_private(self) -> None:
        if not self.private:
            self.private = True
            self._install_tap()

    def _on_death(self, error: BaseException) -> None:
        self._put({"k": "close", "t": self._clock(), "c": self._cid, "by": "remote", "e": type(error).__name__,
                   "msg": str(error)[:500]})

    async def connect(self, ws_url: str, **kwargs: Any) -> None:
        rec = self._rec
        self._cid = cid = rec.next_connection_id()
        shown = redact_url(ws_url)
        self.private = self.private or shown != ws_url
        self._install_tap()                     # the new id (and privacy) in the per-frame call
        self._put({"k": "open", "t": self._clock(), "c": cid, "u": shown})
        try:
            await self._inner.connect(ws_url, **kwargs)
        except BaseException as exc:
            self._put({"k": "err", "t": self._clock(), "c": cid, "e": type(exc).__name__, "msg": str(exc)[:500]})
            raise
        self._put({"k": "opened", "t": self._clock(), "c": cid})

    async def disconnect(self) -> None:
        was = self._inner.connected
        await self._inner.disconnect()
        if was:
            self._put({"k": "close", "t": self._clock(), "c": self._cid, "by": "local"})

    async def send(self, request: WSRequest) -> None:
        self._ensure()
        await request.send_with_connection(self)

    def _ensure(self) -> None:
        if not self._inner.connected:
            raise WSDisconnectedError("WS is not connected.")

    def _sent(self, text: str) -> None:
        shown = redact_json_text(text)
        if shown != text:
            self._make_private()
        self._put({"k": "out", "t": self._clock(), "c": self._cid, "d": shown})

    async def send_str(self, payload: str) -> None:
        await self._inner.send_str(payload)
        self._sent(payload)

    async def send_bytes(self, payload: bytes) -> None:
        await self._inner.send_bytes(payload)
        self._put({"k": "out", "t": self._clock(), "c": self._cid, "x": base64.b64encode(payload).decode()})

    async def send_bytes_as_text(self, payload: bytes) -> None:
        await self._inner.send_bytes_as_text(payload)
        self._sent(payload.decode("utf-8", errors="replace"))

    async def ping(self) -> None:
        await self._inner.ping()


def record_header_options(options: Mapping[str, Any]) -> Dict[str, Any]:
    """Connector options as JSON-safe text (what a header may hold: no secrets, plain values)."""
    out: Dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
        elif isinstance(value, (list, tuple)):
            out[key] = [str(v) for v in value]
        elif isinstance(value, dict):
            out[key] = {str(k): str(v) for k, v in value.items()}
        else:
            out[key] = str(value)
    return {k: v for k, v in out.items() if "secret" not in k and "key" not in k}

