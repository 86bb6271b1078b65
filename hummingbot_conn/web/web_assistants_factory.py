"""WebAssistantsFactory: one connector's web stack (session, throttler, auth, hooks)."""
import asyncio
from typing import Any, Awaitable, Callable, List, Mapping, Optional, Sequence

from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.connections import ConnectionsFactory
from hummingbot_conn.web.errors import DEFAULT_ERROR_BODY_FORMAT, ErrorBodyFormat
from hummingbot_conn.web.processors import (
    RESTPostProcessorBase,
    RESTPreProcessorBase,
    WSPostProcessorBase,
    WSPreProcessorBase,
)
from hummingbot_conn.web.rest_assistant import DEFAULT_MAX_RETRY_AFTER, RESTAssistant
from hummingbot_conn.web.time_synchronizer import TimeSyncRetry
from hummingbot_conn.web.ws_assistant import ReconnectHook, WSAssistant

__all__ = ["WebAssistantsFactory"]


class WebAssistantsFactory:
    """Creates ``RESTAssistant`` and ``WSAssistant`` objects sharing this connector's session.

    Each factory owns its ``ConnectionsFactory`` (hence its own
    ``aiohttp.ClientSession``) unless one is passed in; ``close()`` closes only
    that.  WebSocket assistants get the throttler too, so WS sends that name a
    limit are throttled.
    """

    def __init__(self, throttler: AsyncThrottler,
                 rest_pre_processors: Optional[List[RESTPreProcessorBase]] = None,
                 rest_post_processors: Optional[List[RESTPostProcessorBase]] = None,
                 ws_pre_processors: Optional[List[WSPreProcessorBase]] = None,
                 ws_post_processors: Optional[List[WSPostProcessorBase]] = None,
                 auth: Optional[AuthBase] = None, connections_factory: Optional[ConnectionsFactory] = None,
                 *, time_sync_retry: Optional[TimeSyncRetry] = None,
                 used_weight_headers: Optional[Mapping[str, str]] = None,
                 request_timeout: float = 10.0, max_retries: int = 2,
                 rest_backoff: Optional[ExponentialBackoff] = None,
                 ws_backoff: Optional[ExponentialBackoff] = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
                 pause_scopes: Optional[Mapping[Any, Sequence[str]]] = None,
                 error_format: ErrorBodyFormat = DEFAULT_ERROR_BODY_FORMAT) -> None:
        """``max_retry_after``: the longest pause (s) a server's ``Retry-After`` may impose; the cap
        on answer sizes is the ``ConnectionsFactory``'s ``max_response_size``.  ``pause_scopes``:
        the exchange's error code (int or str) of a 429 / 418 -> the limit ids it pauses (``RESTAssistant``).
        ``error_format``: how the venue's bodies state an error (``ErrorBodyFormat``)."""
        if isinstance(max_retry_after, bool) or not isinstance(max_retry_after, (int, float)) \
                or not 0 < max_retry_after < float("inf"):
            raise ValueError(f"max_retry_after must be a finite number of seconds > 0, got {max_retry_after!r}")
        self._throttler = throttler
        self._connections = connections_factory or ConnectionsFactory()
        self._rest_pre = list(rest_pre_processors or [])
        self._rest_post = list(rest_post_processors or [])
        self._ws_pre = list(ws_pre_processors or [])
        self._ws_post = list(ws_post_processors or [])
        self._auth = auth
        self._time_sync_retry = time_sync_retry
        self._weight_headers = dict(used_weight_headers or {})
        for limit_id in self._weight_headers.values():
            throttler.capacity(limit_id)        # a typo in the mapping fails here
        self._timeout = request_timeout
        self._max_retries = max_retries
        self._rest_backoff = rest_backoff
        self._ws_backoff = ws_backoff
        self._sleep = sleep
        self._max_retry_after = max_retry_after
        self._pause_scopes = {code: tuple(ids) for code, ids in (pause_scopes or {}).items()}
        self._error_format = error_format
        for ids in self._pause_scopes.values():
            for limit_id in ids:
                throttler.capacity(limit_id)    # a typo fails here

    @property
    def throttler(self) -> AsyncThrottler:
        return self._throttler

    @property
    def auth(self) -> Optional[AuthBase]:
        return self._auth

    @property
    def time_sync_retry(self) -> Optional[TimeSyncRetry]:
        """The timestamp-error hook (resync the clock), for WebSocket requests signed with the same clock."""
        return self._time_sync_retry

    @property
    def connections_factory(self) -> ConnectionsFactory:
        return self._connections

    async def get_rest_assistant(self) -> RESTAssistant:
        connection = await self._connections.get_rest_connection()
        return RESTAssistant(connection, self._throttler, self._rest_pre, self._rest_post, self._auth,
                             time_sync_retry=self._time_sync_retry, used_weight_headers=self._weight_headers,
                             request_timeout=self._timeout, max_retries=self._max_retries,
                             backoff=self._rest_backoff, sleep=self._sleep, max_retry_after=self._max_retry_after,
                             pause_scopes=self._pause_scopes, error_format=self._error_format)

    async def get_ws_assistant(self, on_reconnected: Optional[ReconnectHook] = None,
                               max_reconnect_attempts: Optional[int] = None,
                               connect_limit_id: Optional[str] = None) -> WSAssistant:
        """A new WebSocket assistant on this factory's session (see ``WSAssistant`` for the arguments)."""
        connection = await self._connections.get_ws_connection()
        return WSAssistant(connection, self._ws_pre, self._ws_post, self._auth, throttler=self._throttler,
                           backoff=self._ws_backoff, sleep=self._sleep, on_reconnected=on_reconnected,
                           max_reconnect_attempts=max_reconnect_attempts, connect_limit_id=connect_limit_id)

    async def close(self) -> None:
        await self._connections.close()

    async def __aenter__(self) -> "WebAssistantsFactory":
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self.close()
