"""hummingbot's ``binance_auth`` path (docs/porting.md): re-exports
``exchanges/binance/_common/auth.py``."""
from hummingbot_conn.exchanges.binance._common.auth import *  # noqa: F401,F403
