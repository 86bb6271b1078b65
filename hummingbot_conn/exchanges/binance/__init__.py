"""Binance Spot: the reference connector (auth, constants, web utils, data sources, the exchange)."""
from hummingbot_conn.exchanges.binance.binance_api_order_book_data_source import BinanceAPIOrderBookDataSource
from hummingbot_conn.exchanges.binance.binance_api_user_stream_data_source import BinanceAPIUserStreamDataSource
from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth
from hummingbot_conn.exchanges.binance.binance_constants import DEFAULT_DOMAIN, BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.exchanges.binance.binance_order_book import BinanceOrderBook

__all__ = ["BinanceAPIOrderBookDataSource", "BinanceAPIUserStreamDataSource", "BinanceAuth", "BinanceEndpoints",
           "BinanceExchange", "BinanceOrderBook", "DEFAULT_DOMAIN"]
