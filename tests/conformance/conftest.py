"""The Binance venues of the conformance kit, as fixtures (the classes: tests/support/venues.py).
A new venue adds a ``VenueFixture`` class and a subclass of ``ConformanceSuite`` (docs/conformance.md)."""
from typing import AsyncIterator

import pytest
from support.venues import BinancePerpetualVenue, BinanceSpotVenue

from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.sim.futures import SimulatedFuturesExchange


@pytest.fixture
async def binance_spot_venue() -> AsyncIterator[BinanceSpotVenue]:
    async with SimulatedExchange(seed=5) as sim:
        yield BinanceSpotVenue(sim)


@pytest.fixture
async def binance_perpetual_venue() -> AsyncIterator[BinancePerpetualVenue]:
    async with SimulatedFuturesExchange(stream_interval=0.02) as sim:
        yield BinancePerpetualVenue(sim)
