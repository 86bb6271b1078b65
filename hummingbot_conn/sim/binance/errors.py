"""Binance error codes, messages and HTTP statuses, as data (spot and USDⓈ-M alike).

Every rejection a Binance venue produces is a :class:`SimError` carrying the
Binance ``code``/``msg`` pair and the HTTP status the live exchange uses for
it (docs/binance_spot.md sections 1.3, 2.4 and 4). REST renders it as
``{"code": ..., "msg": ...}``; the WebSocket API wraps the same pair.
:data:`BINANCE_ERRORS` is the table the kernel words its own errors with
(rate limits, slow bodies, injected faults).
"""
from __future__ import annotations

from ..kernel.errors import SimError

__all__ = ["SimError", "BINANCE_ERRORS", "BinanceErrors"]

DECIMAL_RANGE = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"
CLIENT_ID_RANGE = r"^[\.A-Z\:/a-z0-9_-]{1,36}$"

# engine messages used with -2010 / -2011 (docs/binance_spot.md section 4)
UNKNOWN_ORDER = "Unknown order sent."
DUPLICATE_ORDER = "Duplicate order sent."
MARKET_CLOSED = "Market is closed."
INSUFFICIENT_BALANCE = "Account has insufficient balance for requested action."
WOULD_TAKE = "Order would immediately match and take."
QUOTE_QTY_NOT_SUPPORTED = "Quote order qty market orders are not support for this symbol."
LIQUIDITY_BELOW_LOT = "Order book liquidity is less than LOT_SIZE filter minimum quantity."
LIQUIDITY_BELOW_MIN = "Order book liquidity is less than symbol minimum quantity."
UNSUPPORTED_COMBINATION = "Unsupported order combination"


def mandatory(name: str) -> SimError:
    return SimError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def illegal_chars(name: str, legal: str = DECIMAL_RANGE) -> SimError:
    return SimError(-1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'.")


def not_required(name: str) -> SimError:
    return SimError(-1106, f"Parameter '{name}' sent when not required.")


def invalid_value(name: str) -> SimError:
    return SimError(-1130, f"Data sent for parameter '{name}' is not valid.")


def filter_failure(filter_type: str) -> SimError:
    return SimError(-1013, f"Filter failure: {filter_type}")


def new_order_rejected(msg: str) -> SimError:
    return SimError(-2010, msg)


def cancel_rejected(msg: str = UNKNOWN_ORDER) -> SimError:
    return SimError(-2011, msg)


def invalid_symbol() -> SimError:
    return SimError(-1121, "Invalid symbol.")


def no_such_order() -> SimError:
    return SimError(-2013, "Order does not exist.")


def bad_api_key_format() -> SimError:
    return SimError(-2014, "API-key format invalid.", 401)


def rejected_api_key() -> SimError:
    return SimError(-2015, "Invalid API-key, IP, or permissions for action.", 401)


def bad_signature() -> SimError:
    return SimError(-1022, "Signature for this request is not valid.")


def outside_recv_window() -> SimError:
    return SimError(-1021, "Timestamp for this request is outside of the recvWindow.")


def ahead_of_server() -> SimError:
    return SimError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")


def interval_text(window_ms: int) -> str:
    """A window as Binance names it in messages: ``1 MINUTE``, ``10 SECOND``, ``1 DAY``."""
    seconds = window_ms // 1000
    if seconds % 86_400 == 0:
        return f"{seconds // 86_400} DAY"
    return f"{seconds // 60} MINUTE" if seconds % 60 == 0 else f"{seconds} SECOND"


def rate_limit_json(limit_type: str, window_ms: int, limit: int) -> dict:
    """One ``exchangeInfo.rateLimits`` entry (``REQUEST_WEIGHT`` / ``ORDERS``) of a window."""
    num, interval = interval_text(window_ms).split(" ")
    return {"rateLimitType": limit_type, "interval": interval, "intervalNum": int(num), "limit": limit}


def _window_label(label: str) -> str:
    """``"10S"`` -> ``"10 SECOND"``, ``"1M"`` -> ``"1 MINUTE"``, ``"1D"`` -> ``"1 DAY"`` (order-count windows)."""
    return f"{label[:-1]} {dict(S='SECOND', M='MINUTE', D='DAY')[label[-1]]}"


class BinanceErrors:
    """The kernel's errors in Binance's words (docs/binance_spot.md sections 1.3, 1.4 and 4)."""

    def render(self, err: SimError) -> dict:
        return {"code": err.code, "msg": err.msg}

    def internal_error(self, status: int) -> SimError:
        return SimError(-1001, "Internal error; unable to process your request. Please try again.", status)

    def queue_full(self) -> SimError:
        return SimError(-1003, "Too many requests queued.", 429, {"Retry-After": "1"})

    def unknown_error(self) -> SimError:
        return SimError(-1000, "An unknown error occurred while processing the request.", 500)

    def body_timeout(self, seconds: float) -> SimError:
        return SimError(-1000, f"The request body was not received within {seconds:g}s.", 408)

    def body_too_large(self, limit: int) -> SimError:
        return SimError(-1000, f"The request body is larger than {limit} bytes.", 413)

    def weight_exceeded(self, limit: int, window_ms: int, retry_s: int) -> SimError:
        return SimError(-1003, f"Too much request weight used; current limit is {limit} request weight per "
                        f"{interval_text(window_ms)}. Please use WebSocket Streams for live updates to avoid "
                        "polling the API.", 429, {"Retry-After": str(retry_s)})

    def ip_banned(self, until_ms: int, retry_s: int) -> SimError:
        return SimError(-1003, f"Way too much request weight used; IP banned until {until_ms}. Please use "
                        "WebSocket Streams for live updates to avoid bans.", 418, {"Retry-After": str(retry_s)})

    def orders_exceeded(self, limit: int, window: str, retry_s: int) -> SimError:
        return SimError(-1015, f"Too many new orders; current limit is {limit} orders per {_window_label(window)}.",
                        429, {"Retry-After": str(retry_s)})


BINANCE_ERRORS = BinanceErrors()
