"""Binance USDⓈ-M URL builders, the web stack factory and the server-time call.

``domain`` is ``"binance_perpetual"``, ``"binance_perpetual_testnet"`` or a
``BinancePerpetualEndpoints`` (the simulator on 127.0.0.1).
"""
from typing import Callable, Optional, Union

from hummingbot_conn.exchanges.binance_perpetual import binance_perpetual_constants as CONSTANTS
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import BinancePerpetualEndpoints
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.connections import ConnectionsFactory
from hummingbot_conn.web.data_types import RESTMethod
from hummingbot_conn.web.errors import ExchangeError, is_auth_rejection
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer, TimeSynchronizerRESTPreProcessor, TimeSyncRetry
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = ["endpoints", "public_rest_url", "private_rest_url", "create_throttler", "build_api_factory",
           "get_current_server_time", "is_time_synchronizer_error", "is_auth_error", "is_exchange_information_valid"]

Domain = Union[str, BinancePerpetualEndpoints]


def endpoints(domain: Domain = CONSTANTS.DOMAIN) -> BinancePerpetualEndpoints:
    return domain if isinstance(domain, BinancePerpetualEndpoints) else BinancePerpetualEndpoints.for_domain(domain)


def public_rest_url(path_url: str, domain: Domain = CONSTANTS.DOMAIN) -> str:
    return endpoints(domain).rest_url(path_url)


def private_rest_url(path_url: str, domain: Domain = CONSTANTS.DOMAIN) -> str:
    return endpoints(domain).rest_url(path_url)


def create_throttler(limits_share_percentage=100, **kwargs) -> AsyncThrottler:
    return AsyncThrottler(CONSTANTS.RATE_LIMITS, limits_share_percentage, **kwargs)


def is_auth_error(error: BaseException) -> bool:
    """The credentials were refused for good (``CONSTANTS.AUTH_ERROR_CODES`` or HTTP 401): a wrong
    key or secret, an IP or permission the key does not have.  Retrying cannot help."""
    return is_auth_rejection(error, CONSTANTS.AUTH_ERROR_CODES)


def is_time_synchronizer_error(error: ExchangeError) -> bool:
    return error.code == CONSTANTS.TIMESTAMP_ERROR_CODE


def is_exchange_information_valid(rule: dict) -> bool:
    """A tradable perpetual (delivery contracts share base / quote names and are skipped)."""
    return rule.get("contractType") in ("PERPETUAL", "TRADIFI_PERPETUAL") and rule.get("status") == "TRADING"


def build_api_factory(throttler: Optional[AsyncThrottler] = None,
                      time_synchronizer: Optional[TimeSynchronizer] = None,
                      domain: Domain = CONSTANTS.DOMAIN,
                      time_provider: Optional[Callable] = None,
                      auth: Optional[AuthBase] = None,
                      connections_factory: Optional[ConnectionsFactory] = None,
                      **kwargs) -> WebAssistantsFactory:
    """Throttled, header-learning, time-synced web stack (a -1021 answer is retried once after a resync)."""
    throttler = throttler or create_throttler()
    time_synchronizer = time_synchronizer or TimeSynchronizer()
    connections_factory = connections_factory or ConnectionsFactory()
    if time_provider is None:
        time_factory = WebAssistantsFactory(throttler=throttler, connections_factory=connections_factory,
                                            used_weight_headers=CONSTANTS.USED_WEIGHT_HEADERS,
                                            pause_scopes=CONSTANTS.PAUSE_SCOPES)

        async def time_provider() -> float:
            return await get_current_server_time(domain, time_factory)

    return WebAssistantsFactory(
        throttler=throttler, auth=auth, connections_factory=connections_factory,
        rest_pre_processors=[TimeSynchronizerRESTPreProcessor(time_synchronizer, time_provider)],
        time_sync_retry=TimeSyncRetry(time_synchronizer, time_provider, is_time_synchronizer_error),
        used_weight_headers=CONSTANTS.USED_WEIGHT_HEADERS, pause_scopes=CONSTANTS.PAUSE_SCOPES, **kwargs)


async def get_current_server_time(domain: Domain, api_factory: WebAssistantsFactory) -> float:
    """The venue's clock in milliseconds (``GET /fapi/v1/time`` -> ``serverTime``)."""
    rest = await api_factory.get_rest_assistant()
    url = public_rest_url(CONSTANTS.SERVER_TIME_PATH_URL, domain)
    response = await rest.execute_request(url=url, method=RESTMethod.GET,
                                          throttler_limit_id=CONSTANTS.SERVER_TIME_PATH_URL)
    server_time = response.get("serverTime") if isinstance(response, dict) else None
    if isinstance(server_time, bool) or not isinstance(server_time, (int, float)):
        raise ExchangeError(200, None, f"no serverTime in the /time answer: {str(response)[:200]}", "GET", url)
    return float(server_time)
