"""hummingbot's ``binance_perpetual_auth`` path, a thin re-export of
``exchanges/binance/usdm/auth.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.derivative.binance_perpetual.binance_perpetual_auth`` imports from
(docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.usdm.auth import BinancePerpetualAuth

__all__ = ["BinancePerpetualAuth"]
