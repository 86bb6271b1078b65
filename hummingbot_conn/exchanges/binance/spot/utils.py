"""Binance Spot payloads -> our records (trading rules, order and trade updates).

Each parser quotes the payload it reads (docs/binance_spot.md sections 3 and 7)
and raises ``ValueError`` / ``KeyError`` on a malformed one; callers log and
skip it, so one bad message never corrupts an order.
"""
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, Optional

from hummingbot_conn.connector.trading_rule import TradingRule
from hummingbot_conn.core.in_flight_order import OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import TokenAmount, TradeFeeBase, TradeFeeSchema
from hummingbot_conn.exchanges.binance._common.rules import (
    HUGE,
    common_rule_fields,
    finite_decimal,
    positive_or,
    symbol_filters,
)
from hummingbot_conn.exchanges.binance._common.symbols import (
    symbol_map_from_exchange_info as _symbol_map,
    trading_pair_of,
)
from hummingbot_conn.exchanges.binance.spot import constants as CONSTANTS

__all__ = [
    "DEFAULT_FEES", "finite_decimal", "CENTRALIZED", "EXAMPLE_PAIR", "ORDER_STATE", "is_exchange_information_valid",
    "symbol_map_from_exchange_info", "trading_pair_of", "trading_rule_from_symbol_info",
    "order_update_from_order_status", "order_update_from_execution_report", "trade_update_from_execution_report",
    "trade_update_from_my_trade", "trade_updates_from_order_response", "fill_fee",
]

CENTRALIZED = True
EXAMPLE_PAIR = "ZRX-ETH"

# 0.1% maker and taker; the commission is taken from the asset received (section 8)
DEFAULT_FEES = TradeFeeSchema(maker_percent_fee_decimal=Decimal("0.001"),
                              taker_percent_fee_decimal=Decimal("0.001"),
                              buy_percent_fee_deducted_from_returns=True)

ORDER_STATE: Dict[str, OrderState] = {status: OrderState[name]
                                      for status, name in CONSTANTS.ORDER_STATE_NAMES.items()}



def is_exchange_information_valid(symbol_info: Mapping[str, Any]) -> bool:
    """The one test of a tradable spot symbol (the connector's rules and symbol map, the data
    source's map and ``hbconn book`` all use it): ``status == "TRADING"`` and ``SPOT`` in one of
    its ``permissionSets`` (each a list), or, for a venue that sends only the older field
    (Binance.US), in ``permissions``.  A symbol that states no permission is not tradable."""
    if symbol_info.get("status") != "TRADING":
        return False
    permission_sets = symbol_info.get("permissionSets")
    if isinstance(permission_sets, list) and any(
            isinstance(permissions, list) and "SPOT" in permissions for permissions in permission_sets):
        return True
    permissions = symbol_info.get("permissions")
    return isinstance(permissions, list) and "SPOT" in permissions


def symbol_map_from_exchange_info(exchange_info: Mapping[str, Any]) -> Dict[str, str]:
    """``{"BTCUSDT": "BTC-USDT"}`` for the tradable spot symbols (``is_exchange_information_valid``),
    one symbol per pair (``_common/symbols.py``)."""
    return _symbol_map(exchange_info, is_exchange_information_valid)


def trading_rule_from_symbol_info(symbol_info: Dict[str, Any]) -> TradingRule:
    """One ``exchangeInfo`` symbol -> ``TradingRule``::

        {"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT",
         "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"], "permissionSets": [["SPOT"]],
         "filters": [{"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000", "tickSize": "0.01"},
                     {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
                     {"filterType": "NOTIONAL", "minNotional": "5", "applyMinToMarket": true,
                      "maxNotional": "9000000", "applyMaxToMarket": false, "avgPriceMins": 5}]}

    ``MIN_NOTIONAL`` (older symbols, Binance.US) is read like ``NOTIONAL``.
    """
    filters = symbol_filters(symbol_info)
    notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
    order_types = symbol_info.get("orderTypes") or ["LIMIT", "MARKET"]
    applies_to_market = notional.get("applyMinToMarket", notional.get("applyToMarket", True))
    return TradingRule(
        trading_pair_of(symbol_info),
        min_notional_size=Decimal(notional.get("minNotional", "0")),
        supports_limit_orders="LIMIT" in order_types,
        supports_market_orders="MARKET" in order_types,
        max_notional_size=positive_or(notional.get("maxNotional"), HUGE),
        max_price=positive_or(filters.get("PRICE_FILTER", {}).get("maxPrice"), HUGE),
        min_notional_applies_to_market=bool(applies_to_market),
        **common_rule_fields(filters),
    )


def fill_fee(fee_schema: TradeFeeSchema, trade_type: Any, commission: Any, commission_asset: Optional[str]
             ) -> TradeFeeBase:
    """The fee of one fill: a flat amount of ``commission_asset`` (none when the commission is 0)."""
    amount = Decimal(commission or "0")
    flat = [TokenAmount(commission_asset, amount)] if commission_asset and amount else []
    return TradeFeeBase.new_spot_fee(fee_schema, trade_type, flat_fees=flat)


def order_update_from_order_status(payload: Dict[str, Any], trading_pair: str) -> OrderUpdate:
    """``GET /api/v3/order`` (section 3.9) -> OrderUpdate, executed quantity in ``misc_updates``::

        {"symbol": "LTCBTC", "orderId": 1, "clientOrderId": "myOrder1", "executedQty": "0.0",
         "status": "NEW", "updateTime": 1499827319559, ...}
    """
    return OrderUpdate(
        trading_pair, int(payload["updateTime"]) * 1e-3, ORDER_STATE[payload["status"]],
        client_order_id=str(payload["clientOrderId"]), exchange_order_id=str(payload["orderId"]),
        misc_updates={"executed_amount_base": Decimal(payload["executedQty"])})


def order_update_from_execution_report(event: Dict[str, Any], trading_pair: str) -> OrderUpdate:
    """``executionReport`` (section 7.4) -> OrderUpdate.  A cancel's own id is in
    ``c`` and the order's in ``C``::

        {"e": "executionReport", "E": 1499405658658, "s": "ETHBTC", "c": "mUvoqJxFIILMdfAW5iGSOW",
         "C": "", "x": "NEW", "X": "NEW", "i": 4293153, "z": "0.00000000", ...}
    """
    client_order_id = event["C"] if event.get("x") == "CANCELED" and event.get("C") else event["c"]
    return OrderUpdate(
        trading_pair, int(event["E"]) * 1e-3, ORDER_STATE[event["X"]],
        client_order_id=str(client_order_id), exchange_order_id=str(event["i"]),
        misc_updates={"executed_amount_base": Decimal(event["z"])})


def trade_update_from_execution_report(event: Dict[str, Any], trading_pair: str, trade_type: Any,
                                       fee_schema: TradeFeeSchema) -> TradeUpdate:
    """An ``x == "TRADE"`` execution report -> TradeUpdate (``t`` trade id, ``l`` at ``L``,
    ``Y`` quote, ``n`` commission in ``N``, ``T`` time, ``m`` maker)."""
    base = Decimal(event["l"])
    price = Decimal(event["L"])
    quote = Decimal(event["Y"]) if event.get("Y") is not None else base * price
    return TradeUpdate(
        str(event["t"]), str(event["c"]), str(event["i"]), trading_pair, int(event["T"]) * 1e-3, price, base,
        quote, fill_fee(fee_schema, trade_type, event.get("n"), event.get("N")), is_taker=not event.get("m", False))


def trade_update_from_my_trade(trade: Dict[str, Any], client_order_id: str, trading_pair: str, trade_type: Any,
                               fee_schema: TradeFeeSchema) -> TradeUpdate:
    """One ``GET /api/v3/myTrades`` row (section 3.12) -> TradeUpdate::

        {"symbol": "BNBBTC", "id": 28457, "orderId": 100234, "price": "4.00000100", "qty": "12.00000000",
         "quoteQty": "48.000012", "commission": "10.10000000", "commissionAsset": "BNB",
         "time": 1499865549590, "isBuyer": true, "isMaker": false}
    """
    return TradeUpdate(
        str(trade["id"]), client_order_id, str(trade["orderId"]), trading_pair, int(trade["time"]) * 1e-3,
        Decimal(trade["price"]), Decimal(trade["qty"]), Decimal(trade["quoteQty"]),
        fill_fee(fee_schema, trade_type, trade.get("commission"), trade.get("commissionAsset")),
        is_taker=not trade.get("isMaker", False))


def trade_updates_from_order_response(response: Dict[str, Any], client_order_id: str, trading_pair: str,
                                      trade_type: Any, fee_schema: TradeFeeSchema) -> List[TradeUpdate]:
    """The ``fills`` of a FULL ``POST /api/v3/order`` answer (section 3.6)::

        "fills": [{"price": "4000.00000000", "qty": "1.00000000", "commission": "4.00000000",
                   "commissionAsset": "USDT", "tradeId": 56}]
    """
    fills: Iterable[Dict[str, Any]] = response.get("fills") or ()
    timestamp = int(response["transactTime"]) * 1e-3
    exchange_order_id = str(response["orderId"])
    updates = []
    for fill in fills:
        base, price = Decimal(fill["qty"]), Decimal(fill["price"])
        updates.append(TradeUpdate(
            str(fill["tradeId"]), client_order_id, exchange_order_id, trading_pair, timestamp, price, base,
            base * price, fill_fee(fee_schema, trade_type, fill.get("commission"), fill.get("commissionAsset")),
            is_taker=True))
    return updates
