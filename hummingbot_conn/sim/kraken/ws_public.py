"""WS v2 public channels at ``/v2``: ``book``, ``trade``, ``ticker``, ``instrument``; ``ping``, heartbeat.

Requests are ``{"method": "subscribe" | "unsubscribe" | "ping", "params": {...}, "req_id": n}``
(docs/kraken_spot.md, section 1). A subscription is answered once per symbol
(``{"method": "subscribe", "result": {...}, "success": true, "req_id": n, ...}``)
*before* its snapshot; a refused one with ``"success": false`` and ``"error"``.
A socket that carries a subscription gets ``{"channel": "heartbeat"}`` about
once a second. Streams are named ``<channel>:<symbol>`` inside the hub.
"""
from __future__ import annotations

import itertools
import json
import logging
from decimal import Decimal
from typing import Any

from ..kernel.hub import Connection, StreamHub
from ..kernel.records import Trade
from .book_feed import BOOK_DEPTHS, BookFeed, BookView
from .pairs import ASSETS, KrakenPair, number
from .records import iso
from .wsjson import Raw, dumps

__all__ = ["KrakenPublicHub", "PUBLIC_CHANNELS"]

PUBLIC_CHANNELS = ("book", "trade", "ticker", "instrument")
log = logging.getLogger(__name__)


class KrakenPublicHub(StreamHub):
    """The public socket's protocol on the kernel's hub (outboxes, routing, fault actions)."""

    def __init__(self, engine, faults, clock, *, heartbeat: float = 20.0) -> None:
        super().__init__(heartbeat=heartbeat)
        self.engine = engine
        self.clock = clock
        self.feed = BookFeed(engine.books, engine.specs, faults, clock)
        self.views: dict[tuple[Connection, str], BookView] = {}
        self._trades: dict[str, list[Trade]] = {}
        self._ticker_sent: dict[str, tuple] = {}
        self._flushed_id: dict[str, int] = {}
        self._ids = itertools.count(1)
        engine.trade_listeners.append(lambda symbol, trade: self._trades.setdefault(symbol, []).append(trade))

    # -- the hub's hooks -------------------------------------------------------------------------
    def normalise(self, name: str) -> str | None:
        channel, _, symbol = name.partition(":")
        if channel == "instrument":
            return "instrument"
        return name if channel in PUBLIC_CHANNELS and symbol in self.engine.specs else None

    def symbol_of(self, stream: str) -> str | None:
        return stream.partition(":")[2] or None

    def unsubscribe(self, conn: Connection, name: str) -> None:
        super().unsubscribe(conn, name)
        if name.startswith("book:"):
            self.views.pop((conn, name[5:]), None)

    def opened(self, conn: Connection) -> None:
        """The status message Kraken sends on every new socket."""
        self._reply(conn, {"channel": "status", "type": "update", "data": [{
            "version": "2.0.10", "system": "online", "api_version": "v2", "connection_id": next(self._ids)}]})

    def control(self, conn: Connection, text: str) -> Any:
        try:
            answer = self._control(conn, text)
            if answer is not None:
                conn.outbox.put(dumps(answer))
            return None
        except Exception:  # a simulator bug must not end the client's socket
            log.exception("public WS request failed: %.200s", text)
            return {"error": "EGeneral:Internal error", "success": False}

    @staticmethod
    def _reply(conn: Connection, payload: dict) -> None:
        conn.outbox.put(dumps(payload))

    def _control(self, conn: Connection, text: str) -> Any:
        try:
            request = json.loads(text, parse_float=Decimal)     # a req_id is echoed exactly
        except (ValueError, RecursionError):
            return {"error": "Malformed request", "success": False, "time_in": self._now(), "time_out": self._now()}
        if not isinstance(request, dict):
            return {"error": "Malformed request", "success": False}
        method, req_id = request.get("method"), request.get("req_id")
        base: dict[str, Any] = {"method": method} if req_id is None else {"method": method, "req_id": req_id}
        if method == "ping":
            return {"method": "pong", **({"req_id": req_id} if req_id is not None else {}),
                    "time_in": self._now(), "time_out": self._now()}
        params = request.get("params")
        if method not in ("subscribe", "unsubscribe") or not isinstance(params, dict):
            return {**base, "error": f"Method {method!r} not supported here" if method else "Method missing",
                    "success": False, "time_in": self._now(), "time_out": self._now()}
        self.answer_subscription(conn, method, params, base)
        return None

    def answer_subscription(self, conn: Connection, method: str, params: dict, base: dict) -> None:
        channel = params.get("channel")
        time_in = self._now()
        if channel not in PUBLIC_CHANNELS:
            self._reply(conn, {**base, "error": f"Channel {channel!r} not supported", "success": False,
                        "time_in": time_in, "time_out": self._now()})
            return
        if channel == "instrument":
            ok = method == "unsubscribe" or self.subscribe(conn, "instrument")
            if method == "unsubscribe":
                self.unsubscribe(conn, "instrument")
            self._reply(conn, {**base, "result": {"channel": "instrument", "snapshot": True}, "success": ok,
                        "time_in": time_in, "time_out": self._now()})
            if method == "subscribe" and params.get("snapshot", True):
                conn.send("instrument", dumps(self.instrument_snapshot()).encode())
            return
        symbols = params.get("symbol")
        depth = params.get("depth", 10)
        if not isinstance(symbols, list) or not symbols or not all(isinstance(s, str) for s in symbols):
            self._reply(conn, {**base, "error": "Symbol missing or not a list of strings", "success": False,
                        "time_in": time_in, "time_out": self._now()})
            return
        if channel == "book" and (isinstance(depth, bool) or not isinstance(depth, int) or depth not in BOOK_DEPTHS):
            self._reply(conn, {**base, "error": f"Invalid depth {depth!r}: one of {list(BOOK_DEPTHS)}",
                               "success": False, "time_in": time_in, "time_out": self._now()})
            return
        for symbol in symbols:
            self._one(conn, method, channel, symbol, depth, params, base, time_in)

    def _one(self, conn: Connection, method: str, channel: str, symbol: str, depth: int, params: dict,
             base: dict, time_in: str) -> None:
        stream = f"{channel}:{symbol}"
        result: dict[str, Any] = {"channel": channel, "symbol": symbol}
        if channel == "book":
            result["depth"] = depth
        if symbol not in self.engine.specs:
            self._reply(conn, {**base, "error": f"Currency pair not supported {symbol}", "success": False,
                        "symbol": symbol, "time_in": time_in, "time_out": self._now()})
            return
        if method == "unsubscribe":
            if stream not in conn.streams:
                self._reply(conn, {**base, "error": "Subscription Not Found", "success": False, "symbol": symbol,
                            "time_in": time_in, "time_out": self._now()})
                return
            self.unsubscribe(conn, stream)
            self._reply(conn, {**base, "result": result, "success": True, "time_in": time_in, "time_out": self._now()})
            return
        if stream in conn.streams:
            self._reply(conn, {**base, "error": "Already subscribed", "success": False, "symbol": symbol,
                        "time_in": time_in, "time_out": self._now()})
            return
        snapshot = bool(params.get("snapshot", channel != "trade"))
        result["snapshot"] = snapshot
        self.subscribe(conn, stream)
        self._reply(conn, {**base, "result": result, "success": True, "time_in": time_in, "time_out": self._now()})
        if channel == "book":
            view = self.views[(conn, symbol)] = BookView(depth)
            message = self.feed.snapshot(symbol, view)
            if snapshot:
                conn.send(stream, message.encode())
        elif channel == "ticker" and snapshot:
            conn.send(stream, dumps(self._ticker(symbol, "snapshot")).encode())
        elif channel == "trade" and snapshot:
            trades = list(self.engine.trades[symbol])[-50:]
            conn.send(stream, dumps(self._trade_message(symbol, trades, "snapshot")).encode())

    # -- flushing ------------------------------------------------------------------------------------
    def flush(self) -> int:
        """Send every pending book, trade and ticker message; returns the frames sent."""
        sent = 0
        by_symbol: dict[str, list[tuple[Connection, BookView]]] = {}
        for (conn, symbol), view in self.views.items():
            by_symbol.setdefault(symbol, []).append((conn, view))
        for symbol, entries in by_symbol.items():
            # views change only here (and at subscribe, in step with the book): an unchanged book has nothing
            update_id = self.engine.books[symbol].update_id
            if self._flushed_id.get(symbol) == update_id:
                continue
            self._flushed_id[symbol] = update_id
            messages = self.feed.updates(symbol, [view for _, view in entries])
            for (conn, _), frames in zip(entries, messages):
                for frame in frames:
                    conn.send(f"book:{symbol}", frame.encode())
                    sent += 1
        trades, self._trades = self._trades, {}
        for symbol, batch in trades.items():
            sent += self.publish(f"trade:{symbol}", dumps(self._trade_message(symbol, batch, "update")).encode())
        for symbol in self.engine.specs:
            stream = f"ticker:{symbol}"
            if self.subscribers.get(stream):
                state = self._ticker_state(symbol)
                if self._ticker_sent.get(symbol) != state:
                    self._ticker_sent[symbol] = state
                    sent += self.publish(stream, dumps(self._ticker(symbol, "update")).encode())
        return sent

    def heartbeat_all(self) -> int:
        beat = b'{"channel":"heartbeat"}'
        conns = [c for c in self.connections if c.streams]
        for conn in conns:
            conn.send("heartbeat", beat)
        return len(conns)

    # -- messages ------------------------------------------------------------------------------------
    def _now(self) -> str:
        return iso(self.clock.now_ms())

    def _trade_message(self, symbol: str, trades: list[Trade], kind: str) -> dict:
        spec: KrakenPair = self.engine.specs[symbol]
        return {"channel": "trade", "type": kind, "data": [{
            "symbol": symbol, "side": "sell" if t.buyer_is_maker else "buy",
            "price": Raw(number(t.price, spec.pair_decimals)), "qty": Raw(number(t.qty, spec.lot_decimals)),
            "ord_type": "limit", "trade_id": t.trade_id, "timestamp": iso(t.time)} for t in trades]}

    def _ticker_state(self, symbol: str) -> tuple:
        bids, asks = self.engine.books[symbol].depth(1)
        return (bids[:1], asks[:1], self.engine.last_price.get(symbol))

    def _ticker(self, symbol: str, kind: str) -> dict:
        spec: KrakenPair = self.engine.specs[symbol]
        bids, asks = self.engine.books[symbol].depth(1)
        zero = Decimal(0)
        bid, bid_qty = bids[0] if bids else (zero, zero)
        ask, ask_qty = asks[0] if asks else (zero, zero)
        trades = list(self.engine.trades[symbol])
        last = trades[-1].price if trades else zero
        volume = sum((t.qty for t in trades), zero)
        vwap = sum((t.qty * t.price for t in trades), zero) / volume if volume else zero
        low = min((t.price for t in trades), default=zero)
        high = max((t.price for t in trades), default=zero)
        change = last - trades[0].price if trades else zero
        p, q = spec.pair_decimals, spec.lot_decimals
        return {"channel": "ticker", "type": kind, "data": [{
            "symbol": symbol, "bid": Raw(number(bid, p)), "bid_qty": Raw(number(bid_qty, q)),
            "ask": Raw(number(ask, p)), "ask_qty": Raw(number(ask_qty, q)), "last": Raw(number(last, p)),
            "volume": Raw(number(volume, q)), "vwap": Raw(number(vwap, p)), "low": Raw(number(low, p)),
            "high": Raw(number(high, p)), "change": Raw(number(change, p)),
            "change_pct": Raw(number(change / trades[0].price * 100 if trades else zero, 2))}]}

    def instrument_snapshot(self) -> dict:
        """The ``instrument`` channel's snapshot: every asset and pair with its precisions."""
        pairs = []
        for spec in self.engine.specs.values():
            pairs.append({
                "symbol": spec.symbol, "base": spec.base_asset, "quote": spec.quote_asset, "status": "online",
                "qty_precision": spec.lot_decimals, "qty_increment": Raw(number(spec.step_size, spec.lot_decimals)),
                "price_precision": spec.pair_decimals,
                "price_increment": Raw(number(spec.tick_size, spec.pair_decimals)),
                "cost_precision": spec.cost_decimals, "qty_min": Raw(number(spec.ordermin, spec.lot_decimals)),
                "cost_min": Raw(number(spec.costmin, spec.cost_decimals)), "marginable": False,
                "has_index": True, "margin_initial": None, "position_limit_long": None,
                "position_limit_short": None})
        assets = [{"id": a.name, "status": "enabled", "precision": a.decimals,
                   "precision_display": a.display_decimals, "borrowable": False, "collateral_value": Raw("0"),
                   "margin_rate": Raw("0")} for a in ASSETS.values()]
        return {"channel": "instrument", "type": "snapshot", "data": {"assets": assets, "pairs": pairs}}
