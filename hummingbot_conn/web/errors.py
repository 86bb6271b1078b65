"""Typed errors of the web layer.

Every error a connector has to tell apart is its own type, so callers branch
on ``isinstance`` and attributes, never on message text (hummingbot matched
``"-1021" in str(exc)``).  All request errors derive from ``OSError`` (alias
``IOError``) so code written for hummingbot's ``except IOError`` still works.

Messages never contain credentials: they name the method, the URL *path*
(never the query string, which carries the signature) and what the exchange
answered.

An exchange's own error code is an ``int`` (Binance ``-1121``) or a ``str``
(Kraken ``"EOrder:Insufficient funds"``, OKX ``"51000"``): ``ErrorCode``.
How a venue's JSON bodies state an error, including the venues that answer
HTTP 200 to a refused request, is a declaration (``ErrorBodyFormat``) the
REST layer reads; the default is the ``{"code": <int>, "msg": ...}`` shape.
"""
from dataclasses import dataclass
from typing import Any, FrozenSet, Optional, Tuple, Union

__all__ = [
    "ErrorCode", "ErrorBodyFormat", "DEFAULT_ERROR_BODY_FORMAT",
    "WebError", "ExchangeError", "AuthenticationError", "RateLimitExceededError", "IPBannedError",
    "ServerError", "NetworkError", "RequestTimeoutError", "RequestOutcomeUnknownError",
    "ThrottleTimeoutError", "ResponseTooLargeError", "MalformedResponseError",
    "WSError", "WSDisconnectedError", "WSSilentError",
    "ThrottlerError", "UnknownLimitError", "WeightExceedsLimitError", "is_auth_rejection",
]


ErrorCode = Union[int, str]


@dataclass(frozen=True)
class ErrorBodyFormat:
    """How a venue's JSON bodies state an error (read by ``RESTAssistant``; one per venue).

    * ``code_field`` / ``message_fields``: where the code and the message are,
      at the top of the body or inside ``nested_field`` when that holds an
      object (Binance's WebSocket-API shape ``{"error": {"code": ...}}``);
    * ``code_types``: what counts as a code (``(int,)`` by default, so a
      Binance body reads as before; ``(str,)`` for OKX's ``"51000"``; a bool
      or an empty string never does);
    * ``error_list_field``: a list of error strings, any status (Kraken's
      ``{"error": ["EOrder:..."], "result": ...}``): a non-empty list, after
      dropping the strings that start with ``warning_prefix``, is an error
      whose code is the first string and whose message is all of them;
    * ``errors_in_success``: a body of a 2xx answer may state an error too
      (Kraken, OKX); it is then an ``ExchangeError`` with that status;
    * ``ok_codes``: codes that mean success (OKX ``"0"``).

    Facts per venue: docs/kraken_spot.md section 3 (Kraken), the default is
    Binance's (docs/binance_spot.md section 1.3)."""

    code_field: str = "code"
    message_fields: Tuple[str, ...] = ("msg", "message")
    nested_field: Optional[str] = "error"
    code_types: Tuple[Any, ...] = (int,)
    error_list_field: Optional[str] = None
    warning_prefix: Optional[str] = None
    errors_in_success: bool = False
    ok_codes: FrozenSet[ErrorCode] = frozenset()

    def _listed(self, decoded: Any) -> Optional[Tuple[ErrorCode, str]]:
        if self.error_list_field is None or not isinstance(decoded, dict):
            return None
        listed = decoded.get(self.error_list_field)
        if not isinstance(listed, list):
            return None
        prefix = self.warning_prefix
        errors = [str(e) for e in listed if not (prefix and isinstance(e, str) and e.startswith(prefix))]
        if not errors:
            return None
        return errors[0], "; ".join(errors)

    def _coded(self, decoded: Any) -> Tuple[Optional[ErrorCode], Optional[str]]:
        """(code, message) as the body states them, either None when absent."""
        if not isinstance(decoded, dict):
            return None, None
        inner = decoded.get(self.nested_field) if self.nested_field else None
        err = inner if isinstance(inner, dict) else decoded
        raw = err.get(self.code_field)
        code: Optional[ErrorCode] = None
        if isinstance(raw, (int, str)) and not isinstance(raw, bool) and isinstance(raw, self.code_types) \
                and raw != "":
            code = raw
        msg = next((err[name] for name in self.message_fields if err.get(name) is not None), None)
        return code, None if msg is None else str(msg)

    def describe(self, decoded: Any) -> Tuple[Optional[ErrorCode], Optional[str]]:
        """(code, message) of an error answer's decoded body; either None when the body does not
        state it (the caller then shows an excerpt)."""
        listed = self._listed(decoded)
        if listed is not None:
            return listed
        return self._coded(decoded)

    def failure_in(self, decoded: Any) -> Optional[Tuple[Optional[ErrorCode], str]]:
        """(code, message) when a success answer's decoded body states an error, else None (always
        None unless ``errors_in_success``)."""
        if not self.errors_in_success:
            return None
        listed = self._listed(decoded)
        if listed is not None:
            return listed
        if self.error_list_field is not None:
            return None         # the list is how this venue states errors: an empty one is success
        code, msg = self._coded(decoded)
        if code is None or code in self.ok_codes:
            return None
        return code, msg or ""


DEFAULT_ERROR_BODY_FORMAT = ErrorBodyFormat()


class WebError(OSError):
    """Base of every error raised by a REST or WebSocket request."""


class ExchangeError(WebError):
    """The exchange refused the request: an HTTP error status (>= 400), or a success status whose
    body states an error for a venue that answers so (``ErrorBodyFormat.errors_in_success``).

    ``status`` is the HTTP status, ``code``/``msg`` the exchange's own error
    code (an ``int`` or a ``str``: ``ErrorCode``) and message when the body
    carried them (Binance: ``{"code": -1121, "msg": "Invalid symbol."}``;
    Kraken: ``{"error": ["EOrder:Insufficient funds"]}``), else ``None`` and a
    short excerpt of the body.
    """

    def __init__(self, status: int, code: Optional[ErrorCode], msg: str, method: str = "", url: str = "",
                 body: Any = None) -> None:
        self.status = status
        self.code = code
        self.msg = msg
        self.method = method
        self.url = url
        self.body = body
        where = f"{method} {url} " if method or url else ""
        super().__init__(f"{where}failed: HTTP {status}, code {code}: {msg}")

    def __reduce__(self):  # keep pickling (multiprocessing, logging handlers) working
        return (type(self), (self.status, self.code, self.msg, self.method, self.url, self.body))


class AuthenticationError(ExchangeError):
    """The exchange rejected the API credentials for good: retrying cannot help.

    A wrong or malformed API key, a key this IP or these permissions do not
    allow, a signature made with the wrong secret (Binance: ``-2014``,
    ``-2015``, ``-1022``, HTTP 401; docs/binance_spot.md section 4).  The
    connector raises it from ``wait_ready`` at once instead of waiting for its
    timeout; ``str()`` is one sentence naming the venue's code and message,
    e.g. ``"binance rejected the API key: -2015 Invalid API-key, IP, or
    permissions for action."`` (never the key or the secret).

    ``venue`` is the connector's name; the other attributes are those of the
    ``ExchangeError`` it was made from (``from_error``).
    """

    def __init__(self, venue: str, status: int, code: Optional[ErrorCode], msg: str, method: str = "",
                 url: str = "", body: Any = None) -> None:
        super().__init__(status, code, msg, method, url, body)
        self.venue = venue
        if code is not None and msg == str(code):
            what = msg          # a venue whose error string is both its code and its message (Kraken)
        else:
            what = f"{code} {msg}" if code is not None else f"HTTP {status} {msg}"
        what = what.rstrip()
        self.args = (f"{venue} rejected the API key: {what}" + ("" if what.endswith(".") else "."),)

    @classmethod
    def from_error(cls, venue: str, error: ExchangeError) -> "AuthenticationError":
        if isinstance(error, AuthenticationError):
            return error
        return cls(venue, error.status, error.code, error.msg, error.method, error.url, error.body)

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self):
        return (type(self), (self.venue, self.status, self.code, self.msg, self.method, self.url, self.body))


def is_auth_rejection(error: BaseException, codes: "frozenset[int]" = frozenset()) -> bool:
    """True when ``error`` is the exchange refusing the credentials for good: HTTP 401, or an
    ``ExchangeError`` whose venue code is one of ``codes`` (the venue's own list)."""
    return isinstance(error, ExchangeError) and (error.status == 401 or error.code in codes)


class RateLimitExceededError(ExchangeError):
    """HTTP 429: the request was rejected (not executed) for breaking a rate limit.

    ``retry_after`` is the pause in seconds the server asked for (``Retry-After``);
    the REST layer has already paused the matching throttler limits that long.
    """

    def __init__(self, status: int, code: Optional[ErrorCode], msg: str, method: str = "", url: str = "",
                 body: Any = None, retry_after: float = 0.0) -> None:
        super().__init__(status, code, msg, method, url, body)
        self.retry_after = retry_after

    def __reduce__(self):
        return (type(self), (self.status, self.code, self.msg, self.method, self.url, self.body,
                             self.retry_after))


class IPBannedError(RateLimitExceededError):
    """HTTP 418: the IP is banned until ``retry_after`` seconds from now."""


class ServerError(ExchangeError):
    """HTTP 5xx on a request that was safe to retry, after the retries ran out."""


class NetworkError(WebError):
    """The request could not be completed (connection refused, reset, DNS ...).

    Raised only where the outcome is *known* not to matter: an idempotent
    request, or a connection that failed before anything was sent.
    """


class RequestTimeoutError(NetworkError):
    """An idempotent request got no answer within its timeout."""


class ThrottleTimeoutError(RequestTimeoutError, TimeoutError):
    """The request waited for rate-limit capacity for its whole timeout and was never sent.

    Safe for any method: nothing reached the exchange.  Also a ``TimeoutError``
    (``asyncio.TimeoutError``), for code written against hummingbot's throttler.
    """


class ResponseTooLargeError(WebError):
    """An answer larger than the connection's ``max_response_size`` (bytes, after decompression).

    Reading stops at the cap, so a huge answer costs at most that much memory.
    On a non-idempotent request the REST layer raises
    ``RequestOutcomeUnknownError`` instead (this error as its cause).
    """

    def __init__(self, limit: int, method: str = "", url: str = "") -> None:
        self.limit = limit
        self.method = method
        self.url = url
        super().__init__(f"{method} {url}: the answer is larger than max_response_size={limit} bytes")

    def __reduce__(self):
        return (type(self), (self.limit, self.method, self.url))


class MalformedResponseError(WebError):
    """An idempotent request got a success status (< 400) whose body could not be decoded.

    (A non-idempotent one gets ``RequestOutcomeUnknownError`` instead: an
    answer nobody can read says nothing about whether the order exists.)
    """

    def __init__(self, status: int, reason: str, method: str = "", url: str = "") -> None:
        self.status = status
        self.reason = reason
        self.method = method
        self.url = url
        super().__init__(f"{method} {url}: HTTP {status} answer could not be read: {reason}")

    def __reduce__(self):
        return (type(self), (self.status, self.reason, self.method, self.url))


class RequestOutcomeUnknownError(WebError):
    """A non-idempotent request (e.g. order placement) may or may not have taken effect.

    Raised on a timeout, a connection lost after the request was sent, a
    5xx answer, or a success answer that cannot be read (not JSON, too large,
    a redirect).  The caller must not resend it blindly: keep the order
    PENDING_CREATE and reconcile by client order id.  ``status``/``code``/``msg``
    are set when an answer was received (``code``/``msg`` when it carried them), else ``None``.
    """

    def __init__(self, reason: str, method: str = "", url: str = "", status: Optional[int] = None,
                 code: Optional[ErrorCode] = None, msg: Optional[str] = None) -> None:
        self.reason = reason
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.msg = msg
        if status is None:
            detail = ""
        elif code is None and msg is None:
            detail = f" (HTTP {status})"
        else:
            detail = f" (HTTP {status}, code {code}: {msg})"
        super().__init__(f"{method} {url} outcome unknown: {reason}{detail}")

    def __reduce__(self):
        return (type(self), (self.reason, self.method, self.url, self.status, self.code, self.msg))


class WSError(WebError):
    """Base of WebSocket errors."""


class WSDisconnectedError(WSError, ConnectionError):
    """The WebSocket is not connected, or the server closed / dropped it."""


class WSSilentError(WSDisconnectedError):
    """No frame (data, ping or pong) arrived within the silence timeout: the socket is presumed dead."""


class ThrottlerError(Exception):
    """Base of configuration errors raised by the throttler at once (never a hang)."""


class UnknownLimitError(ThrottlerError, LookupError):
    """A limit id that no registered ``RateLimit`` has."""


class WeightExceedsLimitError(ThrottlerError, ValueError):
    """A request heavier than its limit (after the share percentage) could never be admitted."""
