"""Request and response records of the web layer (hummingbot's names).

``RESTRequest.params`` / ``.data`` hold either a mapping (encoded by the
connection) or an already *encoded* ``str`` that is sent byte for byte.
Signing auths use the second form: they build the query string / form body
themselves, sign exactly those bytes, and the connection sends them with
``yarl.URL(..., encoded=True)`` so nothing re-normalises them.

Values are encoded by :mod:`hummingbot_conn.web.encoding` (re-exported
here): numbers as plain decimal text, floats and non-finite values refused
before anything is signed or sent.

Reprs redact credentials: header values whose name looks like a key,
signature or token, ``signature=`` in encoded payloads, and ``apiKey`` /
``signature`` fields of WebSocket payloads.
"""
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping, Optional, Protocol, Union

import orjson

from hummingbot_conn.web.encoding import encode_json, encode_params, encode_value

__all__ = [
    "RESTMethod", "RESTRequest", "RESTResponse", "WSRequest", "WSJSONRequest", "WSPlainTextRequest",
    "WSBinaryRequest", "WSResponse", "WSFrameSink", "encode_value", "encode_params", "redact_headers",
    "redact_encoded", "REDACTED",
]

REDACTED = "***"
_SENSITIVE_NAME = re.compile(r"key|sign|secret|token|passphrase|auth|password|cookie", re.IGNORECASE)
_SIGNATURE_IN_QS = re.compile(r"((?:^|&)signature=)[^&]*")


class RESTMethod(Enum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return self.value


def redact_headers(headers: Optional[Mapping[str, Any]]) -> Optional[dict]:
    if headers is None:
        return None
    return {k: (REDACTED if _SENSITIVE_NAME.search(k) else v) for k, v in headers.items()}


def redact_encoded(payload: Any) -> Any:
    """Hide ``signature=...`` in an encoded query string or form body."""
    if isinstance(payload, bytes):
        try:
            payload = payload.decode()
        except UnicodeDecodeError:
            return f"<{len(payload)} bytes>"
    if isinstance(payload, str):
        return _SIGNATURE_IN_QS.sub(r"\1" + REDACTED, payload)
    if isinstance(payload, Mapping):
        return {k: (REDACTED if _SENSITIVE_NAME.search(str(k)) else v) for k, v in payload.items()}
    return payload


@dataclass
class RESTRequest:
    """One REST call.  ``params`` -> query string, ``data`` -> body.

    ``idempotent`` decides whether the REST layer may retry after a timeout,
    a dropped connection or a 5xx: ``None`` means "only if GET".  ``weight``
    overrides the throttler limit's own weight for this call.
    """

    method: RESTMethod
    url: Optional[str] = None
    endpoint_url: Optional[str] = None
    params: Union[Mapping[str, Any], str, None] = None
    data: Union[Mapping[str, Any], str, bytes, None] = None
    headers: Optional[Mapping[str, str]] = None
    is_auth_required: bool = False
    throttler_limit_id: Optional[str] = None
    idempotent: Optional[bool] = None
    weight: Optional[int] = None

    @property
    def is_idempotent(self) -> bool:
        return self.method is RESTMethod.GET if self.idempotent is None else self.idempotent

    def __repr__(self) -> str:
        return (f"RESTRequest(method={self.method.value}, url={self.url!r}, "
                f"params={redact_encoded(self.params)!r}, data={redact_encoded(self.data)!r}, "
                f"headers={redact_headers(self.headers)!r}, is_auth_required={self.is_auth_required}, "
                f"throttler_limit_id={self.throttler_limit_id!r})")

    __str__ = __repr__


class RESTResponse:
    """A fully read HTTP response (the body is read before the connection is released).

    ``await json()`` decodes with orjson (whatever the content type; Binance
    error pages are sometimes text/html); ``await text()`` returns the text.
    """

    __slots__ = ("url", "method", "status", "headers", "body", "_decoded")

    def __init__(self, url: str, method: RESTMethod, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.url = url
        self.method = method
        self.status = status
        self.headers = headers
        self.body = body
        self._decoded: Any = _UNSET

    def json_data(self) -> Any:
        """The decoded JSON body (cached).  Raises ``orjson.JSONDecodeError`` on a non-JSON body."""
        if self._decoded is _UNSET:
            self._decoded = orjson.loads(self.body)
        return self._decoded

    async def json(self) -> Any:
        return self.json_data()

    async def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def __repr__(self) -> str:
        return f"RESTResponse({self.method.value} {self.url} -> {self.status}, {len(self.body)} bytes)"


_UNSET = object()


class WSFrameSink(Protocol):
    """What a ``WSRequest`` sends itself through (``web.connections.WSConnection`` is one).

    Stated here as a protocol so that the request records do not import the
    transport that imports them.
    """

    async def send_str(self, payload: str) -> None: ...

    async def send_bytes(self, payload: bytes) -> None: ...

    async def send_bytes_as_text(self, payload: bytes) -> None: ...


class WSRequest(ABC):
    """A frame to send over a ``WSConnection``."""

    throttler_limit_id: Optional[str]
    is_auth_required: bool

    @abstractmethod
    async def send_with_connection(self, connection: WSFrameSink) -> None:
        ...


def _redact_payload(payload: Any) -> Any:
    if isinstance(payload, Mapping):
        return {k: (REDACTED if _SENSITIVE_NAME.search(str(k)) else _redact_payload(v)) for k, v in payload.items()}
    if isinstance(payload, list):
        return [_redact_payload(v) for v in payload]
    return payload


@dataclass
class WSJSONRequest(WSRequest):
    payload: Mapping[str, Any]
    throttler_limit_id: Optional[str] = None
    is_auth_required: bool = False

    async def send_with_connection(self, connection: WSFrameSink) -> None:
        await connection.send_bytes_as_text(encode_json(self.payload, "payload"))

    def __repr__(self) -> str:
        return (f"WSJSONRequest(payload={_redact_payload(self.payload)!r}, "
                f"throttler_limit_id={self.throttler_limit_id!r}, is_auth_required={self.is_auth_required})")


@dataclass
class WSPlainTextRequest(WSRequest):
    payload: str
    throttler_limit_id: Optional[str] = None
    is_auth_required: bool = False

    async def send_with_connection(self, connection: WSFrameSink) -> None:
        await connection.send_str(self.payload)


@dataclass
class WSBinaryRequest(WSRequest):
    payload: bytes
    throttler_limit_id: Optional[str] = None
    is_auth_required: bool = False

    async def send_with_connection(self, connection: WSFrameSink) -> None:
        await connection.send_bytes(self.payload)


@dataclass
class WSResponse:
    """A received frame: decoded JSON for text frames that parse, else the raw text / bytes."""

    data: Any
    received_at: float = field(default=0.0, compare=False)
