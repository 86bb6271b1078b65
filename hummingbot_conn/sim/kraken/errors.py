"""Kraken's errors: ``{"error": ["EOrder:Insufficient funds"], "result": {}}`` in an HTTP-200 body.

Every refusal is a :class:`~hummingbot_conn.sim.kernel.errors.SimError` whose
``code`` is the whole Kraken string (``"EOrder:Unknown order"``) and whose HTTP
status is 200, as Kraken answers (docs/kraken_spot.md, section 3). The
kernel's own errors (an injected 5xx, a slow or oversized body) keep their
HTTP status and are worded the same way.
"""
from __future__ import annotations

from typing import Any

from ..kernel.errors import SimError

__all__ = ["KrakenErrors", "KRAKEN_ERRORS", "kraken_error",
           "INVALID_ARGUMENTS", "INVALID_KEY", "INVALID_SIGNATURE", "INVALID_NONCE", "API_RATE_LIMIT",
           "ORDER_RATE_LIMIT", "INSUFFICIENT_FUNDS", "ORDER_MINIMUM", "COST_MINIMUM", "POST_ONLY",
           "UNKNOWN_ORDER", "UNKNOWN_PAIR", "PERMISSION_DENIED"]

INVALID_ARGUMENTS = "EGeneral:Invalid arguments"
PERMISSION_DENIED = "EGeneral:Permission denied"
INVALID_KEY = "EAPI:Invalid key"
INVALID_SIGNATURE = "EAPI:Invalid signature"
INVALID_NONCE = "EAPI:Invalid nonce"
API_RATE_LIMIT = "EAPI:Rate limit exceeded"
ORDER_RATE_LIMIT = "EOrder:Rate limit exceeded"
INSUFFICIENT_FUNDS = "EOrder:Insufficient funds"
ORDER_MINIMUM = "EOrder:Order minimum not met"
COST_MINIMUM = "EOrder:Cost minimum not met"
POST_ONLY = "EOrder:Post only order"
UNKNOWN_ORDER = "EOrder:Unknown order"
UNKNOWN_PAIR = "EQuery:Unknown asset pair"


def kraken_error(code: str, detail: str = "", http_status: int = 200) -> SimError:
    """A Kraken refusal: ``code`` plus an optional ``:detail`` (``EGeneral:Invalid arguments:volume``)."""
    text = f"{code}:{detail}" if detail else code
    return SimError(text, text, http_status)


class KrakenErrors:
    """The kernel's errors in Kraken's words (``kernel/errors.py``, ``ErrorTable``)."""

    def render(self, err: SimError) -> Any:
        return {"error": [str(err.code)], "result": {}}

    def internal_error(self, status: int) -> SimError:
        return kraken_error("EService:Unavailable", http_status=status)

    def queue_full(self) -> SimError:
        return SimError("EService:Busy", "EService:Busy", 429, {"Retry-After": "1"})

    def unknown_error(self) -> SimError:
        return kraken_error("EGeneral:Internal error", http_status=500)

    def body_timeout(self, seconds: float) -> SimError:
        return kraken_error("EGeneral:Internal error", f"body not received within {seconds:g}s", 408)

    def body_too_large(self, limit: int) -> SimError:
        return kraken_error(INVALID_ARGUMENTS, f"body over {limit} bytes", 413)

    def weight_exceeded(self, limit: int, window_ms: int, retry_s: int) -> SimError:
        return kraken_error(API_RATE_LIMIT)

    def ip_banned(self, until_ms: int, retry_s: int) -> SimError:
        return kraken_error("EGeneral:Temporary lockout")

    def orders_exceeded(self, limit: int, window: str, retry_s: int) -> SimError:
        return kraken_error(ORDER_RATE_LIMIT)


KRAKEN_ERRORS = KrakenErrors()
