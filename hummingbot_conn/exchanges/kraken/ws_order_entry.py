"""Orders over Kraken's authenticated WebSocket v2 socket: ``add_order`` and ``cancel_order``.

docs/kraken_spot.md sections 7 and 10.  One socket to the private v2 URL
carries requests and their answers, matched by ``req_id``; every request
carries the token of ``GetWebSocketsToken`` in its params::

    -> {"method": "add_order", "params": {"order_type": "limit", "side": "buy", "order_qty": 0.00100000,
        "symbol": "BTC/USD", "limit_price": 60000.0, "cl_ord_id": "HBOT...", "token": "..."}, "req_id": 7}
    <- {"method": "add_order", "req_id": 7, "success": true,
        "result": {"order_id": "OUF4EM-FRGI2-MQMWZD", "cl_ord_id": "HBOT..."}, "time_in": ..., "time_out": ...}
    <- {"method": "add_order", "req_id": 8, "success": false, "error": "EOrder:Insufficient funds", ...}

Amounts are JSON numbers written from the Decimal's own digits (never through
a binary float): the caller hands the params as JSON text.

What a request's caller gets (docs/contracts.md, Contract 2, as over REST):

* ``WSOrderEntryUnavailable``: nothing reached the venue's engine -- the socket
  was not up, no token could be had, or the venue refused the token
  (``EGeneral:Permission denied``, checked before the request is processed);
  the connector sends the request over REST;
* the ``result`` of a ``"success": true`` answer (a dict, or None when it has none);
* ``RequestOutcomeUnknownError``: the request left and no answer came (the
  socket closed, ``request_timeout`` passed): resolved by client id, never sent again;
* ``ExchangeError`` (``status`` 200, ``code`` the error string, as REST's
  ``KrakenErrorBodyFormat`` reads it) for any other refusal; an answer that is
  neither a success nor a readable error (an ``error`` that is no string, a
  ``success`` that is no boolean, a ``method`` that is not the request's) has the code ``errors.UNREADABLE_CODE``:
  its outcome is unknown (``errors.is_outcome_unknown``).

Frames that are not JSON (``NaN`` included), carry no ``req_id`` (heartbeats,
status) or a ``req_id`` no request is waiting for, are logged and dropped; the
request they may have meant then ends at ``request_timeout`` as an unknown outcome.
A request that times out with no frame at all received since it was written
gives the socket up at once (presumed dead: orders go over REST, a new socket
is opened) rather than when its pings time out.
The socket reconnects after a drop (any transport error while reading; the
old socket is closed) with capped exponential back-off (a fresh token each
time); requests waiting for an answer at a drop end with
``RequestOutcomeUnknownError``.  Requests are throttled on the limit ids the
REST calls use (the caller names them), so both transports count alike.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import time
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

import aiohttp
import orjson

from hummingbot_conn.exchanges.kraken.errors import UNREADABLE_CODE
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.connections import WSConnection
from hummingbot_conn.web.errors import ExchangeError, RequestOutcomeUnknownError, WSDisconnectedError

__all__ = ["KrakenWSOrderEntry", "WSOrderEntryUnavailable", "TOKEN_FRESH_S", "TOKEN_REFUSED_CODES", "json_number"]

_log = logging.getLogger(__name__)

#: a token no request has used yet is taken as good this long (Kraken: use it within 15 minutes)
TOKEN_FRESH_S = 600.0
#: answers that refuse the token itself: checked before the request is processed
TOKEN_REFUSED_CODES = frozenset({"EGeneral:Permission denied", "EAPI:Invalid key"})

#: a request on its way: (req_id, future of its answer, its frame while the coroutine still has to send it,
#: ``frames_received`` when it was written)
Sent = Tuple[int, "asyncio.Future[dict]", Optional[bytes], int]


class WSOrderEntryUnavailable(ConnectionError):
    """Nothing reached Kraken's engine over the socket (module doc): send the request over REST."""


class KrakenWSOrderEntry:
    """Requests and their answers over one authenticated WebSocket v2 socket (module doc).

    :param url: the private WebSocket v2 URL (``KrakenEndpoints.ws_private``)
    :param token_source: ``async () -> token`` (the connector's ``GetWebSocketsToken`` call)
    :param connection_factory: ``async () -> WSConnection`` (a new socket on the shared session)
    :param throttler: the connector's throttler (requests acquire the limit id their caller names)
    :param request_timeout: seconds to wait for an answer before the outcome is unknown
    :param heartbeat_interval: idle seconds before we ping (the socket carries no channel)
    :param token_fresh_for: seconds a token no request has used yet is sent as is (``TOKEN_FRESH_S``)
    """

    def __init__(self, url: str, token_source: Callable[[], Awaitable[str]],
                 connection_factory: Callable[[], Awaitable[WSConnection]], throttler: AsyncThrottler, *,
                 request_timeout: float = 10.0, heartbeat_interval: float = 10.0,
                 backoff: Optional[ExponentialBackoff] = None, token_fresh_for: float = TOKEN_FRESH_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not request_timeout > 0:
            raise ValueError(f"request_timeout must be > 0 seconds, not {request_timeout!r}")
        self._url = url
        self._token_source = token_source
        self._connection_factory = connection_factory
        self._throttler = throttler
        self._timeout = request_timeout
        self._heartbeat = heartbeat_interval
        self._token_fresh_for = token_fresh_for
        self._clock = clock
        self.reconnect_backoff = backoff or ExponentialBackoff(initial=0.5, maximum=30.0)
        self._connection: Optional[WSConnection] = None
        self._up = False
        self._token: Optional[bytes] = None         # JSON text of the token ("..."), as it goes in a frame
        self._token_at = -float("inf")
        self._token_used = False                    # an answer came to a request carrying it on this socket
        self._pending: Dict[int, asyncio.Future] = {}
        self._ids = itertools.count(1)
        self._connected = asyncio.Event()
        self.connect_count = 0
        self.dropped_frames = 0                     # frames not JSON or answering no waiting request
        self.frames_received = 0                    # data frames read, all sockets

    @property
    def up(self) -> bool:
        """True while the socket is open and read (requests go over it)."""
        return self._up

    async def wait_up(self) -> None:
        await self._connected.wait()

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
                except Exception as exc:     # a token call refused or failed, a socket that would not open
                    _log.warning("Connecting the order socket at %s failed (%s: %s); orders go over REST "
                                 "meanwhile.", self._url, type(exc).__name__, exc)
                    await asyncio.sleep(self.reconnect_backoff.delay(attempt))
                    attempt += 1
                    continue
                received = await self._read()
                self._went_down("the order socket closed")
                await self._close_connection()
                if received:
                    attempt = 0
                await asyncio.sleep(self.reconnect_backoff.delay(attempt))
                attempt += 1
        finally:
            self._went_down("the connector stopped")
            await asyncio.shield(self._close_connection())

    async def _close_connection(self) -> None:
        # a socket the server closed is closed already; one a transport error ended is still open
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.disconnect()
            except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
                _log.debug("Closing the order socket failed (%s); it is dropped.", exc)

    async def _refresh_token(self) -> None:
        token = await self._token_source()
        self._token = orjson.dumps(token)
        self._token_at = self._clock()
        self._token_used = False

    def _token_ok(self) -> bool:
        return self._token is not None and (self._token_used or
                                            self._clock() - self._token_at < self._token_fresh_for)

    async def _connect(self) -> None:
        await self._refresh_token()          # Kraken: a fresh token for every connection
        connection = await self._connection_factory()
        await connection.connect(self._url, ping_timeout=self._heartbeat, pong_timeout=self._heartbeat,
                                 decode_json=False, write_at_once=True)
        self._connection = connection
        self._up = True
        self.connect_count += 1
        self._connected.set()
        _log.info("Orders go over the WebSocket v2 socket (%s).", self._url)

    async def _read(self) -> bool:
        """Dispatch answers until the socket ends; True when at least one frame arrived."""
        connection = self._connection
        assert connection is not None
        received = False
        pending = self._pending
        loads = orjson.loads
        while True:
            try:
                response = await connection.receive()
            except (WSDisconnectedError, ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
                # any transport failure ends this socket, never the loop: the next one is opened
                _log.warning("The order socket dropped (%s: %s); reconnecting.", type(exc).__name__, exc)
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
                _log.warning("Dropping an order socket frame that is not JSON: %.200r", response.data)
                continue
            if not isinstance(answer, dict):
                self.dropped_frames += 1
                _log.warning("Dropping an order socket frame that is not an object: %.200r", response.data)
                continue
            req_id = answer.get("req_id")
            if req_id is None:
                continue            # heartbeat, status: nothing is waiting for them
            future = pending.pop(req_id, None) if type(req_id) is int else None
            if future is None:
                self.dropped_frames += 1
                _log.warning("Dropping an answer for a request nobody is waiting for (req_id %.50r): %.200r",
                             req_id, response.data)
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
    def send_now(self, method: str, params: bytes, limit_id: str) -> Optional[Sent]:
        """Write ``method`` with ``params`` (the JSON text of the params' members, without the token
        and the braces) at once, without a loop turn (the order path: it leaves inside ``buy()``).
        None when it cannot leave at once -- the socket is down or cannot take a frame
        synchronously, the token is due for renewal, or the throttler has no room for ``limit_id``
        now; nothing was sent or counted then (use ``request``).  Pass the answer to
        ``request(..., sent=...)``."""
        connection = self._connection
        if not self._up or connection is None or not connection.can_write_now() or not self._token_ok():
            return None
        if not self._throttler.try_acquire(limit_id):
            return None
        return self._write(connection, method, params)

    def rehearse(self, method: str, params: bytes, limit_id: str) -> bytes:
        """What ``send_now`` would write (with a placeholder request id), without writing it, taking
        a request id or charging the throttler (only asked): a rehearsal's part
        (connector/order_path_warmer.py).  Returns the frame's bytes (empty without a token)."""
        self._throttler.would_admit(limit_id)
        connection = self._connection
        if connection is not None:
            connection.can_write_now()
        token = self._token
        if token is None or not self._token_ok():
            return b""
        return b'{"method":"%s","params":{%s,"token":%s},"req_id":%d}' % (method.encode(), params, token, 0)

    def _write(self, connection: WSConnection, method: str, params: bytes) -> Sent:
        assert self._token is not None
        req_id = next(self._ids)
        payload = b'{"method":"%s","params":{%s,"token":%s},"req_id":%d}' % (
            method.encode(), params, self._token, req_id)
        future = asyncio.get_running_loop().create_future()
        self._pending[req_id] = future
        frames = self.frames_received
        try:
            if not connection.write_text_now(payload):
                return req_id, future, payload, frames      # the caller awaits the send
        except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
            # the frame may have left in part or whole: what it did is not known
            self._pending.pop(req_id, None)
            future.set_exception(WSDisconnectedError(f"the socket failed while sending ({exc})"))
        return req_id, future, None, frames

    async def request(self, method: str, params: bytes, limit_id: str, *, sent: Optional[Sent] = None) -> Any:
        """Send ``method`` with ``params`` (as ``send_now``) and return the answer's ``result``
        (errors: module doc).  ``sent``: a request ``send_now`` already wrote; only its answer is
        awaited."""
        if sent is None:
            sent = await self._send(method, params, limit_id)
        answer = await self._answer(method, sent)
        if answer.get("method") != method:
            # our req_id on another method's answer: nothing in it can be taken as this request's outcome
            raise ExchangeError(200, UNREADABLE_CODE, f"the answer to {method} names method "
                                f"{answer.get('method')!r:.50}", "WS", method, answer)
        error = answer.get("error")
        success = answer.get("success")
        if error is None or error == "":
            if success is True:
                self._token_used = True
                result = answer.get("result")
                return result if isinstance(result, dict) else None
            raise ExchangeError(200, UNREADABLE_CODE, f"an answer without an error whose success is {success!r:.50}",
                                "WS", method, answer)
        if isinstance(error, str):
            code, msg = error, error
        elif isinstance(error, list) and error and all(isinstance(e, str) and e for e in error):
            code, msg = error[0], "; ".join(error)      # REST's shape, read as REST reads it
        else:
            code, msg = UNREADABLE_CODE, f"an error field that is not a string: {error!r:.200}"
        if code in TOKEN_REFUSED_CODES:
            # the token is judged before the request: nothing was processed; the next request fetches another
            self._token = None
            raise WSOrderEntryUnavailable(f"{method}: the venue refused the socket's token ({code}); not processed")
        self._token_used = True
        raise ExchangeError(200, code, msg[:500], "WS", method, answer)

    async def _send(self, method: str, params: bytes, limit_id: str) -> Sent:
        if not self._up:
            raise WSOrderEntryUnavailable(f"the order socket is down; {method} not sent")
        await self._throttler.acquire(limit_id)      # at once when there is room, else waits in line
        if not self._token_ok():
            try:
                await self._refresh_token()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                raise WSOrderEntryUnavailable(f"no token for the order socket ({type(exc).__name__}: {exc}); "
                                              f"{method} not sent") from exc
        connection = self._connection
        if not self._up or connection is None:
            raise WSOrderEntryUnavailable(f"the order socket went down; {method} not sent")
        return self._write(connection, method, params)

    async def _answer(self, method: str, sent: Sent) -> dict:
        req_id, future, unsent, frames = sent
        try:
            if unsent is not None:
                connection = self._connection
                if connection is None:
                    raise WSDisconnectedError("the socket closed before the request was written")
                try:
                    await connection.send_bytes_as_text(unsent)
                except (WSDisconnectedError, ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
                    raise WSDisconnectedError(f"the socket failed while sending ({exc})") from exc
            async with asyncio.timeout(self._timeout):
                return await future
        except WSDisconnectedError as exc:
            raise RequestOutcomeUnknownError(f"{exc} before the answer", "WS", method) from exc
        except TimeoutError as exc:
            if self.frames_received == frames:
                await self._give_up_silent_socket(method)
            raise RequestOutcomeUnknownError(f"no answer within {self._timeout:g}s", "WS", method) from exc
        finally:
            self._pending.pop(req_id, None)

    async def _give_up_silent_socket(self, method: str) -> None:
        """Nothing at all arrived since a request whose answer is overdue was written: the socket is
        presumed dead now, not after its pings time out (meanwhile every order written to it would be
        lost too).  Requests go over REST at once; ``run`` opens a new socket."""
        connection = self._connection
        if not self._up or connection is None:
            return
        _log.warning("No answer to %s within %gs and no frame since it was sent: the order socket is presumed "
                     "dead; reconnecting (REST meanwhile).", method, self._timeout)
        self._up = False
        await asyncio.shield(connection.disconnect())      # its receive() ends: run() goes on


def json_number(value: Any, name: str) -> bytes:
    """A finite Decimal as a JSON number in its own digits (``f"{d:f}"``: no exponent, no float);
    ``ValueError`` naming ``name`` for anything else (NaN, infinities, another type)."""
    if type(value) is not Decimal or not value.is_finite():
        raise ValueError(f"{name} must be a finite Decimal, not {value!r:.50}")
    text = f"{value:f}"
    if text.startswith("-"):
        raise ValueError(f"{name} must not be negative: {text:.50}")
    return text.encode()
