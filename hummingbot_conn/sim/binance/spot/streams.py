"""Binance spot market streams: ``/ws/<stream>`` and ``/stream?streams=a/b`` (combined wrapper).

On the Binance hub (``binance/streams.py``, itself on ``kernel/hub.py``): the
spot stream names, the shapes of its events and its cadences. Diff depth
(``@depth`` / ``@depth@1000ms`` every 1000 ms, ``@depth@100ms`` every 100 ms):
each event's levels carry the *current* absolute quantities and ``u`` is the
book's current update id; consecutive events are contiguous (``U == previous
u + 1``) unless a fault drops, duplicates or reorders them, gives one a
far-future ``u`` or restarts the ids (``kernel/depth.py``). Trades and
bookTicker are sent as they happen; partial depth (``lastUpdateId`` and the
top levels) on each flush of its speed.
"""
from __future__ import annotations

import re
from decimal import Decimal

import orjson

from ...kernel.depth import Levels
from ...kernel.faults import FaultInjector
from ...kernel.hub import QUEUE_LIMIT, Connection
from ...kernel.server import run_on_schedule
from ..streams import BinanceStreamHub
from .engine import MatchingEngine
from .records import Trade
from .reports import fmt

__all__ = ["MarketStreams", "StreamConnection"]

# the kernel's socket; the old name stays for callers of the spot module
StreamConnection = Connection


class MarketStreams(BinanceStreamHub):
    """Publishes market data of ``engine`` to WebSocket subscribers (and carries legacy listenKey sockets)."""

    STREAM_RE = re.compile(r"^([^@]+)@(depth|depth5|depth10|depth20|trade|bookTicker)(@100ms|@1000ms)?$")
    DIFF_SPEEDS = {"@100ms": "100ms", "": "1000ms", "@1000ms": "1000ms"}

    def __init__(self, engine: MatchingEngine, faults: FaultInjector, *, heartbeat: float = 20.0,
                 queue_limit: int = QUEUE_LIMIT) -> None:
        super().__init__(engine, faults, heartbeat=heartbeat, queue_limit=queue_limit)
        self._last_ticker: dict[str, tuple] = {}
        for book in engine.books.values():
            book.listeners.append(self._on_book_change)
        engine.trade_listeners.append(self._on_trade)

    # -- events ------------------------------------------------------------------------------
    def render_diff(self, symbol: str, first: int, final: int, prev: int, bids: Levels, asks: Levels) -> bytes:
        return orjson.dumps({"e": "depthUpdate", "E": self.engine.clock.now_ms(), "s": symbol, "U": first,
                             "u": final, "b": [[fmt(p), fmt(q)] for p, q in bids],
                             "a": [[fmt(p), fmt(q)] for p, q in asks]})

    def render_partial(self, symbol: str, bids: Levels, asks: Levels) -> bytes:
        return orjson.dumps({"lastUpdateId": self.engine.books[symbol].update_id,
                             "bids": [[fmt(p), fmt(q)] for p, q in bids],
                             "asks": [[fmt(p), fmt(q)] for p, q in asks]})

    def partial_due(self, speed: str, cadence: str) -> bool:
        return (speed == "@100ms") == (cadence == "100ms")

    def _on_book_change(self, symbol: str, side: str, price: Decimal, update_id: int) -> None:
        stream = f"{symbol.lower()}@bookTicker"
        if not self.subscribers.get(stream):
            return
        book = self.engine.books[symbol]
        bid, ask = book.best_bid(), book.best_ask()
        top = (bid.price if bid else None, bid.total if bid else None,
               ask.price if ask else None, ask.total if ask else None)
        if top != self._last_ticker.get(symbol):
            self._last_ticker[symbol] = top
            none = "0.00000000"
            self.publish(stream, orjson.dumps({
                "u": update_id, "s": symbol,
                "b": fmt(bid.price) if bid else none, "B": fmt(bid.total) if bid else none,
                "a": fmt(ask.price) if ask else none, "A": fmt(ask.total) if ask else none}))

    def _on_trade(self, symbol: str, trade: Trade) -> None:
        stream = f"{symbol.lower()}@trade"
        if self.subscribers.get(stream):
            self.publish(stream, orjson.dumps({"e": "trade", "E": trade.time, "s": symbol, "t": trade.trade_id,
                                               "p": fmt(trade.price), "q": fmt(trade.qty), "T": trade.time,
                                               "m": trade.buyer_is_maker, "M": True}))

    def farewell(self, conn: Connection) -> None:
        """A planned stop: ``serverShutdown`` (``!serverShutdown`` when combined)."""
        conn.send("!serverShutdown", orjson.dumps({"e": "serverShutdown", "E": self.engine.clock.now_ms()}))

    # -- cadence ------------------------------------------------------------------------------
    def flush_tick(self, tick: int, slow_every: int = 10) -> None:
        """The ``tick``-th 100 ms step: 100 ms diffs, and 1000 ms diffs every ``slow_every`` ticks."""
        self.flush("100ms")
        if tick % slow_every == 0:
            self.flush("1000ms")

    async def run_flusher(self, fast_interval: float, slow_every: int) -> None:
        """Flush 100 ms diffs every ``fast_interval`` s, 1000 ms diffs every ``slow_every`` ticks,
        on the kernel's fixed schedule (``kernel/server.py``, ``run_on_schedule``)."""
        await run_on_schedule(fast_interval, lambda tick: self.flush_tick(tick, slow_every))
