"""hummingbot's ``binance_order_book`` path, a thin re-export of
``exchanges/binance/spot/order_book.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.exchange.binance.binance_order_book`` imports from (docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.spot.order_book import BinanceOrderBook

__all__ = ["BinanceOrderBook"]
