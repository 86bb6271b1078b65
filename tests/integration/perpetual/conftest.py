"""Harness of the perpetual connector's end-to-end tests: ``SimulatedFuturesExchange`` on 127.0.0.1
(real HTTP and WebSocket, a manual clock for funding) and a ``BinancePerpetualDerivative`` on it."""
import pytest
from support import until
from support.perpetual import PAIRS, Session, make_connector, quoted, start_session

from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

__all__ = ["PAIRS", "Session", "make_connector", "quoted", "start_session", "until"]


@pytest.fixture
async def fsim():
    async with SimulatedFuturesExchange(clock=ManualClock(), funding_interval_ms=3_600_000,
                                        stream_interval=0.02) as exchange:
        yield exchange


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
