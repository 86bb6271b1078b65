"""Binance's error codes, shared by spot and USDⓈ-M, and what each means to a connector.

Both APIs answer a refused request with ``{"code": <int>, "msg": <text>}``
and use the same codes for the same conditions (docs/binance_spot.md
section 4, docs/binance_usdm_futures.md section 9).  The web layer turns
such an answer into an ``ExchangeError`` carrying ``code``; the predicates
here read that typed code, never the message text (except where one code
covers two conditions, below).
"""
from typing import Optional

from hummingbot_conn.web.errors import ExchangeError, is_auth_rejection

__all__ = [
    "TOO_MANY_REQUESTS_ERROR_CODE", "TOO_MANY_ORDERS_ERROR_CODE", "TIMESTAMP_ERROR_CODE",
    "INVALID_SIGNATURE_ERROR_CODE", "ORDER_NOT_EXIST_ERROR_CODE", "ORDER_NOT_EXIST_MESSAGE",
    "UNKNOWN_ORDER_ERROR_CODE", "UNKNOWN_ORDER_MESSAGE", "OUTCOME_UNKNOWN_ERROR_CODES", "AUTH_ERROR_CODES",
    "is_time_synchronizer_error", "is_auth_error", "is_order_not_found", "is_unknown_order",
    "is_outcome_unknown",
]

TOO_MANY_REQUESTS_ERROR_CODE = -1003        # too much request weight (HTTP 429 / 418)
TOO_MANY_ORDERS_ERROR_CODE = -1015          # too many new orders
TIMESTAMP_ERROR_CODE = -1021                # timestamp outside recvWindow: our clock drifted
INVALID_SIGNATURE_ERROR_CODE = -1022
ORDER_NOT_EXIST_ERROR_CODE = -2013          # an order query found nothing
ORDER_NOT_EXIST_MESSAGE = "Order does not exist"
UNKNOWN_ORDER_ERROR_CODE = -2011            # a cancel found nothing (spot: or was refused, see is_unknown_order)
UNKNOWN_ORDER_MESSAGE = "Unknown order sent"
# the request may have been executed: reconcile, never resend blindly
OUTCOME_UNKNOWN_ERROR_CODES = frozenset({-1000, -1006, -1007})
# the credentials are wrong for good (malformed key, unknown key / IP / permissions, a
# signature made with another secret): retrying cannot help (with HTTP 401)
AUTH_ERROR_CODES = frozenset({-2014, -2015, INVALID_SIGNATURE_ERROR_CODE})


def _code(error: BaseException) -> Optional[object]:
    return error.code if isinstance(error, ExchangeError) else None


def is_time_synchronizer_error(error: BaseException) -> bool:
    """Binance rejects a stale or early timestamp with code -1021."""
    return _code(error) == TIMESTAMP_ERROR_CODE


def is_auth_error(error: BaseException) -> bool:
    """The credentials were refused for good (``AUTH_ERROR_CODES`` or HTTP 401): a wrong
    key or secret, an IP or permission the key does not have.  Retrying cannot help."""
    return is_auth_rejection(error, AUTH_ERROR_CODES)


def is_order_not_found(error: BaseException) -> bool:
    """An order status query answered -2013: the venue does not know the order."""
    return _code(error) == ORDER_NOT_EXIST_ERROR_CODE


def is_unknown_order(error: BaseException, message: Optional[str] = None) -> bool:
    """A cancel answered -2011 for an order the venue does not know.

    ``message``: when given, the answer's text must also contain it (case
    folded).  Spot answers -2011 for "Unknown order sent" and for "not
    canceled due to cancel restrictions" too, so the spot connector passes
    ``UNKNOWN_ORDER_MESSAGE``; on USDⓈ-M the code alone means not found.
    """
    if _code(error) != UNKNOWN_ORDER_ERROR_CODE:
        return False
    assert isinstance(error, ExchangeError)
    return message is None or message.lower() in (error.msg or "").lower()


def is_outcome_unknown(error: BaseException) -> bool:
    """-1000 / -1006 / -1007: the request may or may not have been executed."""
    return _code(error) in OUTCOME_UNKNOWN_ERROR_CODES
