"""hummingbot's ``binance_api_order_book_data_source`` path, a thin re-export of
``exchanges/binance/spot/order_book_data_source.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.exchange.binance.binance_api_order_book_data_source`` imports from
(docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.spot.order_book_data_source import (
    DEFAULT_PAIRS_PER_CONNECTION,
    DEFAULT_SNAPSHOT_LIMIT,
    MAX_STREAMS_PER_CONNECTION,
    STREAMS_PER_PAIR,
    BinanceAPIOrderBookDataSource,
    SymbolMapSource,
    symbol_map_from_exchange_info,
)

__all__ = ["DEFAULT_PAIRS_PER_CONNECTION", "DEFAULT_SNAPSHOT_LIMIT", "MAX_STREAMS_PER_CONNECTION", "STREAMS_PER_PAIR",
           "BinanceAPIOrderBookDataSource", "SymbolMapSource", "symbol_map_from_exchange_info"]
