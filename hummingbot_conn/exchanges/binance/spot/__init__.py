"""Binance Spot: what spot adds to ``_common`` (docs/binance_spot.md).

hummingbot's module paths (``hummingbot_conn.exchanges.binance.binance_exchange``
...) re-export these modules' names.
"""
from hummingbot_conn.exchanges.binance.spot.constants import DEFAULT_DOMAIN, BinanceEndpoints
from hummingbot_conn.exchanges.binance.spot.exchange import BinanceExchange
from hummingbot_conn.exchanges.binance.spot.order_book import BinanceOrderBook
from hummingbot_conn.exchanges.binance.spot.order_book_data_source import BinanceAPIOrderBookDataSource
from hummingbot_conn.exchanges.binance.spot.user_stream_data_source import BinanceAPIUserStreamDataSource

__all__ = ["BinanceAPIOrderBookDataSource", "BinanceAPIUserStreamDataSource", "BinanceEndpoints",
           "BinanceExchange", "BinanceOrderBook", "DEFAULT_DOMAIN"]
