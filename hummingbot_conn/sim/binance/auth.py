"""Binance request verification, spot and USDⓈ-M alike (it never uses the connector's signing code).

REST (docs/binance_spot.md 2.2, 2.6): the payload is the *raw* query string followed,
without separator, by the raw form body, each with its ``signature=``
parameter removed; HMAC-SHA256 with the account secret, hex, compared
case-insensitively. WebSocket API (2.5): all params but ``signature``,
sorted by name, joined as ``name=value`` over the raw UTF-8 values.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode

from . import errors as E
from .errors import SimError
from .params import strict_decimal, strict_int


class KeyedAccounts(Protocol):
    """A venue's account registry, as verification uses it (``kernel/accounts.py``)."""

    def by_key(self, api_key: str) -> Any: ...

_KEY_FORMAT = re.compile(r"[A-Za-z0-9]{1,128}")
MAX_RECV_WINDOW = Decimal(60000)
DEFAULT_RECV_WINDOW = Decimal(5000)


def hmac_hex(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def split_signature(raw: str) -> tuple[str, list[str]]:
    """Remove ``signature=...`` from a raw ``a=1&b=2`` string: (payload without it, signatures found)."""
    if "signature=" not in raw:
        return raw, []
    parts, sigs = [], []
    for part in raw.split("&"):
        if part.startswith("signature="):
            sigs.append(part[len("signature="):])
        elif part:
            parts.append(part)
    return "&".join(parts), sigs


def rest_payload(raw_query: str, raw_body: str) -> tuple[str, list[str]]:
    """The signed REST payload: query + body (no separator), signatures stripped."""
    q, s1 = split_signature(raw_query)
    b, s2 = split_signature(raw_body)
    return q + b, s1 + s2


def parse_params(raw_query: str, raw_body: str) -> dict[str, str]:
    """Parameters from query and body; the query wins; duplicates within one part are -1101."""
    out: dict[str, str] = {}
    for raw in (raw_body, raw_query):
        seen: set[str] = set()
        for name, value in parse_qsl(raw, keep_blank_values=True):
            if name in seen:
                raise SimError(-1101, "Duplicate values for a parameter detected.")
            seen.add(name)
            out[name] = value
    return out


def lookup_key(registry: KeyedAccounts, api_key: str | None) -> Any:
    """X-MBX-APIKEY -> account, or -2014 (malformed) / -2015 (absent or unknown)."""
    if not api_key:
        raise E.rejected_api_key()
    if not isinstance(api_key, str) or not _KEY_FORMAT.fullmatch(api_key):
        raise E.bad_api_key_format()
    account = registry.by_key(api_key)
    if account is None:
        raise E.rejected_api_key()
    return account


def check_timestamp(params: dict[str, str], now_ms: int) -> None:
    """Timing security (2.3): -1102 missing or malformed, -1021 outside recvWindow or > 1 s ahead.

    ``timestamp`` is ASCII digits only (ms, or µs above 10^14); ``recvWindow``
    ASCII ``digits[.ddd]`` (up to three decimals), in (0, 60000].
    """
    raw_ts = params.get("timestamp")
    if not raw_ts:
        raise E.mandatory("timestamp")
    timestamp = strict_int(raw_ts, signed=False)
    if timestamp is None:
        raise E.mandatory("timestamp")
    if timestamp > 10**14:  # sent in microseconds
        timestamp //= 1000
    raw_window = params.get("recvWindow")
    window = DEFAULT_RECV_WINDOW
    if raw_window is not None:
        parsed = strict_decimal(raw_window, max_decimals=3)
        if parsed is None or parsed <= 0:
            raise E.mandatory("recvWindow")
        window = parsed
        if window > MAX_RECV_WINDOW:
            raise SimError(-1102, "'recvWindow' contains unexpected value. Cannot be greater than 60000.")
    if timestamp >= now_ms + 1000:
        raise E.ahead_of_server()
    if now_ms - timestamp > window:
        raise E.outside_recv_window()


def verify_rest(registry: KeyedAccounts, api_key: str | None, raw_query: str, raw_body: str,
                params: dict[str, str], now_ms: int) -> Any:
    """Full SIGNED check in the order of docs/binance_spot.md 2.6; returns the account."""
    account = lookup_key(registry, api_key)
    payload, sigs = rest_payload(raw_query, raw_body)
    if not sigs or not sigs[0]:
        raise E.mandatory("signature")
    check_timestamp(params, now_ms)
    expected = hmac_hex(account.secret, payload)
    if not hmac.compare_digest(expected, sigs[0].lower()):
        raise E.bad_signature()
    return account


def ws_payload(params: dict) -> str:
    """WebSocket API payload: sorted ``name=value`` pairs, ``signature`` excluded, raw UTF-8."""
    return "&".join(f"{k}={_ws_value(params[k])}" for k in sorted(params) if k != "signature")


def _ws_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def verify_ws(registry: KeyedAccounts, params: dict, now_ms: int) -> Any:
    """A SIGNED WebSocket API request (``apiKey``, ``timestamp``, ``signature`` in params)."""
    api_key = params.get("apiKey")
    if api_key is not None and not isinstance(api_key, str):
        raise E.bad_api_key_format()
    for name, value in params.items():   # only JSON scalars can be signed as name=value
        if not isinstance(value, (str, int, float, bool)) or isinstance(value, float) and value != value:
            raise SimError(-1100, f"Illegal characters found in parameter '{name}'.")
    account = lookup_key(registry, api_key)
    signature = params.get("signature")
    if not isinstance(signature, str) or not signature:
        raise E.mandatory("signature")
    check_timestamp({k: str(v) for k, v in params.items() if k in ("timestamp", "recvWindow")}, now_ms)
    expected = hmac_hex(account.secret, ws_payload(params))
    if hmac.compare_digest(expected, signature.lower()):
        return account
    # the official Python client percent-encodes the sorted pairs; identical for ASCII,
    # and accepted for non-ASCII values too since both encodings are in use
    encoded = urlencode([(k, _ws_value(params[k])) for k in sorted(params) if k != "signature"])
    if hmac.compare_digest(hmac_hex(account.secret, encoded), signature.lower()):
        return account
    raise E.bad_signature()
