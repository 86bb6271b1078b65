"""hummingbot's ``binance_perpetual_api_order_book_data_source`` path (docs/porting.md): re-exports
``exchanges/binance/usdm/order_book_data_source.py``."""
from hummingbot_conn.exchanges.binance.usdm.order_book_data_source import *  # noqa: F401,F403
