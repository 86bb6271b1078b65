"""Figures every venue derives from its public trade tape: rolling-window statistics and candles.

The tape is the engine's ``trades[symbol]`` (``matching.py``: the last
``trade_history`` trades, oldest first); a venue renders these figures in
its own field names and number format. Nothing here knows a venue.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .records import Trade

__all__ = ["WindowStats", "Candle", "window_stats", "candles", "INTERVAL_MS"]

ZERO = Decimal(0)

#: candle interval names (the common exchange spelling) -> length in ms; months are not fixed-length
INTERVAL_MS = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
               "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000,
               "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000, "1w": 604_800_000}


@dataclass(slots=True)
class WindowStats:
    """The trades of one time window; prices are None when the window holds no trade."""
    first: Trade | None
    last: Trade | None
    high: Decimal | None
    low: Decimal | None
    volume: Decimal
    quote_volume: Decimal
    count: int

    @property
    def weighted_avg(self) -> Decimal:
        return self.quote_volume / self.volume if self.volume else ZERO


def window_stats(trades: Iterable[Trade], start: int, end: int) -> WindowStats:
    """Statistics of the trades with ``start <= time <= end`` (ms)."""
    inside = [t for t in trades if start <= t.time <= end]
    prices = [t.price for t in inside]
    return WindowStats(inside[0] if inside else None, inside[-1] if inside else None,
                       max(prices) if prices else None, min(prices) if prices else None,
                       sum((t.qty for t in inside), ZERO), sum((t.qty * t.price for t in inside), ZERO),
                       len(inside))


@dataclass(slots=True)
class Candle:
    """One interval of trades: open time (ms, a multiple of the interval), OHLC, volumes, taker buys."""
    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    count: int
    taker_buy_volume: Decimal
    taker_buy_quote_volume: Decimal


def candles(trades: Sequence[Trade], interval_ms: int, start: int | None, end: int | None,
            limit: int) -> list[Candle]:
    """The candles of the intervals that hold trades, oldest first, within [start, end] (ms).

    An interval without a trade has no candle (a venue that prints empty candles fills them
    from the previous close itself). With ``start`` the first ``limit`` candles from it, else
    the last ``limit`` up to ``end``; the candle that holds ``start`` is included. A taker buy
    is a trade whose buyer was not the maker.
    """
    if interval_ms <= 0 or limit <= 0:
        raise ValueError("interval_ms and limit must be > 0")
    by_open: dict[int, Candle] = {}
    for t in trades:
        if (start is not None and t.time < start - start % interval_ms) or (end is not None and t.time > end):
            continue
        open_time = t.time - t.time % interval_ms
        quote = t.price * t.qty
        taker_buy = not t.buyer_is_maker
        c = by_open.get(open_time)
        if c is None:
            by_open[open_time] = Candle(open_time, open_time + interval_ms - 1, t.price, t.price, t.price, t.price,
                                        t.qty, quote, 1, t.qty if taker_buy else ZERO,
                                        quote if taker_buy else ZERO)
            continue
        c.high, c.low, c.close = max(c.high, t.price), min(c.low, t.price), t.price
        c.volume += t.qty
        c.quote_volume += quote
        c.count += 1
        if taker_buy:
            c.taker_buy_volume += t.qty
            c.taker_buy_quote_volume += quote
    out = [by_open[k] for k in sorted(by_open)]
    return out[:limit] if start is not None else out[-limit:]
