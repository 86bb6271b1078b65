"""BinanceAuth: HMAC-SHA256 signing for REST and the WebSocket API (both Binance venues sign alike).

REST (docs/binance_spot.md section 2.2): the payload is the *percent-encoded* query
string concatenated, with no separator, to the form body; ``recvWindow`` and
``timestamp`` go last into the body if there is one, else into the query,
and ``signature`` is appended after them.  The encoded strings are handed to
the connection as they are, so the bytes sent are the bytes signed::

    query  symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC
    body   quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd1...

WebSocket API (section 2.5): all params but ``signature``, ``apiKey``
included, sorted by name, joined as ``name=value`` over raw UTF-8 (no
percent-encoding).

The secret never appears in a repr, a log line or an exception message.
"""
import hashlib
import hmac
from typing import Any, Callable, Dict, Mapping, Optional, Union

from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.data_types import RESTRequest, WSJSONRequest, WSRequest, encode_params, encode_value

__all__ = ["BinanceAuth", "API_KEY_HEADER"]

API_KEY_HEADER = "X-MBX-APIKEY"
_RESERVED = ("timestamp", "signature")


class BinanceAuth(AuthBase):
    """Signs Binance requests.

    :param time_provider: anything with ``time() -> seconds`` (a ``TimeSynchronizer``)
        or a zero-argument callable returning seconds
    :param recv_window_ms: sent as ``recvWindow`` on every signed request (None: omit)
    """

    def __init__(self, api_key: str, secret_key: str, time_provider: Union[Any, Callable[[], float]],
                 recv_window_ms: Optional[int] = 5000) -> None:
        """:raises TypeError / ValueError: a key that is not a usable ``str``; the message never holds it."""
        # the credentials leave this frame's locals before anything can raise, so neither a
        # traceback printer that shows locals nor the exception itself carries them
        key_problem, secret, secret_problem = _check_api_key(api_key), _secret_bytes(secret_key), None
        if secret is None:
            secret_problem = _secret_problem(secret_key)
        api_key_ok = api_key if key_problem is None else None
        del api_key, secret_key
        problem = key_problem or secret_problem
        if problem is not None:
            del secret, api_key_ok, key_problem, secret_problem
            raise problem
        self._api_key: str = api_key_ok  # type: ignore[assignment]
        self._secret: bytes = secret  # type: ignore[assignment]
        self._hmac = hmac.new(self._secret, digestmod=hashlib.sha256)
        self.time_provider = time_provider
        self._now: Callable[[], float] = time_provider.time if hasattr(time_provider, "time") else time_provider
        self.recv_window_ms = recv_window_ms

    @property
    def api_key(self) -> str:
        return self._api_key

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_key={_mask(getattr(self, '_api_key', ''))!r})"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError(f"{type(self).__name__} holds a secret and cannot be pickled")

    # ------------------------------------------------------------------ REST
    def timestamp_ms(self) -> int:
        return int(round(self._now() * 1e3))

    def sign(self, payload: str) -> str:
        """Hex HMAC-SHA256 of ``payload`` (UTF-8) with the secret.

        :raises ValueError: ``payload`` cannot be encoded (a lone surrogate); the message
            does not quote it (a WebSocket payload holds the API key)
        """
        try:
            data = payload.encode("utf-8")
        except UnicodeEncodeError:
            data = None
        if data is None:
            del payload
            raise ValueError("a request parameter cannot be encoded as UTF-8 (it holds a lone surrogate)")
        # a copy of the keyed state: the key's pads are hashed once, not on every request
        mac = self._hmac.copy()
        mac.update(data)
        return mac.hexdigest()

    def header_for_authentication(self) -> Dict[str, str]:
        return {API_KEY_HEADER: self._api_key}

    async def rest_authenticate(self, request: RESTRequest) -> RESTRequest:
        query = _encoded(request.params)
        body = _encoded(request.data)
        for part in (request.params, request.data):
            if isinstance(part, Mapping) and any(name in part for name in _RESERVED):
                raise ValueError("timestamp and signature are added by BinanceAuth; do not pass them")
        auth_params = []
        if self.recv_window_ms is not None and not _has_param(request, "recvWindow"):
            auth_params.append(("recvWindow", self.recv_window_ms))
        auth_params.append(("timestamp", self.timestamp_ms()))
        extra = encode_params(auth_params)
        if body:
            body = f"{body}&{extra}"
        else:
            query = f"{query}&{extra}" if query else extra
        signature = self.sign(query + body)
        if body:
            body = f"{body}&signature={signature}"
        else:
            query = f"{query}&signature={signature}"
        headers = dict(request.headers or {})
        headers.update(self.header_for_authentication())
        request.params = query
        request.data = body or None
        request.headers = headers
        return request

    # ------------------------------------------------------------ WebSocket
    def generate_ws_signature(self, params: Mapping[str, Any]) -> str:
        """Signature of a WebSocket API request: sorted ``name=value`` over raw UTF-8."""
        payload = "&".join(f"{k}={encode_value(v)}" for k, v in sorted(params.items()) if k != "signature")
        return self.sign(payload)

    def generate_ws_subscribe_params(self) -> Dict[str, Any]:
        """``params`` of ``userDataStream.subscribe.signature``: apiKey, timestamp, signature."""
        params: Dict[str, Any] = {"apiKey": self._api_key, "timestamp": self.timestamp_ms()}
        params["signature"] = self.generate_ws_signature(params)
        return params

    def sign_ws_params(self, params: Dict[str, Any]) -> Dict[str, Any]:
        """Sign the ``params`` of a WebSocket API request in place and return them (section 2.5):
        adds ``apiKey``, ``recvWindow`` (when set), ``timestamp`` (unless given) and ``signature``.

        The order path's signer: one sorted join and one HMAC, no copy of the dict.
        :raises ValueError: a parameter cannot be encoded as UTF-8 (the message names none of them)
        """
        params.pop("signature", None)
        params["apiKey"] = self._api_key
        if self.recv_window_ms is not None and "recvWindow" not in params:
            params["recvWindow"] = self.recv_window_ms
        if "timestamp" not in params:
            params["timestamp"] = self.timestamp_ms()
        params["signature"] = self.sign("&".join([
            f"{k}={v if type(v) is str else encode_value(v)}" for k, v in sorted(params.items())]))
        return params

    async def ws_authenticate(self, request: WSRequest) -> WSRequest:
        """Sign a WebSocket API request ``{"id", "method", "params": {...}}`` (adds apiKey, timestamp, signature)."""
        if not isinstance(request, WSJSONRequest) or not isinstance(request.payload, Mapping):
            return request
        payload = dict(request.payload)
        params = dict(payload.get("params") or {})
        params.pop("apiKey", None)
        params.pop("signature", None)
        _check_encodable(params)          # before the key joins them: no error may quote it
        params["apiKey"] = self._api_key
        params.setdefault("timestamp", self.timestamp_ms())
        params.pop("signature", None)
        params["signature"] = self.generate_ws_signature(params)
        payload["params"] = params
        return WSJSONRequest(payload=payload, throttler_limit_id=request.throttler_limit_id,
                             is_auth_required=request.is_auth_required)


def _encoded(part: Any) -> str:
    if part is None:
        return ""
    if isinstance(part, bytes):
        return part.decode("ascii")
    if isinstance(part, str):
        return part
    return encode_params(part)


def _has_param(request: RESTRequest, name: str) -> bool:
    for part in (request.params, request.data):
        if isinstance(part, Mapping) and name in part:
            return True
        if isinstance(part, (str, bytes)):
            text = part.decode("ascii") if isinstance(part, bytes) else part
            if any(p.split("=", 1)[0] == name for p in text.split("&")):
                return True
    return False


def _check_encodable(params: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` (naming the parameter) if a name or value has no UTF-8 text (a lone surrogate)."""
    for name, value in params.items():
        try:
            f"{name}={encode_value(value, str(name))}".encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"parameter {str(name).encode('utf-8', 'backslashreplace').decode()!r} cannot be "
                             "encoded as UTF-8 (it holds a lone surrogate)") from None


def _check_api_key(api_key: Any) -> Optional[Exception]:
    """The problem with an API key (it goes into an HTTP header: printable ASCII), or None."""
    if not isinstance(api_key, str):
        return TypeError(f"the API key must be a str, not {type(api_key).__name__}")
    if not api_key:
        return ValueError("BinanceAuth needs a non-empty API key and secret")
    if not all("!" <= ch <= "~" for ch in api_key):
        return ValueError("the API key must be printable ASCII without spaces (it is sent as a header)")
    return None


def _secret_bytes(secret_key: Any) -> Optional[bytes]:
    """The secret as UTF-8 bytes, or None when it is not a non-empty, encodable str."""
    if not isinstance(secret_key, str) or not secret_key:
        return None
    try:
        return secret_key.encode("utf-8")
    except UnicodeEncodeError:   # a lone surrogate; the exception would quote the whole secret
        return None


def _secret_problem(secret_key: Any) -> Exception:
    if not isinstance(secret_key, str):
        return TypeError(f"the API secret must be a str, not {type(secret_key).__name__}")
    if not secret_key:
        return ValueError("BinanceAuth needs a non-empty API key and secret")
    return ValueError("the API secret cannot be encoded as UTF-8 (it holds a lone surrogate)")


def _mask(value: str) -> str:
    return f"{value[:4]}...{value[-2:]}" if len(value) > 12 else "***"
