"""Orders over Binance spot's WebSocket API: ``order.place``, ``order.cancel``, ``order.status``.

docs/binance_spot.md section 7.6.  One socket to ``.../ws-api/v3`` carries
signed requests (HMAC per request, section 2.5) and their answers, matched
by request id::

    -> {"id": "7", "method": "order.place", "params": {"apiKey": ..., "newClientOrderId": ...,
        "price": "60000", "quantity": "0.001", "side": "BUY", "symbol": "BTCUSDT", "timestamp": ...,
        "signature": "..."}}
    <- {"id": "7", "status": 200, "result": {... as POST /api/v3/order ...},
        "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                        "limit": 6000, "count": 3}, ...]}
    <- {"id": "8", "status": 400, "error": {"code": -2010, "msg": "..."}, "rateLimits": [...]}

What a request's caller gets (the guarantees of docs/contracts.md, Contract 2, as over REST):

* ``WSOrderEntryUnavailable``: the socket was not up, nothing was sent (the
  connector then sends the request over REST);
* the ``result`` of a 200 answer;
* ``RequestOutcomeUnknownError``: the request left and no answer came (the
  socket closed, ``request_timeout`` passed) or the answer says the outcome is
  unknown (5xx): the order is resolved by client id, never sent again;
* ``RateLimitExceededError`` / ``IPBannedError`` for a 429 / 418, after the
  throttler was paused until the answer's ``retryAfter`` (the pools the code
  concerns, ``PAUSE_SCOPES``, as for REST's ``Retry-After``);
* ``ExchangeError`` with Binance's code for any other refusal (a -1021 is
  answered by resyncing the clock and sending once more, signed anew: the
  refused request was not executed).

Requests are throttled on the venue's limits, which the WebSocket API shares
with REST (the IP's request weight, the account's order count): the limit ids
are the method names (``constants.ENDPOINT_WEIGHTS``), and the ``count`` of
every ``rateLimits`` entry corrects the matching pool (``WS_RATE_LIMIT_POOLS``).
The socket reconnects after a drop with capped exponential back-off; requests
waiting for an answer at a drop end with ``RequestOutcomeUnknownError``.

The socket's lifecycle (``run``, ``up`` / ``wait_up``, reconnects, the requests
waiting for an answer, the silent-socket give-up, ``WSOrderEntryUnavailable``)
is ``web/ws_order_socket.py``'s ``WSOrderSocket``, shared with Kraken; this
module has what is Binance's: the connect limit, the signed frames and their
``"id"``, the reading of an answer (rate limits, 429 / 418 pauses, -1021).
"""
import logging
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Sequence, Tuple

import orjson

from hummingbot_conn.exchanges.binance._common.auth import BinanceAuth
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.connections import WSConnection
from hummingbot_conn.web.errors import ExchangeError, IPBannedError, RateLimitExceededError, RequestOutcomeUnknownError
from hummingbot_conn.web.time_synchronizer import TimeSyncRetry
from hummingbot_conn.web.ws_order_socket import Sent, WSOrderEntryUnavailable, WSOrderSocket

__all__ = ["BinanceWSOrderEntry", "WSOrderEntryUnavailable", "Sent"]

_log = logging.getLogger(__name__)

_TIMESTAMP_ERROR_CODE = -1021


class BinanceWSOrderEntry(WSOrderSocket):
    """Signed requests and their answers over one WebSocket API socket (module doc).

    :param url: the WebSocket API URL (``web_utils.wss_api_url(domain)``)
    :param auth: signs each request (``BinanceAuth.sign_ws_params``)
    :param throttler: the connector's throttler (the limit ids are the method names)
    :param connection_factory: ``async () -> WSConnection`` (a new socket on the shared session)
    :param rate_limit_pools: ``(rateLimitType, interval, intervalNum)`` -> the throttler pool its count corrects
    :param pause_scopes: Binance error code of a 429 / 418 -> the pools its ``retryAfter`` pauses
    :param time_sync_retry: resyncs the clock after a -1021 (None: the -1021 is raised)
    :param request_timeout: seconds to wait for an answer before the outcome is unknown
    :param connect_limit_id: throttler limit every connection attempt is charged to
    :param max_retry_after: the longest pause a ``retryAfter`` may impose, seconds
    """

    LABEL = "the WebSocket API socket"

    def __init__(self, url: str, auth: BinanceAuth, throttler: AsyncThrottler,
                 connection_factory: Callable[[], Awaitable[WSConnection]], *,
                 rate_limit_pools: Mapping[Tuple[str, str, int], str],
                 pause_scopes: Mapping[int, Sequence[str]],
                 time_sync_retry: Optional[TimeSyncRetry] = None, request_timeout: float = 10.0,
                 connect_limit_id: Optional[str] = None, heartbeat_interval: float = 30.0,
                 message_timeout: float = 90.0, backoff: Optional[ExponentialBackoff] = None,
                 max_retry_after: float = 3 * 86400.0) -> None:
        super().__init__(url, connection_factory, throttler, request_timeout=request_timeout, backoff=backoff,
                         connect_options={"ping_timeout": heartbeat_interval, "message_timeout": message_timeout})
        self._auth = auth
        self._pools: Dict[Any, str] = dict(rate_limit_pools)
        self._pause_scopes = {code: tuple(ids) for code, ids in pause_scopes.items()}
        self._time_sync_retry = time_sync_retry
        self._connect_limit_id = connect_limit_id
        self._max_retry_after = max_retry_after

    async def _before_connect(self) -> None:
        if self._connect_limit_id is not None:
            await self._throttler.acquire(self._connect_limit_id)

    def _answer_id(self, answer: dict) -> Any:
        request_id = answer.get("id")
        return None if request_id is None else str(request_id)

    # ---- requests ----------------------------------------------------------------------------
    def send_now(self, method: str, params: Dict[str, Any]) -> Optional[Sent]:
        """Sign ``params`` and write the request to the socket at once, without a loop turn (the
        order path: it leaves inside ``buy()``).  None when it cannot leave at once -- the socket is
        down or cannot take a frame synchronously, or the throttler has no room now; nothing was
        sent or counted then (use ``request``).  Pass the answer to ``request(..., sent=...)``."""
        connection = self._connection
        if not self._up or connection is None or not connection.can_write_now():
            return None
        throttler = self._throttler
        if not throttler.try_acquire(method):
            return None
        return self._write(connection, method, params, throttler.time())

    def rehearse(self, method: str, params: Dict[str, Any]) -> bytes:
        """What ``send_now`` would write for ``method`` (signed, encoded), without writing it, taking
        a request id or charging the throttler (which is only asked): a rehearsal's part
        (connector/order_path_warmer.py).  Returns the frame's bytes."""
        self._throttler.would_admit(method)
        payload = orjson.dumps({"id": "0", "method": method, "params": self._auth.sign_ws_params(params)})
        connection = self._connection
        if connection is not None:
            connection.can_write_now()
        return payload

    def _write(self, connection: WSConnection, method: str, params: Dict[str, Any],
                       sent_at: float) -> Sent:
        request_id = str(next(self._ids))
        payload = orjson.dumps({"id": request_id, "method": method, "params": self._auth.sign_ws_params(params)})
        return self._write_frame(connection, request_id, payload, sent_at)

    async def request(self, method: str, params: Dict[str, Any], *, outcome_matters: bool = True,
                      sent: Optional[Sent] = None) -> Any:
        """Send ``method`` signed with ``params`` (a dict this call adds to) and return the answer's
        ``result`` (errors: module doc).  ``sent``: a request ``send_now`` already wrote; only its
        answer is awaited.  ``outcome_matters``: a lost answer is ``RequestOutcomeUnknownError`` (a
        placement, a cancel) rather than ``WSDisconnectedError`` / ``TimeoutError`` (a query)."""
        resynced = False
        while True:
            if sent is None:
                connection, sent_at = await self._admit(method, method)
                sent = self._write(connection, method, params, sent_at)
            answer = await self._answer(method, sent, outcome_matters)
            sent_at, sent = sent[4], None
            status = answer.get("status")
            self._learn_rate_limits(answer.get("rateLimits"), sent_at)
            if status == 200:
                return answer.get("result")
            error = answer.get("error")
            error = error if isinstance(error, dict) else {}
            code = error.get("code")
            code = code if isinstance(code, int) and not isinstance(code, bool) else None
            msg = str(error.get("msg") or "")[:500]
            status = status if isinstance(status, int) and not isinstance(status, bool) else 0
            if status in (418, 429):
                raise self._rate_limited(method, status, code, msg, error, answer)
            if code == _TIMESTAMP_ERROR_CODE and not resynced and self._time_sync_retry is not None:
                resynced = True
                _log.info("%s: timestamp rejected (-1021); resyncing the clock and sending once more", method)
                await self._time_sync_retry.resync()
                params.pop("timestamp", None)
                continue
            if status >= 500 and outcome_matters:
                raise RequestOutcomeUnknownError("server error", "WS", method, status, code, msg)
            raise ExchangeError(status, code, msg, "WS", method, answer)

    def _learn_rate_limits(self, rate_limits: Any, sent_at: float) -> None:
        if not isinstance(rate_limits, list):
            return
        for entry in rate_limits:
            if not isinstance(entry, dict):
                continue
            pool = self._pools.get((entry.get("rateLimitType"), entry.get("interval"), entry.get("intervalNum")))
            count = entry.get("count")
            if pool is None or isinstance(count, bool) or not isinstance(count, int) or count < 0:
                continue
            self._throttler.update_used_weight(pool, count, sent_at=sent_at)

    def _rate_limited(self, method: str, status: int, code: Optional[int], msg: str, error: dict,
                      answer: dict) -> RateLimitExceededError:
        data = error.get("data")
        retry_after = 60.0          # no readable retryAfter: a whole weight window is the safe pause
        if isinstance(data, dict):
            until, now = data.get("retryAfter"), data.get("serverTime")
            if not isinstance(now, int) or isinstance(now, bool):
                now = self._auth.timestamp_ms()
            if isinstance(until, int) and not isinstance(until, bool):
                retry_after = max(0.0, (until - now) / 1000.0)
        retry_after = min(retry_after, self._max_retry_after)
        scope = self._pause_scopes.get(code) if code is not None else None
        if scope:
            for pool_id in (method,) + scope:
                self._throttler.pause(pool_id, retry_after, include_linked=False)
        else:
            self._throttler.pause(method, retry_after)
        _log.warning("%s over the WebSocket API: %d (code %s), pausing %s for %gs", method, status, code,
                     ", ".join(map(repr, (method,) + (scope or ("and its pools",)))), retry_after)
        cls = IPBannedError if status == 418 else RateLimitExceededError
        return cls(status, code, msg, "WS", method, answer, retry_after=retry_after)
