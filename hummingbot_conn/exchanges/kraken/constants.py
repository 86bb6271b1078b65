"""Kraken Spot constants: endpoints, paths, rate limits, the WebSocket v2 channels (docs/kraken_spot.md).

``KrakenEndpoints`` holds three full URLs (REST base, public WebSocket v2,
private WebSocket v2); ``domain="com"`` is Kraken itself and
``KrakenEndpoints.local("127.0.0.1:PORT")`` a simulator serving all three.

Rate limits (docs/kraken_spot.md section 8): Kraken counts private REST calls
on a per-key counter that decays at a steady rate (Starter: at most 15,
-0.33 per second; the tiers: ``TIERS``).  The throttler's sliding window of
``15`` calls per ``15 / 0.33 = 45`` seconds never lets that counter
overflow: a bucket of capacity C decaying at r admits at least C calls in
any C / r seconds.  (A window holds a burst's calls for its whole length,
where the venue's counter lets one through per unit of decay: a decaying
counter in the throttler would be closer; see docs/kraken_spot.md section 10.)
AddOrder and CancelOrder are not on that counter but on the per-pair trading
counter (``trading_counter.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Dict, Tuple, Union

from hummingbot_conn.common import OrderType
from hummingbot_conn.exchanges.kraken.errors import KrakenErrorBodyFormat
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

# ---- REST paths (docs/kraken_spot.md section 6) --------------------------------------------------
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
BALANCES_CHANNEL = "balances"
BOOK_DEPTHS = (10, 25, 100, 500, 1000)
DEFAULT_BOOK_DEPTH = 10
WS_MESSAGE_TIMEOUT = 60.0      # Kraken sends a heartbeat every second on a subscribed socket
#: orders over the private socket (``ws``, the default) or REST only (docs/kraken_spot.md section 10)
ORDER_TRANSPORTS = ("ws", "rest")
DEFAULT_ORDER_TRANSPORT = "ws"
WS_ADD_ORDER_METHOD = "add_order"
WS_CANCEL_ORDER_METHOD = "cancel_order"
#: idle seconds before the order socket pings (it carries no channel, so no heartbeats come)
WS_ORDER_PING_INTERVAL = 10.0

# ---- errors in HTTP-200 bodies (docs/kraken_spot.md section 3) ------------------------------------
ERROR_FORMAT = KrakenErrorBodyFormat(error_list_field="error", warning_prefix="W", errors_in_success=True,
                               code_types=(str,))

# ---- rate limits (module docstring) ---------------------------------------------------------------
#: per verification tier: (call counter maximum, its decay per second, trading counter threshold, its decay)
TIERS = {"starter": (15, Decimal("0.33"), 60, Decimal(1)),
         "intermediate": (20, Decimal("0.5"), 125, Decimal("2.34")),
         "pro": (20, Decimal(1), 180, Decimal("3.75"))}
DEFAULT_TIER = "starter"
CALL_COUNTER = "KRAKEN_CALL_COUNTER"
PUBLIC_LIMIT = "KRAKEN_PUBLIC"
_PUBLIC_PATHS = (SERVER_TIME_PATH_URL, ASSET_PAIRS_PATH_URL, TICKER_PATH_URL, DEPTH_PATH_URL)
#: private calls and their cost on the call counter (TradesHistory counts 2)
_COUNTED = {BALANCE_PATH_URL: 1, OPEN_ORDERS_PATH_URL: 1, CLOSED_ORDERS_PATH_URL: 1, QUERY_ORDERS_PATH_URL: 1,
            TRADES_HISTORY_PATH_URL: 2, WS_TOKEN_PATH_URL: 1, CANCEL_ALL_PATH_URL: 1}


def tier_of(tier: str) -> Tuple[int, Decimal, int, Decimal]:
    """The figures of a verification tier; ``ValueError`` naming the tiers for another name."""
    try:
        return TIERS[tier]
    except (KeyError, TypeError):
        raise ValueError(f"unknown Kraken tier {tier!r}; choose one of {sorted(TIERS)}") from None


def rate_limits(tier: str = DEFAULT_TIER) -> Tuple[RateLimit, ...]:
    """The throttler's limits for ``tier`` (module docstring: a window of ``maximum`` calls per
    ``maximum / decay`` seconds never overflows the venue's counter)."""
    maximum, decay, _, _ = tier_of(tier)
    window = float(Decimal(maximum) / decay)
    limits = [RateLimit(CALL_COUNTER, limit=maximum, time_interval=window),
              # Kraken asks for about one public call a second per IP
              RateLimit(PUBLIC_LIMIT, limit=1, time_interval=1)]
    limits += [RateLimit(path, limit=1, time_interval=1, linked_limits=[LinkedLimitWeightPair(PUBLIC_LIMIT)])
               for path in _PUBLIC_PATHS]
    limits += [RateLimit(path, limit=maximum, time_interval=window,
                         linked_limits=[LinkedLimitWeightPair(CALL_COUNTER, cost)]) for path, cost in _COUNTED.items()]
    # not on the call counter: the per-pair trading counter paces these (trading_counter.py)
    limits += [RateLimit(ADD_ORDER_PATH_URL, limit=1000, time_interval=1),
               RateLimit(CANCEL_ORDER_PATH_URL, limit=1000, time_interval=1, priority=CANCEL_PRIORITY)]
    return tuple(limits)


RATE_LIMITS = rate_limits()

SUPPORTED_ORDER_TYPES = (OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET)
