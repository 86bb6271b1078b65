"""JSON documents of the USDⓈ-M venue (field names and meanings: docs/binance_usdm_futures.md).

Quantities and prices are plain decimal text ("0.001", "60000.5"); wallet
amounts, PnL and commissions 8 decimals, as the venue prints them.
"""
from __future__ import annotations

from decimal import Decimal

from .margin import FuturesAccount, FuturesPosition
from .records import FuturesFill, FuturesOrder, Income
from .specs import money, plain


def order_json(order: FuturesOrder) -> dict:
    """``POST`` / ``DELETE`` / ``GET /fapi/v1/order`` body."""
    return {
        "orderId": order.order_id, "symbol": order.symbol, "status": order.status,
        "clientOrderId": order.client_order_id, "price": plain(order.price),
        "avgPrice": plain(order.avg_price), "origQty": plain(order.orig_qty),
        "executedQty": plain(order.executed_qty), "cumQty": plain(order.executed_qty),
        "cumQuote": plain(order.cum_quote), "timeInForce": order.time_in_force, "type": order.type,
        "reduceOnly": order.reduce_only, "closePosition": False, "side": order.side,
        "positionSide": order.position_side, "stopPrice": "0", "workingType": "CONTRACT_PRICE",
        "priceProtect": False, "origType": order.type, "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_TAKER", "goodTillDate": 0,
        "time": order.time, "updateTime": order.update_time,
    }


def order_trade_update(order: FuturesOrder, exec_type: str, now: int, fill: FuturesFill | None = None) -> dict:
    o = {
        "s": order.symbol, "c": order.client_order_id, "S": order.side, "o": order.type,
        "f": order.time_in_force, "q": plain(order.orig_qty), "p": plain(order.price),
        "ap": plain(order.avg_price), "sp": "0", "x": exec_type, "X": order.status, "i": order.order_id,
        "l": plain(fill.qty) if fill else "0", "z": plain(order.executed_qty),
        "L": plain(fill.price) if fill else "0", "T": now, "t": fill.trade_id if fill else 0,
        "b": "0", "a": "0", "m": fill.is_maker if fill else False, "R": order.reduce_only,
        "wt": "CONTRACT_PRICE", "ot": order.type, "ps": order.position_side, "cp": False,
        "rp": money(fill.realized) if fill else "0", "pP": False, "si": 0, "ss": 0,
        "V": "EXPIRE_TAKER", "pm": "NONE", "gtd": 0,
    }
    if fill is not None:
        # the commission fields are present only when the event carries a commission
        o["N"] = "USDT"
        o["n"] = money(fill.commission)
    return {"e": "ORDER_TRADE_UPDATE", "E": now, "T": now, "o": o}


def position_update(position: FuturesPosition, mark: Decimal) -> dict:
    return {"s": position.symbol, "pa": plain(position.amount), "ep": plain(position.entry_price),
            "bep": plain(position.entry_price), "cr": money(position.realized),
            "up": money(position.unrealized(mark)), "mt": "cross", "iw": "0", "ps": position.side}


def account_update(account: FuturesAccount, reason: str, positions: list[FuturesPosition],
                   marks: dict[str, Decimal], now: int) -> dict:
    return {"e": "ACCOUNT_UPDATE", "E": now, "T": now, "a": {
        "m": reason,
        "B": [{"a": account.asset, "wb": money(account.wallet), "cw": money(account.wallet), "bc": "0"}],
        "P": [position_update(p, marks[p.symbol]) for p in positions],
    }}


def user_trade(symbol: str, fill: FuturesFill) -> dict:
    return {"buyer": fill.side == "BUY", "commission": money(fill.commission), "commissionAsset": "USDT",
            "id": fill.trade_id, "maker": fill.is_maker, "orderId": fill.order_id, "price": plain(fill.price),
            "qty": plain(fill.qty), "quoteQty": plain(fill.price * fill.qty),
            "realizedPnl": money(fill.realized), "side": fill.side, "positionSide": fill.position_side,
            "symbol": symbol, "time": fill.time}


def income_json(item: Income) -> dict:
    return {"symbol": item.symbol, "incomeType": item.income_type, "income": money(item.income),
            "asset": item.asset, "info": item.info, "time": item.time, "tranId": item.tran_id,
            "tradeId": item.trade_id}
