"""Binance USDⓈ-M perpetuals: what the futures venue adds to ``_common`` (docs/binance_usdm_futures.md).

hummingbot's module paths (``hummingbot_conn.exchanges.binance_perpetual.*``)
re-export these modules' names.
"""
from hummingbot_conn.exchanges.binance.usdm.auth import BinancePerpetualAuth
from hummingbot_conn.exchanges.binance.usdm.constants import DOMAIN, TESTNET_DOMAIN, BinancePerpetualEndpoints
from hummingbot_conn.exchanges.binance.usdm.derivative import BinancePerpetualDerivative
from hummingbot_conn.exchanges.binance.usdm.order_book_data_source import BinancePerpetualAPIOrderBookDataSource
from hummingbot_conn.exchanges.binance.usdm.user_stream_data_source import BinancePerpetualUserStreamDataSource

__all__ = ["BinancePerpetualAPIOrderBookDataSource", "BinancePerpetualAuth", "BinancePerpetualDerivative",
           "BinancePerpetualEndpoints", "BinancePerpetualUserStreamDataSource", "DOMAIN", "TESTNET_DOMAIN"]
