"""Binance USDⓈ-M REST endpoints under ``/fapi`` (docs/binance_usdm_futures.md sections 2-5).

``endpoints`` is the declarative table (method, path) -> (handler, weight,
security); the kernel's one pipeline (``kernel/rest.py``) runs every request
through the body guard (408 / 413), the strict ASCII parameters (-1100 /
-1102), faults, weight, the Binance security checks (``binance/rest.py``: the
signing rule is spot's), the handler and the ``X-MBX-USED-WEIGHT-1M`` header.
The handlers of orders, account reads, income and listenKeys are here; the
market data's in ``market_rest.py``, the account settings' in ``config_rest.py``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Callable

from .. import market_data
from ..errors import SimError
from ..rest import API_KEY, NONE, SIGNED, BinanceRestApi
from . import documents, render
from .config_rest import ConfigHandlers, parse_bool
from .market_rest import MarketDataHandlers, depth_weight, one_or

if TYPE_CHECKING:
    from ...kernel.faults import FaultInjector
    from ...kernel.ratelimit import OrderCounter, WeightLimiter
    from ..listen_keys import ListenKeys
    from .engine import FuturesEngine

__all__ = ["FuturesRestApi", "depth_weight", "ALGO_TYPES"]

ZERO = Decimal(0)
WEEK_MS = 7 * 86_400_000
#: the conditional types the venue moved to its algo-order endpoint (section 4): -4120 here
ALGO_TYPES = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")
ALGO_ONLY = SimError(-4120, "Order type not supported for this endpoint. Please use the Algo Order API "
                     "endpoints instead.")


class FuturesRestApi(MarketDataHandlers, ConfigHandlers, BinanceRestApi):
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
            ("GET", "/fapi/v1/aggTrades"): (self.agg_trades, 20, NONE),
            ("GET", "/fapi/v1/klines"): (self.klines, market_data.kline_weight, NONE),
            ("GET", "/fapi/v1/premiumIndex"): (self.premium_index, one_or(1, 10), NONE),
            ("GET", "/fapi/v1/fundingRate"): (self.funding_rate_history, 1, NONE),
            ("GET", "/fapi/v1/fundingInfo"): (self.funding_info, 1, NONE),
            ("GET", "/fapi/v1/openInterest"): (self.open_interest, 1, NONE),
            ("GET", "/fapi/v1/ticker/24hr"): (self.ticker_24hr, one_or(1, 40), NONE),
            ("GET", "/fapi/v1/ticker/bookTicker"): (self.book_ticker, one_or(2, 5), NONE),
            ("GET", "/fapi/v1/ticker/price"): (self.ticker_price, one_or(1, 2), NONE),
            ("GET", "/fapi/v2/ticker/price"): (self.ticker_price, one_or(1, 2), NONE),
            ("POST", "/fapi/v1/order"): (self.new_order, 0, SIGNED),
            ("DELETE", "/fapi/v1/order"): (self.cancel_order, 1, SIGNED),
            ("GET", "/fapi/v1/order"): (self.get_order, 1, SIGNED),
            ("GET", "/fapi/v1/openOrder"): (self.get_open_order, 1, SIGNED),
            ("GET", "/fapi/v1/openOrders"): (self.open_orders, one_or(1, 40), SIGNED),
            ("GET", "/fapi/v1/allOrders"): (self.all_orders, 5, SIGNED),
            ("DELETE", "/fapi/v1/allOpenOrders"): (self.cancel_all, 1, SIGNED),
            ("GET", "/fapi/v1/userTrades"): (self.user_trades, 5, SIGNED),
            ("POST", "/fapi/v1/leverage"): (self.leverage, 1, SIGNED),
            ("GET", "/fapi/v1/leverageBracket"): (self.leverage_bracket, 1, SIGNED),
            ("POST", "/fapi/v1/marginType"): (self.margin_type, 1, SIGNED),
            ("GET", "/fapi/v1/commissionRate"): (self.commission_rate, 20, SIGNED),
            ("GET", "/fapi/v1/symbolConfig"): (self.symbol_config, 5, SIGNED),
            ("GET", "/fapi/v1/accountConfig"): (self.account_config, 5, SIGNED),
            ("GET", "/fapi/v1/multiAssetsMargin"): (self.multi_assets_margin, 30, SIGNED),
            ("GET", "/fapi/v1/positionSide/dual"): (self.get_dual, 30, SIGNED),
            ("POST", "/fapi/v1/positionSide/dual"): (self.set_dual, 1, SIGNED),
            ("GET", "/fapi/v2/positionRisk"): (self.position_risk_v2, 5, SIGNED),
            ("GET", "/fapi/v3/positionRisk"): (self.position_risk_v3, 5, SIGNED),
            ("GET", "/fapi/v2/account"): (self.account, 5, SIGNED),
            ("GET", "/fapi/v3/account"): (self.account_v3, 5, SIGNED),
            ("GET", "/fapi/v2/balance"): (self.balance, 5, SIGNED),
            ("GET", "/fapi/v3/balance"): (self.balance, 5, SIGNED),
            ("GET", "/fapi/v1/income"): (self.income, 30, SIGNED),
            ("POST", "/fapi/v1/listenKey"): (self.listen_key_create, 1, API_KEY),
            ("PUT", "/fapi/v1/listenKey"): (self.listen_key_keepalive, 1, API_KEY),
            ("DELETE", "/fapi/v1/listenKey"): (self.listen_key_delete, 1, API_KEY),
        }

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
        reduce_only = parse_bool(p, "reduceOnly") or False
        client_id = p.client_id("newClientOrderId")
        if order_type in ALGO_TYPES:
            raise ALGO_ONLY
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

    def get_open_order(self, p, account, headers):
        """``GET /fapi/v1/openOrder``: an order that is still open; -2013 once it is closed."""
        order = self.engine.find_order(account, *self.order_ref(p))
        if order is None or not order.is_open:
            raise SimError(-2013, "Order does not exist.")
        return render.order_json(order)

    def all_orders(self, p, account, headers):
        """``GET /fapi/v1/allOrders?symbol=[&orderId=&startTime=&endTime=&limit=]`` (section 4)."""
        symbol = p.text("symbol", required=True)
        self.engine.spec(symbol)
        order_id, start, end = p.integer("orderId"), p.integer("startTime"), p.integer("endTime")
        limit = p.integer("limit", low=1, high=1000) or 500
        if start is not None and end is not None and end - start > WEEK_MS:
            raise SimError(-1127, "More than 7 days between startTime and endTime.")
        if order_id is None and start is None and end is None:
            start = self.clock.now_ms() - WEEK_MS      # the venue's default: the last 7 days
        orders = sorted((o for (s, _), o in self.engine.orders.items()
                         if s == symbol and o.account_id == account.account_id
                         and (order_id is None or o.order_id >= order_id)
                         and (start is None or o.time >= start) and (end is None or o.time <= end)),
                        key=lambda o: o.order_id)
        orders = orders[:limit] if order_id is not None else orders[-limit:]
        return [render.order_json(o) for o in orders]

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

    def account_v3(self, p, account, headers):
        return documents.account_v3_json(self.engine, account)

    def balance(self, p, account, headers):
        """``/fapi/v2/balance`` and ``/fapi/v3/balance`` (the same rows)."""
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

    # -- user data stream keys ---------------------------------------------------------------------
    def listen_key_create(self, p, account, headers):
        return {"listenKey": self.listen_keys.create(account.account_id)}

    def listen_key_keepalive(self, p, account, headers):
        return {"listenKey": self.listen_keys.keepalive(account.account_id)}

    def listen_key_delete(self, p, account, headers):
        self.listen_keys.delete(account.account_id)
        return {}
