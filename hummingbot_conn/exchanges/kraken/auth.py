"""Kraken REST signing and nonces (docs/kraken_spot.md section 5).

A private call is a form-encoded POST whose body carries ``nonce``; it is
signed ``API-Sign = base64(HMAC-SHA512(base64decode(secret), path +
SHA256(nonce + body)))`` where ``path`` is the URL path (``/0/private/...``),
and the key goes in ``API-Key``.  The body is encoded here, once, and sent as
those exact bytes, so what is signed is what is sent.

Nonces must grow strictly per API key, also across restarts of the
connector.  ``NonceSource`` gives ``max(now in microseconds, last + 1)``:
the time floor keeps a restarted process above every nonce an earlier one
used (it used at most one per microsecond of its life, and the clock moved
on), and one high-water mark per key in the process keeps two connectors on
the same key (a restart inside one process, the conformance kit) apart.  An
optional ``path`` persists the mark, for a host whose clock may step back.

The secret never appears in a repr, a log line or an exception message.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
import time
from typing import Callable, Dict, Optional
from urllib.parse import urlencode, urlsplit

from hummingbot_conn.web.auth import AuthBase
from hummingbot_conn.web.data_types import RESTRequest, WSRequest

__all__ = ["KrakenAuth", "NonceSource", "sign"]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def sign(secret: bytes, path: str, nonce: str, body: str) -> str:
    """``API-Sign`` of one request: ``secret`` decoded from base64, ``path`` ``/0/private/...``,
    ``body`` the exact form text sent (it holds ``nonce=...`` too)."""
    digest = hashlib.sha256((nonce + body).encode()).digest()
    return base64.b64encode(hmac.new(secret, path.encode() + digest, hashlib.sha512).digest()).decode()


class NonceSource:
    """Strictly increasing nonces per API key (module docstring).  ``clock``: seconds (injected in
    tests); ``path``: a file the high-water mark is kept in (None: the process only)."""

    _marks: Dict[str, int] = {}
    _lock = threading.Lock()

    def __init__(self, key_id: str, clock: Callable[[], float] = time.time, path: Optional[str] = None) -> None:
        self._key = hashlib.sha256(key_id.encode()).hexdigest()     # never the key itself in memory dumps
        self._clock = clock
        self._path = path
        if path is not None:
            try:
                with open(path, encoding="ascii") as fh:
                    stored = int(fh.read().strip() or 0)
            except (OSError, ValueError):
                stored = 0
            with self._lock:
                self._marks[self._key] = max(self._marks.get(self._key, 0), stored)

    def next(self) -> int:
        with self._lock:
            nonce = max(int(self._clock() * 1_000_000), self._marks.get(self._key, 0) + 1)
            self._marks[self._key] = nonce
        if self._path is not None:
            tmp = f"{self._path}.tmp"
            with open(tmp, "w", encoding="ascii") as fh:
                fh.write(str(nonce))
            os.replace(tmp, self._path)
        return nonce


class KrakenAuth(AuthBase):
    """Signs Kraken's private REST calls (``request.data``: a mapping of the call's arguments).

    :raises ValueError: a secret that is not base64 (the message never holds it)."""

    def __init__(self, api_key: str, secret_key: str, nonce_source: Optional[NonceSource] = None) -> None:
        if not isinstance(api_key, str) or not api_key or not api_key.isprintable():
            raise ValueError("the Kraken API key must be a non-empty printable string")
        try:
            secret = base64.b64decode(secret_key, validate=True) if isinstance(secret_key, str) else b""
        except (binascii.Error, ValueError):
            secret = b""
        del secret_key
        if not secret:
            raise ValueError("the Kraken API secret must be base64 text, as Kraken issues it")
        self._api_key = api_key
        self._secret = secret
        self._nonces = nonce_source or NonceSource(api_key)

    @property
    def api_key(self) -> str:
        return self._api_key

    def __repr__(self) -> str:
        return f"KrakenAuth(api_key={self._api_key[:4] + '...'!r})"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("KrakenAuth holds a secret and cannot be pickled")

    def encode(self, data: Optional[Dict[str, str]]) -> tuple:
        """``(nonce, body)``: a fresh nonce first in the form body, then the call's arguments."""
        nonce = str(self._nonces.next())
        fields = {"nonce": nonce}
        for name, value in (data or {}).items():
            if name != "nonce":
                fields[name] = value
        return nonce, urlencode(fields)

    async def rest_authenticate(self, request: RESTRequest) -> RESTRequest:
        data = request.data if isinstance(request.data, dict) else {}
        nonce, body = self.encode(data)
        path = urlsplit(request.url or "").path
        headers = dict(request.headers or {})
        headers.update({"API-Key": self._api_key, "API-Sign": sign(self._secret, path, nonce, body),
                        "Content-Type": FORM_CONTENT_TYPE})
        request.data = body
        request.headers = headers
        return request

    async def ws_authenticate(self, request: WSRequest) -> WSRequest:
        return request      # WS v2 private requests carry a token from GetWebSocketsToken instead
