"""Binance Spot venue facts as data: endpoints, paths, rate limits, error codes.

Sources: ``docs/binance_spot.md`` sections 1.1 (endpoints), 1.4-1.5
(limits and weights, values as of 2026-04), 2 (security) and 4 (errors).

URLs are built from a base, so the same connector talks to Binance, its
testnet or a simulator on ``http://127.0.0.1:<port>``::

    BinanceEndpoints.for_domain("com").rest_url("/depth")
    # 'https://api.binance.com/api/v3/depth'
    BinanceEndpoints.local("127.0.0.1:8080").rest_url("/depth")
    # 'http://127.0.0.1:8080/api/v3/depth'
"""
from dataclasses import dataclass
from typing import Dict, Tuple

from hummingbot_conn.web.rate_limit import CANCEL_PRIORITY, NORMAL_PRIORITY, LinkedLimitWeightPair, RateLimit

DEFAULT_DOMAIN = "com"

HBOT_ORDER_ID_PREFIX = "x-MG43PCSN"
MAX_ORDER_ID_LEN = 32

# ---------------------------------------------------------------- endpoints
REST_URL_FORMAT = "{base}/api/v3{path}"        # path starts with "/"
WSS_URL_FORMAT = "{base}/ws"                   # raw streams: /ws/<stream>, or SUBSCRIBE over /ws
WSS_COMBINED_URL_FORMAT = "{base}/stream"
WSS_API_URL_FORMAT = "{base}/ws-api/v3"        # WebSocket API: requests + user data stream

PUBLIC_API_VERSION = "v3"
PRIVATE_API_VERSION = "v3"


@dataclass(frozen=True)
class BinanceEndpoints:
    """The three base URLs a Binance connector needs (REST, market streams, WebSocket API)."""

    rest: str
    stream: str
    ws_api: str

    def rest_url(self, path_url: str) -> str:
        return REST_URL_FORMAT.format(base=self.rest.rstrip("/"), path=path_url)

    def stream_url(self) -> str:
        return WSS_URL_FORMAT.format(base=self.stream.rstrip("/"))

    def combined_stream_url(self) -> str:
        return WSS_COMBINED_URL_FORMAT.format(base=self.stream.rstrip("/"))

    def ws_api_url(self) -> str:
        return WSS_API_URL_FORMAT.format(base=self.ws_api.rstrip("/"))

    @classmethod
    def for_domain(cls, domain: str = DEFAULT_DOMAIN) -> "BinanceEndpoints":
        try:
            return DOMAINS[domain]
        except KeyError:
            raise ValueError(f"unknown Binance domain {domain!r}; known: {sorted(DOMAINS)} "
                             "(or pass BinanceEndpoints(...) for a custom base)") from None

    @classmethod
    def local(cls, host_port: str, secure: bool = False) -> "BinanceEndpoints":
        """Every service on one local server (the simulator): ``local("127.0.0.1:8080")``."""
        http, ws = ("https", "wss") if secure else ("http", "ws")
        return cls(rest=f"{http}://{host_port}", stream=f"{ws}://{host_port}", ws_api=f"{ws}://{host_port}")


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
ORDER_PATH_URL = "/order"          # also the limit id of POST /order (placements)
# GET and DELETE /order have their own limit ids: only a placement counts towards
# the unfilled order count (docs/binance_spot.md section 3); sharing POST's id
# let status polls of many open orders use up the ORDERS pool and stall placements
ORDER_STATUS_LIMIT_ID = "GET /order"
CANCEL_ORDER_LIMIT_ID = "DELETE /order"
OPEN_ORDERS_PATH_URL = "/openOrders"

# WebSocket API methods (limit ids for throttled WS sends)
WS_USER_STREAM_SUBSCRIBE_METHOD = "userDataStream.subscribe.signature"
WS_USER_STREAM_UNSUBSCRIBE_METHOD = "userDataStream.unsubscribe"

WS_HEARTBEAT_TIME_INTERVAL = 30      # our idle ping interval; Binance pings every 20 s
WS_MESSAGE_TIMEOUT = 90              # no frame for this long: the socket is dead (server pongs within 60 s)

SIDE_BUY = "BUY"
SIDE_SELL = "SELL"
TIME_IN_FORCE_GTC = "GTC"
TIME_IN_FORCE_IOC = "IOC"
TIME_IN_FORCE_FOK = "FOK"

DEFAULT_RECV_WINDOW_MS = 5000

# ---------------------------------------------------------------- rate limits
REQUEST_WEIGHT = "REQUEST_WEIGHT"
ORDERS = "ORDERS"
ORDERS_24HR = "ORDERS_24HR"
RAW_REQUESTS = "RAW_REQUESTS"
WS_CONNECTIONS = "WS_CONNECTIONS"

ONE_SECOND = 1
ONE_MINUTE = 60
ONE_DAY = 86400

MAX_REQUEST = 5000               # per-endpoint ceiling; the pools are what really binds

# (pool id, limit, interval seconds, counted per calendar window)
# Binance counts its limits per calendar interval, resetting at each start (every UTC minute,
# :00/:10/:20 s, 00:00 UTC; docs/binance_spot.md section 1.4).  Where the model is not
# documented (connection attempts) the window is sliding, which is never less strict.
POOLS: Tuple[Tuple[str, int, int, bool], ...] = (
    (REQUEST_WEIGHT, 6000, ONE_MINUTE, True),
    (ORDERS, 100, 10 * ONE_SECOND, True),
    (ORDERS_24HR, 200000, ONE_DAY, True),
    (RAW_REQUESTS, 300000, 5 * ONE_MINUTE, True),      # raised from 61000 on 2026-04-02
    (WS_CONNECTIONS, 300, 5 * ONE_MINUTE, False),      # WS connection attempts per IP: get_ws_assistant(...)
)

# a cancel of a live order goes before placements and polls when weight is scarce
ENDPOINT_PRIORITIES: Dict[str, int] = {CANCEL_ORDER_LIMIT_ID: CANCEL_PRIORITY}

# /depth weight depends on `limit`: (max limit, weight), one throttler limit per tier
SNAPSHOT_WEIGHT_TIERS: Tuple[Tuple[int, int], ...] = ((100, 5), (500, 25), (1000, 50), (5000, 250))


def snapshot_limit_id(limit: int) -> str:
    """Throttler limit id of ``GET /depth?limit=<limit>`` (its weight tier)."""
    for max_limit, _ in SNAPSHOT_WEIGHT_TIERS:
        if limit <= max_limit:
            return f"{SNAPSHOT_PATH_URL}:{max_limit}"
    raise ValueError(f"depth limit {limit} is above Binance's maximum of 5000")


# (limit id, REQUEST_WEIGHT, extra linked pools) for every endpoint in scope
ENDPOINT_WEIGHTS: Tuple[Tuple[str, int, Tuple[str, ...]], ...] = (
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
    (ORDER_PATH_URL, 1, (ORDERS, ORDERS_24HR)),   # POST /order: 1 (0 when successful) + one order
    (ORDER_STATUS_LIMIT_ID, 4, ()),
    (CANCEL_ORDER_LIMIT_ID, 1, ()),
    (WS_USER_STREAM_SUBSCRIBE_METHOD, 2, ()),
    (WS_USER_STREAM_UNSUBSCRIBE_METHOD, 2, ()),
) + tuple((f"{SNAPSHOT_PATH_URL}:{max_limit}", weight, ()) for max_limit, weight in SNAPSHOT_WEIGHT_TIERS)


def _build_rate_limits() -> Tuple[RateLimit, ...]:
    limits = [RateLimit(pool_id, limit=limit, time_interval=interval, fixed_window=fixed)
              for pool_id, limit, interval, fixed in POOLS]
    for limit_id, weight, extra_pools in ENDPOINT_WEIGHTS:
        links = [LinkedLimitWeightPair(REQUEST_WEIGHT, weight), LinkedLimitWeightPair(RAW_REQUESTS, 1)]
        links += [LinkedLimitWeightPair(pool, 1) for pool in extra_pools]
        limits.append(RateLimit(limit_id, limit=MAX_REQUEST, time_interval=ONE_MINUTE, linked_limits=links,
                                priority=ENDPOINT_PRIORITIES.get(limit_id, NORMAL_PRIORITY)))
    limits.append(RateLimit(SNAPSHOT_PATH_URL, limit=MAX_REQUEST, time_interval=ONE_MINUTE,   # hummingbot's id
                            linked_limits=[LinkedLimitWeightPair(REQUEST_WEIGHT, 250),
                                           LinkedLimitWeightPair(RAW_REQUESTS, 1)]))
    return tuple(limits)


RATE_LIMITS: Tuple[RateLimit, ...] = _build_rate_limits()

# response header (as sent, matched case-insensitively) -> the pool it reports
USED_WEIGHT_HEADERS: Dict[str, str] = {
    "X-MBX-USED-WEIGHT-1M": REQUEST_WEIGHT,
    "X-MBX-ORDER-COUNT-10S": ORDERS,
    "X-MBX-ORDER-COUNT-1D": ORDERS_24HR,
}

# ---------------------------------------------------------------- errors
TOO_MANY_REQUESTS_ERROR_CODE = -1003
TOO_MANY_ORDERS_ERROR_CODE = -1015
TIMESTAMP_ERROR_CODE = -1021
INVALID_SIGNATURE_ERROR_CODE = -1022
ORDER_NOT_EXIST_ERROR_CODE = -2013
ORDER_NOT_EXIST_MESSAGE = "Order does not exist"
UNKNOWN_ORDER_ERROR_CODE = -2011
UNKNOWN_ORDER_MESSAGE = "Unknown order sent"
# the request may have been executed: reconcile, never resend blindly
OUTCOME_UNKNOWN_ERROR_CODES = frozenset({-1000, -1006, -1007})
# a 429 / 418 pauses what its error code concerns (docs/binance_spot.md section 1.4): too much
# weight holds the IP's pools (every request); too many orders holds placements only, so a
# cancel is never held back by an order-count limit
PAUSE_SCOPES: Dict[int, Tuple[str, ...]] = {
    TOO_MANY_REQUESTS_ERROR_CODE: (REQUEST_WEIGHT, RAW_REQUESTS),
    TOO_MANY_ORDERS_ERROR_CODE: (ORDERS, ORDERS_24HR),
}
# the credentials are wrong for good (malformed key, unknown key / IP / permissions, a
# signature made with another secret): retrying cannot help (section 4; with HTTP 401)
AUTH_ERROR_CODES = frozenset({-2014, -2015, INVALID_SIGNATURE_ERROR_CODE})

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

DIFF_EVENT_TYPE = "depthUpdate"
TRADE_EVENT_TYPE = "trade"
