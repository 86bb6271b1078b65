"""hummingbot's ``binance_utils`` path, a thin re-export of ``exchanges/binance/spot/utils.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.exchange.binance.binance_utils`` imports from (docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.spot.utils import (
    CENTRALIZED,
    DEFAULT_FEES,
    EXAMPLE_PAIR,
    ORDER_STATE,
    fill_fee,
    finite_decimal,
    is_exchange_information_valid,
    order_update_from_execution_report,
    order_update_from_order_status,
    symbol_map_from_exchange_info,
    trade_update_from_execution_report,
    trade_update_from_my_trade,
    trade_updates_from_order_response,
    trading_pair_of,
    trading_rule_from_symbol_info,
)

__all__ = ["CENTRALIZED", "DEFAULT_FEES", "EXAMPLE_PAIR", "ORDER_STATE", "fill_fee", "finite_decimal",
           "is_exchange_information_valid", "order_update_from_execution_report", "order_update_from_order_status",
           "symbol_map_from_exchange_info", "trade_update_from_execution_report", "trade_update_from_my_trade",
           "trade_updates_from_order_response", "trading_pair_of", "trading_rule_from_symbol_info"]
