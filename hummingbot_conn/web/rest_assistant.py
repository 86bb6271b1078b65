"""RESTAssistant: throttled, authenticated REST calls with typed errors.

One call = throttle -> pre-process -> authenticate -> send (with a timeout) ->
post-process -> learn from the headers -> classify the answer:

* 2xx/3xx: returned.
* 429 / 418: the limits the answer concerns are paused for ``Retry-After``
  and ``RateLimitExceededError`` / ``IPBannedError`` raised (never retried
  here: the caller decides).  The request's own limit is paused, and which
  other limits is venue data (``pause_scopes``: the exchange's error code ->
  limit ids): a Binance -1015 "too many orders"
  holds placements only, never cancels or polls; a -1003 holds the IP's
  weight pools, so every request.  A code not listed pauses the request's
  own limit and its linked pools.  The pause ends when the server said.
* a timestamp error recognised by the ``TimeSyncRetry`` hook (Binance -1021):
  resync the clock at once and resend **once**, freshly signed.  Safe for any
  method: the exchange rejected the request before executing it.
  If the resync itself fails, the ``ExchangeError`` of the timestamp
  rejection is raised, naming the failed time request too (its ``__cause__``).
* 5xx, timeouts, dropped connections: retried with capped exponential
  back-off only when the request is idempotent (GET by default).  For the
  rest (order placement) the outcome is unknown: ``RequestOutcomeUnknownError``
  is raised and nothing is resent.
* other 4xx: ``ExchangeError`` carrying the HTTP status, the exchange's code and msg.
* a success answer that cannot be read (not JSON, over ``max_response_size``)
  or a redirect (never followed):
  ``RequestOutcomeUnknownError`` for a non-idempotent request, never an
  ``ExchangeError`` (which a connector would take for a rejection and so drop
  a live order); ``MalformedResponseError`` / ``ResponseTooLargeError`` otherwise.

The caller's ``timeout`` covers the wait for rate-limit capacity and the
HTTP exchange together (``ThrottleTimeoutError`` when the capacity does not
come in time: nothing was sent).  A server's ``Retry-After`` is honoured up
to ``max_retry_after`` seconds (default three days, the longest Binance ban,
docs/binance_spot.md section 1.4), so a hostile header cannot stop the
client for years.

Bodies given as a mapping are form-encoded (what Binance takes); send
``headers={"Content-Type": "application/json"}`` for a JSON body (hummingbot
JSON-encoded every non-GET body by default).
"""
import asyncio
import logging
import re
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import aiohttp
import orjson

from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.connections import RESTConnection
from hummingbot_conn.web.data_types import RESTMethod, RESTRequest, RESTResponse
from hummingbot_conn.web.errors import (
    DEFAULT_ERROR_BODY_FORMAT,
    ErrorBodyFormat,
    ErrorCode,
    ExchangeError,
    IPBannedError,
    MalformedResponseError,
    NetworkError,
    RateLimitExceededError,
    RequestOutcomeUnknownError,
    RequestTimeoutError,
    ResponseTooLargeError,
    ServerError,
    ThrottleTimeoutError,
)
from hummingbot_conn.web.processors import RESTPostProcessorBase, RESTPreProcessorBase
from hummingbot_conn.web.time_synchronizer import TimeSyncRetry

__all__ = ["RESTAssistant", "parse_error_body", "DEFAULT_MAX_RETRY_AFTER"]

_log = logging.getLogger(__name__)
_BODY_EXCERPT = 200
DEFAULT_MAX_RETRY_AFTER = 3 * 86_400.0     # the longest Binance IP ban (docs/binance_spot.md section 1.4)
_SIGNATURE = re.compile(r"(signature=)[^&\s'\"]*", re.IGNORECASE)


def _safe(exc: BaseException) -> str:
    """``Type: message`` of a transport error with any ``signature=`` value masked (aiohttp quotes URLs)."""
    return _SIGNATURE.sub(r"\1***", f"{type(exc).__name__}: {exc}")


def parse_error_body(body: bytes, error_format: ErrorBodyFormat = DEFAULT_ERROR_BODY_FORMAT
                     ) -> Tuple[Optional[ErrorCode], str, Any]:
    """``(code, msg, decoded)`` of an error body as ``error_format`` reads it (by default
    ``{"code": -1121, "msg": "..."}``, also nested under ``"error"``), or an excerpt of the text."""
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body.decode("utf-8", errors="replace")
        if "<html" in text.lower():
            return None, "N/A (HTML error page)", text
        return None, text[:_BODY_EXCERPT], text
    code, msg = error_format.describe(decoded)
    if code is not None:
        return code, msg if msg is not None else "", decoded
    if msg is not None:
        return None, msg, decoded
    return None, orjson.dumps(decoded)[:_BODY_EXCERPT].decode(errors="replace"), decoded


def _retry_after(headers: Mapping[str, str], default: float, cap: float) -> float:
    """Seconds to pause from ``Retry-After``: ``default`` if absent or unreadable, never above ``cap``."""
    value = headers.get("Retry-After")
    seconds = default
    if value is not None:
        try:
            parsed = float(value)
        except ValueError:
            parsed = default      # an HTTP-date: rare; the default is a safe pause
        if 0 <= parsed < float("inf"):
            seconds = parsed
    return min(seconds, cap)


class RESTAssistant:
    """Sends each ``RESTRequest`` through one connector's session, throttler and auth."""

    def __init__(self, connection: RESTConnection, throttler: AsyncThrottler,
                 rest_pre_processors: Optional[List[RESTPreProcessorBase]] = None,
                 rest_post_processors: Optional[List[RESTPostProcessorBase]] = None,
                 auth: Optional[AuthBase] = None, *,
                 time_sync_retry: Optional[TimeSyncRetry] = None,
                 used_weight_headers: Optional[Mapping[str, str]] = None,
                 request_timeout: float = 10.0, max_retries: int = 2,
                 backoff: Optional[ExponentialBackoff] = None, sleep=asyncio.sleep,
                 default_retry_after: float = 60.0, max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
                 pause_scopes: Optional[Mapping[Any, Sequence[str]]] = None,
                 error_format: ErrorBodyFormat = DEFAULT_ERROR_BODY_FORMAT) -> None:
        """
        :param used_weight_headers: response header -> throttler limit id it
            reports on, e.g. ``{"X-MBX-USED-WEIGHT-1M": "REQUEST_WEIGHT"}``
        :param pause_scopes: exchange error code of a 429 / 418 -> the limit ids
            its ``Retry-After`` pauses (each holds every limit linking to it)
        :param request_timeout: default timeout of every request, seconds
            (rate-limit wait and HTTP exchange together)
        :param max_retries: retries of an idempotent request after a transient failure
        :param default_retry_after: pause after a 429 / 418 without a readable ``Retry-After``
        :param max_retry_after: the longest pause a ``Retry-After`` may impose, seconds
        :param error_format: how the venue's bodies state an error (``ErrorBodyFormat``; by default
            ``{"code": <int>, "msg": ...}`` in error answers only)
        """
        for name, value in (("request_timeout", request_timeout), ("default_retry_after", default_retry_after),
                            ("max_retry_after", max_retry_after)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
        self._connection = connection
        self._throttler = throttler
        self._pre = list(rest_pre_processors or [])
        self._post = list(rest_post_processors or [])
        self._auth = auth
        self._time_sync_retry = time_sync_retry
        self._weight_headers: Dict[str, str] = dict(used_weight_headers or {})
        for limit_id in self._weight_headers.values():
            throttler.capacity(limit_id)        # UnknownLimitError now, not on the first answer
        self._pause_scopes: Dict[ErrorCode, Tuple[str, ...]] = {code: tuple(ids) for code, ids in
                                                                (pause_scopes or {}).items()}
        self._error_format = error_format
        for ids in self._pause_scopes.values():
            for limit_id in ids:
                throttler.capacity(limit_id)
        self._timeout = request_timeout
        self._max_retries = max_retries
        self._backoff = backoff or ExponentialBackoff(initial=0.5, maximum=8.0)
        self._sleep = sleep
        self._default_retry_after = min(default_retry_after, max_retry_after)
        self._max_retry_after = max_retry_after

    @property
    def throttler(self) -> AsyncThrottler:
        return self._throttler

    async def execute_request(self, url: str, throttler_limit_id: str, params: Optional[Mapping[str, Any]] = None,
                              data: Any = None, method: RESTMethod = RESTMethod.GET, is_auth_required: bool = False,
                              return_err: bool = False, timeout: Optional[float] = None,
                              headers: Optional[Mapping[str, str]] = None, *, idempotent: Optional[bool] = None,
                              weight: Optional[int] = None) -> Any:
        """Send and return the decoded JSON body (hummingbot's signature, plus ``idempotent``/``weight``)."""
        request = RESTRequest(method=method, url=url, params=params, data=data, headers=dict(headers or {}),
                              is_auth_required=is_auth_required, throttler_limit_id=throttler_limit_id,
                              idempotent=idempotent, weight=weight)
        response = await self.send(request, timeout=timeout, return_err=return_err)
        try:
            return response.json_data()
        except orjson.JSONDecodeError:
            excerpt = response.body[:_BODY_EXCERPT].decode("utf-8", errors="replace")
            if response.status < 400:
                reason = f"the answer is not JSON: {excerpt!r}"
                if not request.is_idempotent:
                    raise RequestOutcomeUnknownError(reason, method.value, url, response.status) from None
                if not return_err:
                    raise MalformedResponseError(response.status, reason, method.value, url) from None
            if return_err:
                return await response.text()
            raise ExchangeError(response.status, None, "the answer is not JSON: " + excerpt,
                                method.value, url) from None

    async def execute_request_and_get_response(
            self, url: str, throttler_limit_id: str, params: Optional[Mapping[str, Any]] = None, data: Any = None,
            method: RESTMethod = RESTMethod.GET, is_auth_required: bool = False, return_err: bool = False,
            timeout: Optional[float] = None, headers: Optional[Mapping[str, str]] = None, *,
            idempotent: Optional[bool] = None, weight: Optional[int] = None) -> RESTResponse:
        request = RESTRequest(method=method, url=url, params=params, data=data, headers=dict(headers or {}),
                              is_auth_required=is_auth_required, throttler_limit_id=throttler_limit_id,
                              idempotent=idempotent, weight=weight)
        return await self.send(request, timeout=timeout, return_err=return_err)

    async def call(self, request: RESTRequest, timeout: Optional[float] = None) -> RESTResponse:
        """Pre-process, authenticate, send and post-process once: no throttling, no retries."""
        request = replace(request, headers=dict(request.headers or {}),
                          params=dict(request.params) if isinstance(request.params, Mapping) else request.params,
                          data=dict(request.data) if isinstance(request.data, Mapping) else request.data)
        for pre in self._pre:
            request = await pre.pre_process(request)
        if self._auth is not None and request.is_auth_required:
            request = await self._auth.rest_authenticate(request)
        response = await self._connection.call(request, timeout=self._timeout if timeout is None else timeout)
        for post in self._post:
            response = await post.post_process(response)
        return response

    async def send(self, request: RESTRequest, timeout: Optional[float] = None,
                   return_err: bool = False) -> RESTResponse:
        """The whole pipeline (see the module docstring).  ``return_err`` returns >= 400 answers instead of raising."""
        limit_id = request.throttler_limit_id
        if limit_id is None:
            raise ValueError(f"{request.method.value} {request.url}: throttler_limit_id is required")
        method, url = request.method.value, request.url or ""
        idempotent = request.is_idempotent
        budget = self._timeout if timeout is None else timeout
        if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not 0 < budget < float("inf"):
            raise ValueError(f"timeout must be a finite number of seconds > 0, got {budget!r}")
        attempt = 0
        resynced = False
        while True:
            context = self._throttler.execute_task(limit_id, request.weight, timeout=budget)
            failure: Optional[Exception] = None
            outcome_known = False
            async with context:   # ThrottleTimeoutError here: nothing was sent
                remaining = budget - context.waited
                if remaining <= 0:
                    raise ThrottleTimeoutError(f"{method} {url}: admitted by the rate limiter only at the end of "
                                               f"its {budget:g}s timeout: the request was not sent")
                try:
                    response = await self.call(request, remaining)
                except asyncio.CancelledError:
                    raise
                except ResponseTooLargeError as exc:
                    failure = exc
                    outcome_known = False
                except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
                    # the connection was never established: nothing reached the server
                    failure = NetworkError(f"{method} {url}: cannot connect: {_safe(exc)}")
                    outcome_known = True
                except asyncio.TimeoutError:
                    failure = RequestTimeoutError(f"{method} {url}: no answer within {budget:g}s")
                    outcome_known = False
                except (aiohttp.ClientError, OSError) as exc:
                    failure = NetworkError(f"{method} {url}: connection failed: {_safe(exc)}")
                    outcome_known = False
            if failure is not None:
                if not idempotent and not outcome_known:
                    raise RequestOutcomeUnknownError(str(failure), method, url) from failure
                if isinstance(failure, ResponseTooLargeError):
                    raise failure      # retrying would fetch the same oversized answer
                if not idempotent or attempt >= self._max_retries:
                    raise failure
                await self._retry_pause(attempt, failure)
                attempt += 1
                continue

            self._learn_used_weight(response, context.acquired_at)
            status = response.status
            stated = self._failure_in_success(response) if status < 300 else None
            if stated is None:
                if status < 300 or status < 400 and (idempotent or return_err):
                    return response
                if status < 400:      # a redirect (never followed) says nothing of whether the order exists
                    raise RequestOutcomeUnknownError(f"answered with a redirect to "
                                                     f"{response.headers.get('Location')!r}", method, url, status)
                code, msg, decoded = parse_error_body(response.body, self._error_format)
            elif return_err:
                return response
            else:
                code, msg, decoded = stated     # a 2xx answer whose body says the request was refused
            if status in (418, 429):
                retry_after = _retry_after(response.headers, self._default_retry_after, self._max_retry_after)
                scope = self._pause_scopes.get(code) if code is not None else None
                if scope:
                    for pool_id in (limit_id,) + scope:
                        self._throttler.pause(pool_id, retry_after, include_linked=False)
                else:
                    self._throttler.pause(limit_id, retry_after)
                _log.warning("%s %s: HTTP %d (code %s), pausing %s for %gs", method, url, status, code,
                             ", ".join(map(repr, (limit_id,) + (scope or ("and its pools",)))), retry_after)
                if return_err:
                    return response
                cls = IPBannedError if status == 418 else RateLimitExceededError
                raise cls(status, code, msg, method, url, decoded, retry_after=retry_after)
            error = ExchangeError(status, code, msg, method, url, decoded)
            if (not resynced and self._time_sync_retry is not None
                    and self._time_sync_retry.is_time_error(error)):
                resynced = True
                _log.info("%s %s: timestamp rejected (code %s); resyncing the clock and retrying once",
                          method, url, code)
                try:
                    await self._time_sync_retry.resync()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    raise ExchangeError(status, code, f"{msg}; resyncing the clock after it failed too: "
                                        f"{_safe(exc)}", method, url, decoded) from exc
                continue
            if status >= 500:
                if idempotent and attempt < self._max_retries:
                    await self._retry_pause(attempt, error)
                    attempt += 1
                    continue
                if return_err:
                    return response
                if not idempotent:
                    raise RequestOutcomeUnknownError("server error", method, url, status, code, msg)
                raise ServerError(status, code, msg, method, url, decoded)
            if return_err:
                return response
            raise error

    def _failure_in_success(self, response: RESTResponse) -> Optional[Tuple[Optional[ErrorCode], str, Any]]:
        """(code, msg, decoded) when a 2xx answer's body states an error (a venue whose
        ``ErrorBodyFormat.errors_in_success``), else None (a body that is not JSON is the caller's)."""
        if not self._error_format.errors_in_success:
            return None
        try:
            decoded = response.json_data()
        except orjson.JSONDecodeError:
            return None
        failure = self._error_format.failure_in(decoded)
        if failure is None:
            return None
        return failure[0], failure[1], decoded

    async def _retry_pause(self, attempt: int, failure: Exception) -> None:
        delay = self._backoff.delay(attempt)
        _log.warning("%s; retry %d in %.2fs", failure, attempt + 1, delay)
        await self._sleep(delay)

    def _learn_used_weight(self, response: RESTResponse, sent_at: float) -> None:
        if not self._weight_headers:
            return
        headers = response.headers
        for header, limit_id in self._weight_headers.items():
            value = headers.get(header)
            if value is None:
                continue
            try:
                used = int(value)
            except ValueError:
                _log.debug("ignoring malformed %s header %r", header, value)
                continue
            if used >= 0:
                self._throttler.update_used_weight(limit_id, used, sent_at=sent_at)
