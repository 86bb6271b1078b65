"""Market streams: ``/ws/<stream>`` and ``/stream?streams=a/b`` (combined wrapper).

Diff depth: every book mutation reports ``(side, price, update_id)``; an
accumulator per (symbol, cadence) remembers the first id ``U`` and the
touched prices, and a flush (every 100 ms / 1000 ms, or on demand) sends one
``depthUpdate`` whose levels carry the *current* absolute quantities and whose
``u`` is the book's current update id. Consecutive events are contiguous
(``U == previous u + 1``) unless a fault drops, duplicates or reorders them,
gives one a far-future ``u`` or restarts the ids (``faults.py``).
Trades and bookTicker are sent as they happen; partial depth on each flush.
"""
from __future__ import annotations

import asyncio
import re
from decimal import Decimal

import orjson
from aiohttp import WSMsgType, web

from .engine import MatchingEngine
from .faults import FAR_AHEAD, FaultInjector
from .heartbeat import ServerHeartbeat
from .outbox import Outbox, write_loop
from .records import Trade
from .reports import fmt

_STREAM_RE = re.compile(r"^([^@]+)@(depth|depth5|depth10|depth20|trade|bookTicker)(@100ms|@1000ms)?$")
MAX_STREAMS = 1024
QUEUE_LIMIT = 10_000


class StreamConnection:
    """One client socket; frames go through a bounded :class:`Outbox` so publishers never await."""

    def __init__(self, ws: web.WebSocketResponse, combined: bool, transport: asyncio.Transport | None = None,
                 queue_limit: int = QUEUE_LIMIT) -> None:
        self.ws = ws
        self.combined = combined
        self.streams: list[str] = []
        self.outbox = Outbox(ws, queue_limit, transport)
        self.symbols: set[str] = set()
        self.heartbeat: ServerHeartbeat | None = None      # user-data sockets only (sim/heartbeat.py)

    def send(self, stream: str, payload: dict | bytes) -> None:
        if self.outbox.cut_off:
            return
        data = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        if self.combined:
            data = b'{"stream":"' + stream.encode() + b'","data":' + data + b"}"
        self.outbox.put(data.decode())

    def reply(self, payload: dict) -> None:
        self.outbox.put(orjson.dumps(payload).decode())

    def close(self) -> None:
        self.outbox.close()

    def mute(self) -> None:
        self.outbox.mute()
        if self.heartbeat is not None:
            self.heartbeat.muted = True


class _DepthAccumulator:
    __slots__ = ("first_id", "bids", "asks")

    def __init__(self) -> None:
        self.first_id = 0
        self.bids: set[Decimal] = set()
        self.asks: set[Decimal] = set()


class MarketStreams:
    """Publishes market data of ``engine`` to WebSocket subscribers."""

    def __init__(self, engine: MatchingEngine, faults: FaultInjector, *, heartbeat: float = 20.0,
                 user_streams=None) -> None:
        self.engine = engine
        self.faults = faults
        self.heartbeat = heartbeat
        self.user_streams = user_streams
        self.connections: set[StreamConnection] = set()
        self.subscribers: dict[str, set[StreamConnection]] = {}
        self._acc: dict[tuple[str, str], _DepthAccumulator] = {}
        self._held: dict[tuple[str, str], bytes] = {}
        self._last_ticker: dict[str, tuple] = {}
        self.events_sent = 0
        for book in engine.books.values():
            book.listeners.append(self._on_book_change)
        engine.trade_listeners.append(self._on_trade)

    # -- publishing -------------------------------------------------------------
    def _on_book_change(self, symbol: str, side: str, price: Decimal, update_id: int) -> None:
        low = symbol.lower()
        for cadence in ("100ms", "1000ms"):
            acc = self._acc.get((symbol, cadence))
            if acc is None:
                continue
            if acc.first_id == 0:
                acc.first_id = update_id
            (acc.bids if side == "BUY" else acc.asks).add(price)
        subs = self.subscribers.get(f"{low}@bookTicker")
        if subs:
            book = self.engine.books[symbol]
            bid, ask = book.best_bid(), book.best_ask()
            top = (bid.price if bid else None, bid.total if bid else None,
                   ask.price if ask else None, ask.total if ask else None)
            if top != self._last_ticker.get(symbol):
                self._last_ticker[symbol] = top
                none = "0.00000000"
                payload = orjson.dumps({
                    "u": update_id, "s": symbol,
                    "b": fmt(bid.price) if bid else none, "B": fmt(bid.total) if bid else none,
                    "a": fmt(ask.price) if ask else none, "A": fmt(ask.total) if ask else none})
                for conn in subs:
                    conn.send(f"{low}@bookTicker", payload)

    def _on_trade(self, symbol: str, trade: Trade) -> None:
        stream = f"{symbol.lower()}@trade"
        subs = self.subscribers.get(stream)
        if subs:
            payload = orjson.dumps({"e": "trade", "E": trade.time, "s": symbol, "t": trade.trade_id,
                                    "p": fmt(trade.price), "q": fmt(trade.qty), "T": trade.time,
                                    "m": trade.buyer_is_maker, "M": True})
            for conn in subs:
                conn.send(stream, payload)

    def flush(self, cadence: str = "100ms") -> int:
        """Send pending depth diffs (and partial-depth snapshots) of ``cadence``; returns events sent."""
        sent = 0
        now = self.engine.clock.now_ms()
        for (symbol, acc_cadence), acc in self._acc.items():
            if acc_cadence != cadence or acc.first_id == 0:
                continue
            book = self.engine.books[symbol]
            last = book.update_id
            if self.faults.take("future_diff_id", symbol):
                last += FAR_AHEAD       # this event only: the next one starts from the true id again
            event = orjson.dumps({
                "e": "depthUpdate", "E": now, "s": symbol, "U": acc.first_id, "u": last,
                "b": [[fmt(p), fmt(book.level_qty("BUY", p))] for p in sorted(acc.bids, reverse=True)],
                "a": [[fmt(p), fmt(book.level_qty("SELL", p))] for p in sorted(acc.asks)]})
            acc.first_id = 0
            acc.bids = set()
            acc.asks = set()
            sent += self._send_diff(symbol, cadence, event)
        sent += self._flush_partial(cadence)
        self.events_sent += sent
        return sent

    def _send_diff(self, symbol: str, cadence: str, event: bytes) -> int:
        stream = f"{symbol.lower()}@depth" + ("@100ms" if cadence == "100ms" else "")
        alt = f"{symbol.lower()}@depth@1000ms" if cadence == "1000ms" else None
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
        for name in (stream, alt):
            if name is None:
                continue
            for conn in self.subscribers.get(name, ()):
                for frame in frames:
                    conn.send(name, frame)
        return len(frames)

    def _flush_partial(self, cadence: str) -> int:
        sent = 0
        suffix = "@100ms" if cadence == "100ms" else ""
        for stream, subs in self.subscribers.items():
            if not subs:
                continue
            match = _STREAM_RE.match(stream)
            if match is None:       # only normalised names are ever subscribed
                continue
            kind, speed = match.group(2), match.group(3) or ""
            if kind not in ("depth5", "depth10", "depth20") or (speed == "@100ms") != (suffix == "@100ms"):
                continue
            symbol = match.group(1).upper()
            book = self.engine.books[symbol]
            bids, asks = book.depth(int(kind[5:]))
            payload = orjson.dumps({"lastUpdateId": book.update_id,
                                    "bids": [[fmt(p), fmt(q)] for p, q in bids],
                                    "asks": [[fmt(p), fmt(q)] for p, q in asks]})
            for conn in subs:
                conn.send(stream, payload)
                sent += 1
        return sent

    async def run_flusher(self, fast_interval: float, slow_every: int) -> None:
        """Flush 100 ms diffs every ``fast_interval`` s, 1000 ms diffs every ``slow_every`` ticks.

        Ticks keep to a fixed schedule (the venue's cadence does not depend on its clients): a tick
        that ran late is followed by an early one. After a long stall (a suspended process) the
        schedule restarts from now instead of bursting to catch up.
        """
        loop = asyncio.get_running_loop()
        tick, due = 0, loop.time()
        while True:
            due += fast_interval
            await asyncio.sleep(max(0.0, due - loop.time()))
            if loop.time() - due > 10 * fast_interval:
                due = loop.time()
            tick += 1
            self.flush("100ms")
            if tick % slow_every == 0:
                self.flush("1000ms")

    # -- subscriptions ----------------------------------------------------------
    def _normalise(self, name: str) -> str | None:
        match = _STREAM_RE.match(name)
        if match is None:
            return None
        symbol = match.group(1).upper()
        if symbol not in self.engine.books:
            return None
        return f"{match.group(1).lower()}@{match.group(2)}{match.group(3) or ''}"

    def subscribe(self, conn: StreamConnection, name: str) -> bool:
        stream = self._normalise(name)
        if stream is None:
            return False
        if stream in conn.streams:
            return True
        conn.streams.append(stream)
        self.subscribers.setdefault(stream, set()).add(conn)
        symbol = stream.split("@", 1)[0].upper()
        conn.symbols.add(symbol)
        if stream.endswith(("@depth", "@depth@1000ms")):
            self._acc.setdefault((symbol, "1000ms"), _DepthAccumulator())
        elif stream.endswith("@depth@100ms"):
            self._acc.setdefault((symbol, "100ms"), _DepthAccumulator())
        return True

    def unsubscribe(self, conn: StreamConnection, name: str) -> None:
        stream = self._normalise(name) or name
        if stream in conn.streams:
            conn.streams.remove(stream)
            self.subscribers.get(stream, set()).discard(conn)

    def restart_ids(self, symbol: str | None = None) -> None:
        """Fault action: a venue restart.  Pending diffs go out with the old ids, then the
        update ids of ``symbol`` (every symbol) start again from 0; levels and sockets stay."""
        self.flush("100ms")
        self.flush("1000ms")
        for name, book in self.engine.books.items():
            if symbol is None or name == symbol:
                book.update_id = 0

    def close_sockets(self, symbol: str | None = None) -> int:
        """Fault action: close every market socket (or those carrying ``symbol``)."""
        closed = 0
        for conn in list(self.connections):
            if symbol is None or symbol in conn.symbols:
                conn.close()
                closed += 1
        return closed

    def shutdown(self) -> None:
        """Planned stop: send ``serverShutdown`` (``!serverShutdown`` when combined), then close."""
        event = orjson.dumps({"e": "serverShutdown", "E": self.engine.clock.now_ms()})
        for conn in list(self.connections):
            conn.send("!serverShutdown", event)
            conn.close()

    # -- aiohttp handlers -----------------------------------------------------------
    async def handle_raw(self, request: web.Request) -> web.WebSocketResponse:
        name = request.match_info.get("stream", "")
        if self.user_streams is not None and self.user_streams.is_listen_key(name):
            return await self.user_streams.handle_listen_key(request, name, combined=False)
        return await self._serve(request, [name] if name else [], combined=False)

    async def handle_combined(self, request: web.Request) -> web.WebSocketResponse:
        raw = request.query.get("streams", "")
        names = [n for n in raw.split("/") if n]
        if self.user_streams is not None and len(names) == 1 and self.user_streams.is_listen_key(names[0]):
            return await self.user_streams.handle_listen_key(request, names[0], combined=True)
        return await self._serve(request, names, combined=True)

    async def _serve(self, request: web.Request, names: list[str], combined: bool) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=self.heartbeat, autoping=True)
        await ws.prepare(request)
        conn = StreamConnection(ws, combined, request.transport)
        self.connections.add(conn)
        for name in names[:MAX_STREAMS]:
            self.subscribe(conn, name)
        writer = asyncio.ensure_future(write_loop(conn.outbox))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    reply = self._control(conn, msg.data)
                    if reply is not None:
                        conn.reply(reply)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.connections.discard(conn)
            for stream in list(conn.streams):
                self.unsubscribe(conn, stream)
            conn.close()
            await writer
        return ws

    def _control(self, conn: StreamConnection, text: str) -> dict | None:
        """SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY (5.2)."""
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError:
            return {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}
        if not isinstance(req, dict) or "method" not in req:
            return {"code": 2, "msg": "Invalid request: missing field `method` at line 1 column 1"}
        req_id = req.get("id")
        if req_id is not None and not isinstance(req_id, (int, str)) or \
                isinstance(req_id, str) and len(req_id) > 36:
            return {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}
        method, params = req["method"], req.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                return {"code": 2, "msg": "Invalid request: invalid params", "id": req_id}
            if method == "SUBSCRIBE":
                if len(conn.streams) + len(params) > MAX_STREAMS:
                    return {"code": 2, "msg": "Invalid request: too many parameters", "id": req_id}
                bad = [p for p in params if self._normalise(p) is None]
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
