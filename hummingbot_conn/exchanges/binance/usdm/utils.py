"""Binance USDⓈ-M payloads -> our records (trading rules, order / trade / position updates).

Each parser quotes what it reads (docs/binance_usdm_futures.md sections 3-8)
and raises ``ValueError`` / ``KeyError`` on a malformed payload; callers log
and skip it, so one bad message never half-updates an order or a position.
"""
from decimal import Decimal
from typing import Any, Dict, Mapping, Optional

from hummingbot_conn.common import PositionAction, PositionSide, TradeType
from hummingbot_conn.connector.funding_payments import FundingPayment
from hummingbot_conn.connector.trading_rule import TradingRule
from hummingbot_conn.core.in_flight_order import OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import TokenAmount, TradeFeeBase, TradeFeeSchema
from hummingbot_conn.exchanges.binance._common.rules import common_rule_fields, finite_decimal, symbol_filters
from hummingbot_conn.exchanges.binance._common.symbols import (
    symbol_map_from_exchange_info as _symbol_map,
    trading_pair_of,
)
from hummingbot_conn.exchanges.binance.usdm import constants as CONSTANTS

__all__ = ["CENTRALIZED", "EXAMPLE_PAIR", "DEFAULT_FEES", "ORDER_STATE", "finite_decimal", "trading_pair_of",
           "is_exchange_information_valid", "symbol_map_from_exchange_info", "trading_rule_from_symbol_info",
           "known_position_action", "position_action_of", "fill_fee", "income_row_id", "funding_payment_of",
           "order_update_from_order_status", "order_update_from_event",
           "trade_update_from_event", "trade_update_from_user_trade", "position_side_of"]

CENTRALIZED = True
EXAMPLE_PAIR = "BTC-USDT"

# 0.02% maker, 0.05% taker (the venue's base tier), paid in the margin asset. No percent token:
# the fee class then follows the position action (OPEN: added to cost, CLOSE: deducted from returns)
DEFAULT_FEES = TradeFeeSchema(maker_percent_fee_decimal=Decimal("0.0002"),
                              taker_percent_fee_decimal=Decimal("0.0005"))

ORDER_STATE: Dict[str, OrderState] = {status: OrderState[name]
                                      for status, name in CONSTANTS.ORDER_STATE_NAMES.items()}


def is_exchange_information_valid(rule: Mapping[str, Any]) -> bool:
    """The one test of a tradable contract: a TRADING perpetual (``contractType`` PERPETUAL or
    TRADIFI_PERPETUAL); delivery contracts share base / quote names and are skipped."""
    return rule.get("contractType") in ("PERPETUAL", "TRADIFI_PERPETUAL") and rule.get("status") == "TRADING"


def symbol_map_from_exchange_info(exchange_info: Mapping[str, Any]) -> Dict[str, str]:
    """``{"BTCUSDT": "BTC-USDT"}`` for the tradable perpetuals, one symbol per pair (``_common/symbols.py``)."""
    return _symbol_map(exchange_info, is_exchange_information_valid)


def trading_rule_from_symbol_info(info: Dict[str, Any]) -> TradingRule:
    """One ``exchangeInfo`` contract (section 3); note ``MIN_NOTIONAL.notional``::

        {"symbol": "BTCUSDT", "contractType": "PERPETUAL", "status": "TRADING", "baseAsset": "BTC",
         "quoteAsset": "USDT", "marginAsset": "USDT",
         "filters": [{"filterType": "PRICE_FILTER", "minPrice": "0.1", "maxPrice": "1000000", "tickSize": "0.1"},
                     {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "1000", "stepSize": "0.001"},
                     {"filterType": "MIN_NOTIONAL", "notional": "100"}, ...]}

    The notional minimum is waived by the venue for reduce-only orders, so it is
    not enforced locally (a closing order below it must still go through).
    """
    margin = info.get("marginAsset") or info["quoteAsset"]
    return TradingRule(trading_pair_of(info), min_notional_size=Decimal(0), buy_order_collateral_token=margin,
                       sell_order_collateral_token=margin, **common_rule_fields(symbol_filters(info)))


def known_position_action(action: Any) -> Optional[PositionAction]:
    """``action`` when it is OPEN or CLOSE (an order's own action), else None."""
    return action if action in (PositionAction.OPEN, PositionAction.CLOSE) else None


def position_action_of(trade_type: TradeType, position_side: str, realized_pnl: Optional[Decimal] = None,
                       reduce_only: bool = False, order_action: Optional[PositionAction] = None) -> PositionAction:
    """Whether a fill opened or closed (its fee class follows, section 12).

    The order's own action when we know the order (``order_action``); otherwise by side in hedge
    mode, and in one-way mode (BOTH) a reduce-only order or a fill that realised PnL closed. (PnL
    alone cannot tell: a close at the entry price realises 0.)
    """
    if order_action in (PositionAction.OPEN, PositionAction.CLOSE):
        return order_action
    if position_side == "LONG":
        return PositionAction.OPEN if trade_type is TradeType.BUY else PositionAction.CLOSE
    if position_side == "SHORT":
        return PositionAction.OPEN if trade_type is TradeType.SELL else PositionAction.CLOSE
    return PositionAction.CLOSE if reduce_only is True or realized_pnl else PositionAction.OPEN


def fill_fee(fee_schema: TradeFeeSchema, position_action: PositionAction, commission: Any,
             commission_asset: Optional[str]) -> TradeFeeBase:
    """The fee of one fill: the commission as a flat amount (none when 0); its class follows the action."""
    amount = finite_decimal(commission or "0")
    flat = [TokenAmount(commission_asset, amount)] if commission_asset and amount else []
    return TradeFeeBase.new_perpetual_fee(fee_schema, position_action, flat_fees=flat)


def order_update_from_order_status(payload: Dict[str, Any], trading_pair: str) -> OrderUpdate:
    """``GET /fapi/v1/order`` (section 4)::

        {"orderId": 1, "clientOrderId": "x-1", "status": "FILLED", "executedQty": "0.01", "updateTime": 1700...}
    """
    return OrderUpdate(trading_pair, int(payload["updateTime"]) / 1000, ORDER_STATE[payload["status"]],
                       client_order_id=str(payload["clientOrderId"]), exchange_order_id=str(payload["orderId"]),
                       misc_updates={"executed_amount_base": finite_decimal(payload["executedQty"])})


def order_update_from_event(event: Dict[str, Any], trading_pair: str) -> OrderUpdate:
    """``ORDER_TRADE_UPDATE`` (section 8): ``o.c`` client id, ``o.i`` order id, ``o.X`` status, ``o.z`` filled."""
    o = event["o"]
    return OrderUpdate(trading_pair, int(event["T"]) / 1000, ORDER_STATE[o["X"]], client_order_id=str(o["c"]),
                       exchange_order_id=str(o["i"]), misc_updates={"executed_amount_base": finite_decimal(o["z"])})


def trade_update_from_event(event: Dict[str, Any], trading_pair: str, trade_type: TradeType,
                            fee_schema: TradeFeeSchema, order_action: Optional[PositionAction] = None
                            ) -> TradeUpdate:
    """An ``x == "TRADE"`` ``ORDER_TRADE_UPDATE``: ``t`` trade id, ``l`` at ``L``, ``n`` in ``N``,
    ``rp`` realised PnL, ``ps`` position side, ``R`` reduce-only, ``m`` maker. ``order_action``: the
    tracked order's position action (decides the fee class when given)."""
    o = event["o"]
    base, price = finite_decimal(o["l"]), finite_decimal(o["L"])
    action = position_action_of(trade_type, o.get("ps", "BOTH"), finite_decimal(o.get("rp", "0")),
                                o.get("R") is True, order_action)
    return TradeUpdate(str(o["t"]), str(o["c"]), str(o["i"]), trading_pair, int(o["T"]) / 1000, price, base,
                       base * price, fill_fee(fee_schema, action, o.get("n"), o.get("N")),
                       is_taker=not o.get("m", False))


def trade_update_from_user_trade(trade: Dict[str, Any], client_order_id: str, trading_pair: str,
                                 trade_type: TradeType, fee_schema: TradeFeeSchema,
                                 order_action: Optional[PositionAction] = None) -> TradeUpdate:
    """One ``GET /fapi/v1/userTrades`` row (section 4)::

        {"id": 7, "orderId": 3, "price": "60000", "qty": "0.01", "quoteQty": "600", "commission": "0.3",
         "commissionAsset": "USDT", "realizedPnl": "0", "positionSide": "BOTH", "maker": false, "time": 1700...}
    """
    action = position_action_of(trade_type, trade.get("positionSide", "BOTH"),
                                finite_decimal(trade.get("realizedPnl", "0")), order_action=order_action)
    return TradeUpdate(str(trade["id"]), client_order_id, str(trade["orderId"]), trading_pair,
                       int(trade["time"]) / 1000, finite_decimal(trade["price"]), finite_decimal(trade["qty"]),
                       finite_decimal(trade["quoteQty"]),
                       fill_fee(fee_schema, action, trade.get("commission"), trade.get("commissionAsset")),
                       is_taker=not trade.get("maker", False))


def position_side_of(value: str) -> PositionSide:
    try:
        return PositionSide[value]
    except KeyError:
        raise ValueError(f"unknown position side {value!r}") from None


def income_row_id(row: Dict[str, Any]) -> str:
    """The id of an income row: its ``tranId`` (unique per income type and account, section 5), or
    time, symbol and asset together when the venue left it out."""
    tran_id = row.get("tranId")
    if tran_id is not None and tran_id != "":
        return f"{row.get('incomeType', '')}:{tran_id}"
    return f"{row.get('incomeType', '')}@{row.get('time')}/{row.get('symbol')}/{row.get('asset')}"


def funding_payment_of(row: Dict[str, Any]) -> FundingPayment:
    """One ``FUNDING_FEE`` income row (section 5)::

        {"symbol": "BTCUSDT", "incomeType": "FUNDING_FEE", "income": "-0.06000000", "asset": "USDT",
         "info": "", "time": 1700006400000, "tranId": 31, "tradeId": ""}
    """
    time_ms = row["time"]
    if isinstance(time_ms, bool) or not isinstance(time_ms, int) or time_ms < 0:
        raise ValueError(f"income row time is not ms: {time_ms!r:.40}")
    return FundingPayment(income_row_id(row), time_ms, finite_decimal(row["income"]), str(row["asset"]))
