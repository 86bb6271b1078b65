"""Binance spot REST endpoints under ``/api/v3`` (docs/binance_spot.md sections 2-4).

``endpoints`` is the declarative table (method, path) -> (handler, weight,
security); the kernel's one pipeline (``kernel/rest.py``) runs every request
through faults, weight, the Binance security checks (``binance/rest.py``),
the handler and the headers. Spot's own rules: successful orders and cancels
weigh 0 (since 2026-04-02, ``refund_on_success``); the older unsuffixed
``X-MBX-USED-WEIGHT`` header is sent beside ``X-MBX-USED-WEIGHT-1M``; the
legacy listenKey endpoints are served only with ``legacy=True``.
"""
from __future__ import annotations

from decimal import Decimal

import orjson

from ...kernel.faults import FaultInjector
from ...kernel.ratelimit import OrderCounter, WeightLimiter
from .. import errors as E
from ..errors import SimError
from ..listen_keys import ListenKeys
from ..params import Params
from ..rest import API_KEY, NONE, SIGNED, BinanceRestApi
from . import reports
from .engine import MatchingEngine
from .filters import exchange_info
from .market_data import depth_snapshot, ticker_24h
from .reports import fmt

__all__ = ["RestApi", "depth_weight"]

ORDER_TYPES = ("LIMIT", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT",
               "TAKE_PROFIT_LIMIT", "LIMIT_MAKER")
ZERO = Decimal(0)
INVALID_SIDE = SimError(-1117, "Invalid side.")
INVALID_TYPE = SimError(-1116, "Invalid orderType.")
INVALID_TIF = SimError(-1115, "Invalid timeInForce.")


def depth_weight(p: Params) -> int:
    limit = p.integer("limit") or 100
    return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250


class RestApi(BinanceRestApi):
    """The ``/api/v3`` handlers, given the collaborators they use (not the whole server).

    ``clock`` is any object with ``now_ms()``; ``listen_keys`` backs the legacy listenKey
    endpoints, served when ``legacy``; a body must arrive within ``body_timeout`` seconds
    (408 after, 413 over the size cap).
    """

    UNSUFFIXED_WEIGHT_HEADER = True

    engine: MatchingEngine

    def __init__(self, *, engine: MatchingEngine, clock, limiter: WeightLimiter,
                 order_counter: OrderCounter, faults: FaultInjector, listen_keys: ListenKeys, legacy: bool = True,
                 body_timeout: float = 10.0) -> None:
        super().__init__(engine=engine, clock=clock, limiter=limiter, order_counter=order_counter, faults=faults,
                         listen_keys=listen_keys,
                         depth_snapshot=lambda symbol, limit: depth_snapshot(engine, symbol, limit),
                         body_timeout=body_timeout)
        self.endpoints = {
            ("GET", "/api/v3/ping"): (self.ping, 1, NONE),
            ("GET", "/api/v3/time"): (self.time, 1, NONE),
            ("GET", "/api/v3/exchangeInfo"): (self.exchange_info, 20, NONE),
            ("GET", "/api/v3/depth"): (self.depth, depth_weight, NONE),
            ("GET", "/api/v3/trades"): (self.trades, 25, NONE),
            ("GET", "/api/v3/ticker/price"): (self.ticker_price, lambda p: 2 if "symbol" in p else 4, NONE),
            ("GET", "/api/v3/ticker/bookTicker"): (self.book_ticker, lambda p: 2 if "symbol" in p else 4, NONE),
            ("GET", "/api/v3/ticker/24hr"): (self.ticker_24hr, lambda p: 2 if "symbol" in p else 80, NONE),
            ("GET", "/api/v3/avgPrice"): (self.avg_price, 2, NONE),
            ("POST", "/api/v3/order"): (self.new_order, 1, SIGNED),
            ("POST", "/api/v3/order/test"): (self.test_order,
                                             lambda p: 20 if "computeCommissionRates" in p else 1, SIGNED),
            ("DELETE", "/api/v3/order"): (self.cancel_order, 1, SIGNED),
            ("GET", "/api/v3/order"): (self.get_order, 4, SIGNED),
            ("GET", "/api/v3/openOrders"): (self.open_orders, lambda p: 6 if "symbol" in p else 80, SIGNED),
            ("DELETE", "/api/v3/openOrders"): (self.cancel_all, 1, SIGNED),
            ("GET", "/api/v3/account"): (self.account, 20, SIGNED),
            ("GET", "/api/v3/myTrades"): (self.my_trades, lambda p: 5 if "orderId" in p else 20, SIGNED),
        }
        if legacy:
            for method, handler in (("POST", self.listen_key_create), ("PUT", self.listen_key_keepalive),
                                    ("DELETE", self.listen_key_delete)):
                self.endpoints[(method, "/api/v3/userDataStream")] = (handler, 2, API_KEY)
        self.refund_on_success = {("POST", "/api/v3/order"), ("DELETE", "/api/v3/order"),
                                  ("DELETE", "/api/v3/openOrders")}

    # -- public ------------------------------------------------------------------------
    def exchange_info(self, p, account, headers):
        specs = list(self.engine.specs.values())
        symbol, symbols = p.text("symbol"), p.text("symbols")
        if symbol is not None and symbols is not None:
            raise SimError(-1128, "Combination of optional parameters invalid.")
        if symbols is not None:
            try:
                wanted = orjson.loads(symbols)
            except orjson.JSONDecodeError:
                raise E.invalid_value("symbols") from None
            if not isinstance(wanted, list):
                raise E.invalid_value("symbols")
        else:
            wanted = [symbol] if symbol is not None else None
        if wanted is not None:
            specs = [self.engine.spec(s) for s in wanted]
        return exchange_info(specs, self.clock.now_ms(), self.rate_limits())

    def depth(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        limit = min(p.integer("limit", low=1) or 100, 5000)
        return self.depth_document(symbol, limit, "/api/v3/depth")

    def trades(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        limit = p.integer("limit", low=1, high=1000) or 500
        out = list(self.engine.trades[symbol])[-limit:]
        return [{"id": t.trade_id, "price": fmt(t.price), "qty": fmt(t.qty), "quoteQty": fmt(t.price * t.qty),
                 "time": t.time, "isBuyerMaker": t.buyer_is_maker, "isBestMatch": True} for t in out]

    def symbols_of(self, p: Params) -> tuple[list[str], bool]:
        """``symbol``, a JSON list in ``symbols``, or every symbol."""
        symbol = p.text("symbol")
        if symbol is not None:
            self.engine.spec(symbol)
            return [symbol], True
        symbols = p.text("symbols")
        if symbols is not None:
            try:
                wanted = orjson.loads(symbols)
            except orjson.JSONDecodeError:
                raise E.invalid_value("symbols") from None
            for s in wanted:
                self.engine.spec(s)
            return wanted, False
        return list(self.engine.specs), False

    def ticker_price(self, p, account, headers):
        return self.per_symbol(p, lambda s: {"symbol": s, "price": fmt(self.engine.last_price.get(s, ZERO))})

    def book_ticker(self, p, account, headers):
        def row(s: str) -> dict:
            book = self.engine.books[s]
            bid, ask = book.best_bid(), book.best_ask()
            return {"symbol": s, "bidPrice": fmt(bid.price if bid else ZERO), "bidQty": fmt(bid.total if bid else ZERO),
                    "askPrice": fmt(ask.price if ask else ZERO), "askQty": fmt(ask.total if ask else ZERO)}
        return self.per_symbol(p, row)

    def ticker_24hr(self, p, account, headers):
        now = self.clock.now_ms()
        return self.per_symbol(p, lambda s: ticker_24h(self.engine, s, now))

    def avg_price(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        now = self.clock.now_ms()
        recent = [t for t in self.engine.trades[symbol] if t.time >= now - 300_000]
        qty = sum((t.qty for t in recent), Decimal(0))
        price = sum((t.qty * t.price for t in recent), Decimal(0)) / qty if qty else \
            self.engine.last_price.get(symbol, Decimal(0))
        return {"mins": 5, "price": fmt(price), "closeTime": recent[-1].time if recent else now}

    # -- trading ---------------------------------------------------------------------------
    def _order_params(self, p) -> dict:
        """Parameter-level checks of a new order (-11xx); returns the engine's keyword arguments."""
        symbol = p.text("symbol", required=True)
        side = p.enum("side", ("BUY", "SELL"), INVALID_SIDE, required=True)
        order_type = p.enum("type", ORDER_TYPES, INVALID_TYPE, required=True)
        tif = p.enum("timeInForce", ("GTC", "IOC", "FOK"), INVALID_TIF)
        quantity, quote_qty, price = p.decimal("quantity"), p.decimal("quoteOrderQty"), p.decimal("price")
        stp = p.enum("selfTradePreventionMode",
                     ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT", "TRANSFER"))
        if order_type == "LIMIT":
            for name, value in (("timeInForce", tif), ("quantity", quantity), ("price", price)):
                if value is None:
                    raise E.mandatory(name)
            if quote_qty is not None:
                raise E.not_required("quoteOrderQty")
        elif order_type == "MARKET":
            if quantity is None and quote_qty is None:
                raise SimError(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")
            if quantity is not None and quote_qty is not None:
                raise E.not_required("quoteOrderQty")
            for name, value in (("timeInForce", tif), ("price", price)):
                if value is not None:
                    raise E.not_required(name)
        elif order_type == "LIMIT_MAKER":
            for name, value in (("quantity", quantity), ("price", price)):
                if value is None:
                    raise E.mandatory(name)
            if tif is not None:
                raise E.not_required("timeInForce")
        self.engine.spec(symbol)
        return {"symbol": symbol, "side": side, "order_type": order_type, "quantity": quantity,
                "quote_order_qty": quote_qty, "price": price, "time_in_force": tif, "stp_mode": stp}

    def new_order(self, p, account, headers):
        kwargs = self._order_params(p)
        client_id = p.client_id("newClientOrderId")
        resp_type = p.enum("newOrderRespType", ("ACK", "RESULT", "FULL"))
        self.order_counter.check(account.account_id)
        order, fills = self.engine.place_order(account, client_order_id=client_id, **kwargs)
        self.count_order(account.account_id, headers)
        resp_type = resp_type or ("FULL" if order.type in ("LIMIT", "MARKET") else "ACK")
        if resp_type == "ACK":
            return reports.order_ack(order)
        if resp_type == "RESULT":
            return reports.order_result(order)
        return reports.order_full(order, fills)

    def test_order(self, p, account, headers):
        """``POST /api/v3/order/test``: every check short of balance and matching; answers ``{}``."""
        p.client_id("newClientOrderId")
        p.enum("newOrderRespType", ("ACK", "RESULT", "FULL"))
        self.engine.validate_order(**self._order_params(p))
        return {}

    def cancel_order(self, p, account, headers):
        symbol, order_id, orig = self.order_ref(p)
        restrictions = p.enum("cancelRestrictions", ("ONLY_NEW", "ONLY_PARTIALLY_FILLED"),
                              SimError(-1145, "Invalid cancelRestrictions"))
        order, cancel_id, now = self.engine.cancel_order(
            account, symbol, order_id, orig, p.client_id("newClientOrderId"), restrictions)
        return reports.order_cancel(order, cancel_id, now)

    def cancel_all(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        return [reports.order_cancel(o, cid, now) for o, cid, now in self.engine.cancel_all(account, symbol)]

    def get_order(self, p, account, headers):
        symbol, order_id, orig = self.order_ref(p)
        return reports.order_query(self.engine.get_order(account, symbol, order_id, orig))

    def open_orders(self, p, account, headers):
        return self.open_orders_of(p, account, reports.order_query)

    def account(self, p, account, headers):
        return account.to_json(omit_zero=p.flag("omitZeroBalances"))

    def my_trades(self, p, account, headers):
        return self.account_trades(p, account, 24 * 3600 * 1000, "More than 24 hours between startTime and endTime.",
                                   reports.my_trade)

    # -- legacy listenKey ---------------------------------------------------------------------
    def listen_key_create(self, p, account, headers):
        return {"listenKey": self.listen_keys.create(account.account_id)}

    def listen_key_keepalive(self, p, account, headers):
        self.listen_keys.keepalive(account.account_id, p.text("listenKey", required=True))
        return {}

    def listen_key_delete(self, p, account, headers):
        self.listen_keys.delete(account.account_id, p.text("listenKey", required=True))
        return {}
