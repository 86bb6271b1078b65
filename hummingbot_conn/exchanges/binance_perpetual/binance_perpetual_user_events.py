"""hummingbot's ``binance_perpetual_user_events`` path, a thin re-export of
``exchanges/binance/usdm/user_events.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.derivative.binance_perpetual.binance_perpetual_user_events`` imports from
(docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.usdm.user_events import (
    BinancePerpetualUserEventHandler,
    check_account_config_update,
    check_account_update,
    check_order_trade_update,
)

__all__ = ["BinancePerpetualUserEventHandler", "check_account_config_update", "check_account_update",
           "check_order_trade_update"]
