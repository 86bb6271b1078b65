"""hummingbot's ``binance_exchange`` path, a thin re-export of ``exchanges/binance/spot/exchange.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.exchange.binance.binance_exchange`` imports from (docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.spot.exchange import BinanceExchange

__all__ = ["BinanceExchange"]
