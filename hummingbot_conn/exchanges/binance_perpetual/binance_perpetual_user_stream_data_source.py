"""hummingbot's ``binance_perpetual_user_stream_data_source`` path, a thin re-export of
``exchanges/binance/usdm/user_stream_data_source.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.derivative.binance_perpetual.binance_perpetual_user_stream_data_source``
imports from (docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.usdm.user_stream_data_source import BinancePerpetualUserStreamDataSource

__all__ = ["BinancePerpetualUserStreamDataSource"]
