"""Kraken Spot constants: endpoints, paths, rate limits, the WebSocket v2 channels (docs/kraken_spot.md).

``KrakenEndpoints`` holds three full URLs (REST base, public WebSocket v2,
private WebSocket v2); ``domain="com"`` is Kraken itself and
``KrakenEndpoints.local("127.0.0.1:PORT")`` a simulator serving all three.

Rate limits (docs/kraken_spot.md section 5): Kraken counts private REST calls
on a per-key counter that decays at a steady rate (Starter: at most 15,
-0.33 per second).  The throttler's sliding window of ``15`` calls per
``15 / 0.33 = 45`` seconds never lets that counter overflow: a bucket of
capacity C decaying at r admits at least C calls in any C / r seconds.
AddOrder and CancelOrder are not on that counter but on the per-pair trading
counter (``trading_counter.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Dict, Tuple, Union

from hummingbot_conn.common import OrderType
from hummingbot_conn.web.errors import ErrorBodyFormat
from hummingbot_conn.web.rate_limit import CANCEL_PRIORITY, LinkedLimitWeightPair, RateLimit

__all__ = ["KrakenEndpoints", "Domain", "DEFAULT_DOMAIN", "ERROR_FORMAT", "RATE_LIMITS"]

DEFAULT_DOMAIN = "com"
EXCHANGE_NAME = "kraken"
HBOT_ORDER_ID_PREFIX = "HBOT"
MAX_ORDER_ID_LEN = 18          # cl_ord_id free text: at most 18 characters (or a UUID)


@dataclass(frozen=True)
class KrakenEndpoints:
    """Full URLs of one Kraken deployment: ``rest`` (the base, ``/0/...`` paths follow),
    ``ws_public`` and ``ws_private`` (WebSocket v2, ending in ``/v2``)."""

    rest: str
    ws_public: str
    ws_private: str

    VENUE: ClassVar[str] = "Kraken"

    def rest_url(self, path_url: str) -> str:
        return f"{self.rest.rstrip('/')}{path_url}"

    @classmethod
    def known_domains(cls) -> Dict[str, "KrakenEndpoints"]:
        return {"com": cls(rest="https://api.kraken.com", ws_public="wss://ws.kraken.com/v2",
                           ws_private="wss://ws-auth.kraken.com/v2")}

    @classmethod
    def of(cls, domain: Union[str, "KrakenEndpoints"]) -> "KrakenEndpoints":
        """``domain`` itself when it is endpoints, else the named domain's; ``ValueError`` for an unknown one."""
        if isinstance(domain, cls):
            return domain
        domains = cls.known_domains()
        try:
            return domains[domain]  # type: ignore[index]
        except (KeyError, TypeError):
            raise ValueError(f"unknown Kraken domain {domain!r}; known: {sorted(domains)} "
                             f"(or pass KrakenEndpoints(rest=..., ws_public=..., ws_private=...))") from None

    @classmethod
    def local(cls, host_port: str, secure: bool = False) -> "KrakenEndpoints":
        """All three services on one local server (the simulator): REST at the bare base
        (``http://HOST:PORT``), the public WebSocket v2 at ``/v2``, the private one at ``/ws-auth/v2``."""
        http, ws = ("https", "wss") if secure else ("http", "ws")
        return cls(rest=f"{http}://{host_port}", ws_public=f"{ws}://{host_port}/v2",
                   ws_private=f"{ws}://{host_port}{LOCAL_PRIVATE_WS_PATH}")


#: where a local simulator serves the private WebSocket v2 (its ``ws_auth_url``)
LOCAL_PRIVATE_WS_PATH = "/ws-auth/v2"

Domain = Union[str, KrakenEndpoints]

# ---- REST paths (docs/kraken_spot.md section 4) --------------------------------------------------
SERVER_TIME_PATH_URL = "/0/public/Time"
ASSET_PAIRS_PATH_URL = "/0/public/AssetPairs"
TICKER_PATH_URL = "/0/public/Ticker"
DEPTH_PATH_URL = "/0/public/Depth"
BALANCE_PATH_URL = "/0/private/BalanceEx"
ADD_ORDER_PATH_URL = "/0/private/AddOrder"
CANCEL_ORDER_PATH_URL = "/0/private/CancelOrder"
CANCEL_ALL_PATH_URL = "/0/private/CancelAll"
OPEN_ORDERS_PATH_URL = "/0/private/OpenOrders"
CLOSED_ORDERS_PATH_URL = "/0/private/ClosedOrders"
QUERY_ORDERS_PATH_URL = "/0/private/QueryOrders"
TRADES_HISTORY_PATH_URL = "/0/private/TradesHistory"
WS_TOKEN_PATH_URL = "/0/private/GetWebSocketsToken"
PRIVATE_PREFIX = "/0/private/"

# ---- WebSocket v2 --------------------------------------------------------------------------------
BOOK_CHANNEL = "book"
TRADE_CHANNEL = "trade"
EXECUTIONS_CHANNEL = "executions"
BOOK_DEPTHS = (10, 25, 100, 500, 1000)
DEFAULT_BOOK_DEPTH = 10
WS_MESSAGE_TIMEOUT = 60.0      # Kraken sends a heartbeat every second on a subscribed socket

# ---- errors in HTTP-200 bodies (docs/kraken_spot.md section 3) ------------------------------------
ERROR_FORMAT = ErrorBodyFormat(error_list_field="error", warning_prefix="W", errors_in_success=True,
                               code_types=(str,))

# ---- rate limits (module docstring) ---------------------------------------------------------------
CALL_COUNTER = "KRAKEN_CALL_COUNTER"
CALL_COUNTER_MAX = 15                   # Starter tier
CALL_COUNTER_DECAY = Decimal("0.33")    # per second
PUBLIC_LIMIT = "KRAKEN_PUBLIC"
_WINDOW = float(Decimal(CALL_COUNTER_MAX) / CALL_COUNTER_DECAY)


def _private(path: str, cost: int = 1) -> RateLimit:
    return RateLimit(path, limit=CALL_COUNTER_MAX, time_interval=_WINDOW,
                     linked_limits=[LinkedLimitWeightPair(CALL_COUNTER, cost)])


def _trading(path: str, priority: int = 0) -> RateLimit:
    # not on the call counter: the per-pair trading counter paces these (trading_counter.py)
    return RateLimit(path, limit=1000, time_interval=1, priority=priority)


RATE_LIMITS: Tuple[RateLimit, ...] = (
    RateLimit(CALL_COUNTER, limit=CALL_COUNTER_MAX, time_interval=_WINDOW),
    RateLimit(PUBLIC_LIMIT, limit=1, time_interval=1),
    RateLimit(SERVER_TIME_PATH_URL, limit=1, time_interval=1, linked_limits=[LinkedLimitWeightPair(PUBLIC_LIMIT)]),
    RateLimit(ASSET_PAIRS_PATH_URL, limit=1, time_interval=1, linked_limits=[LinkedLimitWeightPair(PUBLIC_LIMIT)]),
    RateLimit(TICKER_PATH_URL, limit=1, time_interval=1, linked_limits=[LinkedLimitWeightPair(PUBLIC_LIMIT)]),
    RateLimit(DEPTH_PATH_URL, limit=1, time_interval=1, linked_limits=[LinkedLimitWeightPair(PUBLIC_LIMIT)]),
    _private(BALANCE_PATH_URL),
    _private(OPEN_ORDERS_PATH_URL),
    _private(CLOSED_ORDERS_PATH_URL),
    _private(QUERY_ORDERS_PATH_URL),
    _private(TRADES_HISTORY_PATH_URL, 2),
    _private(WS_TOKEN_PATH_URL),
    _private(CANCEL_ALL_PATH_URL),
    _trading(ADD_ORDER_PATH_URL),
    _trading(CANCEL_ORDER_PATH_URL, CANCEL_PRIORITY),
)

SUPPORTED_ORDER_TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET)
