"""The web stack both Binance venues build the same way, from their constants.

``constants`` is a venue's constants module (``spot/constants.py``,
``usdm/constants.py``); what is read of it: ``ENDPOINTS`` (its endpoints
class), ``RATE_LIMITS``, ``USED_WEIGHT_HEADERS``, ``PAUSE_SCOPES`` and
``SERVER_TIME_PATH_URL``.  Each venue's ``web_utils`` module binds its
constants and keeps hummingbot's function names and signatures.
"""
from typing import Any, Awaitable, Callable, Optional

from hummingbot_conn.exchanges.binance._common.errors import is_time_synchronizer_error
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.connections import ConnectionsFactory
from hummingbot_conn.web.data_types import RESTMethod
from hummingbot_conn.web.errors import ExchangeError
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer, TimeSynchronizerRESTPreProcessor, TimeSyncRetry
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = ["create_throttler", "build_api_factory_without_time_synchronizer_pre_processor", "build_api_factory",
           "get_current_server_time"]


def create_throttler(constants: Any, limits_share_percentage: Any = 100, **kwargs: Any) -> AsyncThrottler:
    """A throttler over the venue's ``RATE_LIMITS`` (keyword arguments go to ``AsyncThrottler``)."""
    return AsyncThrottler(constants.RATE_LIMITS, limits_share_percentage, **kwargs)


def build_api_factory_without_time_synchronizer_pre_processor(
        constants: Any, throttler: AsyncThrottler, connections_factory: Optional[ConnectionsFactory] = None,
        **kwargs: Any) -> WebAssistantsFactory:
    """Throttled and learning from the venue's used-weight headers and 429 / 418 pause scopes; unsigned."""
    return WebAssistantsFactory(throttler=throttler, connections_factory=connections_factory,
                                used_weight_headers=constants.USED_WEIGHT_HEADERS,
                                pause_scopes=constants.PAUSE_SCOPES, **kwargs)


def build_api_factory(constants: Any, domain: Any, throttler: Optional[AsyncThrottler] = None,
                      time_synchronizer: Optional[TimeSynchronizer] = None,
                      time_provider: Optional[Callable[[], Awaitable[float]]] = None,
                      auth: Optional[AuthBase] = None, connections_factory: Optional[ConnectionsFactory] = None,
                      **kwargs: Any) -> WebAssistantsFactory:
    """The connector's web stack: throttled, header-learning, time-synced, -1021 retried once.

    ``time_provider`` is an ``async () -> server ms``; by default ``GET <SERVER_TIME_PATH_URL>``
    through this factory's own session (unsigned, so it never needs the clock it is fetching).
    Extra keyword arguments go to ``WebAssistantsFactory``.
    """
    throttler = throttler or create_throttler(constants)
    time_synchronizer = time_synchronizer or TimeSynchronizer()
    connections_factory = connections_factory or ConnectionsFactory()
    if time_provider is None:
        time_factory = build_api_factory_without_time_synchronizer_pre_processor(
            constants, throttler, connections_factory=connections_factory)

        async def server_time() -> float:
            return await get_current_server_time(constants, domain, throttler, api_factory=time_factory)

        time_provider = server_time
    return WebAssistantsFactory(
        throttler=throttler, auth=auth, connections_factory=connections_factory,
        rest_pre_processors=[TimeSynchronizerRESTPreProcessor(time_synchronizer, time_provider)],
        time_sync_retry=TimeSyncRetry(time_synchronizer, time_provider, is_time_synchronizer_error),
        used_weight_headers=constants.USED_WEIGHT_HEADERS, pause_scopes=constants.PAUSE_SCOPES, **kwargs)


async def get_current_server_time(constants: Any, domain: Any, throttler: Optional[AsyncThrottler] = None,
                                  api_factory: Optional[WebAssistantsFactory] = None) -> float:
    """The venue's clock in milliseconds (``GET <SERVER_TIME_PATH_URL>`` -> ``serverTime``).

    Without ``api_factory`` a temporary one (and session) is created and closed.
    :raises ExchangeError: the answer holds no numeric ``serverTime`` (status 200, code None).
    """
    url = constants.ENDPOINTS.of(domain).rest_url(constants.SERVER_TIME_PATH_URL)
    own = api_factory is None
    if api_factory is None:
        api_factory = build_api_factory_without_time_synchronizer_pre_processor(
            constants, throttler or create_throttler(constants))
    try:
        rest = await api_factory.get_rest_assistant()
        response = await rest.execute_request(url=url, method=RESTMethod.GET,
                                              throttler_limit_id=constants.SERVER_TIME_PATH_URL)
    finally:
        if own:
            await api_factory.close()
    server_time = response.get("serverTime") if isinstance(response, dict) else None
    if isinstance(server_time, bool) or not isinstance(server_time, (int, float)):
        raise ExchangeError(200, None, f"no serverTime in the /time answer: {str(response)[:200]}", "GET", url)
    return float(server_time)
