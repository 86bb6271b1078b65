"""What Binance spot and USDⓈ-M market streams share on the kernel's hub (``kernel/hub.py``).

* Stream names ``<symbol>@<kind>[@<speed>]``; a venue gives its pattern
  (:attr:`BinanceStreamHub.STREAM_RE`: groups symbol, kind, speed) and its
  diff cadences (:attr:`BinanceStreamHub.DIFF_SPEEDS`: speed suffix -> cadence).
* Raw (``/ws/<stream>``) and combined (``/stream?streams=a/b``) sockets; a
  combined frame is ``{"stream": <name>, "data": <payload>}``; a listenKey in
  place of a stream name opens the key's user-data socket.
* The control frames of docs/binance_spot.md section 5.2: ``SUBSCRIBE``,
  ``UNSUBSCRIBE``, ``LIST_SUBSCRIPTIONS``, ``SET_PROPERTY`` / ``GET_PROPERTY``
  (``combined``), with the venue's error answers.
* Depth diffs through the kernel's ``DepthDiffs`` (the
  diff faults, far-future ids, restarts) and partial depth (``@depth5/10/20``)
  on the flushes the venue says (:meth:`BinanceStreamHub.partial_due`).
"""
from __future__ import annotations

import re
from typing import Any

import orjson
from aiohttp import web

from ..kernel.depth import DepthDiffs, Levels
from ..kernel.faults import FaultInjector
from ..kernel.hub import QUEUE_LIMIT, Connection, StreamHub
from .listen_keys import ListenKeys

__all__ = ["BinanceStreamHub", "PARTIAL_KINDS"]

PARTIAL_KINDS = ("depth5", "depth10", "depth20")
MAX_ID_LENGTH = 36


class BinanceStreamHub(StreamHub):
    """Market streams of a Binance venue's ``engine`` (``books``, ``clock``).

    ``stride``: published depth ids per book change (``kernel/depth.py``).
    ``listen_keys``: the venue's listenKeys (set by its server), or None when it serves none.
    """

    #: ``<symbol>@<kind>[@<speed>]``, groups (symbol, kind, speed); matched with ``match``
    STREAM_RE: re.Pattern = re.compile(r"^([^@]+)@([A-Za-z0-9]+)(@\w+)?$")
    #: speed suffix of a ``@depth`` stream -> the cadence that flushes it
    DIFF_SPEEDS: dict[str, str] = {}

    def __init__(self, engine: Any, faults: FaultInjector, *, stride: int = 1, heartbeat: float = 20.0,
                 queue_limit: int = QUEUE_LIMIT) -> None:
        super().__init__(heartbeat=heartbeat, queue_limit=queue_limit)
        self.engine = engine
        self.faults = faults
        self.depth = DepthDiffs(engine.books, faults, stride=stride)
        self.listen_keys: ListenKeys | None = None
        self.events_sent = 0

    # -- the venue's part ----------------------------------------------------------------------------
    def render_diff(self, symbol: str, first: int, final: int, prev: int, bids: Levels, asks: Levels) -> bytes:
        """One depth diff event."""
        raise NotImplementedError

    def render_partial(self, symbol: str, bids: Levels, asks: Levels) -> bytes:
        """One partial-depth event (the top levels of ``symbol``)."""
        raise NotImplementedError

    def render_partial_at(self, symbol: str, cadence: str, bids: Levels, asks: Levels) -> bytes:
        """The partial-depth event a flush of ``cadence`` sends; a venue whose partial events carry
        the update ids of that interval's diff (USDⓈ-M) reads them from ``depth.interval_ids``."""
        return self.render_partial(symbol, bids, asks)

    def partial_due(self, speed: str, cadence: str) -> bool:
        """Whether a flush of ``cadence`` sends the partial-depth streams of ``speed``."""
        raise NotImplementedError

    # -- names ---------------------------------------------------------------------------------------
    def parts(self, stream: str) -> tuple[str, str, str] | None:
        """(symbol as listed, kind, speed suffix or "") of a stream name, or None."""
        match = self.STREAM_RE.match(stream)
        if match is None:
            return None
        return match.group(1).upper(), match.group(2), match.group(3) or ""

    def normalise(self, name: str) -> str | None:
        parts = self.parts(name)
        if parts is None or parts[0] not in self.engine.books:
            return None
        symbol, kind, speed = parts
        return f"{symbol.lower()}@{kind}{speed}"

    _normalise = normalise      # the name tests have long used

    def symbol_of(self, stream: str) -> str | None:
        return stream.split("@", 1)[0].upper()

    def wrap(self, stream: str, payload: bytes) -> bytes:
        return b'{"stream":"' + stream.encode() + b'","data":' + payload + b"}"

    def watch(self, stream: str) -> None:
        parts = self.parts(stream)
        if parts is not None and parts[1] == "depth" and parts[2] in self.DIFF_SPEEDS:
            self.depth.watch(parts[0], self.DIFF_SPEEDS[parts[2]])

    def is_listen_key(self, name: str) -> bool:
        return self.listen_keys is not None and self.listen_keys.account_of(name) is not None

    # -- publishing ------------------------------------------------------------------------------------
    def flush(self, cadence: str) -> int:
        """Send the pending depth diffs of ``cadence`` and the partial depth due; returns frames sent."""
        sent = 0
        for symbol, frames in self.depth.flush(cadence, self.render_diff):
            low = symbol.lower()
            for speed, speed_cadence in self.DIFF_SPEEDS.items():
                if speed_cadence == cadence:
                    name = f"{low}@depth{speed}"
                    for conn in self.subscribers.get(name, ()):
                        for frame in frames:
                            conn.send(name, frame)
            sent += len(frames)
        sent += self._flush_partial(cadence)
        self.events_sent += sent
        return sent

    def _flush_partial(self, cadence: str) -> int:
        sent = 0
        for stream, subs in self.subscribers.items():
            parts = self.parts(stream) if subs else None
            if parts is None or parts[1] not in PARTIAL_KINDS or not self.partial_due(parts[2], cadence):
                continue
            bids, asks = self.engine.books[parts[0]].depth(int(parts[1][5:]))
            payload = self.render_partial_at(parts[0], cadence, bids, asks)
            for conn in subs:
                conn.send(stream, payload)
                sent += 1
        return sent

    def restart_ids(self, symbol: str | None = None) -> None:
        """Fault action: a venue restart. Pending diffs go out with the old ids, then the update ids of
        ``symbol`` (every symbol) start again from 0 on the live streams; levels and sockets stay."""
        for cadence in dict.fromkeys(self.DIFF_SPEEDS.values()):
            self.flush(cadence)
        self.depth.restart(symbol)

    # -- sockets ---------------------------------------------------------------------------------------
    def handler(self, route: str, combined: bool):
        """The aiohttp handler of a raw (``/ws[/<stream>]``) or combined (``/stream``) path of ``route``."""
        async def handle(request: web.Request) -> web.WebSocketResponse:
            if combined:
                names = [n for n in request.query.get("streams", "").split("/") if n]
            else:
                name = request.match_info.get("stream", "")
                names = [name] if name else []
            if len(names) == 1 and self.is_listen_key(names[0]):
                return await self.serve_user(request, names[0], combined=combined)
            return await self.serve(request, names, combined=combined, route=route)
        return handle

    def control(self, conn: Connection, text: str) -> dict:
        """SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY (5.2)."""
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError:
            return {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}
        if not isinstance(req, dict) or "method" not in req:
            return {"code": 2, "msg": "Invalid request: missing field `method` at line 1 column 1"}
        req_id = req.get("id")
        if req_id is not None and not isinstance(req_id, (int, str)) or \
                isinstance(req_id, str) and len(req_id) > MAX_ID_LENGTH:
            return {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}
        method, params = req["method"], req.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                return {"code": 2, "msg": "Invalid request: invalid params", "id": req_id}
            if method == "SUBSCRIBE":
                if len(conn.streams) + len(params) > self.max_streams:
                    return {"code": 2, "msg": "Invalid request: too many parameters", "id": req_id}
                bad = [p for p in params if self.normalise(p) is None]
                if bad:
                    return {"code": 2, "msg": f"Invalid request: unknown stream {bad[0]}", "id": req_id}
                for p in params:
                    self.subscribe(conn, p)
            else:
                for p in params:
                    self.unsubscribe(conn, p)
            return {"result": None, "id": req_id}
        if method == "LIST_SUBSCRIPTIONS":
            return {"result": list(conn.streams), "id": req_id}
        if method in ("SET_PROPERTY", "GET_PROPERTY"):
            if not isinstance(params, list) or not params or params[0] != "combined":
                return {"code": 0, "msg": "Unknown property", "id": req_id}
            if method == "GET_PROPERTY":
                return {"result": conn.combined, "id": req_id}
            if len(params) != 2 or not isinstance(params[1], bool):
                return {"code": 1, "msg": "Invalid value type: expected Boolean", "id": req_id}
            conn.combined = params[1]
            return {"result": None, "id": req_id}
        return {"code": 2, "msg": f"Invalid request: unknown variant `{method}`, expected one of "
                "`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` "
                "at line 1 column 1", "id": req_id}
