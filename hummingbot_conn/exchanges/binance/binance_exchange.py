"""hummingbot's ``binance_exchange`` path (docs/porting.md): re-exports
``exchanges/binance/spot/exchange.py``."""
from hummingbot_conn.exchanges.binance.spot.exchange import *  # noqa: F401,F403
