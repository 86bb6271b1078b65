"""Account, position and mark-price documents: the views that need the engine's marks and margins.

(Field names and meanings: docs/binance_usdm_futures.md sections 5 and 6.)
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .margin import FuturesAccount
from .specs import money, plain

if TYPE_CHECKING:
    from .engine import FuturesEngine

ZERO = Decimal(0)


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
                            "maxNotionalValue": str(engine.specs[s].max_notional(leverage))})
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


def account_v3_json(engine: FuturesEngine, account: FuturesAccount) -> dict:
    """``/fapi/v3/account``: the v2 totals and asset, and only the positions held (no leverage, no
    account flags: ``/fapi/v1/accountConfig`` and ``symbolConfig`` carry those)."""
    v2 = account_json(engine, account, 0)
    asset_keys = ("asset", "walletBalance", "unrealizedProfit", "marginBalance", "maintMargin", "initialMargin",
                  "positionInitialMargin", "openOrderInitialMargin", "crossWalletBalance", "crossUnPnl",
                  "availableBalance", "maxWithdrawAmount", "updateTime")
    positions = []
    for row in position_rows(engine, account, None, v3=True):
        if row["positionAmt"] == "0":
            continue
        positions.append({k: row[k] for k in ("symbol", "positionSide", "positionAmt", "unRealizedProfit",
                                              "isolatedMargin", "notional", "isolatedWallet", "initialMargin",
                                              "maintMargin", "updateTime")})
        positions[-1]["unrealizedProfit"] = positions[-1].pop("unRealizedProfit")
    totals = {k: v for k, v in v2.items() if k.startswith("total") or k in ("availableBalance", "maxWithdrawAmount")}
    return {**totals, "assets": [{k: a[k] for k in asset_keys} for a in v2["assets"]], "positions": positions}


def premium_index(engine: FuturesEngine, symbol: str, now: int) -> dict:
    return {"symbol": symbol, "markPrice": money(engine.mark[symbol]), "indexPrice": money(engine.index[symbol]),
            "estimatedSettlePrice": money(engine.index[symbol]),
            "lastFundingRate": money(engine.funding_rate[symbol]), "interestRate": "0.00010000",
            "nextFundingTime": engine.next_funding[symbol], "time": now}


def mark_price_event(engine: FuturesEngine, symbol: str, now: int) -> dict:
    return {"e": "markPriceUpdate", "E": now, "s": symbol, "p": money(engine.mark[symbol]),
            "i": money(engine.index[symbol]), "P": money(engine.index[symbol]),
            "r": money(engine.funding_rate[symbol]), "T": engine.next_funding[symbol]}
