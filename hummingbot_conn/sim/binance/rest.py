"""What Binance spot and USDⓈ-M REST share on the kernel's pipeline (``kernel/rest.py``).

* Parameters: query and form body merged, strict ASCII parsing (``params.py``,
  ``auth.parse_params``: duplicates -1101).
* Security: ``NONE``, ``API_KEY`` (``X-MBX-APIKEY`` only) and ``SIGNED``
  (HMAC of the raw payload with a timestamp, ``auth.py``; docs/binance_spot.md 2.6).
* Headers: ``X-MBX-USED-WEIGHT-1M`` on every answer (the live name even when a
  test scales the window down), plus the older unsuffixed ``X-MBX-USED-WEIGHT``
  where the venue sends it; ``X-MBX-ORDER-COUNT-<window>`` on accepted orders.
* The ``rateLimits`` of ``exchangeInfo``, from the limiter and the order counter.
* The depth endpoint's faults: ``stale_snapshot`` (the captured document) and
  ``future_snapshot`` (a ``lastUpdateId`` ``FAR_AHEAD`` beyond the truth).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aiohttp import web

from ..kernel.faults import FAR_AHEAD
from ..kernel.ratelimit import OrderCounter, WeightLimiter
from ..kernel.rest import RestPipeline
from . import auth
from .errors import BINANCE_ERRORS, SimError, rate_limit_json
from .listen_keys import ListenKeys
from .params import Params

__all__ = ["BinanceRestApi", "NONE", "SIGNED", "API_KEY", "order_counter"]

NONE, SIGNED, API_KEY = "NONE", "SIGNED", "API_KEY"
_WINDOW_MS = {"S": 1000, "M": 60_000, "D": 86_400_000}


def order_counter(clock, windows: Sequence[tuple[str, int]]) -> OrderCounter:
    """A Binance ORDERS counter: ``[("10S", 100), ("1D", 200_000)]`` -> calendar windows of those lengths."""
    return OrderCounter(clock, [(label, int(label[:-1]) * _WINDOW_MS[label[-1]], limit) for label, limit in windows],
                        errors=BINANCE_ERRORS)


class BinanceRestApi(RestPipeline):
    """The Binance part of a venue's REST API; the venue adds its endpoints and handlers.

    ``engine``: the venue's engine (``accounts``, ``specs``, ``spec()``, ``account_fills``);
    ``order_counter``: its ORDERS limits; ``listen_keys``: its listenKeys;
    ``depth_snapshot(symbol, limit)``: its depth document.
    """

    #: the venue also sends the unsuffixed ``X-MBX-USED-WEIGHT`` (spot does, USDⓈ-M does not)
    UNSUFFIXED_WEIGHT_HEADER = False

    def __init__(self, *, engine: Any, clock, limiter: WeightLimiter, order_counter: OrderCounter, faults,
                 listen_keys: ListenKeys, depth_snapshot: Callable[[str, int], dict],
                 body_timeout: float = 10.0) -> None:
        super().__init__(clock=clock, limiter=limiter, faults=faults, errors=BINANCE_ERRORS,
                         body_timeout=body_timeout)
        self.engine = engine
        self.accounts = engine.accounts
        self.order_counter = order_counter
        self.listen_keys = listen_keys
        self.depth_snapshot = depth_snapshot

    # -- the kernel's hooks -------------------------------------------------------------------------
    def parse(self, raw_query: str, raw_body: str) -> Params:
        return Params(auth.parse_params(raw_query, raw_body))

    def fault_symbol(self, params: Params) -> str | None:
        return params.values.get("symbol")

    def authenticate(self, security: str, request: web.Request, raw_query: str, raw_body: str, params: Params):
        if security == SIGNED:
            return auth.verify_rest(self.accounts, request.headers.get("X-MBX-APIKEY"), raw_query, raw_body,
                                    params.values, self.clock.now_ms())
        if security == API_KEY:
            return auth.lookup_key(self.accounts, request.headers.get("X-MBX-APIKEY"))
        return None

    def weight_headers(self, used: int) -> dict[str, str]:
        text = str(used)
        if self.UNSUFFIXED_WEIGHT_HEADER:
            return {"X-MBX-USED-WEIGHT-1M": text, "X-MBX-USED-WEIGHT": text}
        return {"X-MBX-USED-WEIGHT-1M": text}

    # -- shared pieces of handlers ------------------------------------------------------------------
    def count_order(self, account_id: int, headers: dict) -> None:
        """Record an accepted order of the account: the ``X-MBX-ORDER-COUNT-*`` headers."""
        for label, count in self.order_counter.count(account_id).items():
            headers[f"X-MBX-ORDER-COUNT-{label}"] = str(count)

    def rate_limits(self) -> list[dict]:
        """``exchangeInfo.rateLimits``: request weight (its window may be scaled down), then ORDERS."""
        return [rate_limit_json("REQUEST_WEIGHT", self.limiter.window_ms, self.limiter.limit)] + [
            rate_limit_json("ORDERS", length, limit) for _, length, limit in self.order_counter.windows]

    def depth_document(self, symbol: str, limit: int, path: str) -> dict:
        """The depth answer of ``symbol`` at ``limit`` levels, after the snapshot faults of ``path``."""
        stale = self.faults.take("stale_snapshot", symbol, path, "GET")
        if stale is not None and stale.snapshot is not None:
            snap = stale.snapshot
            return {**snap, "bids": snap["bids"][:limit], "asks": snap["asks"][:limit]}
        snapshot = self.depth_snapshot(symbol, limit)
        if self.faults.take("future_snapshot", symbol, path, "GET"):
            snapshot["lastUpdateId"] += FAR_AHEAD
        return snapshot

    @staticmethod
    def order_ref(p: Params) -> tuple[str, int | None, str | None]:
        """(symbol, orderId, origClientOrderId) of a query / cancel; one of the two ids is required."""
        symbol = p.text("symbol", required=True)
        order_id, orig = p.integer("orderId"), p.text("origClientOrderId")
        if order_id is None and orig is None:
            raise SimError(-1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!")
        assert symbol is not None       # required=True raised otherwise
        return symbol, order_id, orig

    def symbols_of(self, p: Params) -> tuple[list[str], bool]:
        """The symbols a market-data request asks for: ``symbol`` (one, single=True) or every symbol."""
        symbol = p.text("symbol")
        if symbol is not None:
            self.engine.spec(symbol)
            return [symbol], True
        return sorted(self.engine.specs), False

    def per_symbol(self, p: Params, row: Callable[[str], dict]) -> dict | list[dict]:
        """``row`` of the one symbol asked for, or the list of the rows of every symbol asked for."""
        symbols, single = self.symbols_of(p)
        out = [row(s) for s in symbols]
        return out[0] if single else out

    def open_orders_of(self, p: Params, account, row: Callable[[Any], dict]) -> list[dict]:
        """``row`` of each open order of the account (of ``symbol`` when given), by symbol and id."""
        symbol = p.text("symbol")
        if symbol is not None:
            self.engine.spec(symbol)
        return [row(o) for o in self.engine.open_orders(account, symbol)]

    def account_trades(self, p: Params, account, max_span_ms: int, span_error: str,
                       row: Callable[[str, Any], dict]) -> list[dict]:
        """The account's fills of ``symbol`` (``row`` of each), filtered by ``orderId``, ``fromId``,
        ``startTime`` / ``endTime`` (at most ``max_span_ms`` apart, else -1127 ``span_error``); the
        first ``limit`` from ``fromId`` on, else the last ``limit``."""
        symbol = p.text("symbol", required=True)
        assert symbol is not None       # required=True raised otherwise
        self.engine.spec(symbol)
        order_id, from_id = p.integer("orderId"), p.integer("fromId")
        start, end = p.integer("startTime"), p.integer("endTime")
        limit = p.integer("limit", low=1, high=1000) or 500
        if start is not None and end is not None and end - start > max_span_ms:
            raise SimError(-1127, span_error)
        fills: Iterable = self.engine.account_fills.get((account.account_id, symbol), [])
        out = [row(symbol, f) for f in fills
               if (order_id is None or f.order_id == order_id) and (from_id is None or f.trade_id >= from_id)
               and (start is None or f.time >= start) and (end is None or f.time <= end)]
        return out[:limit] if from_id is not None else out[-limit:]

    def ping(self, p, account, headers):
        return {}

    def time(self, p, account, headers):
        return {"serverTime": self.clock.now_ms()}
