"""hummingbot's ``binance_utils`` path (docs/porting.md): re-exports
``exchanges/binance/spot/utils.py``."""
from hummingbot_conn.exchanges.binance.spot.utils import *  # noqa: F401,F403
