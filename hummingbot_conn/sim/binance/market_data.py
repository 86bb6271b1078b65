"""Market-data answers Binance spot and USDⓈ-M give in the same shape: klines, aggregate trades, 24 h stats.

Computed from the engine's public trade tape (``kernel/tape.py``; the last
``trade_history`` trades of each symbol). A venue passes its number format
(``fmt``) and its limits; field names and orders are Binance's
(docs/binance_usdm_futures.md section 3).

* Klines: ``[open time, open, high, low, close, volume, close time, quote
  volume, trades, taker buy volume, taker buy quote volume, "0"]``; only the
  intervals that hold a trade have a candle.
* Aggregate trades: every trade of the simulator is its own aggregate (``a`` =
  ``f`` = ``l`` = the trade id), the same ids the ``@aggTrade`` stream sends.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ..kernel.tape import INTERVAL_MS, candles, window_stats
from .errors import SimError
from .params import Params

__all__ = ["klines", "kline_weight", "agg_trades", "ticker_24hr"]

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
Fmt = Callable[[Decimal], str]


def kline_weight(p: Params) -> int:
    """USDⓈ-M's klines weight by ``limit``: <100: 1, <500: 2, <=1000: 5, more: 10."""
    limit = p.integer("limit") or 500
    return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10


def klines(engine, p: Params, fmt: Fmt, max_limit: int) -> list[list]:
    """``GET .../klines?symbol=&interval=[&startTime=&endTime=&limit=]`` (limit default 500)."""
    symbol = p.text("symbol", required=True)
    assert symbol is not None       # required=True raised otherwise
    engine.spec(symbol)
    interval = p.text("interval", required=True)
    if interval not in INTERVAL_MS:
        raise SimError(-1120, "Invalid interval.")
    limit = p.integer("limit", low=1, high=max_limit) or 500
    start, end = p.integer("startTime"), p.integer("endTime")
    rows = candles(engine.trades[symbol], INTERVAL_MS[interval], start, end, limit)
    return [[c.open_time, fmt(c.open), fmt(c.high), fmt(c.low), fmt(c.close), fmt(c.volume), c.close_time,
             fmt(c.quote_volume), c.count, fmt(c.taker_buy_volume), fmt(c.taker_buy_quote_volume), "0"]
            for c in rows]


def agg_trades(engine, p: Params, fmt: Fmt) -> list[dict]:
    """``GET .../aggTrades?symbol=[&fromId=&startTime=&endTime=&limit=]`` (limit default 500, at most
    1000): from ``fromId`` or ``startTime`` the first ``limit``, else the most recent ``limit``;
    ``startTime`` and ``endTime`` less than an hour apart (-1127)."""
    symbol = p.text("symbol", required=True)
    assert symbol is not None
    engine.spec(symbol)
    from_id, start, end = p.integer("fromId"), p.integer("startTime"), p.integer("endTime")
    limit = p.integer("limit", low=1, high=1000) or 500
    if start is not None and end is not None and end - start >= HOUR_MS:
        raise SimError(-1127, "More than 1 hours between startTime and endTime.")
    trades = [t for t in engine.trades[symbol]
              if (from_id is None or t.trade_id >= from_id) and (start is None or t.time >= start)
              and (end is None or t.time <= end)]
    trades = trades[:limit] if from_id is not None or start is not None else trades[-limit:]
    return [{"a": t.trade_id, "p": fmt(t.price), "q": fmt(t.qty), "f": t.trade_id, "l": t.trade_id,
             "T": t.time, "m": t.buyer_is_maker} for t in trades]


def ticker_24hr(engine, symbol: str, now: int, fmt: Fmt, idle_price: Decimal) -> dict:
    """The rolling 24 h statistics of ``symbol``; without a trade in the window every price is
    ``idle_price`` (the last price known), the volumes 0 and ``firstId`` / ``lastId`` -1."""
    stats = window_stats(engine.trades[symbol], now - DAY_MS, now)
    zero = Decimal(0)
    last = stats.last.price if stats.last else idle_price
    first = stats.first.price if stats.first else last
    change = last - first
    return {"symbol": symbol, "priceChange": fmt(change),
            "priceChangePercent": f"{(change / first * 100) if first else zero:.3f}",
            "weightedAvgPrice": fmt(stats.weighted_avg if stats.count else last), "lastPrice": fmt(last),
            "lastQty": fmt(stats.last.qty if stats.last else zero), "openPrice": fmt(first),
            "highPrice": fmt(stats.high if stats.high is not None else last),
            "lowPrice": fmt(stats.low if stats.low is not None else last),
            "volume": fmt(stats.volume), "quoteVolume": fmt(stats.quote_volume),
            "openTime": now - DAY_MS, "closeTime": now,
            "firstId": stats.first.trade_id if stats.first else -1,
            "lastId": stats.last.trade_id if stats.last else -1, "count": stats.count}
