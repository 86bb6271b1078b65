"""Binance error codes, messages and HTTP statuses, as data.

Every rejection the simulator produces is a :class:`SimError` carrying the
Binance ``code``/``msg`` pair and the HTTP status the live exchange uses for
it (docs/binance_spot.md sections 1.3, 2.4 and 4). REST renders it as
``{"code": ..., "msg": ...}``; the WebSocket API wraps the same pair.
"""
from __future__ import annotations

DECIMAL_RANGE = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"
CLIENT_ID_RANGE = r"^[\.A-Z\:/a-z0-9_-]{1,36}$"

# code -> default HTTP status; anything not listed is a 400
_HTTP_STATUS = {
    -1003: 429,
    -1015: 429,
    -2014: 401,
    -2015: 401,
    -1000: 500,
    -1001: 503,
    -1008: 503,
}

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


class SimError(Exception):
    """A Binance error: ``code`` (negative int), ``msg`` and the HTTP status to answer with."""

    def __init__(self, code: int, msg: str, http_status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.http_status = http_status if http_status is not None else _HTTP_STATUS.get(code, 400)
        self.headers = headers or {}

    def body(self) -> dict:
        return {"code": self.code, "msg": self.msg}


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
    return SimError(-2014, "API-key format invalid.")


def rejected_api_key() -> SimError:
    return SimError(-2015, "Invalid API-key, IP, or permissions for action.")


def bad_signature() -> SimError:
    return SimError(-1022, "Signature for this request is not valid.")


def outside_recv_window() -> SimError:
    return SimError(-1021, "Timestamp for this request is outside of the recvWindow.")


def ahead_of_server() -> SimError:
    return SimError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
