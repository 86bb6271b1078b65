"""The perpetual connector's test harness, shared by tests/integration/perpetual and the soaks: a
``BinancePerpetualDerivative`` on a ``SimulatedFuturesExchange`` (real HTTP and WebSocket on 127.0.0.1),
an event-logging session and a wait for a quoted price."""
from decimal import Decimal
from typing import Any, List, Optional

from hummingbot_conn.event_logger import EventLogger
from hummingbot_conn.events import AccountEvent, MarketEvent
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import BinancePerpetualEndpoints
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_derivative import BinancePerpetualDerivative
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

from .polling import until

PAIRS = ("BTC-USDT", "ETH-USDT")


def make_connector(sim: SimulatedFuturesExchange, key: str, secret: str, pairs=PAIRS,
                   **options: Any) -> BinancePerpetualDerivative:
    options.setdefault("short_poll_interval", 0.5)
    options.setdefault("long_poll_interval", 5.0)
    options.setdefault("unknown_outcome_retry_delays", (0.05, 0.1, 0.2))
    options.setdefault("funding_fee_poll_interval", 30.0)
    return BinancePerpetualDerivative(key, secret, trading_pairs=list(pairs),
                                      domain=BinancePerpetualEndpoints.local(sim.rest_url.split("://", 1)[1]),
                                      **options)


async def quoted(connector, trading_pair: str, is_buy: bool, price: str) -> None:
    """Wait until the connector's book shows ``price`` as the best ask (buy) / bid (sell)."""
    def ok() -> bool:
        try:
            return connector.get_price(trading_pair, is_buy) == Decimal(price)
        except Exception:
            return False
    await until(ok)


class Session:
    def __init__(self, sim: SimulatedFuturesExchange, connector: BinancePerpetualDerivative, api_key: str) -> None:
        self.sim, self.connector, self.api_key = sim, connector, api_key
        self.log = EventLogger()
        self.log.subscribe(connector, list(MarketEvent) + list(AccountEvent))

    @property
    def account(self):
        return self.sim.account(self.api_key)

    def events(self, order_id: Optional[str] = None) -> List[Any]:
        return [e for e in self.log.event_log if order_id is None or getattr(e, "order_id", None) == order_id]

    def of_type(self, cls) -> List[Any]:
        return [e for e in self.log.event_log if isinstance(e, cls)]

    def kinds(self, order_id: str) -> List[str]:
        return [type(e).__name__ for e in self.events(order_id)]

    async def wait_kinds(self, order_id: str, kinds: List[str], timeout: float = 10.0) -> None:
        await until(lambda: self.kinds(order_id) == kinds, timeout)

    def sim_positions(self) -> dict:
        return {(s, side): (p.amount, p.entry_price) for (s, side), p in self.account.positions.items() if p.amount}

    def our_positions(self) -> dict:
        return {(p.trading_pair.replace("-", ""), p.position_side.name): (p.amount, p.entry_price)
                for p in self.connector.account_positions.values()}


async def start_session(sim, connector, key) -> Session:
    session = Session(sim, connector, key)
    await connector.start_network()
    await connector.wait_ready(10)
    return session
