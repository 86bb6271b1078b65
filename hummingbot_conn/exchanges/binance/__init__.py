"""Binance: the reference connectors, spot and USDⓈ-M perpetuals, in one layout.

``_common/`` holds what both venues share (auth, endpoints, errors, rate
limits, the web stack, the symbol map, trading rules, the data sources' and
connectors' shared halves); ``spot/`` and ``usdm/`` add only what differs.
hummingbot's module paths stay importable as thin re-exports: the
``binance_*`` modules here (spot) and the ``binance_perpetual`` package
(USDⓈ-M).  This package's names are the spot connector's, as before.
"""
from hummingbot_conn.exchanges.binance._common.auth import BinanceAuth
from hummingbot_conn.exchanges.binance.spot import (
    DEFAULT_DOMAIN,
    BinanceAPIOrderBookDataSource,
    BinanceAPIUserStreamDataSource,
    BinanceEndpoints,
    BinanceExchange,
    BinanceOrderBook,
)

__all__ = ["BinanceAPIOrderBookDataSource", "BinanceAPIUserStreamDataSource", "BinanceAuth", "BinanceEndpoints",
           "BinanceExchange", "BinanceOrderBook", "DEFAULT_DOMAIN"]
