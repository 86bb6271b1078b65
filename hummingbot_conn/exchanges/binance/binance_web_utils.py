"""Binance URL builders, the web stack factory and the server-time call.

``domain`` is a Binance domain name (``"com"``, ``"us"``, ``"testnet"``) or a
``BinanceEndpoints`` (a simulator on 127.0.0.1).
"""
from typing import Callable, Optional, Union

from hummingbot_conn.auth import AuthBase
from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS
from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.connections import ConnectionsFactory
from hummingbot_conn.web.data_types import RESTMethod
from hummingbot_conn.web.errors import ExchangeError, is_auth_rejection
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer, TimeSynchronizerRESTPreProcessor, TimeSyncRetry
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = [
    "endpoints", "public_rest_url", "private_rest_url", "wss_url", "wss_api_url", "create_throttler",
    "build_api_factory", "build_api_factory_without_time_synchronizer_pre_processor",
    "get_current_server_time", "is_time_synchronizer_error", "is_auth_error",
]

Domain = Union[str, BinanceEndpoints]


def endpoints(domain: Domain = CONSTANTS.DEFAULT_DOMAIN) -> BinanceEndpoints:
    return domain if isinstance(domain, BinanceEndpoints) else BinanceEndpoints.for_domain(domain)


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


def create_throttler(limits_share_percentage=100, **kwargs) -> AsyncThrottler:
    return AsyncThrottler(CONSTANTS.RATE_LIMITS, limits_share_percentage, **kwargs)


def is_auth_error(error: BaseException) -> bool:
    """The credentials were refused for good (``CONSTANTS.AUTH_ERROR_CODES`` or HTTP 401): a wrong
    key or secret, an IP or permission the key does not have.  Retrying cannot help."""
    return is_auth_rejection(error, CONSTANTS.AUTH_ERROR_CODES)


def is_time_synchronizer_error(error: ExchangeError) -> bool:
    """Binance rejects a stale or early timestamp with code -1021."""
    return error.code == CONSTANTS.TIMESTAMP_ERROR_CODE


def build_api_factory_without_time_synchronizer_pre_processor(
        throttler: AsyncThrottler, connections_factory: Optional[ConnectionsFactory] = None,
        **kwargs) -> WebAssistantsFactory:
    return WebAssistantsFactory(throttler=throttler, connections_factory=connections_factory,
                                used_weight_headers=CONSTANTS.USED_WEIGHT_HEADERS,
                                pause_scopes=CONSTANTS.PAUSE_SCOPES, **kwargs)


def build_api_factory(throttler: Optional[AsyncThrottler] = None,
                      time_synchronizer: Optional[TimeSynchronizer] = None,
                      domain: Domain = CONSTANTS.DEFAULT_DOMAIN,
                      time_provider: Optional[Callable] = None,
                      auth: Optional[AuthBase] = None,
                      connections_factory: Optional[ConnectionsFactory] = None,
                      **kwargs) -> WebAssistantsFactory:
    """The connector's web stack: throttled, header-learning, time-synced, -1021 retried once.

    ``time_provider`` is an ``async () -> server ms``; by default ``GET /time``
    through this factory's own session (unsigned, so it never needs the
    clock it is fetching).  Extra keyword arguments go to ``WebAssistantsFactory``.
    """
    throttler = throttler or create_throttler()
    time_synchronizer = time_synchronizer or TimeSynchronizer()
    connections_factory = connections_factory or ConnectionsFactory()
    if time_provider is None:
        time_factory = build_api_factory_without_time_synchronizer_pre_processor(
            throttler, connections_factory=connections_factory)

        async def time_provider() -> float:
            return await get_current_server_time(throttler, domain, api_factory=time_factory)

    return WebAssistantsFactory(
        throttler=throttler, auth=auth, connections_factory=connections_factory,
        rest_pre_processors=[TimeSynchronizerRESTPreProcessor(time_synchronizer, time_provider)],
        time_sync_retry=TimeSyncRetry(time_synchronizer, time_provider, is_time_synchronizer_error),
        used_weight_headers=CONSTANTS.USED_WEIGHT_HEADERS, pause_scopes=CONSTANTS.PAUSE_SCOPES, **kwargs)


async def get_current_server_time(throttler: Optional[AsyncThrottler] = None,
                                  domain: Domain = CONSTANTS.DEFAULT_DOMAIN,
                                  api_factory: Optional[WebAssistantsFactory] = None) -> float:
    """Binance's clock in milliseconds (``GET /api/v3/time`` -> ``serverTime``).

    Without ``api_factory`` a temporary one (and session) is created and closed.
    """
    own = api_factory is None
    if api_factory is None:
        api_factory = build_api_factory_without_time_synchronizer_pre_processor(throttler or create_throttler())
    try:
        rest = await api_factory.get_rest_assistant()
        response = await rest.execute_request(url=public_rest_url(CONSTANTS.SERVER_TIME_PATH_URL, domain),
                                              method=RESTMethod.GET,
                                              throttler_limit_id=CONSTANTS.SERVER_TIME_PATH_URL)
    finally:
        if own:
            await api_factory.close()
    server_time = response.get("serverTime") if isinstance(response, dict) else None
    if isinstance(server_time, bool) or not isinstance(server_time, (int, float)):
        raise ExchangeError(200, None, f"no serverTime in the /time answer: {str(response)[:200]}",
                            "GET", public_rest_url(CONSTANTS.SERVER_TIME_PATH_URL, domain))
    return float(server_time)
