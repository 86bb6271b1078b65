"""Binance USDⓈ-M user data through a listenKey (docs/binance_usdm_futures.md section 8).

USDⓈ-M futures still hand account events to a listenKey stream (the spot
venue moved to WebSocket API subscriptions)::

    POST /fapi/v1/listenKey           -> {"listenKey": "..."}   (API key header, no signature)
    wss://fstream.binance.com/private/ws?listenKey=<key>
    <- {"e": "ORDER_TRADE_UPDATE", ...} / {"e": "ACCOUNT_UPDATE", ...} / {"e": "listenKeyExpired", ...}
    PUT /fapi/v1/listenKey            every 30 minutes (a key lives 60 without one)

Each connection gets a key first (the account's current one, extended);
while it is up a keepalive task renews the key. A refused keepalive (the key
is gone, -1125) or a ``listenKeyExpired`` event ends the connection; the base
loop backs off, asks for a key again and reconnects, and the reconnect
notification makes the connector reconcile by REST (docs/contracts.md,
Contract 4).  A listenKey request refused for the credentials (``-2014`` /
``-2015`` / ``-1022``, HTTP 401) is a ``permanent_error``: retried only every
``permanent_retry_delay`` seconds.
"""
import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

from hummingbot_conn.exchanges.binance.usdm import constants as CONSTANTS, web_utils
from hummingbot_conn.exchanges.binance.usdm.auth import BinancePerpetualAuth
from hummingbot_conn.tracking.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hummingbot_conn.web.data_types import RESTMethod
from hummingbot_conn.web.errors import ExchangeError
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["BinancePerpetualUserStreamDataSource"]

_log = logging.getLogger(__name__)


class BinancePerpetualUserStreamDataSource(UserStreamTrackerDataSource):
    """Puts the account's event dicts (``ORDER_TRADE_UPDATE``, ``ACCOUNT_UPDATE``, ...) on the queue.

    :param auth: supplies the API key header for the listenKey calls
    :param connector: kept for hummingbot's signature (unused)
    :param api_factory: the connector's web stack (throttled REST and WS)
    :param domain: a domain name or a ``BinancePerpetualEndpoints`` (the simulator)
    :param keepalive_interval: seconds between listenKey renewals (30 minutes)

    Keyword arguments of ``UserStreamTrackerDataSource`` (``backoff``, ``sleep``,
    ``clock``, ``stable_after``, ``overflow_grace``, ``heartbeat_interval``,
    ``pong_timeout``, ``permanent_retry_delay``) pass through; ``sleep`` also
    paces the keepalive.
    """

    def __init__(self, auth: BinancePerpetualAuth, connector: Any = None,
                 api_factory: Optional[WebAssistantsFactory] = None,
                 domain: web_utils.Domain = CONSTANTS.DOMAIN, *,
                 keepalive_interval: float = CONSTANTS.LISTEN_KEY_KEEP_ALIVE_INTERVAL, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(auth, BinancePerpetualAuth):
            raise TypeError(f"auth must be a BinancePerpetualAuth, not {type(auth).__name__}")
        if keepalive_interval <= 0:
            raise ValueError("keepalive_interval must be > 0")
        self._auth = auth
        self._connector = connector
        self._endpoints = web_utils.endpoints(domain)       # an unknown domain fails here
        self._own_factory = api_factory is None
        self._api_factory = api_factory or web_utils.build_api_factory(domain=domain, auth=auth)
        self._keepalive_interval = keepalive_interval
        self._keepalive_sleep: Callable[[float], Awaitable[None]] = kwargs.get("sleep", asyncio.sleep)
        self._current_listen_key: Optional[str] = None
        self._keepalive_task: Optional[asyncio.Task] = None

    @property
    def listen_key(self) -> Optional[str]:
        return self._current_listen_key

    async def _listen_key_request(self, method: RESTMethod) -> Any:
        rest = await self._api_factory.get_rest_assistant()
        return await rest.execute_request(
            url=web_utils.private_rest_url(CONSTANTS.BINANCE_USER_STREAM_ENDPOINT, self._endpoints),
            method=method, throttler_limit_id=CONSTANTS.BINANCE_USER_STREAM_ENDPOINT,
            headers=self._auth.header_for_authentication())

    async def _get_listen_key(self) -> str:
        answer = await self._listen_key_request(RESTMethod.POST)
        key = answer.get("listenKey") if isinstance(answer, dict) else None
        if not isinstance(key, str) or not key:
            raise ConnectionError(f"no listenKey in the answer: {str(answer)[:200]}")
        return key

    async def _connected_websocket_assistant(self) -> WSAssistant:
        key = await self._get_listen_key()
        ws = await self._api_factory.get_ws_assistant()
        # a quiet account sends nothing for hours: our ping is what tells a live socket from a
        # mute one, which is replaced within heartbeat_interval + pong_timeout (Contract 4)
        await ws.connect(ws_url=self._endpoints.private_stream_url(key),
                         ping_timeout=self.heartbeat_interval, pong_timeout=self.pong_timeout,
                         message_timeout=max(CONSTANTS.WS_MESSAGE_TIMEOUT, self.silence_detection_time))
        self._current_listen_key = key
        self._keepalive_task = asyncio.ensure_future(self._keepalive_loop(ws, key))
        _log.info("Connected to the Binance perpetual user stream")
        return ws

    async def _subscribe_channels(self, websocket_assistant: WSAssistant) -> None:
        """Nothing to send: the listenKey in the URL selects the account."""

    def _is_permanent_error(self, error: BaseException) -> bool:
        return web_utils.is_auth_error(error)

    async def _keepalive_loop(self, ws: WSAssistant, key: str) -> None:
        while True:
            await self._keepalive_sleep(self._keepalive_interval)
            try:
                await self._listen_key_request(RESTMethod.PUT)
            except asyncio.CancelledError:
                raise
            except ExchangeError as exc:
                if exc.code == CONSTANTS.LISTEN_KEY_NOT_EXIST_ERROR_CODE:
                    _log.warning("listenKey renewal refused (%s); reconnecting with a new key", exc.msg)
                    await ws.disconnect()     # the reader sees the socket end and the loop reconnects
                    return
                _log.warning("listenKey renewal failed (%s); retrying at the next interval", exc)
            except Exception as exc:
                _log.warning("listenKey renewal failed (%s: %s); retrying at the next interval",
                             type(exc).__name__, exc)

    async def _process_event_message(self, event_message: Any, queue: asyncio.Queue) -> None:
        """One frame: an event dict is queued; ``listenKeyExpired`` ends the connection (reconnect)."""
        if not isinstance(event_message, dict) or not isinstance(event_message.get("e"), str):
            _log.warning("Ignoring a user stream frame without an event type: %.200r", event_message)
            return
        if event_message["e"] == "listenKeyExpired":
            raise ConnectionError("Binance sent listenKeyExpired: reconnecting with a new key")
        await self._enqueue(queue, event_message)

    async def _on_user_stream_interruption(self, websocket_assistant: Optional[WSAssistant]) -> None:
        task, self._keepalive_task = self._keepalive_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._current_listen_key = None
        await super()._on_user_stream_interruption(websocket_assistant)

    async def stop(self) -> None:
        await super().stop()
        await self._on_user_stream_interruption(None)
        if self._own_factory:
            await self._api_factory.close()
