"""hummingbot's ``binance_perpetual_utils`` path, a thin re-export of
``exchanges/binance/usdm/utils.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.derivative.binance_perpetual.binance_perpetual_utils`` imports from
(docs/porting.md). ``order_update_from_order`` is the earlier name of
``order_update_from_order_status``.
"""
from hummingbot_conn.exchanges.binance.usdm.utils import (
    CENTRALIZED,
    DEFAULT_FEES,
    EXAMPLE_PAIR,
    ORDER_STATE,
    fill_fee,
    finite_decimal,
    funding_payment_of,
    income_row_id,
    is_exchange_information_valid,
    known_position_action,
    order_update_from_event,
    order_update_from_order_status,
    position_action_of,
    position_side_of,
    symbol_map_from_exchange_info,
    trade_update_from_event,
    trade_update_from_user_trade,
    trading_pair_of,
    trading_rule_from_symbol_info,
)

order_update_from_order = order_update_from_order_status

__all__ = ["CENTRALIZED", "DEFAULT_FEES", "EXAMPLE_PAIR", "ORDER_STATE", "fill_fee", "finite_decimal",
           "funding_payment_of", "income_row_id", "is_exchange_information_valid", "known_position_action",
           "order_update_from_event", "order_update_from_order_status", "position_action_of", "position_side_of",
           "symbol_map_from_exchange_info", "trade_update_from_event", "trade_update_from_user_trade",
           "trading_pair_of", "trading_rule_from_symbol_info", "order_update_from_order"]
