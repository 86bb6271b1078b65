"""Kraken's private REST endpoints (``/0/private/...``), the order arguments they share with WS v2,
and the WebSocket tokens.

Shapes follow Kraken's documentation (docs/kraken_spot.md, sections 5-7):
amounts are strings with the asset's or pair's decimals, orders are keyed by
txid (``OQCLML-BW3P3-BUCMWZ``), ``cl_ord_id`` is a UUID (36 characters with
hyphens, or 32 hex digits) or free text of at most 18 ASCII characters.
"""
from __future__ import annotations

import re
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from . import errors as E
from .accounts import KrakenAccount
from .engine import KrakenEngine
from .errors import kraken_error
from .pairs import KrakenPair, asset_decimals, fixed, rest_asset
from .ratelimit import KrakenLimits
from .records import KrakenOrder, descr, rest_order, rest_trade

__all__ = ["PrivateApi", "OrderArgs", "Tokens", "check_cl_ord_id", "decimal_arg"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
#: seconds a WebSocket token stays valid for a new subscription
TOKEN_SECONDS = 900


def ok(result: Any) -> dict:
    return {"error": [], "result": result}


def check_cl_ord_id(value: Any) -> str:
    """A valid ``cl_ord_id`` or ``EGeneral:Invalid arguments:cl_ord_id``."""
    if not isinstance(value, str):
        raise kraken_error(E.INVALID_ARGUMENTS, "cl_ord_id")
    text = value
    if _UUID.match(text) or _HEX32.match(text) or (
            0 < len(text) <= 18 and text.isascii() and text.isprintable() and " " not in text):
        return text
    raise kraken_error(E.INVALID_ARGUMENTS, "cl_ord_id")


def decimal_arg(value: Any, name: str) -> Decimal:
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise kraken_error(E.INVALID_ARGUMENTS, name) from None
    if not result.is_finite():
        raise kraken_error(E.INVALID_ARGUMENTS, name)
    return result


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1")


class OrderArgs:
    """A new order's arguments, from REST names (``pair``, ``type``, ``ordertype``, ``volume``,
    ``price``, ``oflags``) or WS v2 names (``symbol``, ``side``, ``order_type``, ``order_qty``,
    ``limit_price``, ``post_only``). Raises ``EGeneral:Invalid arguments:<field>``."""

    def __init__(self, engine: KrakenEngine, params: dict[str, Any], ws: bool = False) -> None:
        pair_field, side_field, type_field, qty_field, price_field = (
            ("symbol", "side", "order_type", "order_qty", "limit_price") if ws else
            ("pair", "type", "ordertype", "volume", "price"))
        if not params.get(pair_field):
            raise kraken_error(E.INVALID_ARGUMENTS, pair_field)
        self.spec: KrakenPair = engine.pair(str(params[pair_field]))
        side = str(params.get(side_field, "")).lower()
        if side not in ("buy", "sell"):
            raise kraken_error(E.INVALID_ARGUMENTS, side_field)
        self.side = side.upper()
        ordertype = str(params.get(type_field, "")).lower()
        if ordertype not in ("limit", "market"):
            raise kraken_error(E.INVALID_ARGUMENTS, type_field)
        self.ordertype = ordertype.upper()
        if params.get(qty_field) in (None, ""):
            raise kraken_error(E.INVALID_ARGUMENTS, qty_field)
        self.volume = decimal_arg(params[qty_field], qty_field)
        self.price: Decimal | None = None
        if self.ordertype == "LIMIT":
            if params.get(price_field) in (None, ""):
                raise kraken_error(E.INVALID_ARGUMENTS, price_field)
            self.price = decimal_arg(params[price_field], price_field)
        if ws:
            self.post_only = _flag(params.get("post_only", False))
        else:
            flags = {f.strip() for f in str(params.get("oflags", "")).split(",") if f.strip()}
            if flags - {"post", "fciq", "fcib", "nompp"}:
                raise kraken_error(E.INVALID_ARGUMENTS, "oflags")
            self.post_only = "post" in flags
        if self.post_only and self.ordertype != "LIMIT":
            raise kraken_error(E.INVALID_ARGUMENTS, "post")
        self.cl_ord_id = check_cl_ord_id(params["cl_ord_id"]) if params.get("cl_ord_id") not in (None, "") else None
        userref = params.get("userref", params.get("order_userref", 0))
        try:
            self.userref = int(str(userref or 0))
        except ValueError:
            raise kraken_error(E.INVALID_ARGUMENTS, "userref") from None
        self.validate = _flag(params.get("validate", False))

    def place(self, engine: KrakenEngine, limits: KrakenLimits, account: KrakenAccount) -> KrakenOrder | None:
        if not self.validate:
            limits.charge_order(account.api_key, self.spec.symbol)
        return engine.place(account, self.spec, self.side, self.ordertype, self.volume, self.price,
                            post_only=self.post_only, cl_ord_id=self.cl_ord_id, userref=self.userref,
                            validate=self.validate)


class Tokens:
    """WebSocket tokens (``GetWebSocketsToken``): valid ``TOKEN_SECONDS`` for a new subscription."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self._tokens: dict[str, tuple[KrakenAccount, int]] = {}

    def issue(self, account: KrakenAccount) -> str:
        token = secrets.token_urlsafe(30)
        self._tokens[token] = (account, self.clock.now_ms() + TOKEN_SECONDS * 1000)
        return token

    def account(self, token: Any) -> KrakenAccount | None:
        entry = self._tokens.get(token) if isinstance(token, str) else None
        if entry is None or entry[1] < self.clock.now_ms():
            return None
        return entry[0]


class PrivateApi:
    """The private endpoints' handlers: ``handler(params, account, headers) -> JSON``."""

    def __init__(self, engine: KrakenEngine, limits: KrakenLimits, tokens: Tokens) -> None:
        self.engine = engine
        self.limits = limits
        self.tokens = tokens

    def handlers(self) -> dict[str, Callable[[dict, Any, dict], Any]]:
        return {"Balance": self.balance, "BalanceEx": self.balance_ex, "AddOrder": self.add_order,
                "CancelOrder": self.cancel_order, "CancelAll": self.cancel_all, "OpenOrders": self.open_orders,
                "ClosedOrders": self.closed_orders, "QueryOrders": self.query_orders,
                "TradesHistory": self.trades_history, "QueryTrades": self.query_trades,
                "GetWebSocketsToken": self.ws_token}

    def balance(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        return ok({rest_asset(a): fixed(v, asset_decimals(a)) for a, v in sorted(account.balance.items())})

    def balance_ex(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        assets = sorted(set(account.balance) | set(account.hold))
        return ok({rest_asset(a): {"balance": fixed(account.balance.get(a, Decimal(0)), asset_decimals(a)),
                                   "hold_trade": fixed(account.hold.get(a, Decimal(0)), asset_decimals(a))}
                   for a in assets})

    def add_order(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        args = OrderArgs(self.engine, params)
        order = args.place(self.engine, self.limits, account)
        if order is None:
            spec = args.spec
            text = (f"{args.side.lower()} {fixed(args.volume, spec.lot_decimals)} {spec.altname} @ "
                    + (f"limit {fixed(args.price, spec.pair_decimals)}" if args.price is not None else "market"))
            return ok({"descr": {"order": text}})
        return ok({"descr": {"order": descr(order, self.engine.specs[order.symbol])}, "txid": [order.txid]})

    def _target(self, params: dict, account: KrakenAccount) -> list[KrakenOrder]:
        if params.get("cl_ord_id") not in (None, ""):
            return self.engine.find(account, cl_ord_id=str(params["cl_ord_id"]))
        txid = str(params.get("txid", "")).strip()
        if not txid:
            raise kraken_error(E.INVALID_ARGUMENTS, "txid")
        if txid.isdigit():
            return self.engine.find(account, userref=int(txid))
        return self.engine.find(account, txid=txid)

    def cancel(self, account: KrakenAccount, orders: list[KrakenOrder]) -> int:
        open_orders = [o for o in orders if o.is_open]
        if not open_orders:
            raise kraken_error(E.UNKNOWN_ORDER)
        for order in open_orders:
            self.limits.charge_cancel(account.api_key, order.symbol, order.time)
        return self.engine.cancel(account, open_orders)

    def cancel_order(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        return ok({"count": self.cancel(account, self._target(params, account))})

    def cancel_all(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        orders = self.engine.open_orders(account)
        for order in orders:
            self.limits.charge_cancel(account.api_key, order.symbol, order.time)
        return ok({"count": self.engine.cancel(account, orders)})

    def _shown(self, orders: list[KrakenOrder], params: dict) -> dict:
        """Orders keyed by txid (only those of ``cl_ord_id`` when given; their fills' ids with ``trades``)."""
        cl_ord_id = params.get("cl_ord_id")
        shown = {o.txid: rest_order(o, self.engine.specs[o.symbol]) for o in orders
                 if cl_ord_id in (None, "") or o.cl_ord_id == cl_ord_id}
        if _flag(params.get("trades", False)) and orders:
            fills = self.engine.fills.get(orders[0].account_id, [])
            for txid, info in shown.items():
                info["trades"] = [f.trade_txid for f in fills if f.order.txid == txid]
        return shown

    def open_orders(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        return ok({"open": self._shown(self.engine.open_orders(account), params)})

    def closed_orders(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        closed = sorted(self.engine.closed.get(account.account_id, []), key=lambda o: -o.close_time)
        shown = self._shown(closed, params)
        start = _seconds(params.get("start"))
        if start is not None:
            shown = {k: v for k, v in shown.items() if v["closetm"] >= start}
        offset = _offset(params)
        return ok({"closed": dict(list(shown.items())[offset:offset + 50]), "count": len(shown)})

    def query_orders(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        if params.get("cl_ord_id") not in (None, ""):
            found = [o for o in self.engine.orders.values()
                     if o.account_id == account.account_id and o.cl_ord_id == params["cl_ord_id"]]
            return ok(self._shown(found, {"trades": params.get("trades", False)}))
        txids = [t.strip() for t in str(params.get("txid", "")).split(",") if t.strip()]
        if not txids or len(txids) > 50:
            raise kraken_error(E.INVALID_ARGUMENTS, "txid")
        out = {}
        for txid in txids:
            found = self.engine.find(account, txid=txid)
            if not found:
                raise kraken_error("EOrder:Invalid order")
            out.update(self._shown(found, {"trades": params.get("trades", False)}))
        return ok(out)

    def trades_history(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        fills = list(reversed(self.engine.fills.get(account.account_id, [])))
        start = _seconds(params.get("start"))
        if start is not None:
            fills = [f for f in fills if f.time / 1000 >= start]
        offset = _offset(params)
        page = fills[offset:offset + 50]
        return ok({"trades": {f.trade_txid: rest_trade(f, self.engine.specs[f.order.symbol]) for f in page},
                   "count": len(fills)})

    def query_trades(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        """Fills by trade txid (``txid=T1,T2``, at most 20)."""
        wanted = [t.strip() for t in str(params.get("txid", "")).split(",") if t.strip()]
        if not wanted or len(wanted) > 20:
            raise kraken_error(E.INVALID_ARGUMENTS, "txid")
        fills = {f.trade_txid: f for f in self.engine.fills.get(account.account_id, [])}
        missing = [t for t in wanted if t not in fills]
        if missing:
            raise kraken_error("EQuery:Invalid query")
        return ok({t: rest_trade(fills[t], self.engine.specs[fills[t].order.symbol]) for t in wanted})

    def ws_token(self, params: dict, account: KrakenAccount, headers: dict) -> dict:
        return ok({"token": self.tokens.issue(account), "expires": TOKEN_SECONDS})


def _seconds(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(str(value))
    except ValueError:
        raise kraken_error(E.INVALID_ARGUMENTS, "start") from None


def _offset(params: dict) -> int:
    text = str(params.get("ofs", 0) or 0).strip()
    if not text.isdigit():
        raise kraken_error(E.INVALID_ARGUMENTS, "ofs")
    return int(text)
