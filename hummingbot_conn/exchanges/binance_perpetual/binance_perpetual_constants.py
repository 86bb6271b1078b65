"""Binance USDⓈ-M perpetual venue facts as data: endpoints, paths, rate limits, error codes, states.

Sources: docs/binance_usdm_futures.md (section numbers cited below). URLs
are built from bases, so one connector talks to Binance, its testnet or the
simulator (``hummingbot_conn.sim.futures``) on ``http://127.0.0.1:<port>``::

    BinancePerpetualEndpoints.for_domain("binance_perpetual").rest_url("/v1/depth")
    # 'https://fapi.binance.com/fapi/v1/depth'
    BinancePerpetualEndpoints.local("127.0.0.1:8080").public_stream_url()
    # 'ws://127.0.0.1:8080/public/stream'
"""
from dataclasses import dataclass
from typing import Dict, Tuple

from hummingbot_conn.web.rate_limit import CANCEL_PRIORITY, NORMAL_PRIORITY, LinkedLimitWeightPair, RateLimit

EXCHANGE_NAME = "binance_perpetual"
DOMAIN = EXCHANGE_NAME
TESTNET_DOMAIN = "binance_perpetual_testnet"
BROKER_ID = "x-nbQe1H39"
MAX_ORDER_ID_LEN = 32


@dataclass(frozen=True)
class BinancePerpetualEndpoints:
    """REST base and stream base (the stream host routes /public, /market, /private: section 1)."""

    rest: str
    stream: str

    def rest_url(self, path_url: str) -> str:
        """``path_url`` is versioned: ``/v1/order``, ``/v2/positionRisk``."""
        return f"{self.rest.rstrip('/')}/fapi{path_url}"

    def public_stream_url(self) -> str:
        """Combined high-frequency streams (``@depth``)."""
        return f"{self.stream.rstrip('/')}/public/stream"

    def market_stream_url(self) -> str:
        """Combined regular streams (``@aggTrade``, ``@markPrice``)."""
        return f"{self.stream.rstrip('/')}/market/stream"

    def private_stream_url(self, listen_key: str) -> str:
        return f"{self.stream.rstrip('/')}/private/ws?listenKey={listen_key}"

    @classmethod
    def for_domain(cls, domain: str = DOMAIN) -> "BinancePerpetualEndpoints":
        try:
            return DOMAINS[domain]
        except KeyError:
            raise ValueError(f"unknown Binance perpetual domain {domain!r}; known: {sorted(DOMAINS)} "
                             "(or pass BinancePerpetualEndpoints(...) for a custom base)") from None

    @classmethod
    def local(cls, host_port: str, secure: bool = False) -> "BinancePerpetualEndpoints":
        """Every service on one local server (the simulator): ``local("127.0.0.1:8080")``."""
        http, ws = ("https", "wss") if secure else ("http", "ws")
        return cls(rest=f"{http}://{host_port}", stream=f"{ws}://{host_port}")


DOMAINS: Dict[str, BinancePerpetualEndpoints] = {
    DOMAIN: BinancePerpetualEndpoints(rest="https://fapi.binance.com", stream="wss://fstream.binance.com"),
    TESTNET_DOMAIN: BinancePerpetualEndpoints(rest="https://testnet.binancefuture.com",
                                              stream="wss://stream.binancefuture.com"),
}

# ---------------------------------------------------------------- paths (sections 3-5, 8)
PING_URL = "/v1/ping"
SERVER_TIME_PATH_URL = "/v1/time"
EXCHANGE_INFO_URL = "/v1/exchangeInfo"
SNAPSHOT_REST_URL = "/v1/depth"
TICKER_PRICE_CHANGE_URL = "/v1/ticker/24hr"
MARK_PRICE_URL = "/v1/premiumIndex"
ORDER_URL = "/v1/order"
OPEN_ORDERS_URL = "/v1/openOrders"
CANCEL_ALL_OPEN_ORDERS_URL = "/v1/allOpenOrders"
ACCOUNT_TRADE_LIST_URL = "/v1/userTrades"
SET_LEVERAGE_URL = "/v1/leverage"
# the highest leverage of any contract's first bracket (section 4); a contract's own maximum can be
# lower, and the venue refuses above it (-4028)
MAX_LEVERAGE = 125
GET_INCOME_HISTORY_URL = "/v1/income"
FUNDING_RATE_URL = "/v1/fundingRate"
CHANGE_POSITION_MODE_URL = "/v1/positionSide/dual"
ACCOUNT_INFO_URL = "/v2/account"
POSITION_INFORMATION_URL = "/v2/positionRisk"
BINANCE_USER_STREAM_ENDPOINT = "/v1/listenKey"

# per-verb limit ids where one path has several weights
POST_ORDER_LIMIT_ID = f"POST{ORDER_URL}"
GET_ORDER_LIMIT_ID = f"GET{ORDER_URL}"
DELETE_ORDER_LIMIT_ID = f"DELETE{ORDER_URL}"
POST_POSITION_MODE_LIMIT_ID = f"POST{CHANGE_POSITION_MODE_URL}"
GET_POSITION_MODE_LIMIT_ID = f"GET{CHANGE_POSITION_MODE_URL}"

TIME_IN_FORCE_GTC = "GTC"
TIME_IN_FORCE_GTX = "GTX"      # post-only
TIME_IN_FORCE_IOC = "IOC"
TIME_IN_FORCE_FOK = "FOK"

SNAPSHOT_LIMIT = 1000
FUNDING_SETTLEMENT_DURATION = (0, 30)    # seconds before / after a funding time
LISTEN_KEY_KEEP_ALIVE_INTERVAL = 1800.0  # keys live 60 minutes: renew every 30
WS_HEARTBEAT_TIME_INTERVAL = 30.0
WS_MESSAGE_TIMEOUT = 600.0               # mark prices arrive every 3 s; a silent socket is dead long before

# ---------------------------------------------------------------- rate limits (section 2)
REQUEST_WEIGHT = "REQUEST_WEIGHT"
ORDERS_1MIN = "ORDERS_1MIN"
ORDERS_10SEC = "ORDERS_10SEC"
FUNDING_RATE_5MIN = "FUNDING_RATE_5MIN"   # fundingRate and fundingInfo share 500 per 5 minutes per IP
ONE_MINUTE = 60
MAX_REQUEST = 2400

# (pool id, limit, interval seconds); counted per calendar window, reset at each
# start, as on spot (docs/binance_usdm_futures.md section 2)
POOLS: Tuple[Tuple[str, int, int], ...] = (
    (REQUEST_WEIGHT, 2400, ONE_MINUTE),
    (ORDERS_1MIN, 1200, ONE_MINUTE),
    (ORDERS_10SEC, 300, 10),
    (FUNDING_RATE_5MIN, 500, 300),
)

# (limit id, REQUEST_WEIGHT, extra pools)
ENDPOINT_WEIGHTS: Tuple[Tuple[str, int, Tuple[str, ...]], ...] = (
    (PING_URL, 1, ()),
    (SERVER_TIME_PATH_URL, 1, ()),
    (EXCHANGE_INFO_URL, 1, ()),
    (SNAPSHOT_REST_URL, 20, ()),             # limit=1000
    (TICKER_PRICE_CHANGE_URL, 1, ()),
    (MARK_PRICE_URL, 1, ()),
    (POST_ORDER_LIMIT_ID, 1, (ORDERS_1MIN, ORDERS_10SEC)),
    (GET_ORDER_LIMIT_ID, 1, ()),
    (DELETE_ORDER_LIMIT_ID, 1, ()),
    (OPEN_ORDERS_URL, 1, ()),
    (CANCEL_ALL_OPEN_ORDERS_URL, 1, ()),
    (ACCOUNT_TRADE_LIST_URL, 5, ()),
    (SET_LEVERAGE_URL, 1, ()),
    (GET_INCOME_HISTORY_URL, 30, ()),
    (FUNDING_RATE_URL, 1, (FUNDING_RATE_5MIN,)),
    (POST_POSITION_MODE_LIMIT_ID, 1, ()),
    (GET_POSITION_MODE_LIMIT_ID, 30, ()),
    (ACCOUNT_INFO_URL, 5, ()),
    (POSITION_INFORMATION_URL, 5, ()),
    (BINANCE_USER_STREAM_ENDPOINT, 1, ()),
)

# cancels of live orders go before placements and polls when weight is scarce
ENDPOINT_PRIORITIES: Dict[str, int] = {DELETE_ORDER_LIMIT_ID: CANCEL_PRIORITY,
                                       CANCEL_ALL_OPEN_ORDERS_URL: CANCEL_PRIORITY}


def _build_rate_limits() -> Tuple[RateLimit, ...]:
    limits = [RateLimit(pool, limit=limit, time_interval=interval, fixed_window=True)
              for pool, limit, interval in POOLS]
    for limit_id, weight, extra in ENDPOINT_WEIGHTS:
        links = [LinkedLimitWeightPair(REQUEST_WEIGHT, weight)] + [LinkedLimitWeightPair(p, 1) for p in extra]
        limits.append(RateLimit(limit_id, limit=MAX_REQUEST, time_interval=ONE_MINUTE, linked_limits=links,
                                priority=ENDPOINT_PRIORITIES.get(limit_id, NORMAL_PRIORITY)))
    return tuple(limits)


RATE_LIMITS: Tuple[RateLimit, ...] = _build_rate_limits()

USED_WEIGHT_HEADERS: Dict[str, str] = {
    "X-MBX-USED-WEIGHT-1M": REQUEST_WEIGHT,
    "X-MBX-ORDER-COUNT-1M": ORDERS_1MIN,
    "X-MBX-ORDER-COUNT-10S": ORDERS_10SEC,
}

# ---------------------------------------------------------------- errors (section 9)
TOO_MANY_REQUESTS_ERROR_CODE = -1003
TOO_MANY_ORDERS_ERROR_CODE = -1015
TIMESTAMP_ERROR_CODE = -1021
LISTEN_KEY_NOT_EXIST_ERROR_CODE = -1125
UNKNOWN_ORDER_ERROR_CODE = -2011
ORDER_NOT_EXIST_ERROR_CODE = -2013
NO_NEED_TO_CHANGE_POSITION_SIDE_CODE = -4059
OUTCOME_UNKNOWN_ERROR_CODES = frozenset({-1000, -1006, -1007})
# a 429 / 418 pauses what its error code concerns: too much weight holds every request,
# too many orders holds placements only (a cancel is never held back by an order-count limit)
PAUSE_SCOPES: Dict[int, Tuple[str, ...]] = {
    TOO_MANY_REQUESTS_ERROR_CODE: (REQUEST_WEIGHT,),
    TOO_MANY_ORDERS_ERROR_CODE: (ORDERS_1MIN, ORDERS_10SEC),
}
# the credentials are wrong for good: malformed key, unknown key / IP / permissions, bad signature
AUTH_ERROR_CODES = frozenset({-2014, -2015, -1022})

# exchange order status -> OrderState member name
ORDER_STATE_NAMES: Dict[str, str] = {
    "NEW": "OPEN",
    "PARTIALLY_FILLED": "PARTIALLY_FILLED",
    "FILLED": "FILLED",
    "CANCELED": "CANCELED",
    "EXPIRED": "EXPIRED",
    "EXPIRED_IN_MATCH": "EXPIRED",
    "REJECTED": "FAILED",
}

DIFF_EVENT_TYPE = "depthUpdate"
MARK_PRICE_EVENT_TYPE = "markPriceUpdate"
AGG_TRADE_EVENT_TYPE = "aggTrade"
