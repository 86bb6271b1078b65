"""hummingbot's ``binance_perpetual_constants`` path (docs/porting.md): re-exports
``exchanges/binance/usdm/constants.py``."""
from hummingbot_conn.exchanges.binance.usdm.constants import *  # noqa: F401,F403
from hummingbot_conn.exchanges.binance.usdm.constants import (
    EXCHANGE_INFO_PATH_URL,
    HBOT_ORDER_ID_PREFIX,
    MY_TRADES_PATH_URL,
    OPEN_ORDERS_PATH_URL,
    ORDER_PATH_URL,
    ORDERS_10SEC,
    PING_PATH_URL,
    SNAPSHOT_PATH_URL,
    TICKER_PRICE_CHANGE_PATH_URL,
)

# hummingbot's USD-M names of facts both venues name alike (docs/architecture.md, "One layout per venue")
PING_URL = PING_PATH_URL
EXCHANGE_INFO_URL = EXCHANGE_INFO_PATH_URL
SNAPSHOT_REST_URL = SNAPSHOT_PATH_URL
TICKER_PRICE_CHANGE_URL = TICKER_PRICE_CHANGE_PATH_URL
ORDER_URL = ORDER_PATH_URL
OPEN_ORDERS_URL = OPEN_ORDERS_PATH_URL
ACCOUNT_TRADE_LIST_URL = MY_TRADES_PATH_URL
BROKER_ID = HBOT_ORDER_ID_PREFIX
ORDERS_1SEC = ORDERS_10SEC
