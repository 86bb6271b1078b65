"""JSON shapes of spot orders, fills and user-data events (field names exactly as Binance).

Kept apart from the engine so the matching code stays about matching; the
engine calls these when it publishes.
"""
from __future__ import annotations

from decimal import Decimal

from .accounts import Account
from .filters import fmt
from .records import Fill, Order

__all__ = ["fmt", "order_ack", "order_result", "order_full", "order_query", "order_cancel", "execution_report",
           "my_trade", "account_position", "balance_update"]


def order_ack(order: Order) -> dict:
    return {"symbol": order.symbol, "orderId": order.order_id, "orderListId": -1,
            "clientOrderId": order.client_order_id, "transactTime": order.time}


def order_result(order: Order) -> dict:
    out = order_ack(order)
    out.update(_order_state(order))
    out["workingTime"] = order.working_time
    out["selfTradePreventionMode"] = order.stp_mode
    _conditional(order, out)
    return out


def order_full(order: Order, fills: list[Fill]) -> dict:
    out = order_result(order)
    out["fills"] = [{"price": fmt(f.price), "qty": fmt(f.qty), "commission": fmt(f.commission),
                     "commissionAsset": f.commission_asset, "tradeId": f.trade_id} for f in fills]
    return out


def order_query(order: Order) -> dict:
    """GET /api/v3/order and openOrders shape (docs/binance_spot.md section 3.9)."""
    out = {"symbol": order.symbol, "orderId": order.order_id, "orderListId": -1,
           "clientOrderId": order.client_order_id}
    out.update(_order_state(order))
    out.update({"stopPrice": fmt(Decimal(0)), "icebergQty": fmt(Decimal(0)), "time": order.time,
                "updateTime": order.update_time, "isWorking": order.working_time >= 0,
                "workingTime": order.working_time, "origQuoteOrderQty": fmt(order.orig_quote_qty),
                "selfTradePreventionMode": order.stp_mode})
    _conditional(order, out)
    return out


def order_cancel(order: Order, cancel_client_id: str, transact_time: int) -> dict:
    """DELETE /api/v3/order shape: ``origClientOrderId`` is the order's id, ``clientOrderId`` the cancel's."""
    out = {"symbol": order.symbol, "origClientOrderId": order.client_order_id,
           "orderId": order.order_id, "orderListId": -1, "clientOrderId": cancel_client_id,
           "transactTime": transact_time}
    out.update(_order_state(order))
    out["selfTradePreventionMode"] = order.stp_mode
    return out


def _order_state(order: Order) -> dict:
    return {"price": fmt(order.price), "origQty": fmt(order.orig_qty),
            "executedQty": fmt(order.executed_qty), "origQuoteOrderQty": fmt(order.orig_quote_qty),
            "cummulativeQuoteQty": fmt(order.cum_quote), "status": order.status,
            "timeInForce": order.time_in_force, "type": order.type, "side": order.side}


def _conditional(order: Order, out: dict) -> None:
    if order.expiry_reason is not None:
        out["expiryReason"] = order.expiry_reason
    if order.prevented_match_id is not None:
        out["preventedMatchId"] = order.prevented_match_id
        out["preventedQuantity"] = fmt(order.prevented_qty)


def execution_report(order: Order, exec_type: str, event_time: int, transact_time: int,
                     exec_id: int, fill: Fill | None = None, cancel_client_id: str | None = None) -> dict:
    """One ``executionReport`` payload (docs/binance_spot.md section 7.4), unwrapped."""
    if fill is not None:
        last_qty, last_price = fmt(fill.qty), fmt(fill.price)
        commission, commission_asset = fmt(fill.commission), fill.commission_asset
        last_quote, trade_id, is_maker = fmt(fill.price * fill.qty), fill.trade_id, fill.is_maker
    else:
        last_qty = last_price = last_quote = fmt(Decimal(0))
        commission, commission_asset, trade_id, is_maker = "0", None, -1, False
    event = {
        "e": "executionReport", "E": event_time, "s": order.symbol,
        "c": cancel_client_id if cancel_client_id is not None else order.client_order_id,
        "S": order.side, "o": order.type, "f": order.time_in_force,
        "q": fmt(order.orig_qty), "p": fmt(order.price), "P": fmt(Decimal(0)), "F": fmt(Decimal(0)),
        "g": -1, "C": order.client_order_id if cancel_client_id is not None else "",
        "x": exec_type, "X": order.status, "r": "NONE", "i": order.order_id,
        "l": last_qty, "z": fmt(order.executed_qty), "L": last_price, "n": commission,
        "N": commission_asset, "T": transact_time, "t": trade_id, "I": exec_id,
        # NEW reports w=true even for an order about to take (market_orders_faq.md)
        "w": order.on_book or exec_type == "NEW", "m": is_maker, "M": fill is not None, "O": order.time,
        "Z": fmt(order.cum_quote), "Y": last_quote, "Q": fmt(order.orig_quote_qty),
        "W": order.working_time if order.working_time >= 0 else transact_time,
        "V": order.stp_mode,
    }
    if order.prevented_match_id is not None and exec_type == "TRADE_PREVENTION":
        event["v"] = order.prevented_match_id
        event["A"] = fmt(order.prevented_qty)
        event["B"] = fmt(order.prevented_qty)
    if exec_type == "EXPIRED" and order.expiry_reason is not None:
        event["eR"] = order.expiry_reason
    return event


def my_trade(symbol: str, f: Fill) -> dict:
    """One row of ``GET /api/v3/myTrades`` (docs/binance_spot.md section 3)."""
    return {"symbol": symbol, "id": f.trade_id, "orderId": f.order_id, "orderListId": -1,
            "price": fmt(f.price), "qty": fmt(f.qty), "quoteQty": fmt(f.price * f.qty),
            "commission": fmt(f.commission), "commissionAsset": f.commission_asset,
            "time": f.time, "isBuyer": f.is_buyer, "isMaker": f.is_maker, "isBestMatch": True}


def account_position(account: Account, assets: set[str], event_time: int) -> dict:
    return {"e": "outboundAccountPosition", "E": event_time, "u": account.update_time,
            "B": [{"a": a, "f": fmt(account.balance(a).free), "l": fmt(account.balance(a).locked)}
                  for a in sorted(assets)]}


def balance_update(asset: str, delta: Decimal, event_time: int) -> dict:
    return {"e": "balanceUpdate", "E": event_time, "a": asset, "d": fmt(delta), "T": event_time}
