"""hummingbot's ``binance_constants`` path (docs/porting.md): re-exports
``exchanges/binance/spot/constants.py``."""
from hummingbot_conn.exchanges.binance.spot.constants import *  # noqa: F401,F403
from hummingbot_conn.exchanges.binance.spot.constants import DELETE_ORDER_LIMIT_ID, GET_ORDER_LIMIT_ID

# the earlier names of the per-verb limit ids of /order
ORDER_STATUS_LIMIT_ID = GET_ORDER_LIMIT_ID
CANCEL_ORDER_LIMIT_ID = DELETE_ORDER_LIMIT_ID
