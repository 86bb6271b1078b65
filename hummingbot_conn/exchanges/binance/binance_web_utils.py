"""hummingbot's ``binance_web_utils`` path (docs/porting.md): re-exports
``exchanges/binance/spot/web_utils.py``."""
from hummingbot_conn.exchanges.binance.spot.web_utils import *  # noqa: F401,F403
