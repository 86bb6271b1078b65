"""Connections: one ``aiohttp.ClientSession`` per factory, REST and WebSocket transports.

``ConnectionsFactory`` is an ordinary object, not a process-wide singleton:
each connector's ``WebAssistantsFactory`` owns one, so closing one connector
never closes another's session (hummingbot's singleton did, W-14).

``RESTConnection`` sends exactly the bytes it is given: an encoded query
string goes out through ``yarl.URL(url, encoded=True)``, which stops yarl
from re-normalising it (``%3A`` -> ``:``) behind a signature's back.

``WSConnection`` answers server pings, pings an idle server itself, and
declares the socket dead when nothing at all (data, ping or pong) arrived
for ``message_timeout`` seconds.
"""
import asyncio
import contextlib
import time
from contextvars import ContextVar
from typing import Any, Callable, Iterator, Mapping, Optional, Protocol

import aiohttp
import orjson
from yarl import URL

from hummingbot_conn.web.data_types import RESTRequest, RESTResponse, WSRequest, WSResponse
from hummingbot_conn.web.encoding import encode_json, encode_params
from hummingbot_conn.web.errors import ResponseTooLargeError, WSDisconnectedError, WSSilentError

__all__ = ["ConnectionsFactory", "RESTConnection", "WSConnection", "FORM_CONTENT_TYPE", "JSON_CONTENT_TYPE",
           "DEFAULT_MAX_RESPONSE_SIZE", "TransportTap", "transport_tap"]

# Binance's largest answer in scope, the full exchangeInfo, is a few MB; 32 MiB leaves room
# and still bounds what a broken or hostile server can make us hold
DEFAULT_MAX_RESPONSE_SIZE = 32 * 1024 * 1024
_CHUNK = 256 * 1024

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"


def _content_type(headers: Optional[Mapping[str, str]]) -> Optional[str]:
    if headers:
        for k, v in headers.items():
            if k.lower() == "content-type":
                return v
    return None


def build_url(url: str, params: Any) -> str:
    """``url`` plus the query string (``params`` encoded here unless it already is a ``str``)."""
    qs = params if isinstance(params, str) else encode_params(params)
    if not qs:
        return url
    return f"{url}{'&' if '?' in url else '?'}{qs}"


def build_body(data: Any, headers: Optional[Mapping[str, str]]) -> Optional[bytes]:
    """The body bytes: ``bytes``/``str`` verbatim, a mapping form-encoded (JSON if the content type says so)."""
    if data is None:
        return None
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode()
    ctype = _content_type(headers) or ""
    if ctype.startswith(JSON_CONTENT_TYPE):
        return encode_json(data, "data")
    return encode_params(data).encode()


class RESTConnection:
    """Sends one ``RESTRequest`` and reads the whole answer, at most ``max_response_size`` bytes of it.

    The cap counts the body after decompression; an answer over it raises
    ``ResponseTooLargeError`` after reading no more than the cap (plus one chunk).
    """

    def __init__(self, session: aiohttp.ClientSession, max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE) -> None:
        if isinstance(max_response_size, bool) or not isinstance(max_response_size, int) or max_response_size < 1:
            raise ValueError(f"max_response_size must be an int >= 1, got {max_response_size!r}")
        self._session = session
        self.max_response_size = max_response_size

    async def call(self, request: RESTRequest, timeout: Optional[float] = None) -> RESTResponse:
        if request.url is None:
            raise ValueError("RESTRequest.url is not set")
        body = build_body(request.data, request.headers)
        headers = dict(request.headers or {})
        if body is not None and _content_type(headers) is None:
            headers["Content-Type"] = FORM_CONTENT_TYPE
        target = URL(build_url(request.url, request.params), encoded=True)
        # timeout None means none at all; RESTAssistant always passes one
        async with self._session.request(request.method.value, target, data=body, headers=headers,
                                         allow_redirects=False, timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            payload = await self._read_capped(resp, request)
            return RESTResponse(url=request.url, method=request.method, status=resp.status,
                                headers=resp.headers, body=payload)


    async def _read_capped(self, resp: aiohttp.ClientResponse, request: RESTRequest) -> bytes:
        limit = self.max_response_size
        length = resp.content_length
        if length is not None and length > limit:
            raise ResponseTooLargeError(limit, request.method.value, request.url or "")
        if length is not None and resp.headers.get("Content-Encoding", "identity").lower() == "identity":
            return await resp.read()      # the parser stops at Content-Length (<= limit)
        body = bytearray()
        while True:
            chunk = await resp.content.read(_CHUNK)
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > limit:
                raise ResponseTooLargeError(limit, request.method.value, request.url or "")


def _make_writes_immediate(ws: aiohttp.ClientWebSocketResponse) -> bool:
    """Set the socket transport's write high-water mark to 0; True when that makes writes immediate.

    uvloop buffers a write below the high-water mark and hands it to the kernel when the loop turn
    ends (to batch writes); above the mark it writes at once.  With the mark at 0 every write is
    above it.  Flow control still holds: a write the kernel does not take whole pauses the
    protocol (aiohttp's writer then waits to drain) until the buffer is empty again.  asyncio's
    own loop writes at once anyway.  Over TLS the mark would apply to the TLS layer, not to the
    socket under it, so it is left alone there."""
    writer = getattr(ws, "_writer", None)
    transport = getattr(writer, "transport", None)
    if transport is None or transport.is_closing() or transport.get_extra_info("sslcontext") is not None \
            or transport.get_extra_info("ssl_object") is not None:
        return False
    transport.set_write_buffer_limits(high=0)
    return True


class WSConnection:
    """One WebSocket.  ``receive()`` returns data frames only; control frames are handled here."""

    MAX_MSG_SIZE = 4 * 1024 * 1024

    def __init__(self, session: aiohttp.ClientSession, clock: Callable[[], float] = time.monotonic) -> None:
        self._session = session
        self._clock = clock
        self._ws: Optional[aiohttp.ClientWebSocketResponse] = None
        self._connected = False
        self._closing = False
        self._ping_interval: Optional[float] = None
        self._message_timeout: Optional[float] = None
        self._pong_timeout: Optional[float] = None
        self._decode_json = True
        self._last_recv_time = 0.0
        self._last_ping_sent = -float("inf")
        self._unanswered_since = -float("inf")      # the first of our pings nothing answered yet
        self._url = ""
        self._writes_at_once = False
        # taps of a recorder (hummingbot_conn.recording): each data frame as received (its receive
        # time on this connection's clock, its text or bytes), and the error a socket died of; None
        # costs one attribute check per frame
        self.frame_tap: Optional[Callable[[float, Any], None]] = None
        self.death_tap: Optional[Callable[[BaseException], None]] = None

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def last_recv_time(self) -> float:
        """Clock time of the last frame of any kind (the connect time until one arrives; 0.0 never connected)."""
        return self._last_recv_time

    @property
    def url(self) -> str:
        return self._url

    @property
    def writes_at_once(self) -> bool:
        """True when a write reaches the kernel inside the call that makes it (``connect(...,
        write_at_once=True)`` on a plain TCP socket).  uvloop otherwise keeps a small write in its
        buffer until the end of the loop turn, which on an order socket held the order for whatever
        else that turn ran (README, "Performance").  False over TLS under uvloop: its TLS layer's
        own transport is out of reach, so there the bytes still leave at the end of the turn."""
        return self._writes_at_once

    async def connect(self, ws_url: str, *, ping_timeout: Optional[float] = 10.0,
                      message_timeout: Optional[float] = None, ws_headers: Optional[Mapping[str, str]] = None,
                      max_msg_size: Optional[int] = None, connect_timeout: float = 10.0,
                      close_timeout: float = 2.0, decode_json: bool = True,
                      pong_timeout: Optional[float] = None, write_at_once: bool = False) -> None:
        """Open the socket (``connect_timeout`` bounds the handshake, ``close_timeout`` the closing one).

        ``decode_json=False``: text frames are returned as ``str``, undecoded (a
        reader with its own frame parser skips the JSON round trip).

        :param ping_timeout: idle seconds after which we ping the server (None: never)
        :param message_timeout: seconds without any frame (data, ping, pong) after
            which the socket is declared silent and closed (default ``3 * ping_timeout``)
        :param pong_timeout: seconds within which a frame of any kind must follow one of our
            idle pings, else the socket is declared silent and closed (None: only
            ``message_timeout`` applies).  A socket that stopped delivering is then noticed
            ``ping_timeout + pong_timeout`` seconds after its last frame (docs/contracts.md,
            Contract 4).
        :param write_at_once: every write goes to the kernel inside the call that makes it, under
            uvloop too (an order socket's; plain TCP only, see ``writes_at_once``).
        """
        if pong_timeout is not None and not pong_timeout > 0:
            raise ValueError(f"pong_timeout must be > 0 seconds or None, not {pong_timeout!r}")
        if self._connected:
            raise RuntimeError("WS is connected.")
        if message_timeout is None and ping_timeout:
            message_timeout = 3 * ping_timeout
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
        # that races the inner call's completion, and a stop() would then wait forever
        async with asyncio.timeout(connect_timeout):
            self._ws = await self._session.ws_connect(
                ws_url, headers=dict(ws_headers or {}), autoping=False, heartbeat=None,
                max_msg_size=max_msg_size or self.MAX_MSG_SIZE,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=close_timeout))
        self._url = ws_url
        self._writes_at_once = _make_writes_immediate(self._ws) if write_at_once else False
        self._ping_interval = ping_timeout
        self._message_timeout = message_timeout
        self._pong_timeout = pong_timeout
        self._decode_json = decode_json
        self._last_recv_time = self._clock()
        self._last_ping_sent = -float("inf")
        self._unanswered_since = -float("inf")
        self._connected = True
        self._closing = False

    async def disconnect(self) -> None:
        """Close locally; a ``receive()`` in progress returns ``None``."""
        self._closing = True
        self._connected = False
        self._writes_at_once = False        # a property of the socket, which is going
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            await ws.close()

    def _ensure_connected(self) -> aiohttp.ClientWebSocketResponse:
        if not self._connected or self._ws is None:
            raise WSDisconnectedError("WS is not connected.")
        return self._ws

    async def send(self, request: WSRequest) -> None:
        self._ensure_connected()
        await request.send_with_connection(self)

    async def send_str(self, payload: str) -> None:
        await self._ensure_connected().send_str(payload)

    async def send_bytes(self, payload: bytes) -> None:
        await self._ensure_connected().send_bytes(payload)

    async def send_bytes_as_text(self, payload: bytes) -> None:
        """A text frame from already-encoded UTF-8 (orjson output) without a decode/encode round."""
        await self._ensure_connected().send_frame(payload, aiohttp.WSMsgType.TEXT)

    def can_write_now(self) -> bool:
        """True when ``write_text_now`` would write (open, uncompressed, writer not paused)."""
        ws = self._ws
        if not self._connected or ws is None or ws.closed:
            return False
        writer = getattr(ws, "_writer", None)
        # aiohttp's writer frames and masks synchronously (``_write_websocket_frame``); only
        # compression and a full send buffer need its coroutine, and then we use it too
        return (writer is not None and hasattr(writer, "_write_websocket_frame") and not writer.compress
                and not writer.protocol._paused and not writer.transport.is_closing())

    def write_text_now(self, payload: bytes) -> bool:
        """Write one text frame (UTF-8 ``payload``) to the transport at once, without a loop turn;
        False (nothing written) when ``can_write_now()`` is not true: use ``send_bytes_as_text``.

        For the order path (docs/binance_spot.md section 7.6): the request leaves inside the
        caller's ``buy()``.  Raises ``ConnectionError`` if the transport fails while writing."""
        if not self.can_write_now():
            return False
        writer = self._ws._writer      # type: ignore[union-attr]
        writer._write_websocket_frame(payload, aiohttp.WSMsgType.TEXT, 0)
        if writer._output_size > writer._limit:      # as aiohttp's send_frame: not paused (checked above)
            writer._output_size = 0
        return True

    async def ping(self) -> None:
        await self._ensure_connected().ping()

    async def _dead(self, error: WSDisconnectedError) -> WSDisconnectedError:
        if self.death_tap is not None:
            self.death_tap(error)
        self._connected = False
        self._writes_at_once = False
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            await ws.close()
        return error

    async def receive(self) -> Optional[WSResponse]:
        """The next data frame; ``None`` after a local ``disconnect()``.

        Raises ``WSSilentError`` when nothing arrived for ``message_timeout``
        and ``WSDisconnectedError`` when the server closed or dropped the socket.
        """
        ws = self._ensure_connected()
        while True:
            now = self._clock()
            wake = float("inf")
            if self._message_timeout is not None:
                silence_deadline = self._last_recv_time + self._message_timeout
                if now >= silence_deadline:
                    raise await self._dead(WSSilentError(
                        f"no frame from {self._url} for {self._message_timeout:g}s: socket presumed dead"))
                wake = silence_deadline
            if self._pong_timeout is not None and self._unanswered_since > self._last_recv_time:
                # our ping is unanswered: nothing at all came back since it left
                pong_deadline = self._unanswered_since + self._pong_timeout
                if now >= pong_deadline:
                    raise await self._dead(WSSilentError(
                        f"no answer from {self._url} to a ping within {self._pong_timeout:g}s: socket presumed dead"))
                wake = min(wake, pong_deadline)
            next_ping = float("inf")
            if self._ping_interval:
                next_ping = max(self._last_recv_time, self._last_ping_sent) + self._ping_interval
                wake = min(wake, next_ping)
            try:
                if wake == float("inf"):
                    msg = await ws.receive()
                else:  # aiohttp treats a timeout of 0 as "none": keep it positive
                    msg = await ws.receive(timeout=max(wake - now, 1e-3))
            except asyncio.TimeoutError:
                if self._closing:
                    return None
                now = self._clock()
                if now >= next_ping:
                    if self._unanswered_since <= self._last_recv_time:    # later pings keep its deadline
                        self._unanswered_since = now
                    self._last_ping_sent = now
                    try:
                        await ws.ping()
                    except (ConnectionError, RuntimeError, aiohttp.ClientError):
                        raise await self._dead(WSDisconnectedError(f"WS to {self._url} broke while pinging")) from None
                continue
            mtype = msg.type
            if mtype is aiohttp.WSMsgType.TEXT:
                self._last_recv_time = self._clock()
                data = msg.data
                if self.frame_tap is not None:
                    self.frame_tap(self._last_recv_time, data)
                if self._decode_json:
                    try:
                        data = orjson.loads(data)
                    except orjson.JSONDecodeError:
                        pass
                return WSResponse(data, self._last_recv_time)
            if mtype is aiohttp.WSMsgType.BINARY:
                self._last_recv_time = self._clock()
                if self.frame_tap is not None:
                    self.frame_tap(self._last_recv_time, msg.data)
                return WSResponse(msg.data, self._last_recv_time)
            if mtype is aiohttp.WSMsgType.PING:
                self._last_recv_time = self._clock()
                try:
                    await ws.pong(msg.data)
                except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
                    # the socket dropped under the answer: a drop like any other, so every reader
                    # reconnects (an error it does not expect would end it for good)
                    raise await self._dead(WSDisconnectedError(
                        f"WS to {self._url} broke while answering a ping ({type(exc).__name__}: {exc})")) from None
                continue
            if mtype is aiohttp.WSMsgType.PONG:
                self._last_recv_time = self._clock()
                continue
            if self._closing:
                return None
            if mtype in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                code = ws.close_code
                raise await self._dead(WSDisconnectedError(
                    f"WS to {self._url} was closed by the server (close code {code})"))
            raise await self._dead(WSDisconnectedError(f"WS to {self._url} failed: {msg.data!r}"))


class TransportTap(Protocol):
    """What stands between a ``ConnectionsFactory`` and its connections (``hummingbot_conn.recording``:
    the recorder wraps the real ones, the replay serves a recording instead; docs/recording.md)."""

    def rest_connection(self, make: Callable[[], RESTConnection]) -> RESTConnection: ...

    def ws_connection(self, make: Callable[[], WSConnection]) -> WSConnection: ...


# the tap of the factories created in this context: set around a connector's construction, so the
# connector's code stays unchanged and only its transport is recorded or replayed
_TAP: ContextVar[Optional[TransportTap]] = ContextVar("hummingbot_conn_transport_tap", default=None)


@contextlib.contextmanager
def transport_tap(tap: Optional[TransportTap]) -> Iterator[None]:
    """Every ``ConnectionsFactory`` created inside the block hands its connections to ``tap``."""
    token = _TAP.set(tap)
    try:
        yield
    finally:
        _TAP.reset(token)


class ConnectionsFactory:
    """Owns one ``aiohttp.ClientSession`` (created lazily inside the running loop).

    Pass ``session`` to share one you manage yourself; the factory then never closes it.
    """

    def __init__(self, session: Optional[aiohttp.ClientSession] = None, *, limit_per_host: int = 20,
                 clock: Callable[[], float] = time.monotonic,
                 max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE) -> None:
        """:param max_response_size: cap in bytes of one REST answer (``ResponseTooLargeError`` beyond)"""
        if isinstance(max_response_size, bool) or not isinstance(max_response_size, int) or max_response_size < 1:
            raise ValueError(f"max_response_size must be an int >= 1, got {max_response_size!r}")
        self.max_response_size = max_response_size
        self._session = session
        self._owns_session = session is None
        self._limit_per_host = limit_per_host
        self._clock = clock
        self._tap = _TAP.get()

    @property
    def session(self) -> Optional[aiohttp.ClientSession]:
        return self._session

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or (self._owns_session and self._session.closed):
            connector = aiohttp.TCPConnector(limit_per_host=self._limit_per_host)
            self._session = aiohttp.ClientSession(connector=connector)
            self._owns_session = True
        return self._session

    async def get_rest_connection(self) -> RESTConnection:
        if self._tap is not None:
            return self._tap.rest_connection(lambda: RESTConnection(self._get_session(), self.max_response_size))
        return RESTConnection(self._get_session(), self.max_response_size)

    async def get_ws_connection(self) -> WSConnection:
        if self._tap is not None:
            return self._tap.ws_connection(lambda: WSConnection(self._get_session(), clock=self._clock))
        return WSConnection(self._get_session(), clock=self._clock)

    async def close(self) -> None:
        """Close the session this factory created (and only that one)."""
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()

    async def __aenter__(self) -> "ConnectionsFactory":
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self.close()
