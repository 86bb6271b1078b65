"""hummingbot's ``binance_api_user_stream_data_source`` path (docs/porting.md): re-exports
``exchanges/binance/spot/user_stream_data_source.py``."""
from hummingbot_conn.exchanges.binance.spot.user_stream_data_source import *  # noqa: F401,F403
