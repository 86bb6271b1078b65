"""hummingbot's ``binance_perpetual_web_utils`` path, a thin re-export of
``exchanges/binance/usdm/web_utils.py``.

The code lives there (docs/architecture.md, "One layout per venue"); this module is where a port of
``hummingbot.connector.derivative.binance_perpetual.binance_perpetual_web_utils`` imports from
(docs/porting.md).
"""
from hummingbot_conn.exchanges.binance.usdm.web_utils import (
    BinancePerpetualEndpoints,
    Domain,
    build_api_factory,
    build_api_factory_without_time_synchronizer_pre_processor,
    create_throttler,
    endpoints,
    get_current_server_time,
    is_auth_error,
    is_exchange_information_valid,
    is_time_synchronizer_error,
    private_rest_url,
    public_rest_url,
)

__all__ = ["BinancePerpetualEndpoints", "Domain", "build_api_factory",
           "build_api_factory_without_time_synchronizer_pre_processor", "create_throttler", "endpoints",
           "get_current_server_time", "is_auth_error", "is_exchange_information_valid", "is_time_synchronizer_error",
           "private_rest_url", "public_rest_url"]
