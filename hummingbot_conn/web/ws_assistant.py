"""WSAssistant: a WebSocket that survives drops.

``iter_messages()`` yields frames until ``disconnect()`` is called.  When the
server closes or drops the socket, or the socket goes silent, it reconnects
with capped exponential back-off and jitter (always a pause, and the back-off
only resets once a data frame arrived on the new socket, so a server that
refuses or accepts-then-drops never gets a tight loop, W-18), then awaits the
owner's ``on_reconnected(assistant)`` hook so it can resubscribe and
reconcile (fetch a fresh snapshot, poll order status ...), then goes on.

Sends go through the pre-processors, the auth (when ``is_auth_required``) and,
when the request names a ``throttler_limit_id``, the throttler (W-14: hummingbot
never throttled WebSocket sends).
"""
import asyncio
import logging
from typing import AsyncIterator, Awaitable, Callable, Dict, List, Mapping, Optional

import aiohttp

from hummingbot_conn.log_dedup import RepeatedLog
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.connections import WSConnection
from hummingbot_conn.web.data_types import WSRequest, WSResponse
from hummingbot_conn.web.errors import WSDisconnectedError
from hummingbot_conn.web.processors import WSPostProcessorBase, WSPreProcessorBase

__all__ = ["WSAssistant"]

_log = logging.getLogger(__name__)

ReconnectHook = Callable[["WSAssistant"], Awaitable[None]]


class WSAssistant:
    """One logical WebSocket subscription stream (reconnects keep the same assistant)."""

    def __init__(self, connection: WSConnection, ws_pre_processors: Optional[List[WSPreProcessorBase]] = None,
                 ws_post_processors: Optional[List[WSPostProcessorBase]] = None, auth: Optional[AuthBase] = None,
                 *, throttler: Optional[AsyncThrottler] = None, backoff: Optional[ExponentialBackoff] = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 on_reconnected: Optional[ReconnectHook] = None,
                 max_reconnect_attempts: Optional[int] = None,
                 connect_limit_id: Optional[str] = None) -> None:
        """
        :param backoff: reconnect delays (default 0.5 s doubling to 30 s, 30% jitter)
        :param on_reconnected: ``async hook(assistant)`` awaited after every reconnect
        :param max_reconnect_attempts: consecutive failed attempts before giving up (None: never)
        :param connect_limit_id: throttler limit every connection attempt is charged to
            (Binance counts connection attempts per IP)
        """
        self._connection = connection
        self._pre = list(ws_pre_processors or [])
        self._post = list(ws_post_processors or [])
        self._auth = auth
        self._throttler = throttler
        self._backoff = backoff or ExponentialBackoff(initial=0.5, maximum=30.0)
        self._sleep = sleep
        self.on_reconnected = on_reconnected
        self._max_attempts = max_reconnect_attempts
        self._connect_limit_id = connect_limit_id
        if connect_limit_id is not None:
            if throttler is None:
                raise ValueError("connect_limit_id needs a throttler")
            throttler.capacity(connect_limit_id)        # unknown id: fail now
        self._connect_args: Optional[Dict] = None
        self._closed = True
        self._attempt = 0
        self.reconnect_count = 0
        self._log = RepeatedLog(_log)       # a host that stays down: one line, then a count

    @property
    def last_recv_time(self) -> float:
        return self._connection.last_recv_time

    @property
    def connected(self) -> bool:
        return self._connection.connected

    async def connect(self, ws_url: str, *, ping_timeout: Optional[float] = 10.0,
                      message_timeout: Optional[float] = None, ws_headers: Optional[Mapping[str, str]] = None,
                      max_msg_size: Optional[int] = None, decode_json: bool = True,
                      pong_timeout: Optional[float] = None, write_at_once: bool = False) -> None:
        """Connect (once; reconnects reuse these arguments).  See ``WSConnection.connect``."""
        self._connect_args = dict(ws_url=ws_url, ping_timeout=ping_timeout, message_timeout=message_timeout,
                                  ws_headers=ws_headers, max_msg_size=max_msg_size, decode_json=decode_json,
                                  pong_timeout=pong_timeout, write_at_once=write_at_once)
        await self._open()
        self._closed = False
        self._attempt = 0

    async def _open(self) -> None:
        assert self._connect_args is not None
        if self._connect_limit_id is not None and self._throttler is not None:
            await self._throttler.acquire(self._connect_limit_id)
        await self._connection.connect(**self._connect_args)

    async def disconnect(self) -> None:
        """Close for good: ``iter_messages()`` ends and no reconnect follows."""
        self._closed = True
        self._log.flush()
        await self._connection.disconnect()

    async def send(self, request: WSRequest) -> None:
        """Throttle (when the request names a limit), then pre-process, sign and send.

        Signing after the throttler wait keeps a signed timestamp fresh.
        """
        limit_id = getattr(request, "throttler_limit_id", None)
        if limit_id is not None and self._throttler is not None:
            async with self._throttler.execute_task(limit_id):
                await self._send_now(request)
        else:
            await self._send_now(request)

    async def _send_now(self, request: WSRequest) -> None:
        for pre in self._pre:
            request = await pre.pre_process(request)
        if self._auth is not None and request.is_auth_required:
            request = await self._auth.ws_authenticate(request)
        await self._connection.send(request)

    async def subscribe(self, request: WSRequest) -> None:
        await self.send(request)

    async def ping(self) -> None:
        await self._connection.ping()

    async def receive(self) -> Optional[WSResponse]:
        """One frame, without reconnecting: ``None`` after ``disconnect()``, ``WSDisconnectedError`` on a drop."""
        response = await self._connection.receive()
        if response is not None:
            self._attempt = 0
            for post in self._post:
                response = await post.post_process(response)
        return response

    async def iter_messages(self) -> AsyncIterator[WSResponse]:
        """Frames until ``disconnect()``; drops and silences are healed by ``reconnect()``."""
        while not self._closed:
            try:
                response = await self.receive()
            except WSDisconnectedError as exc:
                if self._closed:
                    return
                self._log.warning("%s; reconnecting", exc)
                await self.reconnect()
                continue
            if response is None:
                return
            yield response

    async def reconnect(self) -> None:
        """Reconnect with back-off, then await ``on_reconnected``.

        Raises ``WSDisconnectedError`` if ``disconnect()`` was called meanwhile
        or ``max_reconnect_attempts`` consecutive attempts failed.
        """
        if self._connect_args is None:
            raise WSDisconnectedError("reconnect() before connect()")
        failures = 0
        while True:
            if self._closed:
                raise WSDisconnectedError("the WS assistant was disconnected")
            delay = self._backoff.delay(self._attempt)
            self._attempt += 1
            await self._sleep(delay)
            if self._closed:
                raise WSDisconnectedError("the WS assistant was disconnected")
            if self._connection.connected:
                await self._connection.disconnect()
            try:
                await self._open()
            except asyncio.CancelledError:
                raise
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                failures += 1
                self._log.warning("reconnect to %s failed (%s: %s)", self._connect_args["ws_url"],
                                  type(exc).__name__, exc)
                if self._max_attempts is not None and failures >= self._max_attempts:
                    raise WSDisconnectedError(
                        f"gave up reconnecting to {self._connect_args['ws_url']} after {failures} attempts") from exc
                continue
            self.reconnect_count += 1
            self._log.flush()
            if self.on_reconnected is not None:
                try:
                    await self.on_reconnected(self)
                except WSDisconnectedError as exc:      # dropped again while resubscribing
                    self._log.warning("%s while resubscribing; reconnecting", exc)
                    continue
            return
