"""Harness of the connector's end-to-end tests: a simulated exchange on 127.0.0.1
(real HTTP and WebSocket) and a ``BinanceExchange`` connected to it.

Fixtures: ``sim`` (a ``SimulatedExchange``), ``session`` (a started connector
with an account of 100000 USDT, 2 BTC, 10 ETH, trading BTC-USDT and
ETH-USDT) and ``harness`` (the helper classes and functions below, for tests
that build their own connectors).
"""
import pytest
from support import until
from support.spot import (
    CANCEL_ENDPOINT,
    ORDER_ENDPOINT,
    Counterparty,
    RequestCounter,
    Session,
    endpoints_of,
    make_connector,
)

from hummingbot_conn.sim import SimulatedExchange

__all__ = ["CANCEL_ENDPOINT", "ORDER_ENDPOINT", "Counterparty", "RequestCounter", "Session", "endpoints_of",
           "make_connector", "until"]


class Harness:
    Counterparty = Counterparty
    RequestCounter = RequestCounter
    Session = Session
    make_connector = staticmethod(make_connector)
    until = staticmethod(until)


@pytest.fixture
def harness():
    return Harness


@pytest.fixture
async def sim():
    async with SimulatedExchange(seed=5) as exchange:
        yield exchange


@pytest.fixture
async def session(sim):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "2", "ETH": "10"})
    connector = make_connector(sim, key, secret, pairs=("BTC-USDT", "ETH-USDT"))
    s = Session(sim, connector, key)
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        yield s
    finally:
        await connector.stop_network()
