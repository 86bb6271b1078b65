"""hummingbot's ``binance_api_user_stream_data_source`` path, a thin re-export of
``exchanges/binance/spot/user_stream_data_source.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.exchange.binance.binance_api_user_stream_data_source`` imports from
(docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.spot.user_stream_data_source import BinanceAPIUserStreamDataSource

__all__ = ["BinanceAPIUserStreamDataSource"]
