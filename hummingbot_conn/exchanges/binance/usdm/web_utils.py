"""Binance USDⓈ-M URL builders, the web stack factory and the server-time call (hummingbot's names).

``domain`` is ``"binance_perpetual"``, ``"binance_perpetual_testnet"`` or a
``BinancePerpetualEndpoints`` (the simulator on 127.0.0.1).  The web stack
itself is built the same way for both Binance venues: ``_common/web.py``.
"""
from typing import Any, Awaitable, Callable, Optional, Union

from hummingbot_conn.exchanges.binance._common import web
from hummingbot_conn.exchanges.binance._common.errors import is_auth_error, is_time_synchronizer_error  # noqa: F401  (hummingbot's names, here)
from hummingbot_conn.exchanges.binance.usdm import constants as CONSTANTS
from hummingbot_conn.exchanges.binance.usdm.constants import BinancePerpetualEndpoints
from hummingbot_conn.exchanges.binance.usdm.utils import is_exchange_information_valid  # noqa: F401  (hummingbot's)
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.connections import ConnectionsFactory
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = ["endpoints", "public_rest_url", "private_rest_url", "create_throttler", "build_api_factory",
           "build_api_factory_without_time_synchronizer_pre_processor", "get_current_server_time",
           "is_time_synchronizer_error", "is_auth_error", "is_exchange_information_valid", "Domain",
           "BinancePerpetualEndpoints"]

Domain = Union[str, BinancePerpetualEndpoints]


def endpoints(domain: Domain = CONSTANTS.DOMAIN) -> BinancePerpetualEndpoints:
    return BinancePerpetualEndpoints.of(domain)


def public_rest_url(path_url: str, domain: Domain = CONSTANTS.DOMAIN) -> str:
    """``https://fapi.binance.com/fapi`` + ``path_url`` (versioned: ``/v1/depth``)."""
    return endpoints(domain).rest_url(path_url)


def private_rest_url(path_url: str, domain: Domain = CONSTANTS.DOMAIN) -> str:
    return endpoints(domain).rest_url(path_url)


def create_throttler(limits_share_percentage: Any = 100, **kwargs: Any) -> AsyncThrottler:
    return web.create_throttler(CONSTANTS, limits_share_percentage, **kwargs)


def build_api_factory_without_time_synchronizer_pre_processor(
        throttler: AsyncThrottler, connections_factory: Optional[ConnectionsFactory] = None,
        **kwargs: Any) -> WebAssistantsFactory:
    return web.build_api_factory_without_time_synchronizer_pre_processor(
        CONSTANTS, throttler, connections_factory, **kwargs)


def build_api_factory(throttler: Optional[AsyncThrottler] = None,
                      time_synchronizer: Optional[TimeSynchronizer] = None,
                      domain: Domain = CONSTANTS.DOMAIN,
                      time_provider: Optional[Callable[[], Awaitable[float]]] = None,
                      auth: Optional[AuthBase] = None,
                      connections_factory: Optional[ConnectionsFactory] = None,
                      **kwargs: Any) -> WebAssistantsFactory:
    """Throttled, header-learning, time-synced web stack (a -1021 answer is retried once after a
    resync; ``_common/web.build_api_factory``)."""
    return web.build_api_factory(CONSTANTS, domain, throttler, time_synchronizer, time_provider, auth,
                                 connections_factory, **kwargs)


async def get_current_server_time(throttler: Optional[AsyncThrottler] = None, domain: Domain = CONSTANTS.DOMAIN,
                                  api_factory: Optional[WebAssistantsFactory] = None) -> float:
    """The venue's clock in milliseconds (``GET /fapi/v1/time`` -> ``serverTime``), hummingbot's
    signature.  Without ``api_factory`` a temporary one (and session) is created and closed."""
    return await web.get_current_server_time(CONSTANTS, domain, throttler, api_factory)
