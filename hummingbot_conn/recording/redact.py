"""Secrets never reach a recording: API keys, signatures, tokens and listen keys are replaced at capture.

What counts as a secret is named here once, for every venue: a query or body
parameter, a JSON field or a header whose name is one of :data:`SECRET_NAMES`
(or contains ``key``, ``sign``, ``token``, ``secret`` or ``passphrase``), and
the listen key a USD-M style user stream puts in its URL path (``/ws/<listenKey>``).
The value becomes :data:`REDACTED`, the same text every time, so a replay that is
handed a redacted listen key asks for the same redacted URL the recording holds
(docs/recording.md, "Secrets").
"""
from typing import Any, Dict, Mapping, Optional
from urllib.parse import parse_qsl, urlencode

import orjson

__all__ = ["REDACTED", "SECRET_NAMES", "is_secret_name", "redact_url", "redact_query", "redact_headers",
           "redact_json_text", "redact_value", "looks_secret"]

REDACTED = "REDACTED"

#: parameter, field and header names whose values are secrets, lower case
SECRET_NAMES = frozenset(("apikey", "api_key", "signature", "listenkey", "listen_key", "x-mbx-apikey", "token",
                          "authorization", "cookie", "set-cookie", "secret", "passphrase", "api-sign",
                          "api-key", "ok-access-sign", "ok-access-key", "ok-access-passphrase"))
_PARTS = ("key", "sign", "token", "secret", "passphrase")
# names that contain a part above and are no secret (the venues' weight headers, order fields)
_NOT_SECRET = frozenset(("keepalive",))
# the words whose presence in a frame's text makes it worth parsing for secrets (a cheap C-level scan)
_TRIGGERS = ("key", "Key", "sign", "token", "Token", "secret")


def is_secret_name(name: str) -> bool:
    low = name.lower()
    if low in SECRET_NAMES:
        return True
    if low in _NOT_SECRET:
        return False
    return any(part in low for part in _PARTS)


def looks_secret(text: str) -> bool:
    """True when ``text`` may hold a secret field (then :func:`redact_json_text` is worth its cost)."""
    return any(word in text for word in _TRIGGERS)


def redact_value(value: Any) -> Any:
    """A JSON value with every secret field's value replaced, recursively; a secret field whose value
    is an object or a list has every scalar inside it replaced (its shape kept)."""
    if isinstance(value, dict):
        return {k: (_redact_all(v) if isinstance(k, str) and is_secret_name(k) else redact_value(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    return value


def _redact_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _redact_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_all(v) for v in value]
    return REDACTED


def redact_json_text(text: str) -> str:
    """``text`` with its secret fields redacted when it is JSON; other text is returned as it is,
    unless it is a query string (``a=1&signature=...``), whose secret parameters are redacted."""
    if not looks_secret(text):
        return text
    try:
        decoded = orjson.loads(text)
    except orjson.JSONDecodeError:
        # a form body can hold a space (a value sent unencoded): still a query string to redact
        return redact_query(text) if "=" in text else text
    redacted = redact_value(decoded)
    if redacted == decoded:
        return text
    return orjson.dumps(redacted).decode()


def redact_query(query: str) -> str:
    """A query string (no leading ``?``) with its secret parameters' values redacted, order kept."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(is_secret_name(k) for k, _ in pairs):
        return query
    return urlencode([(k, REDACTED if is_secret_name(k) else v) for k, v in pairs], safe=",")


def redact_url(url: str) -> str:
    """``url`` with secret query parameters and a listen key in its path (``/ws/<key>``) redacted."""
    base, sep, query = url.partition("?")
    parts = base.split("/")
    # a user stream URL ends in its listen key: one long token after /ws/ (a market stream's
    # names hold '@' or are short, and /stream carries its names in the query)
    if len(parts) >= 2 and parts[-2] == "ws" and len(parts[-1]) >= 32 and "@" not in parts[-1]:
        parts[-1] = REDACTED
        base = "/".join(parts)
    return base + (sep + redact_query(query) if sep else "")


def redact_headers(headers: Optional[Mapping[str, str]], keep: Optional[frozenset] = None) -> Dict[str, str]:
    """The headers worth keeping (``keep``: lower-case names or prefixes ending in ``*``; None: all),
    with secret ones redacted."""
    out: Dict[str, str] = {}
    for name, value in (headers or {}).items():
        low = name.lower()
        if keep is not None and low not in keep and not any(
                p.endswith("*") and low.startswith(p[:-1]) for p in keep):
            continue
        out[str(name)] = REDACTED if is_secret_name(low) and "weight" not in low and "count" not in low else value
    return out
