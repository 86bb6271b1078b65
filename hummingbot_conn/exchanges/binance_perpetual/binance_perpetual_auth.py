"""hummingbot's ``binance_perpetual_auth`` path (docs/porting.md): re-exports
``exchanges/binance/usdm/auth.py``."""
from hummingbot_conn.exchanges.binance.usdm.auth import *  # noqa: F401,F403
