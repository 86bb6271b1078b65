"""Binance Spot URL builders, the web stack factory and the server-time call (hummingbot's names).

``domain`` is a Binance domain name (``"com"``, ``"us"``, ``"testnet"``) or a
``BinanceEndpoints`` (a simulator on 127.0.0.1).  The web stack itself is
built the same way for both Binance venues: ``_common/web.py``.
"""
from typing import Any, Awaitable, Callable, Optional, Union

from hummingbot_conn.exchanges.binance._common import web
from hummingbot_conn.exchanges.binance._common.errors import is_auth_error, is_time_synchronizer_error  # noqa: F401  (hummingbot's names, here)
from hummingbot_conn.exchanges.binance.spot import constants as CONSTANTS
from hummingbot_conn.exchanges.binance.spot.constants import BinanceEndpoints
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.connections import ConnectionsFactory
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = [
    "endpoints", "public_rest_url", "private_rest_url", "wss_url", "wss_api_url", "create_throttler",
    "build_api_factory", "build_api_factory_without_time_synchronizer_pre_processor",
    "get_current_server_time", "is_time_synchronizer_error", "is_auth_error", "Domain", "BinanceEndpoints",
]

Domain = Union[str, BinanceEndpoints]


def endpoints(domain: Domain = CONSTANTS.DEFAULT_DOMAIN) -> BinanceEndpoints:
    return BinanceEndpoints.of(domain)


def public_rest_url(path_url: str, domain: Domain = CONSTANTS.DEFAULT_DOMAIN) -> str:
    """``https://api.binance.com/api/v3`` + ``path_url``."""
    return endpoints(domain).rest_url(path_url)


def private_rest_url(path_url: str, domain: Domain = CONSTANTS.DEFAULT_DOMAIN) -> str:
    return endpoints(domain).rest_url(path_url)


def wss_url(domain: Domain = CONSTANTS.DEFAULT_DOMAIN) -> str:
    """Market streams (``.../ws``)."""
    return endpoints(domain).stream_url()


def wss_api_url(domain: Domain = CONSTANTS.DEFAULT_DOMAIN) -> str:
    """The WebSocket API (``.../ws-api/v3``), which also carries the user data stream."""
    return endpoints(domain).ws_api_url()


def create_throttler(limits_share_percentage: Any = 100, **kwargs: Any) -> AsyncThrottler:
    return web.create_throttler(CONSTANTS, limits_share_percentage, **kwargs)


def build_api_factory_without_time_synchronizer_pre_processor(
        throttler: AsyncThrottler, connections_factory: Optional[ConnectionsFactory] = None,
        **kwargs: Any) -> WebAssistantsFactory:
    return web.build_api_factory_without_time_synchronizer_pre_processor(
        CONSTANTS, throttler, connections_factory, **kwargs)


def build_api_factory(throttler: Optional[AsyncThrottler] = None,
                      time_synchronizer: Optional[TimeSynchronizer] = None,
                      domain: Domain = CONSTANTS.DEFAULT_DOMAIN,
                      time_provider: Optional[Callable[[], Awaitable[float]]] = None,
                      auth: Optional[AuthBase] = None,
                      connections_factory: Optional[ConnectionsFactory] = None,
                      **kwargs: Any) -> WebAssistantsFactory:
    """The connector's web stack: throttled, header-learning, time-synced, -1021 retried once
    (``_common/web.build_api_factory``)."""
    return web.build_api_factory(CONSTANTS, domain, throttler, time_synchronizer, time_provider, auth,
                                 connections_factory, **kwargs)


async def get_current_server_time(throttler: Optional[AsyncThrottler] = None,
                                  domain: Domain = CONSTANTS.DEFAULT_DOMAIN,
                                  api_factory: Optional[WebAssistantsFactory] = None) -> float:
    """Binance's clock in milliseconds (``GET /api/v3/time`` -> ``serverTime``).

    Without ``api_factory`` a temporary one (and session) is created and closed."""
    return await web.get_current_server_time(CONSTANTS, domain, throttler, api_factory)
