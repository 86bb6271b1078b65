"""The public ``/fapi`` market-data handlers (docs/binance_usdm_futures.md section 3).

A mixin of :class:`~hummingbot_conn.sim.binance.usdm.rest.FuturesRestApi`,
which lists them in its endpoint table: exchange info, depth, recent and
aggregate trades, klines, the 24 h / price / book tickers, mark price and
funding (``premiumIndex``, ``fundingRate`` history, ``fundingInfo``) and open
interest. Klines, aggregate trades and the 24 h statistics are the shapes
spot has too (``binance/market_data.py``).
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable

from .. import market_data
from ..errors import SimError
from ..params import Params
from . import documents
from .specs import exchange_info, money, plain

if TYPE_CHECKING:
    from .engine import FuturesEngine

__all__ = ["MarketDataHandlers", "depth_weight", "one_or"]

ZERO = Decimal(0)
HOUR_MS = 3_600_000
#: the funding-rate bounds ``fundingInfo`` reports (the simulator does not clamp a rate a test sets)
FUNDING_CAP = Decimal("0.03")


def depth_weight(p: Params) -> int:
    limit = p.integer("limit") or 500
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


def one_or(single: int, every: int) -> Callable:
    """The weight of an endpoint that costs ``single`` with a symbol and ``every`` without."""
    def weight(p: Params) -> int:
        return single if "symbol" in p else every
    return weight


class MarketDataHandlers:
    """Handlers ``(params, account, headers) -> JSON`` of the public market data."""

    engine: FuturesEngine
    clock: Any
    per_symbol: Callable
    rate_limits: Callable
    depth_document: Callable

    def exchange_info(self, p, account, headers):
        return exchange_info(list(self.engine.specs.values()), self.clock.now_ms(), self.rate_limits())

    def depth(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        limit = p.integer("limit") or 500
        if limit not in (5, 10, 20, 50, 100, 500, 1000):
            raise SimError(-1130, "Data sent for parameter 'limit' is not valid.")
        return self.depth_document(symbol, limit, "/fapi/v1/depth")

    def trades(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        limit = p.integer("limit", low=1, high=1000) or 500
        return [{"id": t.trade_id, "price": plain(t.price), "qty": plain(t.qty),
                 "quoteQty": plain(t.price * t.qty), "time": t.time, "isBuyerMaker": t.buyer_is_maker}
                for t in list(self.engine.trades[symbol])[-limit:]]

    def agg_trades(self, p, account, headers):
        return market_data.agg_trades(self.engine, p, plain)

    def klines(self, p, account, headers):
        return market_data.klines(self.engine, p, plain, max_limit=1500)

    def premium_index(self, p, account, headers):
        now = self.clock.now_ms()
        return self.per_symbol(p, lambda s: documents.premium_index(self.engine, s, now))

    def ticker_24hr(self, p, account, headers):
        now = self.clock.now_ms()
        # before any trade the last price is the mark price (as ``ticker/price`` says)
        return self.per_symbol(p, lambda s: market_data.ticker_24hr(
            self.engine, s, now, plain, self.engine.last_price.get(s, self.engine.mark[s])))

    def book_ticker(self, p, account, headers):
        def row(s: str) -> dict:
            bid, ask = self.engine.books[s].best_bid(), self.engine.books[s].best_ask()
            return {"symbol": s, "bidPrice": plain(bid.price) if bid else "0",
                    "bidQty": plain(bid.total) if bid else "0", "askPrice": plain(ask.price) if ask else "0",
                    "askQty": plain(ask.total) if ask else "0", "time": self.clock.now_ms()}
        return self.per_symbol(p, row)

    def ticker_price(self, p, account, headers):
        """``/fapi/v1/ticker/price`` and ``/fapi/v2/ticker/price`` (the same document)."""
        def row(s: str) -> dict:
            # the last trade's price; the mark price before any trade
            return {"symbol": s, "price": plain(self.engine.last_price.get(s, self.engine.mark[s])),
                    "time": self.clock.now_ms()}
        return self.per_symbol(p, row)

    def open_interest(self, p, account, headers):
        """``GET /fapi/v1/openInterest?symbol=``: the contracts held long (= held short), in base units."""
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        total = sum((pos.amount for a in self.engine.accounts for (s, _), pos in a.positions.items()
                     if s == symbol and pos.amount > ZERO), ZERO)
        return {"openInterest": plain(total), "symbol": symbol, "time": self.clock.now_ms()}

    def funding_info(self, p, account, headers):
        """``GET /fapi/v1/fundingInfo``: each contract's funding bounds and interval in hours (a
        schedule shorter than an hour, as tests use, shows as a fraction of an hour)."""
        hours = Decimal(self.engine.funding_interval_ms) / HOUR_MS
        interval: int | float = int(hours) if hours == hours.to_integral_value() else float(hours)
        return [{"symbol": s, "adjustedFundingRateCap": money(FUNDING_CAP),
                 "adjustedFundingRateFloor": money(-FUNDING_CAP), "fundingIntervalHours": interval,
                 "disclaimer": False} for s in sorted(self.engine.specs)]

    def funding_rate_history(self, p, account, headers):
        """``GET /fapi/v1/fundingRate``: the rate of each funding time (section 5); without a time
        range the most recent 200 (at most ``limit``), else the first ``limit`` from startTime."""
        symbol = p.text("symbol")
        start, end = p.integer("startTime"), p.integer("endTime")
        limit = p.integer("limit", low=1, high=1000)
        symbols = [symbol] if symbol is not None else sorted(self.engine.specs)
        if symbol is not None:
            self.engine.spec(symbol)
        rows = sorted(((t, s, rate, mark) for s in symbols for t, rate, mark in self.engine.funding_history[s]
                       if (start is None or t >= start) and (end is None or t <= end)), key=lambda r: (r[0], r[1]))
        rows = rows[-min(limit or 200, 200):] if start is None and end is None else rows[:limit or 100]
        return [{"symbol": s, "fundingRate": money(rate), "fundingTime": t, "markPrice": money(mark)}
                for t, s, rate, mark in rows]
