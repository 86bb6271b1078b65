"""hummingbot's ``binance_perpetual_api_order_book_data_source`` path, a thin re-export of
``exchanges/binance/usdm/order_book_data_source.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.derivative.binance_perpetual.binance_perpetual_api_order_book_data_source``
imports from (docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.usdm.order_book_data_source import (
    DEFAULT_PAIRS_PER_CONNECTION,
    MAX_STREAMS_PER_CONNECTION,
    BinancePerpetualAPIOrderBookDataSource,
    SymbolMapSource,
)

__all__ = ["DEFAULT_PAIRS_PER_CONNECTION", "MAX_STREAMS_PER_CONNECTION", "BinancePerpetualAPIOrderBookDataSource",
           "SymbolMapSource"]
