"""Binance USDⓈ-M market and user-data WebSocket streams, on the Binance hub (``binance/streams.py``).

Paths (docs/binance_usdm_futures.md section 6): ``/public/ws[/<stream>]`` and
``/public/stream`` carry the high-frequency streams (``@depth``,
``@depth@100ms``, ``@depth@500ms``, ``@depth5/10/20[@100ms|@500ms]``, ``@bookTicker``,
``@trade``); ``/market/...`` carries
``@aggTrade`` and ``@markPrice[@1s]``; ``/private/ws?listenKey=`` the user
data. The legacy ``/ws`` and ``/stream`` paths route like ``/public``. As on
the live venue a stream subscribed on the wrong path is accepted and stays
silent (``route_streams=False`` delivers everything everywhere). A legacy
or private socket may also SUBSCRIBE a listenKey: it then carries that key's user data.

Depth diffs carry ``U`` (first id), ``u`` (final id) and ``pu`` (the ``u`` of
the previous event of that stream). Ids advance by ``id_stride`` per book
change, so consecutive events are *not* ``U == pu + 1``: a client must chain
on ``pu``, as the venue requires. The ``future_diff_id`` fault gives one
event a far-future ``u`` (the next event's ``pu`` is the true id);
``restart_ids`` starts the ids again from 0 (``kernel/depth.py``). A
partial-depth event carries the ids of the diff of its own interval and
cadence (the same ``U`` / ``u`` / ``pu`` as ``@depth`` at that speed).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import orjson

from ...kernel.depth import Levels
from ...kernel.hub import QUEUE_LIMIT, Connection
from ..streams import BinanceStreamHub
from .documents import mark_price_event
from .specs import plain

if TYPE_CHECKING:
    from ...kernel.faults import FaultInjector
    from .engine import FuturesEngine
    from .records import FuturesTrade

__all__ = ["FuturesStreams", "Connection", "QUEUE_LIMIT", "CADENCES"]

PUBLIC_KINDS = {"depth", "depth5", "depth10", "depth20", "bookTicker", "trade"}
MARKET_KINDS = {"aggTrade", "markPrice"}
CADENCES = ("100ms", "250ms", "500ms")


class FuturesStreams(BinanceStreamHub):
    """Publishes market data and user events; serves the WebSocket paths."""

    # matched with ``fullmatch``: ``$`` alone would accept a trailing newline
    STREAM_RE = re.compile(r"([a-z0-9]+)@(depth|depth5|depth10|depth20|aggTrade|trade|markPrice|bookTicker)"
                           r"(@100ms|@500ms|@1s)?")
    DIFF_SPEEDS = {"@100ms": "100ms", "": "250ms", "@500ms": "500ms"}

    def __init__(self, engine: FuturesEngine, faults: FaultInjector, *, heartbeat: float = 20.0,
                 id_stride: int = 3, route_streams: bool = True, queue_limit: int = QUEUE_LIMIT) -> None:
        if id_stride < 1 or queue_limit < 1:
            raise ValueError("id_stride and queue_limit must be >= 1")
        super().__init__(engine, faults, stride=id_stride, heartbeat=heartbeat, queue_limit=queue_limit)
        self.id_stride = id_stride
        self.route_streams = route_streams
        engine.trade_listeners.append(self._on_trade)

    def update_id(self, symbol: str) -> int:
        """The published id of the book's current state (snapshot ``lastUpdateId``)."""
        return self.depth.published_id(symbol)

    # -- names and routes -------------------------------------------------------------------------
    def parts(self, stream: str) -> tuple[str, str, str] | None:
        match = self.STREAM_RE.fullmatch(stream)
        return None if match is None else (match.group(1).upper(), match.group(2), match.group(3) or "")

    def normalise(self, name: str) -> str | None:
        parts = self.parts(name)
        if parts is None or parts[0] not in self.engine.books:
            return None
        _, kind, speed = parts
        if kind == "markPrice" and speed not in ("", "@1s") or kind != "markPrice" and speed == "@1s":
            return None
        if kind in ("aggTrade", "trade", "bookTicker") and speed:
            return None         # real-time streams: no speed suffix
        return name

    _normalise = normalise

    def delivers(self, route: str, stream: str) -> bool:
        parts = self.parts(stream)
        if route == "private":
            return False        # a private socket carries user data only
        if not self.route_streams or parts is None:
            return True
        return parts[1] in (MARKET_KINDS if route == "market" else PUBLIC_KINDS)

    # -- events -----------------------------------------------------------------------------------
    def render_diff(self, symbol: str, first: int, final: int, prev: int, bids: Levels, asks: Levels) -> bytes:
        now = self.engine.clock.now_ms()
        return orjson.dumps({"e": "depthUpdate", "E": now, "T": now, "s": symbol, "U": first, "u": final,
                             "pu": prev, "b": [[plain(p), plain(q)] for p, q in bids],
                             "a": [[plain(p), plain(q)] for p, q in asks]})

    def render_partial(self, symbol: str, bids: Levels, asks: Levels) -> bytes:
        uid = self.update_id(symbol)
        return self._partial(symbol, (uid, uid, uid), bids, asks)

    def render_partial_at(self, symbol: str, cadence: str, bids: Levels, asks: Levels) -> bytes:
        # the ids of this interval's diff (docs/binance_usdm_futures.md section 6), as ``watch`` tracks it
        uid = self.update_id(symbol)
        return self._partial(symbol, self.depth.interval_ids.get((symbol, cadence), (uid, uid, uid)), bids, asks)

    def _partial(self, symbol: str, ids: tuple[int, int, int], bids: Levels, asks: Levels) -> bytes:
        now = self.engine.clock.now_ms()
        first, final, prev = ids
        return orjson.dumps({"e": "depthUpdate", "E": now, "T": now, "s": symbol, "U": first, "u": final,
                             "pu": prev, "b": [[plain(p), plain(q)] for p, q in bids],
                             "a": [[plain(p), plain(q)] for p, q in asks]})

    def partial_due(self, speed: str, cadence: str) -> bool:
        return self.DIFF_SPEEDS.get(speed) == cadence

    def watch(self, stream: str) -> None:
        """A first subscriber: diff and partial-depth streams both gather their cadence's changes."""
        parts = self.parts(stream)
        if parts is not None and parts[1] in ("depth", "depth5", "depth10", "depth20") \
                and parts[2] in self.DIFF_SPEEDS:
            self.depth.watch(parts[0], self.DIFF_SPEEDS[parts[2]])

    def _on_trade(self, symbol: str, trade: FuturesTrade) -> None:
        low = symbol.lower()
        if self.subscribers.get(f"{low}@trade"):
            # "X": how the trade came about; every trade here is an order-book match (MARKET)
            self.publish(f"{low}@trade", orjson.dumps({"e": "trade", "E": trade.time, "T": trade.time, "s": symbol,
                                                       "t": trade.trade_id, "p": plain(trade.price),
                                                       "q": plain(trade.qty), "X": "MARKET",
                                                       "m": trade.buyer_is_maker}))
        stream = f"{low}@aggTrade"
        if self.subscribers.get(stream):
            self.publish(stream, orjson.dumps({"e": "aggTrade", "E": trade.time, "s": symbol, "a": trade.trade_id,
                                               "p": plain(trade.price), "q": plain(trade.qty),
                                               "f": trade.trade_id, "l": trade.trade_id, "T": trade.time,
                                               "m": trade.buyer_is_maker}))

    def flush_mark_prices(self, fast_only: bool = False) -> int:
        """Send ``markPriceUpdate`` to ``@markPrice@1s`` (and, unless ``fast_only``, ``@markPrice``)."""
        sent = 0
        now = self.engine.clock.now_ms()
        for symbol in self.engine.specs:
            names = [f"{symbol.lower()}@markPrice@1s"] + ([] if fast_only else [f"{symbol.lower()}@markPrice"])
            payload = None
            for name in names:
                if self.subscribers.get(name):
                    payload = payload or orjson.dumps(mark_price_event(self.engine, symbol, now))
                    sent += self.publish(name, payload)
        return sent

    # -- a listenKey subscribed on a socket (the connectors' ``user_data``) ---------------------
    def control(self, conn: Connection, text: str) -> dict:
        """The spot control frames, plus a listenKey as a SUBSCRIBE / UNSUBSCRIBE parameter on a legacy
        (``/ws``, ``/stream``) or private (``/private/ws``, ``/private/stream`` opened without a key)
        socket: that socket then also carries the key's user data (docs/binance_usdm_futures.md
        section 8), as Binance's own connectors subscribe it. Not on ``/public`` or ``/market``:
        those carry no user data."""
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError:
            return super().control(conn, text)
        if not isinstance(req, dict):
            return super().control(conn, text)
        params = req.get("params")
        if req.get("method") not in ("SUBSCRIBE", "UNSUBSCRIBE") or not isinstance(params, list) \
                or not any(isinstance(p, str) and self.is_listen_key(p) for p in params):
            return super().control(conn, text)
        keys = [p for p in params if isinstance(p, str) and self.is_listen_key(p)]
        rest = [p for p in params if p not in keys]
        if conn.route not in ("legacy", "private"):
            return {"code": 2, "msg": f"Invalid request: unknown stream {keys[0]}", "id": req.get("id")}
        # the other streams (and the request id) are checked as usual first: an error changes nothing
        answer = super().control(conn, orjson.dumps({**req, "params": rest}).decode())
        if "code" in answer:
            return answer
        for key in keys:
            users = self.user_connections.setdefault(key, set())
            if req["method"] == "SUBSCRIBE":
                users.add(conn)
                if key not in conn.streams:
                    conn.streams.append(key)
            else:
                self.unsubscribe(conn, key)
        return {"result": None, "id": req.get("id")}

    def unsubscribe(self, conn: Connection, name: str) -> None:
        super().unsubscribe(conn, name)
        users = self.user_connections.get(name)
        if users is not None:
            users.discard(conn)

    def publish_event(self, key: str, event: dict) -> None:
        """A user-data event to the sockets of listenKey ``key``."""
        self.publish_user(key, orjson.dumps(event))
