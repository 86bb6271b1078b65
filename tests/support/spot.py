"""The spot connector's test harness, shared by tests/integration/connector, the soaks and the property
tests: a ``BinanceExchange`` on a ``SimulatedExchange`` (real HTTP and WebSocket on 127.0.0.1), a
counterparty account trading on the simulator's engine, request counters and an event-logging session."""
from decimal import Decimal
from typing import Any, Dict, List, Optional

from hummingbot_conn.event_logger import EventLogger
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.sim import SimulatedExchange

from .polling import until

ORDER_ENDPOINT = ("POST", "/api/v3/order")
CANCEL_ENDPOINT = ("DELETE", "/api/v3/order")


class RequestCounter:
    """Counts the requests of one endpoint that reached the simulator's handler."""

    def __init__(self, sim: SimulatedExchange, endpoint=ORDER_ENDPOINT) -> None:
        self.count = 0
        handler, weight, security = sim.rest.endpoints[endpoint]

        def counting(*args: Any) -> Any:
            self.count += 1
            return handler(*args)
        sim.rest.endpoints[endpoint] = (counting, weight, security)


class Counterparty:
    """Another account trading on the simulator's engine directly (no sockets needed)."""

    def __init__(self, sim: SimulatedExchange, symbol: str = "BTCUSDT") -> None:
        self.sim, self.symbol = sim, symbol
        self.account = sim.accounts.create({"USDT": "100000000", "BTC": "10000", "ETH": "10000"},
                                           maker_rate="0", taker_rate="0")

    def limit(self, side: str, qty: str, price: str):
        return self.sim.engine.place_order(self.account, self.symbol, side, "LIMIT", quantity=Decimal(qty),
                                           price=Decimal(price), time_in_force="GTC")

    def market(self, side: str, qty: str):
        return self.sim.engine.place_order(self.account, self.symbol, side, "MARKET", quantity=Decimal(qty))


class Session:
    """A started connector, its event log and the simulator account behind it."""

    def __init__(self, sim: SimulatedExchange, connector: BinanceExchange, api_key: str) -> None:
        self.sim, self.connector, self.api_key = sim, connector, api_key
        self.log = EventLogger()
        self.log.subscribe(connector, list(MarketEvent))

    def events(self, order_id: Optional[str] = None) -> List[Any]:
        return [e for e in self.log.event_log if order_id is None or getattr(e, "order_id", None) == order_id]

    def kinds(self, order_id: str) -> List[str]:
        return [type(e).__name__ for e in self.events(order_id)]

    async def wait_kinds(self, order_id: str, kinds: List[str], timeout: float = 10.0) -> None:
        await until(lambda: self.kinds(order_id) == kinds, timeout)

    def sim_balances(self) -> Dict[str, tuple]:
        account = self.sim.account(self.api_key)
        return {a: (b.free + b.locked, b.free) for a, b in account.balances.items()}

    def our_balances(self) -> Dict[str, tuple]:
        c = self.connector
        return {a: (c.get_balance(a), c.get_available_balance(a)) for a in c.get_all_balances()}


def endpoints_of(sim: SimulatedExchange) -> BinanceEndpoints:
    return BinanceEndpoints.local(sim.rest_url.split("://", 1)[1])


def make_connector(sim: SimulatedExchange, key: str, secret: str, pairs=("BTC-USDT",), **options: Any
                   ) -> BinanceExchange:
    options.setdefault("short_poll_interval", 0.5)
    options.setdefault("long_poll_interval", 5.0)
    options.setdefault("unknown_outcome_retry_delays", (0.05, 0.1, 0.2))
    # these tests count and fault REST requests; the WebSocket API path has its own
    # (tests/integration/connector/test_ws_order_entry*.py), which passes order_transport="ws"
    options.setdefault("order_transport", "rest")
    return BinanceExchange(binance_api_key=key, binance_api_secret=secret, trading_pairs=list(pairs),
                           domain=endpoints_of(sim), **options)
