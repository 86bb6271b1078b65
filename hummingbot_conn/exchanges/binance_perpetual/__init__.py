"""Binance USDⓈ-M perpetuals (docs/binance_usdm_futures.md): the derivative connector and its parts."""
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_api_order_book_data_source import (
    BinancePerpetualAPIOrderBookDataSource,
)
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_auth import BinancePerpetualAuth
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import (
    DOMAIN,
    TESTNET_DOMAIN,
    BinancePerpetualEndpoints,
)
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_derivative import BinancePerpetualDerivative
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_user_stream_data_source import (
    BinancePerpetualUserStreamDataSource,
)

__all__ = ["BinancePerpetualAPIOrderBookDataSource", "BinancePerpetualAuth", "BinancePerpetualDerivative",
           "BinancePerpetualEndpoints", "BinancePerpetualUserStreamDataSource", "DOMAIN", "TESTNET_DOMAIN"]
