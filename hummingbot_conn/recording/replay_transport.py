"""ReplayTransport: a recording served to an unchanged connector in place of the network.

A ``TransportTap`` (``web/connections.py``): the connector's factory asks it for
connections and gets :class:`ReplayRESTConnection` / :class:`ReplayWSConnection`,
which answer from the recording on the loop's (virtual) clock:

* a REST request is matched to the next recorded request with the same method, path
  and parameters, leaving out what changes from run to run (``VOLATILE_PARAMS``:
  timestamps, signatures, the receive window; secrets are compared redacted).  Its
  recorded answer, or its recorded error, comes back after the recorded latency.
* a WebSocket connect takes the next recorded connection to the same URL; its frames
  come at their recorded times; its remote close or error is raised when recorded.
  A request id the connector sends (a WebSocket API request's ``"id"``, a uuid) is
  mapped onto the recorded one, and the recorded answer is held until its request
  was sent, then handed over with the connector's id.
* a request or a connect the recording does not hold is a :class:`ReplayMiss`: the
  transport notes it (``miss``), sets ``stopped`` and raises it; it never invents
  an answer (docs/recording.md, "Replay").
"""
import asyncio
import base64
import collections
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl

import aiohttp
import orjson
from multidict import CIMultiDict

from hummingbot_conn.recording.redact import REDACTED, is_secret_name, redact_url
from hummingbot_conn.web.connections import RESTConnection, WSConnection, build_body, build_url
from hummingbot_conn.web.data_types import RESTMethod, RESTRequest, RESTResponse, WSRequest, WSResponse
from hummingbot_conn.web.errors import WSDisconnectedError, WSSilentError

__all__ = ["ReplayTransport", "ReplayMiss", "ReplayRESTConnection", "ReplayWSConnection", "VOLATILE_PARAMS",
           "request_key"]

#: parameters that differ between a run and its replay without changing the request's meaning
VOLATILE_PARAMS = frozenset(("timestamp", "signature", "recvwindow"))

_ERRORS: Dict[str, type] = {
    "TimeoutError": asyncio.TimeoutError, "ServerTimeoutError": aiohttp.ServerTimeoutError,
    "ClientConnectionError": aiohttp.ClientConnectionError, "ClientOSError": aiohttp.ClientOSError,
    "ServerDisconnectedError": aiohttp.ServerDisconnectedError, "ClientPayloadError": aiohttp.ClientPayloadError,
    "ConnectionResetError": ConnectionResetError, "ConnectionRefusedError": ConnectionRefusedError,
    "OSError": OSError, "WSSilentError": WSSilentError, "WSDisconnectedError": WSDisconnectedError,
}


class ReplayMiss(ConnectionError):
    """The connector asked for something the recording does not hold (the replay stops there)."""


def _params(text: Optional[str]) -> List[Tuple[str, str]]:
    if not text:
        return []
    try:
        decoded = orjson.loads(text)
    except orjson.JSONDecodeError:
        return [(k, REDACTED if is_secret_name(k) else v) for k, v in parse_qsl(text, keep_blank_values=True)
                if k.lower() not in VOLATILE_PARAMS]
    if isinstance(decoded, dict):
        return [(k, REDACTED if is_secret_name(k) else orjson.dumps(v).decode()) for k, v in decoded.items()
                if k.lower() not in VOLATILE_PARAMS]
    return [("", text)]


def request_key(method: str, url: str, body: Optional[str]) -> str:
    """The identity of a request for matching: method, redacted path, sorted stable parameters."""
    base, _, query = redact_url(url).partition("?")
    params = sorted(_params(query)) + [("body:" + k, v) for k, v in sorted(_params(body))]
    return f"{method} {base} " + "&".join(f"{k}={v}" for k, v in params)


class _Exchange:
    __slots__ = ("req", "out", "used")

    def __init__(self, req: Dict[str, Any]) -> None:
        self.req = req
        self.out: Optional[Dict[str, Any]] = None
        self.used = False


class _Socket:
    __slots__ = ("open", "outcome", "events", "used")

    def __init__(self, open_rec: Dict[str, Any]) -> None:
        self.open = open_rec
        self.outcome: Optional[Dict[str, Any]] = None       # "opened" or "err"
        self.events: List[Dict[str, Any]] = []              # in / out / close / err, in order
        self.used = False


class ReplayTransport:
    """The recorded connections of one file, served on the running loop's clock (see the module doc).

    Feed it the records (:meth:`add`, in file order), then put it under the connector with
    ``transport_tap(transport)`` around the connector's construction.
    """

    def __init__(self) -> None:
        self._rest: Dict[str, Deque[_Exchange]] = collections.defaultdict(collections.deque)
        self._rest_by_id: Dict[int, _Exchange] = {}
        self._ws: Dict[str, Deque[_Socket]] = collections.defaultdict(collections.deque)
        self._ws_by_id: Dict[int, _Socket] = {}
        self.requests: List[_Exchange] = []
        self.miss: Optional[str] = None
        self.stopped: Optional[asyncio.Event] = None      # created on the loop by attach()
        self.answered = 0
        self.frames = 0
        self.sent = 0
        self.send_mismatches = 0
        self.horizon = float("-inf")        # the last recorded activity (a local close excluded)
        self.first = float("inf")           # the first request or connect: the recorded connector's start
        #: called at every WebSocket connect (the replay re-virtualises the clocks of parts made since)
        self.on_connect: Optional[Callable[[], Any]] = None

    # -- loading ------------------------------------------------------------------------------------
    def add(self, rec: Dict[str, Any]) -> None:
        kind, cid = rec["k"], int(rec.get("c") or 0)
        if kind not in ("event", "gap") and not (kind == "close" and rec.get("by") == "local"):
            self.horizon = max(self.horizon, float(rec["t"]))
        if kind in ("req", "open"):
            self.first = min(self.first, float(rec["t"]))
        if kind == "req":
            ex = _Exchange(rec)
            self._rest_by_id[cid] = ex
            self._rest[request_key(rec["m"], rec["u"], rec.get("b"))].append(ex)
            self.requests.append(ex)
        elif kind in ("resp", "err") and cid in self._rest_by_id:
            self._rest_by_id[cid].out = rec
        elif kind == "open":
            sock = _Socket(rec)
            self._ws_by_id[cid] = sock
            self._ws[redact_url(rec["u"])].append(sock)
        elif cid in self._ws_by_id:
            sock = self._ws_by_id[cid]
            if kind in ("opened", "err") and sock.outcome is None:
                sock.outcome = rec
            else:
                sock.events.append(rec)

    def attach(self) -> None:
        """Bind to the running loop (call inside it, before the connector starts)."""
        self.stopped = asyncio.Event()

    def fail(self, message: str) -> ReplayMiss:
        if self.miss is None:
            self.miss = message
        if self.stopped is not None:
            self.stopped.set()
        return ReplayMiss(message)

    def unused_requests(self) -> List[Dict[str, Any]]:
        return [ex.req for ex in self.requests if not ex.used]

    # -- TransportTap -------------------------------------------------------------------------------
    def rest_connection(self, make: Any) -> RESTConnection:
        return ReplayRESTConnection(self)

    def ws_connection(self, make: Any) -> WSConnection:
        return ReplayWSConnection(self)

    # -- serving ------------------------------------------------------------------------------------
    def take_request(self, method: str, url: str, body: Optional[str]) -> _Exchange:
        key = request_key(method, url, body)
        queue = self._rest.get(key)
        if queue:
            ex = queue.popleft()
            if ex.out is not None:
                ex.used = True
                return ex
            raise self.fail(f"the recording holds {method} {redact_url(url).partition('?')[0]} but not its "
                            "answer (the session ended before it came)")
        path = redact_url(url).partition("?")[0]
        same_path = sum(1 for ex in self.requests if ex.req["m"] == method and ex.req["u"].partition("?")[0] == path)
        raise self.fail(f"the connector asked {key.strip()} and the recording does not hold that request "
                        f"({same_path} recorded {method} {path}, all of them answered already or with other "
                        "parameters)")

    def take_socket(self, url: str) -> _Socket:
        queue = self._ws.get(redact_url(url))
        if queue:
            sock = queue.popleft()
            sock.used = True
            return sock
        raise self.fail(f"the connector opened a WebSocket to {redact_url(url)} and the recording holds no "
                        "further connection to it")


def _error(rec: Dict[str, Any]) -> BaseException:
    cls = _ERRORS.get(rec.get("e", ""), aiohttp.ClientConnectionError)
    return cls(rec.get("msg", "recorded error"))


class ReplayRESTConnection(RESTConnection):
    """Answers each request from the recording (see :class:`ReplayTransport`)."""

    def __init__(self, transport: ReplayTransport) -> None:
        self._transport = transport
        self.max_response_size = 1 << 62

    async def call(self, request: RESTRequest, timeout: Optional[float] = None) -> RESTResponse:
        body = build_body(request.data, request.headers)
        url = build_url(request.url or "", request.params)
        method = request.method.value
        ex = self._transport.take_request(method, url, None if body is None else body.decode("utf-8", "replace"))
        out = ex.out
        assert out is not None
        if out.get("e") == "CancelledError":
            # the recorded run cancelled it before an answer came (it was stopping): none comes here either
            await asyncio.get_running_loop().create_future()
        # after the recorded latency, and not before the answer's recorded time: a request the replay
        # makes early (a shortened back-off) is answered on the recording's timeline
        now = asyncio.get_running_loop().time()
        wait = max(float(out["t"]) - float(ex.req["t"]), float(out["t"]) - now, 0.0)
        if timeout is not None and out["k"] == "resp":
            wait = min(wait, timeout * 0.999)       # the live run had this answer within its timeout
        if wait > 0:
            await asyncio.sleep(wait)
        self._transport.answered += 1
        if out["k"] == "err":
            raise _error(out)
        text = out.get("b")
        return RESTResponse(url=request.url or "", method=RESTMethod(method), status=int(out["s"]),
                            headers=CIMultiDict(out.get("h") or {}),
                            body=b"" if text is None else text.encode())


class ReplayWSConnection(WSConnection):
    """Serves one recorded WebSocket connection per connect (see :class:`ReplayTransport`)."""

    def __init__(self, transport: ReplayTransport) -> None:
        self._transport = transport
        self._sock: Optional[_Socket] = None
        self._pos = 0
        self._connected = False
        self._closing = False
        self._decode_json = True
        self._last_recv_time = 0.0
        self._url = ""
        self._outs: List[Dict[str, Any]] = []
        self._out_pos = 0
        self._ids: Dict[Any, Any] = {}          # recorded request id -> the connector's
        self._recorded_ids: set = set()
        self._sent_signal: Optional[asyncio.Event] = None
        self._waiter: Optional[asyncio.Future] = None

    async def connect(self, ws_url: str, *, decode_json: bool = True, **_: Any) -> None:
        if self._connected:
            raise RuntimeError("WS is connected.")
        sock = self._transport.take_socket(ws_url)
        loop = asyncio.get_running_loop()
        if self._transport.on_connect is not None:
            self._transport.on_connect()
        outcome = sock.outcome
        if outcome is None:
            raise self._transport.fail(f"the recording ends while connecting to {redact_url(ws_url)}")
        # connected after the recorded handshake time, and not before the recorded connect: a reconnect
        # happens when the recorded one did (the replay's back-offs are their shortest)
        delay = max(float(outcome["t"]) - float(sock.open["t"]), float(outcome["t"]) - loop.time())
        if delay > 0:
            await asyncio.sleep(delay)
        if outcome["k"] == "err":
            raise _error(outcome)
        self._sock, self._pos, self._url = sock, 0, ws_url
        self._outs = [e for e in sock.events if e["k"] == "out"]
        self._out_pos = 0
        self._ids.clear()
        self._recorded_ids = set()
        for rec in self._outs:
            rid = _frame_id(rec.get("d"))
            if rid is not None:
                self._recorded_ids.add(rid)
        self._sent_signal = asyncio.Event()
        self._decode_json = decode_json
        self._last_recv_time = loop.time()
        self._connected, self._closing = True, False

    async def disconnect(self) -> None:
        self._closing = True
        self._connected = False
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _ensure(self) -> None:
        if not self._connected:
            raise WSDisconnectedError("WS is not connected.")

    async def send(self, request: WSRequest) -> None:
        self._ensure()
        await request.send_with_connection(self)

    def _sent(self, text: Optional[str]) -> None:
        self._transport.sent += 1
        if self._out_pos < len(self._outs):
            recorded = self._outs[self._out_pos]
            self._out_pos += 1
            rid, live = _frame_id(recorded.get("d")), _frame_id(text)
            if rid is not None and live is not None:
                self._ids[rid] = live
            elif rid != live:
                self._transport.send_mismatches += 1
        else:
            self._transport.send_mismatches += 1
        if self._sent_signal is not None:
            self._sent_signal.set()

    async def send_str(self, payload: str) -> None:
        self._ensure()
        self._sent(payload)

    async def send_bytes(self, payload: bytes) -> None:
        self._ensure()
        self._sent(None)

    async def send_bytes_as_text(self, payload: bytes) -> None:
        self._ensure()
        self._sent(payload.decode("utf-8", "replace"))

    def can_write_now(self) -> bool:
        return self._connected

    def write_text_now(self, payload: bytes) -> bool:
        """The order path's synchronous send (``WSConnection.write_text_now``): taken like any sent
        frame; False when not connected."""
        if not self._connected:
            return False
        self._sent(payload.decode("utf-8", "replace"))
        return True

    async def ping(self) -> None:
        self._ensure()

    async def _until(self, when: float) -> bool:
        """Wait on the loop's clock until ``when``; False when disconnected meanwhile."""
        loop = asyncio.get_running_loop()
        if when <= loop.time():
            return self._connected
        waiter = self._waiter = loop.create_future()
        # no timer for "never": a timer at infinity would make a virtual loop jump a day at a time
        handle = None if when == float("inf") else loop.call_at(when, _wake, waiter)
        try:
            await waiter
        finally:
            if handle is not None:
                handle.cancel()
            self._waiter = None
        return self._connected

    async def receive(self) -> Optional[WSResponse]:
        if not self._connected or self._sock is None:
            if self._closing:
                return None
            raise WSDisconnectedError("WS is not connected.")
        events = self._sock.events
        while self._pos < len(events):
            rec = events[self._pos]
            kind = rec["k"]
            if kind == "out":
                self._pos += 1
                continue
            if not await self._until(float(rec["t"])):
                return None
            if kind == "in":
                text = rec.get("d")
                rid = _frame_id(text) if text is not None and '"id"' in text else None
                if rid is not None and rid in self._recorded_ids:
                    # an answer: not before the connector sent its request
                    while rid not in self._ids:
                        if self._out_pos >= len(self._outs):
                            break
                        assert self._sent_signal is not None
                        self._sent_signal.clear()
                        await self._sent_signal.wait()
                        if not self._connected:
                            return None
                    if rid in self._ids and self._ids[rid] != rid and text is not None:
                        decoded = orjson.loads(text)
                        decoded["id"] = self._ids[rid]
                        text = orjson.dumps(decoded).decode()
                self._pos += 1
                self._transport.frames += 1
                self._last_recv_time = asyncio.get_running_loop().time()
                if text is None:
                    return WSResponse(base64.b64decode(rec.get("x", "")), self._last_recv_time)
                data: Any = text
                if self._decode_json:
                    try:
                        data = orjson.loads(text)
                    except orjson.JSONDecodeError:
                        pass
                return WSResponse(data, self._last_recv_time)
            self._pos += 1
            if kind == "close" and rec.get("by") == "local":
                break           # the connector closed it itself at this point: wait for its disconnect()
            self._connected = False
            if kind == "close":
                cls = _ERRORS.get(rec.get("e", ""), WSDisconnectedError)
                raise cls(rec.get("msg") or f"WS to {self._url} was closed by the server")
            raise _error(rec)
        # the recording holds nothing more on this socket: it stays open, silent, until disconnect()
        await self._until(float("inf"))
        return None


def _wake(waiter: "asyncio.Future[Any]") -> None:
    if not waiter.done():
        waiter.set_result(True)


def _frame_id(text: Optional[str]) -> Any:
    if not text or '"id"' not in text:
        return None
    try:
        decoded = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return decoded.get("id") if isinstance(decoded, dict) else None
