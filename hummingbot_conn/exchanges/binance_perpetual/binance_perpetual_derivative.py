"""hummingbot's ``binance_perpetual_derivative`` path (docs/porting.md): re-exports
``exchanges/binance/usdm/derivative.py``."""
from hummingbot_conn.exchanges.binance.usdm.derivative import *  # noqa: F401,F403
