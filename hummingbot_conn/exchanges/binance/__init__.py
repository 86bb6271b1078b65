"""Binance Spot: the reference connector (auth, constants, web utils, market data; the connector builds on them)."""
from hummingbot_conn.exchanges.binance.binance_api_order_book_data_source import BinanceAPIOrderBookDataSource
from hummingbot_conn.exchanges.binance.binance_constants import DEFAULT_DOMAIN, BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_order_book import BinanceOrderBook

__all__ = ["BinanceAPIOrderBookDataSource", "BinanceEndpoints", "BinanceOrderBook", "DEFAULT_DOMAIN"]
