"""REST endpoints under ``/fapi`` (docs/binance_usdm_futures.md sections 2-5).

``endpoints`` is the declarative table (method, path) -> (handler, weight,
security); one ``dispatch`` applies, in order: injected 5xx / 429 faults,
request weight (429 / 418), API key and signature checks (the spot
simulator's verifier: the signing rule is the same), the handler, then the
lose / delay faults, and always the ``X-MBX-USED-WEIGHT-1M`` header.
Bodies are read with the spot simulator's guard (``sim/connection_guard.py``):
within ``body_timeout`` seconds (408 after) and under the application's size
cap (413), after which the connection is closed; numbers and timestamps go
through the strict ASCII ``Params`` / ``auth`` parsing (-1100 / -1102).
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Callable

import orjson
from aiohttp import web

from .. import auth
from ..connection_guard import answer, read_body
from ..errors import SimError
from ..faults import FAR_AHEAD
from ..params import Params
from . import documents, render
from .specs import exchange_info, money, plain

if TYPE_CHECKING:
    from ..faults import FaultInjector
    from ..ratelimit import OrderCounter, WeightLimiter
    from .engine import FuturesEngine
    from .listen_keys import ListenKeys

log = logging.getLogger(__name__)
NONE, SIGNED, API_KEY = "NONE", "SIGNED", "API_KEY"


def _json(data, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, headers=headers,
                        content_type="application/json")


def depth_weight(p: Params) -> int:
    limit = p.integer("limit") or 500
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


def _bool(p: Params, name: str) -> bool | None:
    value = p.text(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise SimError(-1130, f"Data sent for parameter '{name}' is not valid.")
    return value.lower() == "true"


def one_or(single: int, every: int) -> Callable:
    """The weight of an endpoint that costs ``single`` with a symbol and ``every`` without."""
    def weight(p: Params) -> int:
        return single if "symbol" in p else every
    return weight


class FuturesRestApi:
    def __init__(self, engine: FuturesEngine, faults: FaultInjector, limiter: WeightLimiter,
                 order_counter: OrderCounter, clock, listen_keys: ListenKeys,
                 depth_snapshot: Callable[[str, int], dict], body_timeout: float = 10.0) -> None:
        self.body_timeout = body_timeout
        # the venue answers a full income window from startTime on, oldest first; it promises no order,
        # so a test may set this to get the newest rows of the window, newest first, instead
        self.income_newest_first = False
        self.engine = engine
        self.faults = faults
        self.limiter = limiter
        self.order_counter = order_counter
        self.clock = clock
        self.listen_keys = listen_keys
        self.depth_snapshot = depth_snapshot
        self.endpoints: dict[tuple[str, str], tuple[Callable, int | Callable, str]] = {
            ("GET", "/fapi/v1/ping"): (self.ping, 1, NONE),
            ("GET", "/fapi/v1/time"): (self.time, 1, NONE),
            ("GET", "/fapi/v1/exchangeInfo"): (self.exchange_info, 1, NONE),
            ("GET", "/fapi/v1/depth"): (self.depth, depth_weight, NONE),
            ("GET", "/fapi/v1/trades"): (self.trades, 5, NONE),
            ("GET", "/fapi/v1/premiumIndex"): (self.premium_index, one_or(1, 10), NONE),
            ("GET", "/fapi/v1/ticker/24hr"): (self.ticker_24hr, one_or(1, 40), NONE),
            ("GET", "/fapi/v1/ticker/bookTicker"): (self.book_ticker, one_or(2, 5), NONE),
            ("GET", "/fapi/v1/ticker/price"): (self.ticker_price, one_or(1, 2), NONE),
            ("POST", "/fapi/v1/order"): (self.new_order, 0, SIGNED),
            ("DELETE", "/fapi/v1/order"): (self.cancel_order, 1, SIGNED),
            ("GET", "/fapi/v1/order"): (self.get_order, 1, SIGNED),
            ("GET", "/fapi/v1/openOrders"): (self.open_orders, one_or(1, 40), SIGNED),
            ("DELETE", "/fapi/v1/allOpenOrders"): (self.cancel_all, 1, SIGNED),
            ("GET", "/fapi/v1/userTrades"): (self.user_trades, 5, SIGNED),
            ("POST", "/fapi/v1/leverage"): (self.leverage, 1, SIGNED),
            ("GET", "/fapi/v1/positionSide/dual"): (self.get_dual, 30, SIGNED),
            ("POST", "/fapi/v1/positionSide/dual"): (self.set_dual, 1, SIGNED),
            ("GET", "/fapi/v2/positionRisk"): (self.position_risk_v2, 5, SIGNED),
            ("GET", "/fapi/v3/positionRisk"): (self.position_risk_v3, 5, SIGNED),
            ("GET", "/fapi/v2/account"): (self.account, 5, SIGNED),
            ("GET", "/fapi/v3/account"): (self.account, 5, SIGNED),
            ("GET", "/fapi/v2/balance"): (self.balance, 5, SIGNED),
            ("GET", "/fapi/v1/income"): (self.income, 30, SIGNED),
            ("GET", "/fapi/v1/fundingRate"): (self.funding_rate_history, 1, NONE),
            ("POST", "/fapi/v1/listenKey"): (self.listen_key_create, 1, API_KEY),
            ("PUT", "/fapi/v1/listenKey"): (self.listen_key_keepalive, 1, API_KEY),
            ("DELETE", "/fapi/v1/listenKey"): (self.listen_key_delete, 1, API_KEY),
        }

    def routes(self, app: web.Application) -> None:
        for method, path in self.endpoints:
            app.router.add_route(method, path, self.dispatch)

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        handler, weight, security = self.endpoints[(request.method, request.path)]
        ip = request.remote or "?"
        faults, limiter = self.faults, self.limiter
        headers: dict[str, str] = {}
        params = Params({})
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
            limiter.charge(ip, weight(params) if callable(weight) else weight)
            account = None
            if security == SIGNED:
                account = auth.verify_rest(self.engine.accounts,  # type: ignore[arg-type]  # duck-typed registry
                                           request.headers.get("X-MBX-APIKEY"), raw_query,
                                           raw_body, params.values, self.clock.now_ms())
            elif security == API_KEY:
                account = auth.lookup_key(self.engine.accounts,  # type: ignore[arg-type]
                                           request.headers.get("X-MBX-APIKEY"))
            body, status = handler(params, account, headers), 200
        except SimError as err:
            body, status = err.body(), err.http_status
            headers.update(err.headers)
        except Exception:  # a simulator bug must still answer like the venue does
            log.exception("futures simulator error on %s %s", request.method, request.path)
            body, status = {"code": -1000, "msg": "An unknown error occurred while processing the request."}, 500
        headers["X-MBX-USED-WEIGHT-1M"] = str(limiter.used(ip))
        if status == 200:
            symbol = params.values.get("symbol")
            if faults.take("lose_response", symbol, request.path, request.method):
                if request.transport is not None:
                    request.transport.close()
                raise asyncio.CancelledError()
            delayed = faults.take("delay_response", symbol, request.path, request.method)
            if delayed is not None:
                await asyncio.sleep(delayed.delay)
        return await answer(request, _json(body, status, headers))

    # -- public --------------------------------------------------------------------------------
    def ping(self, p, account, headers):
        return {}

    def time(self, p, account, headers):
        return {"serverTime": self.clock.now_ms()}

    def exchange_info(self, p, account, headers):
        return exchange_info(list(self.engine.specs.values()), self.clock.now_ms(), self.limiter.limit,
                             self.order_counter.limit_10s)

    def depth(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        limit = p.integer("limit") or 500
        if limit not in (5, 10, 20, 50, 100, 500, 1000):
            raise SimError(-1130, "Data sent for parameter 'limit' is not valid.")
        stale = self.faults.take("stale_snapshot", symbol, "/fapi/v1/depth", "GET")
        if stale is not None and stale.snapshot is not None:
            snap = stale.snapshot
            return {**snap, "bids": snap["bids"][:limit], "asks": snap["asks"][:limit]}
        snapshot = self.depth_snapshot(symbol, limit)
        if self.faults.take("future_snapshot", symbol, "/fapi/v1/depth", "GET"):
            snapshot["lastUpdateId"] += FAR_AHEAD
        return snapshot

    def trades(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        limit = p.integer("limit", low=1, high=1000) or 500
        return [{"id": t.trade_id, "price": plain(t.price), "qty": plain(t.qty),
                 "quoteQty": plain(t.price * t.qty), "time": t.time, "isBuyerMaker": t.buyer_is_maker}
                for t in self.engine.trades[symbol][-limit:]]

    def _symbols(self, p) -> tuple[list[str], bool]:
        symbol = p.text("symbol")
        if symbol is not None:
            self.engine.spec(symbol)
            return [symbol], True
        return sorted(self.engine.specs), False

    def premium_index(self, p, account, headers):
        symbols, single = self._symbols(p)
        now = self.clock.now_ms()
        out = [documents.premium_index(self.engine, s, now) for s in symbols]
        return out[0] if single else out

    def ticker_24hr(self, p, account, headers):
        symbols, single = self._symbols(p)
        now = self.clock.now_ms()
        out = []
        for s in symbols:
            trades = [t for t in self.engine.trades[s] if t.time >= now - 86_400_000]
            last = trades[-1].price if trades else self.engine.mark[s]
            first = trades[0].price if trades else last
            volume = sum((t.qty for t in trades), Decimal(0))
            out.append({"symbol": s, "priceChange": plain(last - first), "lastPrice": plain(last),
                        "lastQty": plain(trades[-1].qty if trades else Decimal(0)), "openPrice": plain(first),
                        "volume": plain(volume), "quoteVolume": plain(sum((t.qty * t.price for t in trades),
                                                                          Decimal(0))),
                        "openTime": now - 86_400_000, "closeTime": now, "count": len(trades)})
        return out[0] if single else out

    def book_ticker(self, p, account, headers):
        symbols, single = self._symbols(p)
        out = []
        for s in symbols:
            book = self.engine.books[s]
            bid, ask = book.best_bid(), book.best_ask()
            out.append({"symbol": s, "bidPrice": plain(bid.price) if bid else "0",
                        "bidQty": plain(bid.total) if bid else "0", "askPrice": plain(ask.price) if ask else "0",
                        "askQty": plain(ask.total) if ask else "0", "time": self.clock.now_ms()})
        return out[0] if single else out

    def ticker_price(self, p, account, headers):
        symbols, single = self._symbols(p)
        out = [{"symbol": s, "price": plain(self.engine.trades[s][-1].price if self.engine.trades[s]
                                            else self.engine.mark[s]), "time": self.clock.now_ms()}
               for s in symbols]
        return out[0] if single else out

    # -- trading ---------------------------------------------------------------------------------
    def new_order(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        side = p.enum("side", ("BUY", "SELL"), SimError(-1117, "Invalid side."), required=True)
        order_type = p.enum("type", ("LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                                     "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"),
                            SimError(-1116, "Invalid orderType."), required=True)
        position_side = p.enum("positionSide", ("BOTH", "LONG", "SHORT"))
        tif = p.enum("timeInForce", ("GTC", "IOC", "FOK", "GTX", "GTD"), SimError(-1115, "Invalid timeInForce."))
        resp_type = p.enum("newOrderRespType", ("ACK", "RESULT"))
        reduce_only = _bool(p, "reduceOnly") or False
        client_id = p.client_id("newClientOrderId")
        if order_type not in ("LIMIT", "MARKET"):
            raise SimError(-1116, "Invalid orderType.")
        self.order_counter.check(account.account_id)
        order, accepted = self.engine.place_order(
            account, symbol, side, order_type, quantity=p.decimal("quantity"), price=p.decimal("price"),
            time_in_force=tif, position_side=position_side, reduce_only=reduce_only, client_order_id=client_id)
        headers.update(self.order_counter.count(account.account_id))
        return render.order_json(order) if resp_type == "RESULT" else accepted

    def _order_ref(self, p) -> tuple[str, int | None, str | None]:
        symbol = p.text("symbol", required=True)
        order_id, orig = p.integer("orderId"), p.text("origClientOrderId")
        if order_id is None and orig is None:
            raise SimError(-1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!")
        return symbol, order_id, orig

    def cancel_order(self, p, account, headers):
        return render.order_json(self.engine.cancel_order(account, *self._order_ref(p)))

    def get_order(self, p, account, headers):
        order = self.engine.find_order(account, *self._order_ref(p))
        if order is None:
            raise SimError(-2013, "Order does not exist.")
        return render.order_json(order)

    def open_orders(self, p, account, headers):
        symbol = p.text("symbol")
        if symbol is not None:
            self.engine.spec(symbol)
        return [render.order_json(o) for o in self.engine.open_orders(account, symbol)]

    def cancel_all(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        self.engine.cancel_all(account, symbol)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def user_trades(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        order_id, from_id = p.integer("orderId"), p.integer("fromId")
        start, end = p.integer("startTime"), p.integer("endTime")
        limit = p.integer("limit", low=1, high=1000) or 500
        if start is not None and end is not None and end - start > 7 * 86_400_000:
            raise SimError(-1127, "More than 7 days between startTime and endTime.")
        out = [render.user_trade(symbol, f) for f in self.engine.fills.get((account.account_id, symbol), [])
               if (order_id is None or f.order_id == order_id) and (from_id is None or f.trade_id >= from_id)
               and (start is None or f.time >= start) and (end is None or f.time <= end)]
        return out[:limit] if from_id is not None else out[-limit:]

    def leverage(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        leverage = p.integer("leverage", required=True)
        self.engine.set_leverage(account, symbol, leverage)
        return {"leverage": leverage, "maxNotionalValue": "100000000", "symbol": symbol}

    def get_dual(self, p, account, headers):
        return {"dualSidePosition": account.dual_side}

    def set_dual(self, p, account, headers):
        value = _bool(p, "dualSidePosition")
        if value is None:
            raise SimError(-1102, "Mandatory parameter 'dualSidePosition' was not sent, was empty/null, "
                           "or malformed.")
        self.engine.set_dual_side(account, value)
        return {"code": 200, "msg": "success"}

    def position_risk_v2(self, p, account, headers):
        symbol = p.text("symbol")
        if symbol is not None:
            self.engine.spec(symbol)
        return documents.position_rows(self.engine, account, symbol, v3=False)

    def position_risk_v3(self, p, account, headers):
        symbol = p.text("symbol")
        if symbol is not None:
            self.engine.spec(symbol)
        return documents.position_rows(self.engine, account, symbol, v3=True)

    def account(self, p, account, headers):
        return documents.account_json(self.engine, account, self.clock.now_ms())

    def balance(self, p, account, headers):
        doc = documents.account_json(self.engine, account, self.clock.now_ms())["assets"][0]
        return [{"accountAlias": "SgsR", "asset": doc["asset"], "balance": doc["walletBalance"],
                 "crossWalletBalance": doc["crossWalletBalance"], "crossUnPnl": doc["crossUnPnl"],
                 "availableBalance": doc["availableBalance"], "maxWithdrawAmount": doc["maxWithdrawAmount"],
                 "marginAvailable": True, "updateTime": doc["updateTime"]}]

    def income(self, p, account, headers):
        symbol = p.text("symbol")
        kind = p.text("incomeType")
        start, end = p.integer("startTime"), p.integer("endTime")
        limit = p.integer("limit", low=1, high=1000) or 100
        page = p.integer("page", low=1) or 1
        now = self.clock.now_ms()
        if start is None and end is None:
            start = now - 7 * 86_400_000     # the venue's default window: the last 7 days
        items = [i for i in self.engine.income.get(account.account_id, [])
                 if (symbol is None or i.symbol == symbol) and (kind is None or i.income_type == kind)
                 and (start is None or i.time >= start) and (end is None or i.time <= end)]
        if self.income_newest_first:
            items = sorted(items, key=lambda i: (i.time, i.tran_id), reverse=True)
        return [render.income_json(i) for i in items[(page - 1) * limit: page * limit]]

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

    # -- user data stream keys ---------------------------------------------------------------------
    def listen_key_create(self, p, account, headers):
        return {"listenKey": self.listen_keys.create(account.account_id)}

    def listen_key_keepalive(self, p, account, headers):
        return {"listenKey": self.listen_keys.keepalive(account.account_id)}

    def listen_key_delete(self, p, account, headers):
        self.listen_keys.delete(account.account_id)
        return {}
