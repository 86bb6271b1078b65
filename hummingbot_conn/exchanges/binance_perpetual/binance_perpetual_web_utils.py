"""hummingbot's ``binance_perpetual_web_utils`` path (docs/porting.md): re-exports
``exchanges/binance/usdm/web_utils.py``."""
from hummingbot_conn.exchanges.binance.usdm.web_utils import *  # noqa: F401,F403
