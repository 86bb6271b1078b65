"""hummingbot's ``binance_auth`` path, a thin re-export of ``exchanges/binance/_common/auth.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.exchange.binance.binance_auth`` imports from (docs/porting.md).
"""
from hummingbot_conn.exchanges.binance._common.auth import API_KEY_HEADER, BinanceAuth

__all__ = ["API_KEY_HEADER", "BinanceAuth"]
