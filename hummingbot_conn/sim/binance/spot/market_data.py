"""Public market-data documents computed from the engine (depth snapshot, 24 h ticker).

Shared by the REST handlers, the fault injector's stale-snapshot source and
the in-process API of :class:`~hummingbot_conn.sim.server.SimulatedExchange`.
Field names exactly as Binance (docs/binance_spot.md section 3).
"""
from __future__ import annotations

from decimal import Decimal

from .engine import MatchingEngine
from .reports import fmt

__all__ = ["depth_snapshot", "ticker_24h"]

DAY_MS = 86_400_000


def depth_snapshot(engine: MatchingEngine, symbol: str, limit: int = 5000) -> dict:
    """The ``GET /api/v3/depth`` document (levels best first, 8-decimal strings). O(limit)."""
    book = engine.books[symbol]
    bids, asks = book.depth(limit)
    return {"lastUpdateId": book.update_id,
            "bids": [[fmt(p), fmt(q)] for p, q in bids],
            "asks": [[fmt(p), fmt(q)] for p, q in asks]}


def ticker_24h(engine: MatchingEngine, symbol: str, now: int) -> dict:
    """The ``GET /api/v3/ticker/24hr`` document of ``symbol`` over the kept trades of the last 24 h (ms)."""
    trades = [t for t in engine.trades[symbol] if t.time >= now - DAY_MS]
    book = engine.books[symbol]
    bid, ask = book.best_bid(), book.best_ask()
    zero = Decimal(0)
    first = trades[0].price if trades else zero
    last = trades[-1].price if trades else zero
    volume = sum((t.qty for t in trades), zero)
    quote_volume = sum((t.qty * t.price for t in trades), zero)
    return {
        "symbol": symbol, "priceChange": fmt(last - first),
        "priceChangePercent": f"{((last - first) / first * 100) if first else zero:.3f}",
        "weightedAvgPrice": fmt(quote_volume / volume if volume else zero),
        "prevClosePrice": fmt(first), "lastPrice": fmt(last),
        "lastQty": fmt(trades[-1].qty if trades else zero),
        "bidPrice": fmt(bid.price if bid else zero), "bidQty": fmt(bid.total if bid else zero),
        "askPrice": fmt(ask.price if ask else zero), "askQty": fmt(ask.total if ask else zero),
        "openPrice": fmt(first), "highPrice": fmt(max((t.price for t in trades), default=zero)),
        "lowPrice": fmt(min((t.price for t in trades), default=zero)),
        "volume": fmt(volume), "quoteVolume": fmt(quote_volume),
        "openTime": trades[0].time if trades else now - DAY_MS, "closeTime": now,
        "firstId": trades[0].trade_id if trades else -1, "lastId": trades[-1].trade_id if trades else -1,
        "count": len(trades),
    }
