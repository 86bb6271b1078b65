"""Binance Spot user data over the WebSocket API (docs/binance_spot.md section 7).

The listenKey endpoints are gone from Binance; the account stream is a
subscription on a WebSocket API connection (``.../ws-api/v3``)::

    -> {"id": "<uuid>", "method": "userDataStream.subscribe.signature",
        "params": {"apiKey": "...", "timestamp": 1747385641636, "signature": "..."}}
    <- {"id": "<uuid>", "status": 200, "result": {"subscriptionId": 0}, "rateLimits": [...]}
    <- {"subscriptionId": 0, "event": {"e": "executionReport", "E": 1499405658658, ...}}
    <- {"subscriptionId": 0, "event": {"e": "outboundAccountPosition", ...}}
    <- {"subscriptionId": 0, "event": {"e": "balanceUpdate", ...}}
    <- {"subscriptionId": 0, "event": {"e": "eventStreamTerminated", "E": 1728973001334}}
    <- {"event": {"e": "serverShutdown", "E": 1770123456789}}

The signature is the WebSocket API's (section 2.5: params sorted by name,
``apiKey`` included).  A refused subscription raises ``ExchangeError`` with
Binance's code (``-2015`` bad key, ``-1022`` bad signature, ``-1021``
timestamp outside the window); the base loop logs it and retries after a
back-off, or, for a rejected key or secret (``-2014`` / ``-2015`` /
``-1022``), keeps it in ``permanent_error`` and retries only every
``permanent_retry_delay`` seconds.  After a ``-1021`` the shared
``TimeSynchronizer`` is resynced first, when the API factory has one.
"""
import asyncio
import logging
import uuid
from typing import Any, Callable, List, Optional

from hummingbot_conn.exchanges.binance._common.auth import BinanceAuth
from hummingbot_conn.exchanges.binance.spot import constants as CONSTANTS, web_utils
from hummingbot_conn.tracking.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hummingbot_conn.web.data_types import WSJSONRequest
from hummingbot_conn.web.errors import ExchangeError
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["BinanceAPIUserStreamDataSource"]

_log = logging.getLogger(__name__)

_CONTROL_EVENTS = ("eventStreamTerminated", "serverShutdown")


class BinanceAPIUserStreamDataSource(UserStreamTrackerDataSource):
    """Binance's account stream: subscribes over the WebSocket API and puts unwrapped event dicts on the queue.

    :param auth: signs the subscription (``generate_ws_subscribe_params()``)
    :param trading_pairs: kept for hummingbot's signature (the account stream covers every symbol)
    :param connector: kept for hummingbot's signature (unused)
    :param api_factory: the connector's web stack; None builds (and later closes) one of our own
    :param domain: a Binance domain name (``"com"``, ``"us"``, ``"testnet"``) or a ``BinanceEndpoints``
    :param subscribe_timeout: seconds to wait for the subscription's answer
    :param id_factory: request ids (default: uuid4 text)

    Keyword arguments of ``UserStreamTrackerDataSource`` (``backoff``, ``sleep``,
    ``clock``, ``stable_after``, ``overflow_grace``, ``heartbeat_interval``,
    ``pong_timeout``, ``permanent_retry_delay``) pass through.
    """

    def __init__(self, auth: BinanceAuth, trading_pairs: Optional[List[str]] = None, connector: Any = None,
                 api_factory: Optional[WebAssistantsFactory] = None,
                 domain: web_utils.Domain = CONSTANTS.DEFAULT_DOMAIN, *,
                 subscribe_timeout: float = 10.0, id_factory: Callable[[], str] = lambda: str(uuid.uuid4()),
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(auth, BinanceAuth):
            raise TypeError(f"auth must be a BinanceAuth, not {type(auth).__name__}")
        self._auth = auth
        self._trading_pairs = list(trading_pairs or [])
        self._connector = connector
        self._domain = domain
        self._ws_url = web_utils.wss_api_url(domain)      # an unknown domain fails here, not in the loop
        self._own_factory = api_factory is None
        if api_factory is None:
            sync = auth.time_provider if isinstance(auth.time_provider, TimeSynchronizer) else None
            api_factory = web_utils.build_api_factory(time_synchronizer=sync, domain=domain, auth=auth)
        self._api_factory = api_factory
        self._subscribe_timeout = subscribe_timeout
        self._new_id = id_factory
        self.subscription_id: Optional[int] = None

    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant(connect_limit_id=CONSTANTS.WS_CONNECTIONS)
        # Binance pings every 20 s: our ping goes out only when those stop, and a socket that
        # then stays mute is replaced within heartbeat_interval + pong_timeout (Contract 4)
        await ws.connect(ws_url=self._ws_url, ping_timeout=self.heartbeat_interval, pong_timeout=self.pong_timeout,
                         message_timeout=max(CONSTANTS.WS_MESSAGE_TIMEOUT, self.silence_detection_time))
        return ws

    def _is_permanent_error(self, error: BaseException) -> bool:
        return web_utils.is_auth_error(error)

    async def _subscribe_channels(self, websocket_assistant: WSAssistant) -> None:
        try:
            await self._request_subscription(websocket_assistant)
        except ExchangeError as exc:
            retry = getattr(self._api_factory, "time_sync_retry", None)
            if exc.code != CONSTANTS.TIMESTAMP_ERROR_CODE or retry is None:
                raise
            _log.warning("User stream subscription: %s; resyncing the clock and retrying once", exc.msg)
            await retry.resync()
            await self._request_subscription(websocket_assistant)

    async def _request_subscription(self, ws: WSAssistant) -> None:
        request_id = self._new_id()
        await ws.send(WSJSONRequest(
            payload={"id": request_id, "method": CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD,
                     "params": self._auth.generate_ws_subscribe_params()},
            throttler_limit_id=CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD))
        async with asyncio.timeout(self._subscribe_timeout):
            answer = await self._answer(ws, request_id)
        status = answer.get("status")
        if status != 200:
            error = answer.get("error")
            error = error if isinstance(error, dict) else {}
            code = error.get("code")
            raise ExchangeError(status if isinstance(status, int) else 0,
                                code if isinstance(code, int) and not isinstance(code, bool) else None,
                                str(error.get("msg") or answer)[:300], "WS",
                                CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD, body=answer)
        result = answer.get("result")
        self.subscription_id = result.get("subscriptionId") if isinstance(result, dict) else None
        _log.info("Subscribed to the Binance user data stream (subscriptionId %s)", self.subscription_id)

    async def _answer(self, ws: WSAssistant, request_id: str) -> dict:
        # no events can precede the answer (nothing is subscribed yet); skip anything else
        while True:
            response = await ws.receive()
            if response is None:
                raise ConnectionError("the user stream socket closed while subscribing")
            data = response.data
            if isinstance(data, dict) and data.get("id") == request_id:
                return data
            if isinstance(data, dict) and isinstance(data.get("event"), dict) \
                    and data["event"].get("e") == "serverShutdown":
                raise ConnectionError("Binance announced a server shutdown while subscribing")
            _log.debug("Ignoring a frame while waiting for the subscription answer: %.200r", data)

    async def _process_event_message(self, event_message: Any, queue: asyncio.Queue) -> None:
        """One WS API frame: unwrap an event and queue it; drop API answers; reconnect on termination.

        Raises ``ConnectionError`` on ``eventStreamTerminated`` (our subscription
        ended) and ``serverShutdown`` (the socket is about to close), which makes
        the loop reconnect and resubscribe.
        """
        if not isinstance(event_message, dict) or not event_message:
            _log.warning("Ignoring a user stream frame that is not a JSON object: %.200r", event_message)
            return
        if "id" in event_message and "status" in event_message:
            if event_message.get("status") != 200:
                _log.warning("A WebSocket API request on the user stream failed: %.300r", event_message)
            return
        # {"subscriptionId", "event"} wraps account events; serverShutdown comes as a bare {"event"}
        event = event_message["event"] if "event" in event_message else event_message
        if not isinstance(event, dict) or not isinstance(event.get("e"), str):
            _log.warning("Ignoring a user stream frame without an event type: %.200r", event_message)
            return
        kind = event["e"]
        if kind in _CONTROL_EVENTS:
            raise ConnectionError(f"Binance sent {kind}: the user data subscription has ended")
        await self._enqueue(queue, event)

    async def stop(self) -> None:
        await super().stop()
        self.subscription_id = None
        if self._own_factory:
            await self._api_factory.close()
