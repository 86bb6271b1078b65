"""Binance USDⓈ-M perpetual venue facts as data: endpoints, paths, rate limits, error codes, states.

Sources: docs/binance_usdm_futures.md (section numbers cited below). Facts
both Binance venues share (error codes, sides, time in force ...) come from
``_common/constants.py``, and a fact spot has too carries spot's name here
(``EXCHANGE_INFO_PATH_URL``, ``ORDER_PATH_URL`` ...); hummingbot's USDⓈ-M
names stay importable from ``binance_perpetual.binance_perpetual_constants``.
URLs are built from bases, so one connector talks to Binance, its testnet or
the simulator (``hummingbot_conn.sim.futures``) on ``http://127.0.0.1:<port>``::

    BinancePerpetualEndpoints.for_domain("binance_perpetual").rest_url("/v1/depth")
    # 'https://fapi.binance.com/fapi/v1/depth'
    BinancePerpetualEndpoints.local("127.0.0.1:8080").public_stream_url()
    # 'ws://127.0.0.1:8080/public/stream'
"""
from dataclasses import dataclass
from typing import ClassVar, Dict, Mapping, Tuple

from hummingbot_conn.common import OrderType

# the facts both Binance venues share, under the same names (_common/constants.py)
from hummingbot_conn.exchanges.binance._common.constants import *  # noqa: F403
from hummingbot_conn.exchanges.binance._common.constants import (
    ONE_MINUTE,
    ONE_SECOND,
    REQUEST_WEIGHT,
    TOO_MANY_ORDERS_ERROR_CODE,
    TOO_MANY_REQUESTS_ERROR_CODE,
)
from hummingbot_conn.exchanges.binance._common.endpoints import BinanceEndpointsBase
from hummingbot_conn.exchanges.binance._common.rate_limits import EndpointWeight, Pool, build_rate_limits
from hummingbot_conn.web.rate_limit import CANCEL_PRIORITY, RateLimit

EXCHANGE_NAME = "binance_perpetual"
DOMAIN = EXCHANGE_NAME
DEFAULT_DOMAIN = DOMAIN
TESTNET_DOMAIN = "binance_perpetual_testnet"
HBOT_ORDER_ID_PREFIX = "x-nbQe1H39"      # hummingbot's BROKER_ID


@dataclass(frozen=True)
class BinancePerpetualEndpoints(BinanceEndpointsBase):
    """REST base and stream base (the stream host routes /public, /market, /private: section 1).

    ``rest_url`` takes a versioned path: ``/v1/order``, ``/v2/positionRisk``."""

    REST_PREFIX: ClassVar[str] = "/fapi"
    VENUE: ClassVar[str] = "Binance perpetual"

    def public_stream_url(self) -> str:
        """Combined high-frequency streams (``@depth``)."""
        return f"{self.stream.rstrip('/')}/public/stream"

    def market_stream_url(self) -> str:
        """Combined regular streams (``@aggTrade``, ``@markPrice``)."""
        return f"{self.stream.rstrip('/')}/market/stream"

    def public_ws_url(self) -> str:
        """Raw high-frequency streams, subscribed with ``SUBSCRIBE`` (the depth sockets)."""
        return f"{self.stream.rstrip('/')}/public/ws"

    def market_ws_url(self) -> str:
        """Raw regular streams, subscribed with ``SUBSCRIBE`` (trades and mark prices)."""
        return f"{self.stream.rstrip('/')}/market/ws"

    def private_stream_url(self, listen_key: str) -> str:
        return f"{self.stream.rstrip('/')}/private/ws?listenKey={listen_key}"

    @classmethod
    def known_domains(cls) -> Mapping[str, "BinancePerpetualEndpoints"]:
        return DOMAINS


ENDPOINTS = BinancePerpetualEndpoints

DOMAINS: Dict[str, BinancePerpetualEndpoints] = {
    DOMAIN: BinancePerpetualEndpoints(rest="https://fapi.binance.com", stream="wss://fstream.binance.com"),
    TESTNET_DOMAIN: BinancePerpetualEndpoints(rest="https://testnet.binancefuture.com",
                                              stream="wss://stream.binancefuture.com"),
}

# ---------------------------------------------------------------- paths (sections 3-5, 8)
PING_PATH_URL = "/v1/ping"
SERVER_TIME_PATH_URL = "/v1/time"
EXCHANGE_INFO_PATH_URL = "/v1/exchangeInfo"
SNAPSHOT_PATH_URL = "/v1/depth"
TICKER_PRICE_CHANGE_PATH_URL = "/v1/ticker/24hr"
MARK_PRICE_URL = "/v1/premiumIndex"
ORDER_PATH_URL = "/v1/order"
OPEN_ORDERS_PATH_URL = "/v1/openOrders"
CANCEL_ALL_OPEN_ORDERS_URL = "/v1/allOpenOrders"
MY_TRADES_PATH_URL = "/v1/userTrades"
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
POST_ORDER_LIMIT_ID = f"POST{ORDER_PATH_URL}"
GET_ORDER_LIMIT_ID = f"GET{ORDER_PATH_URL}"
DELETE_ORDER_LIMIT_ID = f"DELETE{ORDER_PATH_URL}"
POST_POSITION_MODE_LIMIT_ID = f"POST{CHANGE_POSITION_MODE_URL}"
GET_POSITION_MODE_LIMIT_ID = f"GET{CHANGE_POSITION_MODE_URL}"
# where the last traded prices come from, and their field
LAST_TRADED_PRICES_PATH_URL = TICKER_PRICE_CHANGE_PATH_URL
LAST_TRADED_PRICE_FIELD = "lastPrice"

TIME_IN_FORCE_GTX = "GTX"      # post-only

SUPPORTED_ORDER_TYPES: Tuple[OrderType, ...] = (OrderType.LIMIT, OrderType.MARKET, OrderType.LIMIT_MAKER)

SNAPSHOT_LIMIT = 1000
SNAPSHOT_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
FUNDING_SETTLEMENT_DURATION = (0, 30)    # seconds before / after a funding time
LISTEN_KEY_KEEP_ALIVE_INTERVAL = 1800.0  # keys live 60 minutes: renew every 30
WS_HEARTBEAT_TIME_INTERVAL = 30.0
WS_MESSAGE_TIMEOUT = 600.0               # mark prices arrive every 3 s; a silent socket is dead long before


def snapshot_limit_id(limit: int) -> str:
    """Throttler limit id of ``GET /fapi/v1/depth?limit=<limit>``: one id, charged as ``limit=1000``
    (20, the highest tier); ``ValueError`` for a limit the venue does not serve."""
    if limit not in SNAPSHOT_LIMITS:
        raise ValueError("snapshot_limit must be one of " + ", ".join(map(str, SNAPSHOT_LIMITS)))
    return SNAPSHOT_PATH_URL


# ---------------------------------------------------------------- rate limits (section 2)
ORDERS_1MIN = "ORDERS_1MIN"
ORDERS_10SEC = "ORDERS_10SEC"             # hummingbot's ORDERS_1SEC (a 10 s window)
FUNDING_RATE_5MIN = "FUNDING_RATE_5MIN"   # fundingRate and fundingInfo share 500 per 5 minutes per IP
MAX_REQUEST = 2400

# (pool id, limit, interval seconds, counted per calendar window): every pool is counted per
# calendar window, reset at each start, as on spot (docs/binance_usdm_futures.md section 2)
POOLS: Tuple[Pool, ...] = (
    (REQUEST_WEIGHT, 2400, ONE_MINUTE, True),
    (ORDERS_1MIN, 1200, ONE_MINUTE, True),
    (ORDERS_10SEC, 300, 10 * ONE_SECOND, True),
    (FUNDING_RATE_5MIN, 500, 5 * ONE_MINUTE, True),
)

# (limit id, REQUEST_WEIGHT, extra pools)
ENDPOINT_WEIGHTS: Tuple[EndpointWeight, ...] = (
    (PING_PATH_URL, 1, ()),
    (SERVER_TIME_PATH_URL, 1, ()),
    (EXCHANGE_INFO_PATH_URL, 1, ()),
    (SNAPSHOT_PATH_URL, 20, ()),             # limit=1000
    (TICKER_PRICE_CHANGE_PATH_URL, 1, ()),
    (MARK_PRICE_URL, 1, ()),
    (POST_ORDER_LIMIT_ID, 1, (ORDERS_1MIN, ORDERS_10SEC)),
    (GET_ORDER_LIMIT_ID, 1, ()),
    (DELETE_ORDER_LIMIT_ID, 1, ()),
    (OPEN_ORDERS_PATH_URL, 1, ()),
    (CANCEL_ALL_OPEN_ORDERS_URL, 1, ()),
    (MY_TRADES_PATH_URL, 5, ()),
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

RATE_LIMITS: Tuple[RateLimit, ...] = build_rate_limits(POOLS, ENDPOINT_WEIGHTS, max_request=MAX_REQUEST,
                                                       priorities=ENDPOINT_PRIORITIES)

USED_WEIGHT_HEADERS: Dict[str, str] = {
    "X-MBX-USED-WEIGHT-1M": REQUEST_WEIGHT,
    "X-MBX-ORDER-COUNT-1M": ORDERS_1MIN,
    "X-MBX-ORDER-COUNT-10S": ORDERS_10SEC,
}

# ---------------------------------------------------------------- errors (section 9; shared codes: _common/errors.py)
LISTEN_KEY_NOT_EXIST_ERROR_CODE = -1125
NO_NEED_TO_CHANGE_POSITION_SIDE_CODE = -4059
# a -2011 answer to a cancel means "not found" by its code alone
CANCEL_NOT_FOUND_MESSAGE = None
# a 429 / 418 pauses what its error code concerns: too much weight holds every request,
# too many orders holds placements only (a cancel is never held back by an order-count limit)
PAUSE_SCOPES: Dict[int, Tuple[str, ...]] = {
    TOO_MANY_REQUESTS_ERROR_CODE: (REQUEST_WEIGHT,),
    TOO_MANY_ORDERS_ERROR_CODE: (ORDERS_1MIN, ORDERS_10SEC),
}

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

MARK_PRICE_EVENT_TYPE = "markPriceUpdate"
AGG_TRADE_EVENT_TYPE = "aggTrade"
