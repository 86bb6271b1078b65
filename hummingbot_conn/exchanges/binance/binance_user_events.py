"""hummingbot's ``binance_user_events`` path, a thin re-export of
``exchanges/binance/spot/user_events.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.exchange.binance.binance_user_events`` imports from (docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.spot.user_events import (
    BinanceUserEventHandler,
    check_account_position,
    check_balance_update,
    check_execution_report,
)

__all__ = ["BinanceUserEventHandler", "check_account_position", "check_balance_update", "check_execution_report"]
