"""USDⓈ-M market and user-data WebSocket streams.

Paths (docs/binance_usdm_futures.md section 6): ``/public/ws[/<stream>]`` and
``/public/stream`` carry the high-frequency streams (``@depth``,
``@depth@100ms``, ``@depth@500ms``, ``@bookTicker``); ``/market/...`` carries
``@aggTrade`` and ``@markPrice[@1s]``; ``/private/ws?listenKey=`` the user
data. The legacy ``/ws`` and ``/stream`` paths route like ``/public``. As on
the live venue a stream subscribed on the wrong path is accepted and stays
silent (``route_streams=False`` delivers everything everywhere).

Every socket's frames go through the spot simulator's bounded
``Outbox`` (``sim/outbox.py``): publishers never await, and a client that does not
read is cut off at ``queue_limit`` waiting frames (docs/contracts.md, Contract 3).

Depth diffs carry ``U`` (first id), ``u`` (final id) and ``pu`` (the ``u`` of
the previous event of that stream). Ids advance by ``id_stride`` per book
change, so consecutive events are *not* ``U == pu + 1``: a client must chain
on ``pu``, as the venue requires.  The ``future_diff_id`` fault gives one
event a far-future ``u`` (the next event's ``pu`` is the true id);
``restart_ids`` starts the ids again from 0 (``sim/faults.py``).
"""
from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import TYPE_CHECKING

import orjson
from aiohttp import WSMsgType, web

from .. import heartbeat
from ..faults import FAR_AHEAD
from ..heartbeat import ServerHeartbeat
from ..outbox import Outbox, write_loop
from .documents import mark_price_event
from .specs import plain

if TYPE_CHECKING:
    from ..faults import FaultInjector
    from .engine import FuturesEngine
    from .records import FuturesTrade

# matched with ``fullmatch``: ``$`` alone would accept a trailing newline
_STREAM_RE = re.compile(r"([a-z0-9]+)@(depth|depth5|depth10|depth20|aggTrade|markPrice|bookTicker)"
                        r"(@100ms|@500ms|@1s)?")
PUBLIC_KINDS = {"depth", "depth5", "depth10", "depth20", "bookTicker"}
MARKET_KINDS = {"aggTrade", "markPrice"}
CADENCES = ("100ms", "250ms", "500ms")
QUEUE_LIMIT = 10_000
MAX_STREAMS = 1024


def _kind(stream: str) -> str:
    """``"depth"`` of ``"btcusdt@depth@100ms"`` (names are validated before they get here)."""
    match = _STREAM_RE.fullmatch(stream)
    if match is None:
        raise ValueError(f"not a stream name: {stream!r}")
    return match.group(2)


class Connection:
    """One client socket; frames go through a bounded :class:`Outbox` so publishers never await.

    :param transport: the socket's transport, aborted when the client is cut off
    :param queue_limit: frames that may wait before a client that does not read is cut off
    """

    def __init__(self, ws: web.WebSocketResponse, combined: bool, route: str,
                 transport: asyncio.Transport | None = None, queue_limit: int = QUEUE_LIMIT) -> None:
        self.ws = ws
        self.combined = combined
        self.route = route
        self.streams: list[str] = []
        self.outbox = Outbox(ws, queue_limit, transport)
        self.heartbeat: ServerHeartbeat | None = None      # the private stream only (sim/heartbeat.py)

    def send(self, stream: str, payload: bytes) -> None:
        if self.outbox.cut_off:
            return
        if self.combined:
            payload = b'{"stream":"' + stream.encode() + b'","data":' + payload + b"}"
        self.outbox.put(payload.decode())

    def reply(self, payload: dict) -> None:
        self.outbox.put(orjson.dumps(payload).decode())

    def close(self) -> None:
        self.outbox.close()

    def mute(self) -> None:
        self.outbox.mute()
        if self.heartbeat is not None:
            self.heartbeat.muted = True


class _Acc:
    __slots__ = ("first_id", "last_u", "bids", "asks")

    def __init__(self, last_u: int) -> None:
        self.first_id = 0
        self.last_u = last_u
        self.bids: set[Decimal] = set()
        self.asks: set[Decimal] = set()


class FuturesStreams:
    """Publishes market data and user events; serves the WebSocket paths."""

    def __init__(self, engine: FuturesEngine, faults: FaultInjector, *, heartbeat: float = 20.0,
                 id_stride: int = 3, route_streams: bool = True, queue_limit: int = QUEUE_LIMIT) -> None:
        if id_stride < 1 or queue_limit < 1:
            raise ValueError("id_stride and queue_limit must be >= 1")
        self.queue_limit = queue_limit
        self.engine = engine
        self.faults = faults
        self.heartbeat = heartbeat
        self.id_stride = id_stride
        self.route_streams = route_streams
        self.connections: set[Connection] = set()
        self.subscribers: dict[str, set[Connection]] = {}
        self._acc: dict[tuple[str, str], _Acc] = {}
        self._held: dict[tuple[str, str], bytes] = {}
        self.user_connections: dict[str, set[Connection]] = {}    # listenKey -> sockets
        for book in engine.books.values():
            book.listeners.append(self._on_book_change)
        engine.trade_listeners.append(self._on_trade)

    def update_id(self, symbol: str) -> int:
        """The published id of the book's current state (snapshot ``lastUpdateId``)."""
        return self.engine.books[symbol].update_id * self.id_stride

    # -- publishing ---------------------------------------------------------------------
    def _on_book_change(self, symbol: str, side: str, price: Decimal, update_id: int) -> None:
        for cadence in CADENCES:
            acc = self._acc.get((symbol, cadence))
            if acc is None:
                continue
            if acc.first_id == 0:
                acc.first_id = update_id * self.id_stride
            (acc.bids if side == "BUY" else acc.asks).add(price)

    def _on_trade(self, symbol: str, trade: FuturesTrade) -> None:
        stream = f"{symbol.lower()}@aggTrade"
        subs = self.subscribers.get(stream)
        if subs:
            payload = orjson.dumps({"e": "aggTrade", "E": trade.time, "s": symbol, "a": trade.trade_id,
                                    "p": plain(trade.price), "q": plain(trade.qty), "f": trade.trade_id,
                                    "l": trade.trade_id, "T": trade.time, "m": trade.buyer_is_maker})
            for conn in subs:
                conn.send(stream, payload)

    def flush(self, cadence: str = "250ms") -> int:
        """Send pending depth diffs of ``cadence`` (and partial depth); returns frames sent."""
        sent = 0
        now = self.engine.clock.now_ms()
        for (symbol, acc_cadence), acc in self._acc.items():
            if acc_cadence != cadence or acc.first_id == 0:
                continue
            book = self.engine.books[symbol]
            u = self.update_id(symbol)
            sent_u = u + FAR_AHEAD if self.faults.take("future_diff_id", symbol) else u
            event = orjson.dumps({
                "e": "depthUpdate", "E": now, "T": now, "s": symbol, "U": acc.first_id, "u": sent_u,
                "pu": acc.last_u,
                "b": [[plain(p), plain(book.level_qty("BUY", p))] for p in sorted(acc.bids, reverse=True)],
                "a": [[plain(p), plain(book.level_qty("SELL", p))] for p in sorted(acc.asks)]})
            acc.first_id, acc.last_u, acc.bids, acc.asks = 0, u, set(), set()
            sent += self._send_diff(symbol, cadence, event)
        if cadence == "250ms":
            sent += self._flush_partial()
        return sent

    def _send_diff(self, symbol: str, cadence: str, event: bytes) -> int:
        suffix = {"100ms": "@100ms", "250ms": "", "500ms": "@500ms"}[cadence]
        stream = f"{symbol.lower()}@depth{suffix}"
        frames = [event]
        if self.faults.take("drop_diff", symbol):
            frames = []
        elif self.faults.take("duplicate_diff", symbol):
            frames = [event, event]
        elif self.faults.take("reorder_diff", symbol):
            self._held[(symbol, cadence)] = event
            frames = []
        else:
            held = self._held.pop((symbol, cadence), None)
            if held is not None:
                frames = [event, held]
        for conn in self.subscribers.get(stream, ()):
            for frame in frames:
                conn.send(stream, frame)
        return len(frames)

    def _flush_partial(self) -> int:
        sent = 0
        now = self.engine.clock.now_ms()
        for stream, subs in self.subscribers.items():
            match = _STREAM_RE.fullmatch(stream)
            if not subs or match is None or match.group(2) not in ("depth5", "depth10", "depth20"):
                continue
            symbol = match.group(1).upper()
            bids, asks = self.engine.books[symbol].depth(int(match.group(2)[5:]))
            payload = orjson.dumps({"e": "depthUpdate", "E": now, "T": now, "s": symbol,
                                    "U": self.update_id(symbol), "u": self.update_id(symbol),
                                    "pu": self.update_id(symbol),
                                    "b": [[plain(p), plain(q)] for p, q in bids],
                                    "a": [[plain(p), plain(q)] for p, q in asks]})
            for conn in subs:
                conn.send(stream, payload)
                sent += 1
        return sent

    def flush_mark_prices(self, fast_only: bool = False) -> int:
        """Send ``markPriceUpdate`` to ``@markPrice@1s`` (and, unless ``fast_only``, ``@markPrice``)."""
        sent = 0
        now = self.engine.clock.now_ms()
        for symbol in self.engine.specs:
            names = [f"{symbol.lower()}@markPrice@1s"] + ([] if fast_only else [f"{symbol.lower()}@markPrice"])
            payload = None
            for name in names:
                for conn in self.subscribers.get(name, ()):
                    payload = payload or orjson.dumps(mark_price_event(self.engine, symbol, now))
                    conn.send(name, payload)
                    sent += 1
        return sent

    def publish_user(self, key: str, event: dict) -> None:
        payload = orjson.dumps(event)
        for conn in self.user_connections.get(key, ()):
            conn.send(key, payload)

    # -- subscriptions ---------------------------------------------------------------------
    def _normalise(self, name: str) -> str | None:
        match = _STREAM_RE.fullmatch(name)
        if match is None or match.group(1).upper() not in self.engine.books:
            return None
        kind, speed = match.group(2), match.group(3) or ""
        if kind == "markPrice" and speed not in ("", "@1s") or kind != "markPrice" and speed == "@1s":
            return None
        return name

    def _delivers(self, route: str, stream: str) -> bool:
        kind = _kind(stream)
        if not self.route_streams:
            return True
        return kind in (MARKET_KINDS if route == "market" else PUBLIC_KINDS)

    def subscribe(self, conn: Connection, name: str) -> None:
        if name in conn.streams:
            return
        conn.streams.append(name)
        if not self._delivers(conn.route, name):
            return   # accepted, silent: the venue routes this stream to another path
        self.subscribers.setdefault(name, set()).add(conn)
        match = _STREAM_RE.fullmatch(name)
        if match is not None and match.group(2) == "depth":
            cadence = {"": "250ms", "@100ms": "100ms", "@500ms": "500ms"}[match.group(3) or ""]
            symbol = match.group(1).upper()
            self._acc.setdefault((symbol, cadence), _Acc(self.update_id(symbol)))

    def unsubscribe(self, conn: Connection, name: str) -> None:
        if name in conn.streams:
            conn.streams.remove(name)
        self.subscribers.get(name, set()).discard(conn)

    def restart_ids(self, symbol: str | None = None) -> None:
        """Fault action: a venue restart.  Pending diffs go out with the old ids, then the ids of
        ``symbol`` (every symbol) start again from 0: the next event's ``pu`` is 0."""
        for cadence in CADENCES:
            self.flush(cadence)
        for name, book in self.engine.books.items():
            if symbol is None or name == symbol:
                book.update_id = 0
        for (name, _), acc in self._acc.items():
            if symbol is None or name == symbol:
                acc.last_u = 0

    def close_sockets(self, symbol: str | None = None) -> int:
        closed = 0
        for conn in list(self.connections):
            if symbol is None or any(s.startswith(symbol.lower() + "@") for s in conn.streams):
                conn.close()
                closed += 1
        return closed

    def close_user_sockets(self, key: str | None = None) -> int:
        conns = [c for k, s in self.user_connections.items() if key is None or k == key for c in s]
        for conn in conns:
            conn.close()
        return len(conns)

    def mute_user_sockets(self, key: str | None = None) -> int:
        """Fault action: the private sockets stay open but go silent (``sim/heartbeat.py``)."""
        conns = [c for k, s in self.user_connections.items() if key is None or k == key for c in s]
        for conn in conns:
            conn.mute()
        return len(conns)

    def shutdown(self) -> None:
        for conn in list(self.connections) + [c for s in self.user_connections.values() for c in s]:
            conn.close()

    # -- aiohttp handlers --------------------------------------------------------------------
    async def serve_market(self, request: web.Request, route: str, names: list[str],
                           combined: bool) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=self.heartbeat, autoping=True)
        await ws.prepare(request)
        conn = Connection(ws, combined, route, request.transport, self.queue_limit)
        self.connections.add(conn)
        for name in names[:MAX_STREAMS]:
            if self._normalise(name) is not None:
                self.subscribe(conn, name)
        writer = asyncio.ensure_future(write_loop(conn.outbox))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    conn.reply(self._control(conn, msg.data))
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.connections.discard(conn)
            for stream in list(conn.streams):
                self.unsubscribe(conn, stream)
            conn.close()
            await writer
        return ws

    async def serve_user(self, request: web.Request, key: str, combined: bool) -> web.WebSocketResponse:
        ws = heartbeat.response()
        await ws.prepare(request)
        conn = Connection(ws, combined, "private", request.transport, self.queue_limit)
        beat, beating = heartbeat.start(ws, self.heartbeat)
        conn.heartbeat = beat
        self.user_connections.setdefault(key, set()).add(conn)
        writer = asyncio.ensure_future(write_loop(conn.outbox))
        try:
            async for msg in ws:
                if await beat.frame(msg):
                    continue
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.user_connections.get(key, set()).discard(conn)
            conn.close()
            await heartbeat.stop(beating)
            await writer
        return ws

    def _control(self, conn: Connection, text: str) -> dict:
        """SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS (the same control frames as spot)."""
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError:
            return {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}
        if not isinstance(req, dict) or "method" not in req:
            return {"code": 2, "msg": "Invalid request: missing field `method` at line 1 column 1"}
        req_id, method, params = req.get("id"), req["method"], req.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                return {"code": 2, "msg": "Invalid request: invalid params", "id": req_id}
            if method == "SUBSCRIBE":
                bad = [p for p in params if self._normalise(p) is None]
                if bad:
                    return {"code": 2, "msg": f"Invalid request: unknown stream {bad[0]}", "id": req_id}
                if len(conn.streams) + len(params) > MAX_STREAMS:
                    return {"code": 2, "msg": "Invalid request: too many parameters", "id": req_id}
                for p in params:
                    self.subscribe(conn, p)
            else:
                for p in params:
                    self.unsubscribe(conn, p)
            return {"result": None, "id": req_id}
        if method == "LIST_SUBSCRIPTIONS":
            return {"result": list(conn.streams), "id": req_id}
        return {"code": 2, "msg": f"Invalid request: unknown variant `{method}`", "id": req_id}
