"""Binance USDⓈ-M REST endpoints under ``/fapi`` (docs/binance_usdm_futures.md sections 2-5).

``endpoints`` is the declarative table (method, path) -> (handler, weight,
security); the kernel's one pipeline (``kernel/rest.py``) runs every request
through the body guard (408 / 413), the strict ASCII parameters (-1100 /
-1102), faults, weight, the Binance security checks (``binance/rest.py``: the
signing rule is spot's), the handler and the ``X-MBX-USED-WEIGHT-1M`` header.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Callable

from ..errors import SimError
from ..params import Params
from ..rest import API_KEY, NONE, SIGNED, BinanceRestApi
from . import documents, render
from .specs import exchange_info, money, plain

if TYPE_CHECKING:
    from ...kernel.faults import FaultInjector
    from ...kernel.ratelimit import OrderCounter, WeightLimiter
    from ..listen_keys import ListenKeys
    from .engine import FuturesEngine

__all__ = ["FuturesRestApi", "depth_weight"]

ZERO = Decimal(0)


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


class FuturesRestApi(BinanceRestApi):
    """The ``/fapi`` handlers, given the collaborators they use (not the whole server)."""

    engine: FuturesEngine

    def __init__(self, engine: FuturesEngine, faults: FaultInjector, limiter: WeightLimiter,
                 order_counter: OrderCounter, clock, listen_keys: ListenKeys,
                 depth_snapshot: Callable[[str, int], dict], body_timeout: float = 10.0) -> None:
        super().__init__(engine=engine, clock=clock, limiter=limiter, order_counter=order_counter, faults=faults,
                         listen_keys=listen_keys, depth_snapshot=depth_snapshot, body_timeout=body_timeout)
        # the venue answers a full income window from startTime on, oldest first; it promises no order,
        # so a test may set this to get the newest rows of the window, newest first, instead
        self.income_newest_first = False
        self.endpoints = {
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

    # -- public --------------------------------------------------------------------------------
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

    def premium_index(self, p, account, headers):
        now = self.clock.now_ms()
        return self.per_symbol(p, lambda s: documents.premium_index(self.engine, s, now))

    def ticker_24hr(self, p, account, headers):
        now = self.clock.now_ms()

        def row(s: str) -> dict:
            trades = [t for t in self.engine.trades[s] if t.time >= now - 86_400_000]
            last = trades[-1].price if trades else self.engine.mark[s]
            first = trades[0].price if trades else last
            return {"symbol": s, "priceChange": plain(last - first), "lastPrice": plain(last),
                    "lastQty": plain(trades[-1].qty if trades else ZERO), "openPrice": plain(first),
                    "volume": plain(sum((t.qty for t in trades), ZERO)),
                    "quoteVolume": plain(sum((t.qty * t.price for t in trades), ZERO)),
                    "openTime": now - 86_400_000, "closeTime": now, "count": len(trades)}
        return self.per_symbol(p, row)

    def book_ticker(self, p, account, headers):
        def row(s: str) -> dict:
            bid, ask = self.engine.books[s].best_bid(), self.engine.books[s].best_ask()
            return {"symbol": s, "bidPrice": plain(bid.price) if bid else "0",
                    "bidQty": plain(bid.total) if bid else "0", "askPrice": plain(ask.price) if ask else "0",
                    "askQty": plain(ask.total) if ask else "0", "time": self.clock.now_ms()}
        return self.per_symbol(p, row)

    def ticker_price(self, p, account, headers):
        def row(s: str) -> dict:
            # the last trade's price; the mark price before any trade
            return {"symbol": s, "price": plain(self.engine.last_price.get(s, self.engine.mark[s])),
                    "time": self.clock.now_ms()}
        return self.per_symbol(p, row)

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
        self.count_order(account.account_id, headers)
        return render.order_json(order) if resp_type == "RESULT" else accepted

    def cancel_order(self, p, account, headers):
        return render.order_json(self.engine.cancel_order(account, *self.order_ref(p)))

    def get_order(self, p, account, headers):
        order = self.engine.find_order(account, *self.order_ref(p))
        if order is None:
            raise SimError(-2013, "Order does not exist.")
        return render.order_json(order)

    def open_orders(self, p, account, headers):
        return self.open_orders_of(p, account, render.order_json)

    def cancel_all(self, p, account, headers):
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        self.engine.cancel_all(account, symbol)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def user_trades(self, p, account, headers):
        return self.account_trades(p, account, 7 * 86_400_000, "More than 7 days between startTime and endTime.",
                                   render.user_trade)

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
