"""REST endpoints under ``/api/v3`` with security, weights and fault hooks.

``ENDPOINTS`` is the declarative table (method, path) -> (handler, weight,
security). One generic ``dispatch`` applies, in order: injected 5xx / 429
faults, request weight (429 / 418), signature and timing checks, the
handler, the "successful orders weigh 0" refund, then lose / delay faults,
and always the ``X-MBX-USED-WEIGHT-1M`` headers.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Callable

import orjson
from aiohttp import web

from . import auth, errors as E, reports
from .accounts import AccountRegistry
from .connection_guard import answer, read_body
from .engine import MatchingEngine
from .errors import SimError
from .faults import FAR_AHEAD, FaultInjector
from .filters import exchange_info
from .market_data import depth_snapshot, ticker_24h
from .params import Params
from .ratelimit import OrderCounter, WeightLimiter
from .reports import fmt
from .ws_api import UserStreams

log = logging.getLogger(__name__)
NONE, SIGNED, API_KEY = "NONE", "SIGNED", "API_KEY"
ORDER_TYPES = ("LIMIT", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT",
               "TAKE_PROFIT_LIMIT", "LIMIT_MAKER")
INVALID_SIDE = SimError(-1117, "Invalid side.")
INVALID_TYPE = SimError(-1116, "Invalid orderType.")
INVALID_TIF = SimError(-1115, "Invalid timeInForce.")


def _json(data, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, headers=headers,
                        content_type="application/json")


def depth_weight(p: Params) -> int:
    limit = p.integer("limit") or 100
    return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250


class RestApi:
    """The ``/api/v3`` handlers, given the collaborators they use (not the whole server).

    ``clock`` is any object with ``now_ms()``; ``user_streams`` serves the
    legacy listenKey endpoints when its ``legacy`` flag is set; a body must
    arrive within ``body_timeout`` seconds (408 after, 413 over the size cap).
    """

    def __init__(self, *, engine: MatchingEngine, accounts: AccountRegistry, clock, limiter: WeightLimiter,
                 order_counter: OrderCounter, faults: FaultInjector, user_streams: UserStreams,
                 body_timeout: float = 10.0) -> None:
        self.engine = engine
        self.body_timeout = body_timeout
        self.accounts = accounts
        self.clock = clock
        self.limiter = limiter
        self.order_counter = order_counter
        self.faults = faults
        self.user_streams = user_streams
        # (method, path) -> (handler, weight or weight(params), security)
        self.endpoints: dict[tuple[str, str], tuple[Callable, int | Callable, str]] = {
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
        if user_streams.legacy:
            for method, handler in (("POST", self.listen_key_create), ("PUT", self.listen_key_keepalive),
                                    ("DELETE", self.listen_key_delete)):
                self.endpoints[(method, "/api/v3/userDataStream")] = (handler, 2, API_KEY)
        self._zero_on_success = {("POST", "/api/v3/order"), ("DELETE", "/api/v3/order"),
                                 ("DELETE", "/api/v3/openOrders")}

    def routes(self, app: web.Application) -> None:
        for method, path in self.endpoints:
            app.router.add_route(method, path, self.dispatch)

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        key = (request.method, request.path)
        handler, weight, security = self.endpoints[key]
        ip = request.remote or "?"
        limiter = self.limiter
        faults = self.faults
        headers: dict[str, str] = {}
        try:
            raw_query = request.rel_url.raw_query_string
            raw_body = (await read_body(request, self.body_timeout)).decode("utf-8", "replace")
            params = Params(auth.parse_params(raw_query, raw_body))
            symbol = params.values.get("symbol")
            fault = faults.take("http_error", symbol, request.path, request.method)
            if fault is not None:
                raise SimError(-1001, "Internal error; unable to process your request. Please try again.",
                               fault.status)
            if faults.take("http_429", symbol, request.path, request.method):
                raise SimError(-1003, "Too many requests queued.", 429, {"Retry-After": "1"})
            cost = weight(params) if callable(weight) else weight
            limiter.charge(ip, cost)
            account = None
            now = self.clock.now_ms()
            if security == SIGNED:
                account = auth.verify_rest(self.accounts, request.headers.get("X-MBX-APIKEY"),
                                           raw_query, raw_body, params.values, now)
            elif security == API_KEY:
                account = auth.lookup_key(self.accounts, request.headers.get("X-MBX-APIKEY"))
            body = handler(params, account, headers)
            if key in self._zero_on_success:
                limiter.refund(ip, cost)
            status = 200
        except SimError as err:
            body, status = err.body(), err.http_status
            headers.update(err.headers)
        except Exception:  # a simulator bug must still answer like the exchange does
            log.exception("simulator error on %s %s", request.method, request.path)
            body, status = {"code": -1000, "msg": "An unknown error occurred while processing the request."}, 500
        used = str(limiter.used(ip))
        headers["X-MBX-USED-WEIGHT-1M"] = used
        headers["X-MBX-USED-WEIGHT"] = used
        if status == 200 and request.method in ("POST", "DELETE", "GET"):
            if faults.take("lose_response", params.values.get("symbol"), request.path, request.method):
                if request.transport is not None:
                    request.transport.close()
                raise asyncio.CancelledError()
            delayed = faults.take("delay_response", params.values.get("symbol"), request.path, request.method)
            if delayed is not None:
                await asyncio.sleep(delayed.delay)
        return await answer(request, _json(body, status, headers))

    # -- public ------------------------------------------------------------------------
    def ping(self, p, account, headers):
        return {}

    def time(self, p, account, headers):
        return {"serverTime": self.clock.now_ms()}

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
        info = exchange_info(specs, self.clock.now_ms(), self.limiter.limit, self.order_counter.limit_10s)
        info["rateLimits"][0] = self.limiter.rate_limit_json()      # its window may be scaled down
        return info

    def depth(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        limit = min(p.integer("limit", low=1) or 100, 5000)
        stale = self.faults.take("stale_snapshot", symbol, "/api/v3/depth", "GET")
        if stale is not None and stale.snapshot is not None:
            snap = stale.snapshot
            return {"lastUpdateId": snap["lastUpdateId"], "bids": snap["bids"][:limit],
                    "asks": snap["asks"][:limit]}
        snapshot = depth_snapshot(self.engine, symbol, limit)
        if self.faults.take("future_snapshot", symbol, "/api/v3/depth", "GET"):
            snapshot["lastUpdateId"] += FAR_AHEAD
        return snapshot

    def trades(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        limit = p.integer("limit", low=1, high=1000) or 500
        out = list(self.engine.trades[symbol])[-limit:]
        return [{"id": t.trade_id, "price": fmt(t.price), "qty": fmt(t.qty), "quoteQty": fmt(t.price * t.qty),
                 "time": t.time, "isBuyerMaker": t.buyer_is_maker, "isBestMatch": True} for t in out]

    def _symbols(self, p) -> tuple[list[str], bool]:
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
        symbols, single = self._symbols(p)
        out = [{"symbol": s, "price": fmt(self.engine.last_price.get(s, Decimal(0)))} for s in symbols]
        return out[0] if single else out

    def book_ticker(self, p, account, headers):
        symbols, single = self._symbols(p)
        out = []
        for s in symbols:
            book = self.engine.books[s]
            bid, ask = book.best_bid(), book.best_ask()
            zero = Decimal(0)
            out.append({"symbol": s, "bidPrice": fmt(bid.price if bid else zero),
                        "bidQty": fmt(bid.total if bid else zero),
                        "askPrice": fmt(ask.price if ask else zero), "askQty": fmt(ask.total if ask else zero)})
        return out[0] if single else out

    def ticker_24hr(self, p, account, headers):
        symbols, single = self._symbols(p)
        now = self.clock.now_ms()
        out = [ticker_24h(self.engine, s, now) for s in symbols]
        return out[0] if single else out

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
        headers.update(self.order_counter.count(account.account_id))
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

    def _order_ref(self, p) -> tuple[str, int | None, str | None]:
        symbol = p.text("symbol", required=True)
        order_id, orig = p.integer("orderId"), p.text("origClientOrderId")
        if order_id is None and orig is None:
            raise SimError(-1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!")
        return symbol, order_id, orig

    def cancel_order(self, p, account, headers):
        symbol, order_id, orig = self._order_ref(p)
        restrictions = p.enum("cancelRestrictions", ("ONLY_NEW", "ONLY_PARTIALLY_FILLED"),
                              SimError(-1145, "Invalid cancelRestrictions"))
        order, cancel_id, now = self.engine.cancel_order(
            account, symbol, order_id, orig, p.client_id("newClientOrderId"), restrictions)
        return reports.order_cancel(order, cancel_id, now)

    def cancel_all(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        return [reports.order_cancel(o, cid, now) for o, cid, now in self.engine.cancel_all(account, symbol)]

    def get_order(self, p, account, headers):
        symbol, order_id, orig = self._order_ref(p)
        return reports.order_query(self.engine.get_order(account, symbol, order_id, orig))

    def open_orders(self, p, account, headers):
        symbol = p.text("symbol")
        if symbol is not None:
            self.engine.spec(symbol)
        return [reports.order_query(o) for o in self.engine.open_orders(account, symbol)]

    def account(self, p, account, headers):
        return account.to_json(omit_zero=p.flag("omitZeroBalances"))

    def my_trades(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        order_id, from_id = p.integer("orderId"), p.integer("fromId")
        start, end = p.integer("startTime"), p.integer("endTime")
        limit = p.integer("limit", low=1, high=1000) or 500
        if start is not None and end is not None and end - start > 24 * 3600 * 1000:
            raise SimError(-1127, "More than 24 hours between startTime and endTime.")
        fills = self.engine.account_fills.get((account.account_id, symbol), [])
        out = []
        for f in fills:
            if order_id is not None and f.order_id != order_id or from_id is not None and f.trade_id < from_id \
                    or start is not None and f.time < start or end is not None and f.time > end:
                continue
            out.append({"symbol": symbol, "id": f.trade_id, "orderId": f.order_id, "orderListId": -1,
                        "price": fmt(f.price), "qty": fmt(f.qty), "quoteQty": fmt(f.price * f.qty),
                        "commission": fmt(f.commission), "commissionAsset": f.commission_asset,
                        "time": f.time, "isBuyer": f.is_buyer, "isMaker": f.is_maker, "isBestMatch": True})
        return out[:limit] if from_id is not None else out[-limit:]

    # -- legacy listenKey ---------------------------------------------------------------------
    def listen_key_create(self, p, account, headers):
        return {"listenKey": self.user_streams.create_listen_key(account.account_id)}

    def listen_key_keepalive(self, p, account, headers):
        self.user_streams.check_listen_key(account.account_id, p.text("listenKey"))
        return {}

    def listen_key_delete(self, p, account, headers):
        self.user_streams.delete_listen_key(account.account_id, p.text("listenKey"))
        return {}
