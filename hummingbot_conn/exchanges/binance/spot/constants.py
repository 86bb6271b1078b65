"""Binance Spot venue facts as data: endpoints, paths, rate limits, error codes.

Sources: ``docs/binance_spot.md`` sections 1.1 (endpoints), 1.4-1.5
(limits and weights, values as of 2026-04), 2 (security) and 4 (errors).
Facts both Binance venues share (error codes, sides, time in force ...) come
from ``_common/constants.py`` under the same names.

URLs are built from a base, so the same connector talks to Binance, its
testnet or a simulator on ``http://127.0.0.1:<port>``::

    BinanceEndpoints.for_domain("com").rest_url("/depth")
    # 'https://api.binance.com/api/v3/depth'
    BinanceEndpoints.local("127.0.0.1:8080").rest_url("/depth")
    # 'http://127.0.0.1:8080/api/v3/depth'
"""
from dataclasses import dataclass
from typing import ClassVar, Dict, Mapping, Tuple

from hummingbot_conn.common import OrderType

# the facts both Binance venues share, under the same names (_common/constants.py)
from hummingbot_conn.exchanges.binance._common.constants import *  # noqa: F403
from hummingbot_conn.exchanges.binance._common.constants import (
    ONE_DAY,
    ONE_MINUTE,
    ONE_SECOND,
    REQUEST_WEIGHT,
    TOO_MANY_ORDERS_ERROR_CODE,
    TOO_MANY_REQUESTS_ERROR_CODE,
    UNKNOWN_ORDER_MESSAGE,
)
from hummingbot_conn.exchanges.binance._common.endpoints import BinanceEndpointsBase
from hummingbot_conn.exchanges.binance._common.rate_limits import EndpointWeight, Pool, build_rate_limits
from hummingbot_conn.web.rate_limit import CANCEL_PRIORITY, RateLimit

DEFAULT_DOMAIN = "com"

HBOT_ORDER_ID_PREFIX = "x-MG43PCSN"

# ---------------------------------------------------------------- endpoints
REST_URL_FORMAT = "{base}/api/v3{path}"        # path starts with "/"
WSS_URL_FORMAT = "{base}/ws"                   # raw streams: /ws/<stream>, or SUBSCRIBE over /ws
WSS_COMBINED_URL_FORMAT = "{base}/stream"
WSS_API_URL_FORMAT = "{base}/ws-api/v3"        # WebSocket API: requests + user data stream

PUBLIC_API_VERSION = "v3"
PRIVATE_API_VERSION = "v3"


@dataclass(frozen=True)
class BinanceEndpoints(BinanceEndpointsBase):
    """The three base URLs a Binance connector needs (REST, market streams, WebSocket API)."""

    ws_api: str

    REST_PREFIX: ClassVar[str] = "/api/v3"
    VENUE: ClassVar[str] = "Binance"

    def stream_url(self) -> str:
        return WSS_URL_FORMAT.format(base=self.stream.rstrip("/"))

    def combined_stream_url(self) -> str:
        return WSS_COMBINED_URL_FORMAT.format(base=self.stream.rstrip("/"))

    def ws_api_url(self) -> str:
        return WSS_API_URL_FORMAT.format(base=self.ws_api.rstrip("/"))

    @classmethod
    def known_domains(cls) -> Mapping[str, "BinanceEndpoints"]:
        return DOMAINS


ENDPOINTS = BinanceEndpoints

DOMAINS: Dict[str, BinanceEndpoints] = {
    "com": BinanceEndpoints(rest="https://api.binance.com", stream="wss://stream.binance.com:9443",
                            ws_api="wss://ws-api.binance.com:443"),
    "us": BinanceEndpoints(rest="https://api.binance.us", stream="wss://stream.binance.us:9443",
                           ws_api="wss://ws-api.binance.us:443"),
    "testnet": BinanceEndpoints(rest="https://testnet.binance.vision", stream="wss://stream.testnet.binance.vision",
                                ws_api="wss://ws-api.testnet.binance.vision"),
}

# ---------------------------------------------------------------- paths
TICKER_PRICE_CHANGE_PATH_URL = "/ticker/24hr"
TICKER_BOOK_PATH_URL = "/ticker/bookTicker"
PRICES_PATH_URL = "/ticker/price"
EXCHANGE_INFO_PATH_URL = "/exchangeInfo"
PING_PATH_URL = "/ping"
SNAPSHOT_PATH_URL = "/depth"
SERVER_TIME_PATH_URL = "/time"
ACCOUNTS_PATH_URL = "/account"
MY_TRADES_PATH_URL = "/myTrades"
ORDER_PATH_URL = "/order"
OPEN_ORDERS_PATH_URL = "/openOrders"
# one limit id per verb of /order: only a placement counts towards the unfilled order
# count (docs/binance_spot.md section 3); sharing POST's id let status polls of many
# open orders use up the ORDERS pool and stall placements.  POST keeps hummingbot's id.
POST_ORDER_LIMIT_ID = ORDER_PATH_URL
GET_ORDER_LIMIT_ID = "GET /order"
DELETE_ORDER_LIMIT_ID = "DELETE /order"
# where the last traded prices come from, and their field
LAST_TRADED_PRICES_PATH_URL = PRICES_PATH_URL
LAST_TRADED_PRICE_FIELD = "price"

# WebSocket API methods (limit ids for throttled WS sends)
WS_USER_STREAM_SUBSCRIBE_METHOD = "userDataStream.subscribe.signature"
WS_USER_STREAM_UNSUBSCRIBE_METHOD = "userDataStream.unsubscribe"

# WebSocket API trading methods (docs/binance_spot.md section 7.6); also their throttler limit ids
WS_ORDER_PLACE_METHOD = "order.place"
WS_ORDER_CANCEL_METHOD = "order.cancel"
WS_ORDER_STATUS_METHOD = "order.status"
# how orders reach the venue: "ws" (the WebSocket API while its socket is up, else REST) or "rest"
ORDER_TRANSPORTS = ("ws", "rest")
DEFAULT_ORDER_TRANSPORT = "ws"

WS_HEARTBEAT_TIME_INTERVAL = 30      # our idle ping interval; Binance pings every 20 s
WS_MESSAGE_TIMEOUT = 90              # no frame for this long: the socket is dead (server pongs within 60 s)

SUPPORTED_ORDER_TYPES: Tuple[OrderType, ...] = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET)

# ---------------------------------------------------------------- rate limits
ORDERS = "ORDERS"
ORDERS_24HR = "ORDERS_24HR"
RAW_REQUESTS = "RAW_REQUESTS"
WS_CONNECTIONS = "WS_CONNECTIONS"

MAX_REQUEST = 5000               # per-endpoint ceiling; the pools are what really binds

# (pool id, limit, interval seconds, counted per calendar window)
# Binance counts its limits per calendar interval, resetting at each start (every UTC minute,
# :00/:10/:20 s, 00:00 UTC; docs/binance_spot.md section 1.4).  Where the model is not
# documented (connection attempts) the window is sliding, which is never less strict.
POOLS: Tuple[Pool, ...] = (
    (REQUEST_WEIGHT, 6000, ONE_MINUTE, True),
    (ORDERS, 100, 10 * ONE_SECOND, True),
    (ORDERS_24HR, 200000, ONE_DAY, True),
    (RAW_REQUESTS, 300000, 5 * ONE_MINUTE, True),      # raised from 61000 on 2026-04-02
    (WS_CONNECTIONS, 300, 5 * ONE_MINUTE, False),      # WS connection attempts per IP: get_ws_assistant(...)
)

# a cancel of a live order goes before placements and polls when weight is scarce
ENDPOINT_PRIORITIES: Dict[str, int] = {DELETE_ORDER_LIMIT_ID: CANCEL_PRIORITY, WS_ORDER_CANCEL_METHOD: CANCEL_PRIORITY}

# /depth weight depends on `limit`: (max limit, weight), one throttler limit per tier
SNAPSHOT_WEIGHT_TIERS: Tuple[Tuple[int, int], ...] = ((100, 5), (500, 25), (1000, 50), (5000, 250))


def snapshot_limit_id(limit: int) -> str:
    """Throttler limit id of ``GET /depth?limit=<limit>`` (its weight tier)."""
    for max_limit, _ in SNAPSHOT_WEIGHT_TIERS:
        if limit <= max_limit:
            return f"{SNAPSHOT_PATH_URL}:{max_limit}"
    raise ValueError(f"depth limit {limit} is above Binance's maximum of 5000")


# (limit id, REQUEST_WEIGHT, extra linked pools) for every endpoint in scope
ENDPOINT_WEIGHTS: Tuple[EndpointWeight, ...] = (
    (PING_PATH_URL, 1, ()),
    (SERVER_TIME_PATH_URL, 1, ()),
    (EXCHANGE_INFO_PATH_URL, 20, ()),
    (TICKER_PRICE_CHANGE_PATH_URL, 2, ()),        # one symbol (80 for all; use a dedicated id if needed)
    (TICKER_BOOK_PATH_URL, 4, ()),
    (PRICES_PATH_URL, 4, ()),
    (ACCOUNTS_PATH_URL, 20, ()),
    (MY_TRADES_PATH_URL, 20, ()),
    (OPEN_ORDERS_PATH_URL, 6, ()),
    # successful order requests weigh 0 since 2026-04-02, failed ones 1: charge 1 (the safe side)
    (POST_ORDER_LIMIT_ID, 1, (ORDERS, ORDERS_24HR)),   # POST /order: 1 (0 when successful) + one order
    (GET_ORDER_LIMIT_ID, 4, ()),
    (DELETE_ORDER_LIMIT_ID, 1, ()),
    (WS_USER_STREAM_SUBSCRIBE_METHOD, 2, ()),
    (WS_USER_STREAM_UNSUBSCRIBE_METHOD, 2, ()),
    # the WebSocket API shares the IP's weight and the account's order count with REST (section 7.6)
    (WS_ORDER_PLACE_METHOD, 1, (ORDERS, ORDERS_24HR)),
    (WS_ORDER_CANCEL_METHOD, 1, ()),
    (WS_ORDER_STATUS_METHOD, 4, ()),
) + tuple((f"{SNAPSHOT_PATH_URL}:{max_limit}", weight, ()) for max_limit, weight in SNAPSHOT_WEIGHT_TIERS)


RATE_LIMITS: Tuple[RateLimit, ...] = build_rate_limits(
    POOLS, ENDPOINT_WEIGHTS + ((SNAPSHOT_PATH_URL, 250, ()),),      # + hummingbot's id of GET /depth
    max_request=MAX_REQUEST, per_request=((RAW_REQUESTS, 1),), priorities=ENDPOINT_PRIORITIES)

# response header (as sent, matched case-insensitively) -> the pool it reports
USED_WEIGHT_HEADERS: Dict[str, str] = {
    "X-MBX-USED-WEIGHT-1M": REQUEST_WEIGHT,
    "X-MBX-ORDER-COUNT-10S": ORDERS,
    "X-MBX-ORDER-COUNT-1D": ORDERS_24HR,
}

# a WebSocket API answer's rateLimits entry (rateLimitType, interval, intervalNum) -> the pool its count is
WS_RATE_LIMIT_POOLS: Dict[Tuple[str, str, int], str] = {
    (REQUEST_WEIGHT, "MINUTE", 1): REQUEST_WEIGHT,
    (ORDERS, "SECOND", 10): ORDERS,
    (ORDERS, "DAY", 1): ORDERS_24HR,
}

# ---------------------------------------------------------------- errors (codes: _common/errors.py)
# a -2011 answer to a cancel means "not found" only with this text: spot also answers -2011
# for "not canceled due to cancel restrictions"
CANCEL_NOT_FOUND_MESSAGE = UNKNOWN_ORDER_MESSAGE
# a 429 / 418 pauses what its error code concerns (docs/binance_spot.md section 1.4): too much
# weight holds the IP's pools (every request); too many orders holds placements only, so a
# cancel is never held back by an order-count limit
PAUSE_SCOPES: Dict[int, Tuple[str, ...]] = {
    TOO_MANY_REQUESTS_ERROR_CODE: (REQUEST_WEIGHT, RAW_REQUESTS),
    TOO_MANY_ORDERS_ERROR_CODE: (ORDERS, ORDERS_24HR),
}

# exchange order status -> our OrderState member name (PENDING_CANCEL stays PENDING_CANCEL,
# unlike hummingbot's mapping to OPEN, W-19)
ORDER_STATE_NAMES: Dict[str, str] = {
    "PENDING_NEW": "PENDING_CREATE",
    "NEW": "OPEN",
    "PARTIALLY_FILLED": "PARTIALLY_FILLED",
    "FILLED": "FILLED",
    "PENDING_CANCEL": "PENDING_CANCEL",
    "CANCELED": "CANCELED",
    "REJECTED": "FAILED",
    "EXPIRED": "EXPIRED",
    "EXPIRED_IN_MATCH": "EXPIRED",
}

TRADE_EVENT_TYPE = "trade"
