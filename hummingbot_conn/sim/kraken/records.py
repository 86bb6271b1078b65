"""Kraken's order and fill records, and how REST and WS v2 show them (plain data and renderers).

Statuses are kept in the kernel's words (``NEW``, ``PARTIALLY_FILLED``,
``FILLED``, ``CANCELED``, so the kernel's registry knows what is open) and
shown in Kraken's: REST ``open`` / ``closed`` / ``canceled``, WS v2
``new`` / ``partially_filled`` / ``filled`` / ``canceled``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ..kernel.records import BookOrder
from .pairs import KrakenPair, fixed, rest_asset

__all__ = ["KrakenOrder", "KrakenFill", "rest_order", "rest_trade", "ws_order", "iso", "descr"]

ZERO = Decimal(0)
WS_STATUS = {"NEW": "new", "PARTIALLY_FILLED": "partially_filled", "FILLED": "filled", "CANCELED": "canceled"}
REST_STATUS = {"NEW": "open", "PARTIALLY_FILLED": "open", "FILLED": "closed", "CANCELED": "canceled"}


@dataclass(slots=True, eq=False, kw_only=True)
class KrakenOrder(BookOrder):
    """A spot order: the kernel's fields plus Kraken's txid, client id, flags and what it holds."""
    txid: str = ""
    cl_ord_id: str | None = None
    userref: int = 0
    post_only: bool = False
    hold: Decimal = ZERO
    fee: Decimal = ZERO
    close_time: int = 0
    reason: str | None = None


@dataclass(slots=True)
class KrakenFill:
    """One side of a trade as its order sees it (``TradesHistory``, ``executions`` trades)."""
    trade_txid: str
    trade_id: int
    order: KrakenOrder
    price: Decimal
    qty: Decimal
    cost: Decimal
    fee: Decimal
    fee_asset: str
    is_maker: bool
    time: int
    pos_txid: str


def iso(ms: int) -> str:
    """RFC 3339 time with microseconds, as WS v2 writes it (``2023-10-06T17:35:55.440295Z``)."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def descr(order: KrakenOrder, spec: KrakenPair) -> str:
    side = order.side.lower()
    vol = fixed(order.orig_qty, spec.lot_decimals)
    if order.type == "MARKET":
        return f"{side} {vol} {spec.altname} @ market"
    return f"{side} {vol} {spec.altname} @ limit {fixed(order.price, spec.pair_decimals)}"


def rest_order(order: KrakenOrder, spec: KrakenPair) -> dict[str, Any]:
    """An order as ``OpenOrders`` / ``ClosedOrders`` / ``QueryOrders`` show it (amounts as strings)."""
    avg = order.cum_quote / order.executed_qty if order.executed_qty else ZERO
    out: dict[str, Any] = {
        "refid": None, "userref": order.userref, "status": REST_STATUS[order.status],
        "opentm": order.time / 1000, "starttm": 0, "expiretm": 0,
        "descr": {"pair": spec.altname, "type": order.side.lower(), "ordertype": order.type.lower(),
                  "price": fixed(order.price, spec.pair_decimals) if order.type == "LIMIT" else "0",
                  "price2": "0", "leverage": "none", "order": descr(order, spec), "close": ""},
        "vol": fixed(order.orig_qty, spec.lot_decimals), "vol_exec": fixed(order.executed_qty, spec.lot_decimals),
        "cost": fixed(order.cum_quote, spec.cost_decimals), "fee": fixed(order.fee, spec.cost_decimals),
        "price": fixed(avg, spec.pair_decimals), "stopprice": "0", "limitprice": "0", "misc": "",
        "oflags": "post,fciq" if order.post_only else "fciq",
    }
    if order.cl_ord_id is not None:
        out["cl_ord_id"] = order.cl_ord_id
    if not order.is_open:
        out["closetm"] = order.close_time / 1000
        out["reason"] = order.reason
    return out


def rest_trade(fill: KrakenFill, spec: KrakenPair) -> dict[str, Any]:
    """A fill as ``TradesHistory`` shows it."""
    order = fill.order
    return {"ordertxid": order.txid, "postxid": fill.pos_txid, "pair": spec.rest_name, "time": fill.time / 1000,
            "type": order.side.lower(), "ordertype": order.type.lower(),
            "price": fixed(fill.price, spec.pair_decimals), "cost": fixed(fill.cost, spec.cost_decimals),
            "fee": fixed(fill.fee, spec.cost_decimals), "vol": fixed(fill.qty, spec.lot_decimals),
            "margin": "0", "misc": "", "maker": fill.is_maker, "trade_id": fill.trade_id,
            "fee_asset": rest_asset(fill.fee_asset)}


def ws_order(order: KrakenOrder, spec: KrakenPair, exec_type: str, now: int, fill: KrakenFill | None = None,
             status: str | None = None) -> dict[str, Any]:
    """One ``executions`` report (WS v2): amounts as JSON numbers (Decimal, rendered by ``json_text``)."""
    out: dict[str, Any] = {
        "order_id": order.txid, "symbol": spec.symbol, "exec_type": exec_type,
        "order_status": status or WS_STATUS[order.status], "side": order.side.lower(),
        "order_type": order.type.lower(), "order_qty": order.orig_qty, "order_userref": order.userref,
        "time_in_force": "GTC" if order.type == "LIMIT" else "IOC", "post_only": order.post_only,
        "cum_qty": order.executed_qty, "cum_cost": order.cum_quote, "fee_usd_equiv": order.fee,
        "avg_price": (order.cum_quote / order.executed_qty).quantize(spec.tick_size) if order.executed_qty else ZERO,
        "timestamp": iso(now),
    }
    if order.type == "LIMIT":
        out["limit_price"] = order.price
    if order.cl_ord_id is not None:
        out["cl_ord_id"] = order.cl_ord_id
    if fill is not None:
        out.update({"exec_id": fill.trade_txid, "trade_id": fill.trade_id, "last_qty": fill.qty,
                    "last_price": fill.price, "cost": fill.cost, "liquidity_ind": "m" if fill.is_maker else "t",
                    "fees": [{"asset": fill.fee_asset, "qty": fill.fee}], "fee_ccy_pref": "fciq"})
    if order.reason is not None and exec_type in ("canceled", "expired"):
        out["reason"] = order.reason
    return out
