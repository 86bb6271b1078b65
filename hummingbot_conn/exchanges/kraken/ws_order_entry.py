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

The socket's lifecycle (``run``, ``up`` / ``wait_up``, reconnects, the requests
waiting for an answer, ``dropped_frames``, the silent-socket give-up,
``WSOrderEntryUnavailable``) is ``web/ws_order_socket.py``'s ``WSOrderSocket``,
shared with Binance; this module has what is Kraken's: the token, the frames
and their ``req_id``, the reading of an answer.
"""
from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any, Awaitable, Callable, Optional

import orjson

from hummingbot_conn.exchanges.kraken.errors import UNREADABLE_CODE
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.connections import WSConnection
from hummingbot_conn.web.errors import ExchangeError
from hummingbot_conn.web.ws_order_socket import NO_REQUEST, Sent, WSOrderEntryUnavailable, WSOrderSocket

__all__ = ["KrakenWSOrderEntry", "WSOrderEntryUnavailable", "Sent", "TOKEN_FRESH_S", "TOKEN_REFUSED_CODES",
           "json_number"]

#: a token no request has used yet is taken as good this long (Kraken: use it within 15 minutes)
TOKEN_FRESH_S = 600.0
#: answers that refuse the token itself: checked before the request is processed
TOKEN_REFUSED_CODES = frozenset({"EGeneral:Permission denied", "EAPI:Invalid key"})


class KrakenWSOrderEntry(WSOrderSocket):
    """Requests and their answers over one authenticated WebSocket v2 socket (module doc).

    :param url: the private WebSocket v2 URL (``KrakenEndpoints.ws_private``)
    :param token_source: ``async () -> token`` (the connector's ``GetWebSocketsToken`` call)
    :param connection_factory: ``async () -> WSConnection`` (a new socket on the shared session)
    :param throttler: the connector's throttler (requests acquire the limit id their caller names)
    :param request_timeout: seconds to wait for an answer before the outcome is unknown
    :param heartbeat_interval: idle seconds before we ping (the socket carries no channel)
    :param token_fresh_for: seconds a token no request has used yet is sent as is (``TOKEN_FRESH_S``)
    """

    LABEL = "the order socket"

    def __init__(self, url: str, token_source: Callable[[], Awaitable[str]],
                 connection_factory: Callable[[], Awaitable[WSConnection]], throttler: AsyncThrottler, *,
                 request_timeout: float = 10.0, heartbeat_interval: float = 10.0,
                 backoff: Optional[ExponentialBackoff] = None, token_fresh_for: float = TOKEN_FRESH_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(url, connection_factory, throttler, request_timeout=request_timeout, backoff=backoff,
                         connect_options={"ping_timeout": heartbeat_interval, "pong_timeout": heartbeat_interval})
        self._token_source = token_source
        self._token_fresh_for = token_fresh_for
        self._clock = clock
        self._token: Optional[bytes] = None         # JSON text of the token ("..."), as it goes in a frame
        self._token_at = -float("inf")
        self._token_used = False                    # an answer came to a request carrying it on this socket

    async def _refresh_token(self) -> None:
        token = await self._token_source()
        self._token = orjson.dumps(token)
        self._token_at = self._clock()
        self._token_used = False

    def _token_ok(self) -> bool:
        return self._token is not None and (self._token_used or
                                            self._clock() - self._token_at < self._token_fresh_for)

    async def _before_connect(self) -> None:
        await self._refresh_token()          # Kraken: a fresh token for every connection

    async def _before_write(self, method: str) -> None:
        if self._token_ok():
            return
        try:
            await self._refresh_token()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise WSOrderEntryUnavailable(f"no token for the order socket ({type(exc).__name__}: {exc}); "
                                          f"{method} not sent") from exc

    def _answer_id(self, answer: dict) -> Any:
        req_id = answer.get("req_id")
        if req_id is None:
            return None
        return req_id if type(req_id) is int else NO_REQUEST      # 7.0 or True would find request 7 or 1

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
        throttler = self._throttler
        if not throttler.try_acquire(limit_id):
            return None
        return self._write(connection, method, params, throttler.time())

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

    def _write(self, connection: WSConnection, method: str, params: bytes, sent_at: float) -> Sent:
        assert self._token is not None
        req_id = next(self._ids)
        payload = b'{"method":"%s","params":{%s,"token":%s},"req_id":%d}' % (
            method.encode(), params, self._token, req_id)
        return self._write_frame(connection, req_id, payload, sent_at)

    async def request(self, method: str, params: bytes, limit_id: str, *, sent: Optional[Sent] = None) -> Any:
        """Send ``method`` with ``params`` (as ``send_now``) and return the answer's ``result``
        (errors: module doc).  ``sent``: a request ``send_now`` already wrote; only its answer is
        awaited."""
        if sent is None:
            connection, sent_at = await self._admit(method, limit_id)
            sent = self._write(connection, method, params, sent_at)
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


def json_number(value: Any, name: str) -> bytes:
    """A finite Decimal as a JSON number in its own digits (``f"{d:f}"``: no exponent, no float);
    ``ValueError`` naming ``name`` for anything else (NaN, infinities, another type)."""
    if type(value) is not Decimal or not value.is_finite():
        raise ValueError(f"{name} must be a finite Decimal, not {value!r:.50}")
    text = f"{value:f}"
    if text.startswith("-"):
        raise ValueError(f"{name} must not be negative: {text:.50}")
    return text.encode()
