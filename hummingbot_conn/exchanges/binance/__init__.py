"""Binance Spot: the reference connector (auth, constants, web utils, data sources, the exchange)."""
from hummingbot_conn.exchanges.binance.binance_api_user_stream_data_source import BinanceAPIUserStreamDataSource
from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth
from hummingbot_conn.exchanges.binance.binance_constants import DEFAULT_DOMAIN, BinanceEndpoints

__all__ = ["BinanceAPIUserStreamDataSource", "BinanceAuth", "BinanceEndpoints", "DEFAULT_DOMAIN"]
