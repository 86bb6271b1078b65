"""Funding payments against the simulated USDⓈ-M venue (real sockets): every payment the venue made is
reported exactly once, with the rate of its own funding time, however many fall in the window,
whatever order the venue returns them in, after a failing income endpoint recovers and across a
restart (docs/binance_usdm_futures.md, section 12; docs/contracts.md, Contract 4).

The simulator settles funding every second here; each test moves its manual clock one funding
time at a time and changes the rate in between, so every payment has a rate of its own.
"""
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import List, Tuple

import pytest

from hummingbot_conn.common import OrderType, PositionAction
from hummingbot_conn.events import FundingPaymentCompletedEvent
from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

PAIR = "BTC-USDT"
Q8 = Decimal("0.00000001")


@pytest.fixture
async def fastsim():
    async with SimulatedFuturesExchange(clock=ManualClock(), funding_interval_ms=1000,
                                        stream_interval=0.02) as exchange:
        yield exchange


def rate(i: int) -> Decimal:
    return Decimal("0.0001") + Decimal(i) * Decimal("0.000001")


def settle(sim, rates: List[Decimal]) -> List[Tuple[float, Decimal, Decimal]]:
    """One funding time per rate, each settled at its own rate; the payments a 0.01 long at mark
    60000 makes: (time s, amount, rate)."""
    expected = []
    for r in rates:
        sim.set_funding_rate("BTCUSDT", r)
        due = sim.engine.next_funding["BTCUSDT"]
        sim.clock.set(due)
        sim.engine.settle_due_funding()
        expected.append((due / 1000, -(Decimal("0.01") * Decimal("60000") * r).quantize(Q8, ROUND_HALF_UP), r))
    return expected


def payments(session) -> List[Tuple[float, Decimal, Decimal]]:
    return [(e.timestamp, e.amount, e.funding_rate) for e in session.of_type(FundingPaymentCompletedEvent)
            if e.trading_pair == PAIR]


async def start_long(sim, harness, key, secret, **options):
    options.setdefault("funding_fee_poll_interval", 1.0)
    connector = harness.make_connector(sim, key, secret, pairs=(PAIR,), **options)
    session = await harness.start_session(sim, connector, key)
    if not sim.account(key).has_position():
        sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.01")
        await harness.quoted(connector, PAIR, True, "60000")
        order_id = connector.buy(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.OPEN)
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    # funding news starts at the venue's time of the first poll
    await harness.until(lambda: connector._funding_ledger.window_start(PAIR) is not None)
    return session


async def test_more_than_100_payments_in_the_window_are_each_reported_once_with_their_own_rate(fastsim, harness):
    key, secret = fastsim.create_account("10000")
    session = await start_long(fastsim, harness, key, secret)
    try:
        expected = settle(fastsim, [rate(i) for i in range(150)])
        await harness.until(lambda: len(payments(session)) >= 150, 30)
        assert payments(session) == expected
        expected += settle(fastsim, [Decimal("-0.0002")])             # and the next one after them
        await harness.until(lambda: len(payments(session)) >= 151, 15)
        assert payments(session) == expected
    finally:
        await session.connector.stop_network()


async def test_a_window_read_in_small_pages_of_newest_rows_first_still_finds_every_payment(fastsim, harness):
    fastsim.rest.income_newest_first = True        # a full answer holds the newest rows: no order to rely on
    key, secret = fastsim.create_account("10000")
    session = await start_long(fastsim, harness, key, secret)
    session.connector.FUNDING_PAGE_LIMIT = 100
    try:
        expected = settle(fastsim, [rate(i) for i in range(250)])
        await harness.until(lambda: len(payments(session)) >= 250, 30)
        assert payments(session) == expected
    finally:
        await session.connector.stop_network()


async def test_payments_made_while_the_income_endpoint_fails_are_reported_when_it_recovers(fastsim, harness):
    key, secret = fastsim.create_account("10000")
    session = await start_long(fastsim, harness, key, secret)
    try:
        fault = fastsim.faults.add("http_error", endpoint="GET /fapi/v1/income", count=None, status=503)
        expected = settle(fastsim, [rate(1), rate(2), rate(3)])
        await harness.until(lambda: fault.fired >= 2, 15)               # polls ran, and failed
        assert payments(session) == []
        fastsim.faults.remove(fault.fault_id)
        await harness.until(lambda: len(payments(session)) >= 3, 15)
        assert payments(session) == expected
    finally:
        await session.connector.stop_network()


async def test_a_restart_reports_the_payments_made_while_stopped_exactly_once(fastsim, harness):
    key, secret = fastsim.create_account("10000")
    first = await start_long(fastsim, harness, key, secret)
    expected = settle(fastsim, [rate(1)])
    await harness.until(lambda: len(payments(first)) >= 1, 15)
    assert payments(first) == expected
    saved = json.loads(json.dumps(first.connector.tracking_states))
    await first.connector.stop_network()

    while_stopped = settle(fastsim, [rate(2), rate(3)])
    second_connector = harness.make_connector(fastsim, key, secret, pairs=(PAIR,), funding_fee_poll_interval=1.0)
    second_connector.restore_tracking_states(saved)
    second = await harness.start_session(fastsim, second_connector, key)
    try:
        await harness.until(lambda: len(payments(second)) >= 2, 15)
        assert payments(second) == while_stopped                        # not the first one again
        later = settle(fastsim, [rate(4)])
        await harness.until(lambda: len(payments(second)) >= 3, 15)
        assert payments(second) == while_stopped + later
    finally:
        await second_connector.stop_network()
