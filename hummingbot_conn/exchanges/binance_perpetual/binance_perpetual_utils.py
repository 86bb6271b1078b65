"""hummingbot's ``binance_perpetual_utils`` path (docs/porting.md): re-exports
``exchanges/binance/usdm/utils.py``."""
from hummingbot_conn.exchanges.binance.usdm.utils import *  # noqa: F401,F403
from hummingbot_conn.exchanges.binance.usdm.utils import order_update_from_order_status

# the earlier name
order_update_from_order = order_update_from_order_status
