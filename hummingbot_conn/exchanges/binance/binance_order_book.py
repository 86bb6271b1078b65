"""hummingbot's ``binance_order_book`` path (docs/porting.md): re-exports
``exchanges/binance/spot/order_book.py``."""
from hummingbot_conn.exchanges.binance.spot.order_book import *  # noqa: F401,F403
