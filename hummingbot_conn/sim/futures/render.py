"""JSON documents of the USDⓈ-M venue (field names and meanings: docs/binance_usdm_futures.md).

Quantities and prices are plain decimal text ("0.001", "60000.5"); wallet
amounts, PnL and commissions 8 decimals, as the venue prints them.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .specs import money, plain

if TYPE_CHECKING:
    from .engine import FuturesEngine, FuturesFill, FuturesOrder, Income
    from .margin import FuturesAccount, FuturesPosition

ZERO = Decimal(0)


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


def position_rows(engine: FuturesEngine, account: FuturesAccount, symbol: str | None, v3: bool) -> list[dict]:
    """``/fapi/v2/positionRisk`` (every contract, with leverage) or ``/fapi/v3/positionRisk``
    (only contracts with a position or an open order, no leverage field)."""
    sides = ("LONG", "SHORT") if account.dual_side else ("BOTH",)
    symbols = [symbol] if symbol is not None else sorted(engine.specs)
    with_orders = {o.symbol for o in engine.open_orders(account)}
    rows = []
    for s in symbols:
        mark = engine.mark[s]
        leverage = engine.leverage(account, s)
        for side in sides:
            p = account.positions.get((s, side))
            amount = p.amount if p else ZERO
            if v3 and amount == ZERO and s not in with_orders:
                continue
            entry = p.entry_price if p else ZERO
            notional = amount * mark
            row = {"symbol": s, "positionSide": side, "positionAmt": plain(amount), "entryPrice": plain(entry),
                   "breakEvenPrice": plain(entry), "markPrice": money(mark),
                   "unRealizedProfit": money(p.unrealized(mark) if p else ZERO), "liquidationPrice": "0",
                   "isolatedMargin": "0", "notional": money(notional), "isolatedWallet": "0",
                   "updateTime": p.update_time if p else 0}
            if v3:
                im = abs(notional) / leverage
                row.update({"marginAsset": account.asset, "initialMargin": money(im),
                            "maintMargin": money(abs(notional) * engine.specs[s].maint_margin_rate),
                            "positionInitialMargin": money(im), "openOrderInitialMargin": "0", "adl": 0,
                            "bidNotional": "0", "askNotional": "0"})
            else:
                row.update({"marginType": "cross", "isAutoAddMargin": "false", "leverage": str(leverage),
                            "maxNotionalValue": "100000000"})
            rows.append(row)
    return rows


def account_json(engine: FuturesEngine, account: FuturesAccount, now: int) -> dict:
    """``/fapi/v2/account``: totals, the margin asset, and one row per position slot."""
    unrealized = engine.unrealized(account)
    pim = engine.position_initial_margin(account)
    oim = engine.open_order_initial_margin(account)
    available = engine.available(account)
    maint = sum((abs(p.amount) * engine.mark[s] * engine.specs[s].maint_margin_rate
                 for (s, _), p in account.positions.items()), ZERO)
    max_withdraw = max(ZERO, min(available, account.wallet))
    asset = {"asset": account.asset, "walletBalance": money(account.wallet),
             "unrealizedProfit": money(unrealized), "marginBalance": money(account.wallet + unrealized),
             "maintMargin": money(maint), "initialMargin": money(pim + oim),
             "positionInitialMargin": money(pim), "openOrderInitialMargin": money(oim),
             "crossWalletBalance": money(account.wallet), "crossUnPnl": money(unrealized),
             "availableBalance": money(available), "maxWithdrawAmount": money(max_withdraw),
             "marginAvailable": True, "updateTime": account.update_time}
    positions = []
    for row in position_rows(engine, account, None, v3=False):
        positions.append({"symbol": row["symbol"], "initialMargin": "0", "maintMargin": "0",
                          "unrealizedProfit": row["unRealizedProfit"], "positionInitialMargin": "0",
                          "openOrderInitialMargin": "0", "leverage": row["leverage"], "isolated": False,
                          "entryPrice": row["entryPrice"], "breakEvenPrice": row["breakEvenPrice"],
                          "maxNotional": row["maxNotionalValue"], "bidNotional": "0", "askNotional": "0",
                          "positionSide": row["positionSide"], "positionAmt": row["positionAmt"],
                          "updateTime": row["updateTime"]})
    return {"feeTier": 0, "feeBurn": False, "canTrade": True, "canDeposit": True, "canWithdraw": True,
            "updateTime": 0, "multiAssetsMargin": False, "tradeGroupId": -1,
            "totalInitialMargin": money(pim + oim), "totalMaintMargin": money(maint),
            "totalWalletBalance": money(account.wallet), "totalUnrealizedProfit": money(unrealized),
            "totalMarginBalance": money(account.wallet + unrealized), "totalPositionInitialMargin": money(pim),
            "totalOpenOrderInitialMargin": money(oim), "totalCrossWalletBalance": money(account.wallet),
            "totalCrossUnPnl": money(unrealized), "availableBalance": money(available),
            "maxWithdrawAmount": money(max_withdraw), "assets": [asset], "positions": positions}


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


def premium_index(engine: FuturesEngine, symbol: str, now: int) -> dict:
    return {"symbol": symbol, "markPrice": money(engine.mark[symbol]), "indexPrice": money(engine.index[symbol]),
            "estimatedSettlePrice": money(engine.index[symbol]),
            "lastFundingRate": money(engine.funding_rate[symbol]), "interestRate": "0.00010000",
            "nextFundingTime": engine.next_funding[symbol], "time": now}


def mark_price_event(engine: FuturesEngine, symbol: str, now: int) -> dict:
    return {"e": "markPriceUpdate", "E": now, "s": symbol, "p": money(engine.mark[symbol]),
            "i": money(engine.index[symbol]), "P": money(engine.index[symbol]),
            "r": money(engine.funding_rate[symbol]), "T": engine.next_funding[symbol]}
