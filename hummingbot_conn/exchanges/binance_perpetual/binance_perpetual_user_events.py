"""hummingbot's ``binance_perpetual_user_events`` path (docs/porting.md): re-exports
``exchanges/binance/usdm/user_events.py``."""
from hummingbot_conn.exchanges.binance.usdm.user_events import *  # noqa: F401,F403
