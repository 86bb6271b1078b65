"""Binance facts both venues share, under hummingbot's spot names; each venue's constants re-export them.

One naming scheme: a fact both venues have carries the same name in both
constants modules (``spot/constants.py``, ``usdm/constants.py``), hummingbot's
spot name where hummingbot has one (``EXCHANGE_INFO_PATH_URL``,
``PING_PATH_URL``, ``ORDER_PATH_URL``, ``SNAPSHOT_PATH_URL``,
``HBOT_ORDER_ID_PREFIX`` ...).  Where the venues differ only in a value, the
value is data in each venue's module under that one name; hummingbot's
USDⓈ-M names (``EXCHANGE_INFO_URL``, ``BROKER_ID`` ...) are kept as aliases in
``binance_perpetual.binance_perpetual_constants``.  What the shared code
reads of a venue's constants is listed in ``VENUE_CONSTANTS``.

Sources: docs/binance_spot.md sections 1.4 and 4, docs/binance_usdm_futures.md
sections 2 and 9.
"""
from hummingbot_conn.exchanges.binance._common.errors import (
    AUTH_ERROR_CODES,
    INVALID_SIGNATURE_ERROR_CODE,
    ORDER_NOT_EXIST_ERROR_CODE,
    ORDER_NOT_EXIST_MESSAGE,
    OUTCOME_UNKNOWN_ERROR_CODES,
    TIMESTAMP_ERROR_CODE,
    TOO_MANY_ORDERS_ERROR_CODE,
    TOO_MANY_REQUESTS_ERROR_CODE,
    UNKNOWN_ORDER_ERROR_CODE,
    UNKNOWN_ORDER_MESSAGE,
)
from hummingbot_conn.exchanges.binance._common.rate_limits import ONE_DAY, ONE_MINUTE, ONE_SECOND, REQUEST_WEIGHT

# what each venue's constants module takes in whole (``from ... import *``)
__all__ = [
    "AUTH_ERROR_CODES", "INVALID_SIGNATURE_ERROR_CODE", "ORDER_NOT_EXIST_ERROR_CODE", "ORDER_NOT_EXIST_MESSAGE",
    "OUTCOME_UNKNOWN_ERROR_CODES", "TIMESTAMP_ERROR_CODE", "TOO_MANY_ORDERS_ERROR_CODE",
    "TOO_MANY_REQUESTS_ERROR_CODE", "UNKNOWN_ORDER_ERROR_CODE", "UNKNOWN_ORDER_MESSAGE", "ONE_DAY", "ONE_MINUTE",
    "ONE_SECOND", "REQUEST_WEIGHT", "MAX_ORDER_ID_LEN", "SIDE_BUY", "SIDE_SELL", "TIME_IN_FORCE_GTC",
    "TIME_IN_FORCE_IOC", "TIME_IN_FORCE_FOK", "DEFAULT_RECV_WINDOW_MS", "DIFF_EVENT_TYPE",
]

MAX_ORDER_ID_LEN = 32

SIDE_BUY = "BUY"
SIDE_SELL = "SELL"
TIME_IN_FORCE_GTC = "GTC"       # good till cancelled
TIME_IN_FORCE_IOC = "IOC"       # immediate or cancel
TIME_IN_FORCE_FOK = "FOK"       # fill or kill

DEFAULT_RECV_WINDOW_MS = 5000

DIFF_EVENT_TYPE = "depthUpdate"

#: the names the shared code (``_common``) reads of a venue's constants module, with those every
#: venue module also defines under the one scheme; each venue defines every one of them
#: (``tests/unit/binance/test_binance_layout.py`` checks it)
VENUE_CONSTANTS = (
    # read by _common
    "ENDPOINTS", "HBOT_ORDER_ID_PREFIX", "MAX_ORDER_ID_LEN", "EXCHANGE_INFO_PATH_URL", "PING_PATH_URL",
    "SERVER_TIME_PATH_URL", "SNAPSHOT_PATH_URL", "ORDER_PATH_URL", "MY_TRADES_PATH_URL",
    "LAST_TRADED_PRICES_PATH_URL", "LAST_TRADED_PRICE_FIELD", "GET_ORDER_LIMIT_ID", "DELETE_ORDER_LIMIT_ID",
    "snapshot_limit_id", "RATE_LIMITS", "USED_WEIGHT_HEADERS", "PAUSE_SCOPES", "SUPPORTED_ORDER_TYPES",
    "CANCEL_NOT_FOUND_MESSAGE",
    # the same facts, the same names in both venues
    "DEFAULT_DOMAIN", "DOMAINS", "POST_ORDER_LIMIT_ID", "OPEN_ORDERS_PATH_URL", "TICKER_PRICE_CHANGE_PATH_URL",
    "ORDER_STATE_NAMES", "ENDPOINT_WEIGHTS", "ENDPOINT_PRIORITIES", "POOLS", "MAX_REQUEST",
    "WS_HEARTBEAT_TIME_INTERVAL", "WS_MESSAGE_TIMEOUT",
)
