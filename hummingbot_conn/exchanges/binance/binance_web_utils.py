"""hummingbot's ``binance_web_utils`` path, a thin re-export of
``exchanges/binance/spot/web_utils.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.exchange.binance.binance_web_utils`` imports from (docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.spot.web_utils import (
    BinanceEndpoints,
    Domain,
    build_api_factory,
    build_api_factory_without_time_synchronizer_pre_processor,
    create_throttler,
    endpoints,
    get_current_server_time,
    is_auth_error,
    is_time_synchronizer_error,
    private_rest_url,
    public_rest_url,
    wss_api_url,
    wss_url,
)

__all__ = ["BinanceEndpoints", "Domain", "build_api_factory",
           "build_api_factory_without_time_synchronizer_pre_processor", "create_throttler", "endpoints",
           "get_current_server_time", "is_auth_error", "is_time_synchronizer_error", "private_rest_url",
           "public_rest_url", "wss_api_url", "wss_url"]
