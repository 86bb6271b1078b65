"""hummingbot's ``binance_user_events`` path (docs/porting.md): re-exports
``exchanges/binance/spot/user_events.py``."""
from hummingbot_conn.exchanges.binance.spot.user_events import *  # noqa: F401,F403
