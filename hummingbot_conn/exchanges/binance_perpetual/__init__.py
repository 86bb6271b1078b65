"""Binance USDⓈ-M perpetuals at hummingbot's module paths (docs/binance_usdm_futures.md).

The connector lives in ``hummingbot_conn.exchanges.binance.usdm`` (beside
spot, sharing ``binance/_common``); each ``binance_perpetual_*`` module here
re-exports the names of its counterpart there.
"""
from hummingbot_conn.exchanges.binance.usdm import (
    DOMAIN,
    TESTNET_DOMAIN,
    BinancePerpetualAPIOrderBookDataSource,
    BinancePerpetualAuth,
    BinancePerpetualDerivative,
    BinancePerpetualEndpoints,
    BinancePerpetualUserStreamDataSource,
)

__all__ = ["BinancePerpetualAPIOrderBookDataSource", "BinancePerpetualAuth", "BinancePerpetualDerivative",
           "BinancePerpetualEndpoints", "BinancePerpetualUserStreamDataSource", "DOMAIN", "TESTNET_DOMAIN"]
