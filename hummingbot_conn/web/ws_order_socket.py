"""One order socket's lifecycle, for every venue that sends orders over a WebSocket.

``WSOrderSocket`` owns what the Binance spot (``exchanges/binance/spot/ws_order_entry.py``) and
Kraken (``exchanges/kraken/ws_order_entry.py``) order entries had each written for themselves:

* ``run()``: connect, read, reconnect after a drop with capped exponential back-off
  (``reconnect_backoff``; the count restarts once a socket has read a frame), close the socket
  whatever ended its read, and any failure to connect is retried -- the loop ends only when
  cancelled, so orders are never left on REST for good;
* ``up`` / ``wait_up()``, ``connect_count``, ``frames_received``, ``dropped_frames``;
* the requests waiting for an answer (``_pending``, keyed by the venue's request id), each
  ended with ``WSDisconnectedError`` when the socket goes down (``_went_down``);
* writing a frame at once or leaving it to the awaiting coroutine (``_write_frame``), admitting a
  request (``_admit``: raises ``WSOrderEntryUnavailable`` while the socket is down), and awaiting
  its answer with ``request_timeout`` (``_answer``): a lost answer is
  ``RequestOutcomeUnknownError`` where the outcome matters (docs/contracts.md, Contract 2);
* the silent-socket give-up: a request that times out with no frame at all received since it
  was written gives the socket up at once (presumed dead: REST meanwhile, ``run`` opens another)
  rather than when its pings time out.

A venue fills in small hooks: ``_before_connect`` (Binance charges a connect limit, Kraken fetches
a token), ``_before_write`` (Kraken renews a stale token), ``_answer_id`` (Binance's ``"id"`` as a
str, Kraken's ``"req_id"`` as an int), the ``connect_options`` of its socket and ``LABEL``, the
socket's name in log lines.  It builds its own frames and reads its own answers
(docs/new_venue.md, section 6.4).
"""
from __future__ import annotations

import abc
import asyncio
import itertools
import logging
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple

import aiohttp
import orjson

from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.connections import WSConnection
from hummingbot_conn.web.errors import RequestOutcomeUnknownError, WSDisconnectedError

__all__ = ["WSOrderSocket", "WSOrderEntryUnavailable", "Sent", "NO_REQUEST"]

_log = logging.getLogger(__name__)

#: a request on its way: (request id, future of its answer, its frame while the awaiting coroutine still
#: has to send it else None, ``frames_received`` when it was written, throttler time it was admitted)
Sent = Tuple[Any, "asyncio.Future[dict]", Optional[bytes], int, float]

#: what ``_answer_id`` returns for an answer whose id no request can have (a wrong type): dropped, counted
NO_REQUEST: Any = object()

# what a socket raises when its transport fails under a read or a write
_TRANSPORT_ERRORS = (WSDisconnectedError, ConnectionError, RuntimeError, aiohttp.ClientError)


class WSOrderEntryUnavailable(ConnectionError):
    """Nothing reached the venue over the order socket (it was down, or the venue's own reason): the
    request was not processed; send it over REST.  One class for every venue."""


class WSOrderSocket(abc.ABC):
    """Requests and their answers over one order socket (module doc); a venue subclasses it.

    :param url: the socket's URL
    :param connection_factory: ``async () -> WSConnection`` (a new socket on the shared session)
    :param throttler: the connector's throttler (requests acquire the limit id their venue names)
    :param request_timeout: seconds to wait for an answer before the outcome is unknown (> 0, else ``ValueError``)
    :param connect_options: keyword arguments of ``WSConnection.connect`` (pings, timeouts)
    :param backoff: reconnect delays (default 0.5 s doubling to 30 s)
    """

    #: the socket's name in log lines ("the order socket")
    LABEL = "the order socket"

    def __init__(self, url: str, connection_factory: Callable[[], Awaitable[WSConnection]],
                 throttler: AsyncThrottler, *, request_timeout: float, connect_options: Mapping[str, Any],
                 backoff: Optional[ExponentialBackoff] = None) -> None:
        if not request_timeout > 0:
            raise ValueError(f"request_timeout must be > 0 seconds, not {request_timeout!r}")
        self._url = url
        self._connection_factory = connection_factory
        self._throttler = throttler
        self._timeout = request_timeout
        # frames are bytes, decoded here; write_at_once: an order leaves inside buy() (connections.py)
        self._connect_options = dict(connect_options, decode_json=False, write_at_once=True)
        self.reconnect_backoff = backoff or ExponentialBackoff(initial=0.5, maximum=30.0)
        self._connection: Optional[WSConnection] = None
        self._up = False
        self._pending: Dict[Any, asyncio.Future] = {}
        self._ids = itertools.count(1)
        self._connected = asyncio.Event()
        self.connect_count = 0
        self.frames_received = 0        # data frames read, every socket (a timeout with none since: a dead one)
        self.dropped_frames = 0         # frames not JSON, not an object, or answering no waiting request

    @property
    def up(self) -> bool:
        """True while the socket is open and read (requests go over it)."""
        return self._up

    async def wait_up(self) -> None:
        """Return once the socket is up (at once when it is)."""
        await self._connected.wait()

    # ---- hooks -------------------------------------------------------------------------------
    async def _before_connect(self) -> None:
        """Runs before every connection attempt; what it raises fails the attempt (retried)."""

    async def _before_write(self, method: str) -> None:
        """Runs after the throttler admitted a ``request`` and before its frame is built; raise
        ``WSOrderEntryUnavailable`` when the request cannot go (nothing sent)."""

    @abc.abstractmethod
    def _answer_id(self, answer: dict) -> Any:
        """The request id ``answer`` names (a key of ``_pending``); None for a frame that answers no
        request (a heartbeat: ignored); ``NO_REQUEST`` for an id no request can have (dropped).
        Abstract: how an answer names its request is the venue's protocol (a venue class without
        it fails at construction, naming it)."""

    # ---- the socket ------------------------------------------------------------------------
    async def run(self) -> None:
        """Connect, read answers, reconnect after a drop; until cancelled (the connector's loop)."""
        attempt = 0
        try:
            while True:
                try:
                    await self._connect()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:     # a socket that would not open, a token refused: tried again
                    _log.warning("Connecting %s at %s failed (%s: %s); orders go over REST meanwhile.",
                                 self.LABEL, self._url, type(exc).__name__, exc)
                    await asyncio.sleep(self.reconnect_backoff.delay(attempt))
                    attempt += 1
                    continue
                received = await self._read()
                self._went_down(f"{self.LABEL} closed")
                await asyncio.shield(self._close_connection())
                if received:
                    attempt = 0
                await asyncio.sleep(self.reconnect_backoff.delay(attempt))
                attempt += 1
        finally:
            self._went_down("the connector stopped")
            await asyncio.shield(self._close_connection())

    async def _connect(self) -> None:
        await self._before_connect()
        connection = await self._connection_factory()
        await connection.connect(self._url, **self._connect_options)
        self._connection = connection
        self._up = True
        self.connect_count += 1
        self._connected.set()
        _log.info("Orders go over %s (%s).", self.LABEL, self._url)

    async def _close_connection(self) -> None:
        # a socket the server closed is closed already; one a transport error ended may still be open
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.disconnect()
            except Exception as exc:     # noqa: BLE001 - it is being dropped anyway
                _log.debug("Closing %s failed (%s); it is dropped.", self.LABEL, exc)

    async def _read(self) -> bool:
        """Dispatch answers until the socket ends; True when at least one frame arrived."""
        connection = self._connection
        assert connection is not None
        received = False
        pending = self._pending
        loads = orjson.loads
        answer_id = self._answer_id
        while True:
            try:
                response = await connection.receive()
            except _TRANSPORT_ERRORS as exc:
                # any transport failure ends this socket, never the loop: the next one is opened
                _log.warning("%s dropped (%s: %s); reconnecting.", self.LABEL, type(exc).__name__, exc)
                return received
            if response is None:
                return received
            received = True
            self.frames_received += 1
            try:
                # orjson refuses NaN and Infinity: a frame holding them is no answer we can trust
                answer = loads(response.data)
            except (orjson.JSONDecodeError, TypeError):
                self.dropped_frames += 1
                _log.warning("Dropping a frame of %s that is not JSON: %.200r", self.LABEL, response.data)
                continue
            if not isinstance(answer, dict):
                self.dropped_frames += 1
                _log.warning("Dropping a frame of %s that is not an object: %.200r", self.LABEL, response.data)
                continue
            request_id = answer_id(answer)
            if request_id is None:
                continue            # heartbeat, status: nothing is waiting for them
            future = pending.pop(request_id, None) if request_id is not NO_REQUEST else None
            if future is None:
                # a late answer (its request timed out) or one naming no request of ours
                self.dropped_frames += 1
                _log.warning("Dropping an answer for a request nobody is waiting for: %.200r", response.data)
                continue
            if not future.done():
                future.set_result(answer)

    def _went_down(self, reason: str) -> None:
        self._up = False
        self._connected.clear()
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(WSDisconnectedError(reason))
                future.exception()      # its waiter may be gone (cancelled): no "never retrieved" warning

    # ---- requests ----------------------------------------------------------------------------
    async def _admit(self, method: str, limit_id: str) -> Tuple[WSConnection, float]:
        """Wait for the throttler's room for ``limit_id`` (at once when there is room); the socket to
        write ``method`` to and the throttler time it was admitted.  ``WSOrderEntryUnavailable``
        when the socket is down before or after the wait (nothing sent)."""
        if not self._up:
            raise WSOrderEntryUnavailable(f"{self.LABEL} is down; {method} not sent")
        sent_at = await self._throttler.acquire(limit_id)
        await self._before_write(method)
        connection = self._connection
        if not self._up or connection is None:
            raise WSOrderEntryUnavailable(f"{self.LABEL} went down; {method} not sent")
        return connection, sent_at

    def _write_frame(self, connection: WSConnection, request_id: Any, payload: bytes, sent_at: float) -> Sent:
        """Register ``request_id``'s answer and write ``payload`` at once when the socket takes it
        (else the frame is in the returned ``Sent`` for ``_answer`` to send)."""
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        frames = self.frames_received
        try:
            if not connection.write_text_now(payload):
                return request_id, future, payload, frames, sent_at      # the caller awaits the send
        except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
            # the frame may have left in part or whole: what it did is not known
            self._pending.pop(request_id, None)
            future.set_exception(WSDisconnectedError(f"the socket failed while sending ({exc})"))
        return request_id, future, None, frames, sent_at

    async def _answer(self, method: str, sent: Sent, outcome_matters: bool = True) -> dict:
        """The answer to ``sent`` (sending its frame first when it is still in it).  A lost answer is
        ``RequestOutcomeUnknownError`` with ``outcome_matters`` (an order), else the
        ``WSDisconnectedError`` / ``TimeoutError`` itself (a query)."""
        request_id, future, unsent, frames, _ = sent
        try:
            if unsent is not None:
                connection = self._connection
                if connection is None:
                    raise WSDisconnectedError("the socket closed before the request was written")
                try:
                    await connection.send_bytes_as_text(unsent)
                except _TRANSPORT_ERRORS as exc:
                    raise WSDisconnectedError(f"the socket failed while sending ({exc})") from exc
            async with asyncio.timeout(self._timeout):
                return await future
        except WSDisconnectedError as exc:
            if outcome_matters:
                raise RequestOutcomeUnknownError(f"{exc} before the answer", "WS", method) from exc
            raise
        except TimeoutError as exc:
            if self.frames_received == frames:
                await self._give_up_silent_socket(method)
            if outcome_matters:
                raise RequestOutcomeUnknownError(f"no answer within {self._timeout:g}s", "WS", method) from exc
            raise
        finally:
            self._pending.pop(request_id, None)

    async def _give_up_silent_socket(self, method: str) -> None:
        """Nothing at all arrived since a request whose answer is overdue was written: the socket is
        presumed dead now, not after its pings time out (meanwhile every order written to it would
        end unknown too).  Requests go over REST at once; ``run`` opens a new socket."""
        connection = self._connection
        if not self._up or connection is None:
            return
        _log.warning("No answer to %s within %gs and no frame since it was sent: %s is presumed dead; "
                     "reconnecting (orders over REST meanwhile).", method, self._timeout, self.LABEL)
        self._up = False
        await asyncio.shield(connection.disconnect())      # its receive() ends: run() goes on
