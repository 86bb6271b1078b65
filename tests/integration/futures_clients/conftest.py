"""A USDⓈ-M simulator for the outside clients' sessions, and what each session checks.

Each test in this folder points one unmodified third-party client at the
simulator by URL and runs a normal trading session with it, as the spot
simulator's third-party test does (tests/integration/sim/test_sim_third_party_client.py).
The venue starts with a book around 60000 on BTCUSDT (house liquidity), funding
every second (so ``fundingRate`` and ``FUNDING_FEE`` income have rows within
the session) and a 10,000 USDT account for the client.
"""
from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from hummingbot_conn.sim.futures import SimulatedFuturesExchange

WALLET = "10000"
#: (side, price, qty) of the house's resting orders: asks from 60000 up, bids from 59990 down
LIQUIDITY = [("SELL", Decimal(60000 + 10 * i), Decimal("0.5")) for i in range(5)] + \
            [("BUY", Decimal(59990 - 10 * i), Decimal("0.5")) for i in range(5)]


@pytest.fixture
async def venue():
    async with SimulatedFuturesExchange(funding_interval_ms=1000, stream_interval=0.05) as sim:
        key, secret = sim.create_account(WALLET)
        for side, price, qty in LIQUIDITY:
            sim.place_liquidity("BTCUSDT", side, price, qty)
        sim.set_funding_rate("BTCUSDT", "0.0001")
        # one funding time passed: the funding-rate history has a row
        await wait_for(lambda: sim.engine.funding_history["BTCUSDT"], what="a funding settlement")
        yield sim, key, secret


async def wait_for(predicate, timeout: float = 10.0, what: str = "condition"):
    """Poll ``predicate()`` (sync) until true; a generous timeout for a shared machine."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
