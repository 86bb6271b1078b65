"""Kraken's ``E<Category>:<text>`` error strings, classified (docs/kraken_spot.md section 3).

The REST layer reads Kraken's HTTP-200 error bodies through
``constants.ERROR_FORMAT``: the first string becomes the ``ExchangeError``'s
``code`` (a ``str``).  Here the connector's questions are answered from it,
by the category and the text, never by searching a message.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

from hummingbot_conn.web.errors import (
    ErrorBodyFormat,
    ErrorCode,
    ExchangeError,
    RateLimitExceededError,
    RequestOutcomeUnknownError,
)

__all__ = ["KrakenErrorBodyFormat", "code_of", "is_auth_error", "is_invalid_nonce", "is_rate_limited",
           "is_unknown_order", "is_outcome_unknown", "AUTH_CODES", "UNREADABLE_CODE", "KrakenOrderNotFound"]

class KrakenOrderNotFound(LookupError):
    """Kraken holds no order of this client order id / txid (``QueryOrders`` came back empty);
    also importable from ``hummingbot_conn.exchanges.kraken.exchange``."""


#: the key or signature refused for good: waiting cannot cure them
AUTH_CODES = frozenset({"EAPI:Invalid key", "EAPI:Invalid signature", "EGeneral:Permission denied",
                        "EAPI:Bad request", "EGeneral:Temporary lockout"})
#: the code of an error stated in a shape Kraken does not use (``KrakenErrorBodyFormat``)
UNREADABLE_CODE = ""
RATE_LIMIT_CODES = frozenset({"EAPI:Rate limit exceeded", "EOrder:Rate limit exceeded"})
UNKNOWN_ORDER_CODES = frozenset({"EOrder:Unknown order", "EOrder:Invalid order"})
#: the service did not process the request, or may have: the outcome of a placement is unknown
UNCERTAIN_CODES = frozenset({"EService:Unavailable", "EService:Busy", "EService:Deadline elapsed",
                             "EGeneral:Internal error"})


class KrakenErrorBodyFormat(ErrorBodyFormat):
    """Kraken's ``{"error": [...], "result": ...}`` bodies, also when ``error`` is not the documented list.

    The generic reading skips an ``error`` that is not a list, so ``{"error": "EService:Unavailable"}``
    would pass as a success without a result (and an order whose outcome is unknown would be read as
    failed on the missing field).  Here any ``error`` that is not a list, ``null`` or empty is an
    error: a string is its code (so it is classified like the listed one), anything else an error
    with the code ``UNREADABLE_CODE`` whose message shows it (the outcome of the request is unknown:
    ``is_outcome_unknown``)."""

    def _listed(self, decoded: Any) -> Optional[Tuple[ErrorCode, str]]:
        if isinstance(decoded, dict):
            stated = decoded.get(self.error_list_field or "error")
            if isinstance(stated, str) and stated:
                return stated, stated
            if stated is not None and stated != "" and not isinstance(stated, list):
                return UNREADABLE_CODE, f"an error field that is not a list: {stated!r:.200}"
        return super()._listed(decoded)


def code_of(error: BaseException) -> Optional[str]:
    if isinstance(error, ExchangeError) and isinstance(error.code, str):
        return error.code
    return None


def is_auth_error(error: BaseException) -> bool:
    code = code_of(error)
    return code in AUTH_CODES or (isinstance(error, ExchangeError) and error.status == 401)


def is_invalid_nonce(error: BaseException) -> bool:
    return code_of(error) == "EAPI:Invalid nonce"


def is_rate_limited(error: BaseException) -> bool:
    return code_of(error) in RATE_LIMIT_CODES


def is_order_rate_limited(error: BaseException) -> bool:
    return code_of(error) == "EOrder:Rate limit exceeded"


def is_unknown_order(error: BaseException) -> bool:
    return code_of(error) in UNKNOWN_ORDER_CODES


def is_outcome_unknown(error: BaseException) -> bool:
    """The request may have been processed.  A 429 answer (``RateLimitExceededError``) was refused
    before processing, whatever its body says."""
    if isinstance(error, RateLimitExceededError):
        return False
    code = code_of(error)
    return isinstance(error, RequestOutcomeUnknownError) or code in UNCERTAIN_CODES or code == UNREADABLE_CODE
