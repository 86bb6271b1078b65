"""Kraken Spot payloads -> the framework's ``OrderUpdate`` / ``TradeUpdate`` (docs/kraken_spot.md section 7).

Three shapes report an order: a WS v2 ``executions`` report (JSON numbers,
decoded as ``Decimal``; ``order_status`` in WS words), a REST order of
``OpenOrders`` / ``ClosedOrders`` / ``QueryOrders`` (decimal strings,
``status`` in REST words) and a REST fill of ``TradesHistory``.  A fill's id
is its trade txid (``exec_id`` on the stream, the ``TradesHistory`` key), the
same on both, so a fill seen twice is one fill.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, getcontext
from typing import Any, Callable, Dict, Optional, Tuple

from hummingbot_conn.common import TradeType
from hummingbot_conn.core.in_flight_order import OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import TokenAmount, TradeFeeBase, TradeFeeSchema

__all__ = ["DEFAULT_FEES", "WS_ORDER_STATE", "REST_ORDER_STATE", "seconds", "order_update_from_report",
           "trade_update_from_report", "order_update_from_rest", "trade_update_from_rest", "balances_from_balance_ex"]

# Kraken's Starter tier: 0.25 % maker, 0.40 % taker
DEFAULT_FEES = TradeFeeSchema(maker_percent_fee_decimal=Decimal("0.0025"), taker_percent_fee_decimal=Decimal("0.004"))

#: ``order_status`` of an executions report; ``pending_new`` (validated, not yet on the book) sets no state
WS_ORDER_STATE: Dict[str, Optional[OrderState]] = {
    "pending_new": None, "new": OrderState.OPEN, "partially_filled": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED, "canceled": OrderState.CANCELED, "expired": OrderState.EXPIRED}
#: ``status`` of a REST order
REST_ORDER_STATE: Dict[str, OrderState] = {
    "pending": OrderState.OPEN, "open": OrderState.OPEN, "closed": OrderState.FILLED,
    "canceled": OrderState.CANCELED, "expired": OrderState.EXPIRED}


def seconds(stamp: Any, default: float) -> float:
    """RFC 3339 text or Unix seconds -> Unix seconds; ``default`` for anything unreadable."""
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp).timestamp()
        except ValueError:
            return default
    if isinstance(stamp, (int, float, Decimal)) and not isinstance(stamp, bool):
        return float(stamp)
    return default


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise ValueError(f"{field} must be a number, got {value!r}")
    result = Decimal(value)
    if not result.is_finite() or result < 0:
        raise ValueError(f"{field} must be finite and >= 0, got {value!r}")
    return result


def _fee(schema: TradeFeeSchema, trade_type: TradeType, asset: Optional[str], amount: Decimal) -> TradeFeeBase:
    flat = [TokenAmount(asset, amount)] if asset and amount else []
    return TradeFeeBase.new_spot_fee(schema, trade_type, flat_fees=flat)


def order_update_from_report(report: Dict[str, Any], trading_pair: str, client_order_id: str,
                             now: float) -> Optional[OrderUpdate]:
    """One executions report -> the order's new state (None for ``pending_new``), the cumulated
    executed amount ``cum_qty`` in ``misc_updates``."""
    status = report["order_status"]
    if status not in WS_ORDER_STATE:
        raise ValueError(f"order_status {status!r} is none of Kraken's ({', '.join(WS_ORDER_STATE)})")
    state = WS_ORDER_STATE[status]
    if state is None:
        return None
    misc = {"executed_amount_base": _decimal(report["cum_qty"], "cum_qty")} if "cum_qty" in report else None
    return OrderUpdate(trading_pair, seconds(report.get("timestamp"), now), state, client_order_id=client_order_id,
                       exchange_order_id=str(report["order_id"]), misc_updates=misc)


def trade_update_from_report(report: Dict[str, Any], trading_pair: str, client_order_id: str,
                             trade_type: TradeType, schema: TradeFeeSchema, quote: str, now: float) -> TradeUpdate:
    """An ``exec_type: trade`` report -> its fill (``exec_id``, ``last_qty`` at ``last_price``, ``cost``,
    ``fees`` ``[{"asset", "qty"}]``, ``liquidity_ind`` ``m`` / ``t``)."""
    base = _decimal(report["last_qty"], "last_qty")
    price = _decimal(report["last_price"], "last_price")
    if base <= 0 or price <= 0:
        raise ValueError(f"a trade needs last_qty and last_price > 0, got {base} at {price}")
    cost = _decimal(report["cost"], "cost") if report.get("cost") is not None else base * price
    fees = report.get("fees") or []
    asset, amount = quote, Decimal(0)
    if fees:
        asset = str(fees[0].get("asset") or quote)
        amount = sum((_decimal(f.get("qty", 0), "fees.qty") for f in fees), Decimal(0))
    return TradeUpdate(str(report["exec_id"]), client_order_id, str(report["order_id"]), trading_pair,
                       seconds(report.get("timestamp"), now), price, base, cost,
                       _fee(schema, trade_type, asset, amount), is_taker=report.get("liquidity_ind") != "m")


def order_update_from_rest(txid: str, order: Dict[str, Any], trading_pair: str, client_order_id: str,
                           now: float) -> OrderUpdate:
    """A REST order -> OrderUpdate (``open`` with ``vol_exec`` > 0 is PARTIALLY_FILLED)."""
    executed = _decimal(order.get("vol_exec", "0"), "vol_exec")
    status = order["status"]
    if status not in REST_ORDER_STATE:
        raise ValueError(f"status {status!r} is none of Kraken's ({', '.join(REST_ORDER_STATE)})")
    state = REST_ORDER_STATE[status]
    if state is OrderState.OPEN and executed > 0:
        state = OrderState.PARTIALLY_FILLED
    stamp = order.get("closetm") or order.get("opentm")
    return OrderUpdate(trading_pair, seconds(stamp, now), state, client_order_id=client_order_id,
                       exchange_order_id=txid, misc_updates={"executed_amount_base": executed})


def trade_update_from_rest(trade_txid: str, trade: Dict[str, Any], trading_pair: str, client_order_id: str,
                           schema: TradeFeeSchema, fee_asset: str, now: float) -> TradeUpdate:
    """One ``TradesHistory`` row -> TradeUpdate (``vol`` at ``price``, ``cost``, ``fee`` in ``fee_asset``)."""
    trade_type = TradeType.BUY if trade.get("type") == "buy" else TradeType.SELL
    return TradeUpdate(trade_txid, client_order_id, str(trade["ordertxid"]), trading_pair,
                       seconds(trade.get("time"), now), _decimal(trade["price"], "price"),
                       _decimal(trade["vol"], "vol"), _decimal(trade["cost"], "cost"),
                       _fee(schema, trade_type, fee_asset, _decimal(trade.get("fee", "0"), "fee")),
                       is_taker=not trade.get("maker", False))


def balances_from_balance_ex(result: Dict[str, Any],
                             asset_of: Callable[[str], str]) -> Dict[str, Tuple[Decimal, Decimal]]:
    """A ``BalanceEx`` result -> {asset: (total ``balance``, available ``balance - hold_trade``)}, the asset
    named by ``asset_of(REST id)``.  The whole answer or nothing: ``ValueError`` for any entry that is no
    amount (then every balance stays as it was)."""
    balances = {}
    for asset_id, entry in result.items():
        total = _amount(entry.get("balance") if isinstance(entry, dict) else None, f"{asset_id} balance")
        hold = _amount(entry.get("hold_trade", "0"), f"{asset_id} hold_trade")
        if hold > total:
            raise ValueError(f"BalanceEx: {asset_id} hold_trade {hold} is above its balance {total}")
        balances[asset_of(asset_id)] = (total, total - hold)
    return balances


def _amount(value: Any, field: str) -> Decimal:
    """A REST amount (decimal text, docs/kraken_spot.md section 4) -> a finite Decimal >= 0; ValueError
    naming ``field`` otherwise (``NaN``, ``Infinity``, a negative amount, another type)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValueError(f"BalanceEx: {field} must be decimal text, got {value!r:.50}")
    try:
        amount = Decimal(value)
    except ArithmeticError:
        raise ValueError(f"BalanceEx: {field} is not a number: {value!r:.50}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"BalanceEx: {field} must be finite and >= 0, got {value!r:.50}")
    context = getcontext()
    if amount and not context.Etiny() <= amount.adjusted() <= context.Emax:
        # 1E+999999999 is finite, but the first sum with it overflows the context
        raise ValueError(f"BalanceEx: {field} is out of the decimal context's range: {value!r:.50}")
    return amount
