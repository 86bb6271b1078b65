"""Harness of the perpetual connector's end-to-end tests: ``SimulatedFuturesExchange`` on 127.0.0.1
(real HTTP and WebSocket, a manual clock for funding) and a ``BinancePerpetualDerivative`` on it."""
from decimal import Decimal
from typing import Any, List, Optional

import pytest
from support import until

from hummingbot_conn.event_logger import EventLogger
from hummingbot_conn.events import AccountEvent, MarketEvent
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import BinancePerpetualEndpoints
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_derivative import BinancePerpetualDerivative
from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

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


@pytest.fixture
async def fsim():
    async with SimulatedFuturesExchange(clock=ManualClock(), funding_interval_ms=3_600_000,
                                        stream_interval=0.02) as exchange:
        yield exchange


async def start_session(sim, connector, key) -> Session:
    session = Session(sim, connector, key)
    await connector.start_network()
    await connector.wait_ready(10)
    return session


@pytest.fixture
async def session(fsim):
    key, secret = fsim.create_account("10000")
    connector = make_connector(fsim, key, secret)
    s = await start_session(fsim, connector, key)
    try:
        yield s
    finally:
        await connector.stop_network()


class Harness:
    make_connector = staticmethod(make_connector)
    start_session = staticmethod(start_session)
    until = staticmethod(until)
    quoted = staticmethod(quoted)


@pytest.fixture
def harness():
    return Harness
