"""``warm_order_path`` under the inputs a demanding user hits: a call while ``stop_network`` runs,
warming turned off and on many times, MARKET orders, REST order transport, a restart with warming on,
trading rules that change after the order was placed.  End to end against the simulator (Binance
spot); the perpetual side is in tests/integration/perpetual/test_binance_perpetual_warm.py."""
import asyncio
import logging
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType
from hummingbot_conn.connector.order_path_warmer import OrderPathWarmer

PAIR = "BTC-USDT"
CREATED, CANCELLED = "BuyOrderCreatedEvent", "OrderCancelledEvent"


async def _started(sim, harness, **kwargs):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "2", "ETH": "10"})
    connector = harness.make_connector(sim, key, secret, pairs=("BTC-USDT", "ETH-USDT"), **kwargs)
    session = harness.Session(sim, connector, key)
    await connector.start_network()
    await connector.wait_ready(10)
    return session


def _warming_tasks():
    return [t for t in asyncio.all_tasks() if not t.done() and OrderPathWarmer.run.__qualname__ in repr(t)]


async def test_warming_turned_on_while_stop_network_runs_ends_with_it(sim, harness):
    session = await _started(sim, harness)
    connector = session.connector
    # the call lands while stop_network waits for the loops it cancelled (a user's task, an event
    # callback): stop_network must still end every rehearsal loop
    asyncio.get_running_loop().call_soon(connector.warm_order_path, 0.001)
    await connector.stop_network()
    await asyncio.sleep(0.01)
    assert _warming_tasks() == []
    assert connector.order_path_warmer is not None          # kept: it runs from the next start_network
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        assert len(_warming_tasks()) == 1
    finally:
        await connector.stop_network()
    assert _warming_tasks() == []


async def test_turning_warming_on_and_off_many_times_keeps_no_task_of_it(sim, harness):
    session = await _started(sim, harness)
    connector = session.connector
    try:
        before = len(connector._network_tasks)
        for _ in range(200):
            connector.warm_order_path(0.5)
            connector.warm_order_path(None)
        connector.warm_order_path(0.5)
        await asyncio.sleep(0)
        # the loops the connector holds: its own plus one rehearsal loop, not one per call
        assert len(connector._network_tasks) == before + 1
        assert len(_warming_tasks()) == 1
    finally:
        await connector.stop_network()
    assert _warming_tasks() == []


async def test_a_call_from_another_thread_is_refused_and_changes_nothing(sim, harness):
    session = await _started(sim, harness)
    connector = session.connector
    try:
        connector.warm_order_path(0.5)
        warmer, task = connector.order_path_warmer, connector._warming_task
        for interval in (None, 0.01):
            with pytest.raises(RuntimeError, match="event loop"):
                await asyncio.to_thread(connector.warm_order_path, interval)
            assert connector.order_path_warmer is warmer and connector._warming_task is task
            assert not task.done()
    finally:
        await connector.stop_network()
    # stopped: no loop to belong to, so any thread may set it (it runs from the next start_network)
    await asyncio.to_thread(connector.warm_order_path, 0.01)
    assert connector.order_path_warmer.interval == 0.01


async def test_a_market_order_that_empties_its_side_is_still_rehearsed(sim, harness, caplog):
    # the order took the whole ask side: the book has no reference price now, and the rehearsal
    # runs at the one the order was checked at instead of failing until the next order
    session = await _started(sim, harness, order_transport="ws")
    connector, counterparty = session.connector, harness.Counterparty(sim)
    caplog.set_level(logging.WARNING, "hummingbot_conn.connector.order_path_warmer")
    try:
        await harness.until(lambda: connector.ws_order_entry.up)
        connector.warm_order_path(0.001)
        warmer = connector.order_path_warmer
        counterparty.limit("SELL", "0.002", "60000")
        await harness.until(lambda: connector.get_price(PAIR, True) == Decimal("60000"))
        order_id = connector.buy(PAIR, Decimal("0.002"), OrderType.MARKET)
        await session.wait_kinds(order_id, [CREATED, "OrderFilledEvent", "BuyOrderCompletedEvent"])
        await harness.until(lambda: not connector.get_price(PAIR, True).is_finite())
        before = warmer.rehearsals
        await harness.until(lambda: warmer.rehearsals >= before + 20)
        assert warmer.failures == 0
        assert not [r for r in caplog.records if "Rehearsing" in r.getMessage()]
        assert list(connector.in_flight_orders) == []
    finally:
        await connector.stop_network()


async def test_over_rest_transport_rehearsals_run_and_send_nothing(sim, harness):
    session = await _started(sim, harness, order_transport="rest")
    connector = session.connector
    requests = harness.RequestCounter(sim)
    try:
        connector.warm_order_path(0.001)
        warmer = connector.order_path_warmer
        order_id = connector.sell(PAIR, Decimal("0.002"), OrderType.LIMIT_MAKER, Decimal("70000"))
        await session.wait_kinds(order_id, ["SellOrderCreatedEvent"])
        await harness.until(lambda: warmer.rehearsals >= 20)
        assert warmer.failures == 0 and requests.count == 1
        assert list(connector.in_flight_orders) == [order_id]
        assert len(session.events()) == 1
    finally:
        await connector.stop_network()


async def test_a_restart_with_warming_on_rehearses_the_same_last_order(sim, harness):
    session = await _started(sim, harness, order_transport="ws")
    connector = session.connector
    try:
        await harness.until(lambda: connector.ws_order_entry.up)
        connector.warm_order_path(0.001)
        warmer = connector.order_path_warmer
        order_id = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
        await session.wait_kinds(order_id, [CREATED])
        await harness.until(lambda: warmer.rehearsals >= 3)
        await connector.stop_network()
        stopped = warmer.rehearsals
        await asyncio.sleep(0.02)
        assert warmer.rehearsals == stopped and _warming_tasks() == []
        await connector.start_network()
        await connector.wait_ready(10)
        assert connector.order_path_warmer is warmer and len(_warming_tasks()) == 1
        await harness.until(lambda: warmer.rehearsals >= stopped + 10)
        assert warmer.failures == 0 and list(connector.in_flight_orders) == [order_id]
    finally:
        await connector.stop_network()


async def test_two_overlapping_start_network_calls_leave_nothing_after_stop_network(sim, harness):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "2"})
    connector = harness.make_connector(sim, key, secret, pairs=(PAIR,))
    connector.warm_order_path(0.5)
    await asyncio.gather(connector.start_network(), connector.start_network())
    try:
        await connector.wait_ready(10)
        assert len(_warming_tasks()) == 1
    finally:
        await connector.stop_network()
    await asyncio.sleep(0.01)
    left = [repr(t) for t in asyncio.all_tasks() if not t.done() and t is not asyncio.current_task()]
    assert not [t for t in left if "OrderPathWarmer" in t or "polling_loop" in t], left


@pytest.mark.parametrize("interval", [0, -1, float("nan"), "0.01", None])
def test_the_warmers_interval_set_directly_is_checked_as_warm_order_path_checks_it(sim, harness, interval):
    connector = harness.make_connector(sim, "k" * 64, "s" * 64)
    connector.warm_order_path(0.01)
    warmer = connector.order_path_warmer
    with pytest.raises(ValueError, match="interval"):
        warmer.interval = interval          # a negative pause would make the rehearsal loop spin
    assert warmer.interval == 0.01
    warmer.interval = 0.002                 # a valid pace is taken from the next round
    assert warmer.interval == 0.002


async def test_rules_that_refuse_the_last_order_after_it_was_placed_stop_only_its_rehearsals(sim, harness, caplog):
    from hummingbot_conn.connector.trading_rule import TradingRule
    session = await _started(sim, harness, order_transport="ws")
    connector = session.connector
    caplog.set_level(logging.WARNING, "hummingbot_conn.connector.order_path_warmer")
    try:
        await harness.until(lambda: connector.ws_order_entry.up)
        connector.warm_order_path(0.001)
        warmer = connector.order_path_warmer
        first = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
        await session.wait_kinds(first, [CREATED])
        await harness.until(lambda: warmer.rehearsals >= 5)
        rules = connector._trading_rules_part
        old = rules.get(PAIR)
        stricter = TradingRule(PAIR, min_order_size=old.min_order_size, min_price_increment=old.min_price_increment,
                               min_base_amount_increment=old.min_base_amount_increment,
                               min_notional_size=Decimal("1000"))
        rules.replace_all([stricter] + [r for p, r in rules.rules.items() if p != PAIR])
        await harness.until(lambda: warmer.failures >= 10)
        stalled = warmer.rehearsals
        assert sum("Rehearsing the order path" in r.getMessage() for r in caplog.records) == 1
        second = connector.buy(PAIR, Decimal("0.02"), OrderType.LIMIT, Decimal("55000"))     # fits the new rule
        await session.wait_kinds(second, [CREATED])
        await harness.until(lambda: warmer.rehearsals >= stalled + 10)
        assert set(connector.in_flight_orders) == {first, second}
        connector.cancel(PAIR, first)
        await session.wait_kinds(first, [CREATED, CANCELLED])
    finally:
        await connector.stop_network()


async def test_rehearsals_in_the_same_turn_as_real_orders_and_from_an_event_callback(sim, harness):
    from hummingbot_conn.events import MarketEvent
    session = await _started(sim, harness, order_transport="ws")
    connector = session.connector
    try:
        await harness.until(lambda: connector.ws_order_entry.up)
        connector.warm_order_path(0.001)
        warmer = connector.order_path_warmer
        first = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
        # the same loop turn: rehearse, buy, rehearse, buy -- each real order sent once, ids unique
        assert warmer.rehearse()
        second = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55001"))
        assert warmer.rehearse()
        third = connector.sell(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("70000"))
        assert warmer.rehearse() and warmer.last[1].name == "SELL"
        # a user's callback turning warming off and on again while events are being fired
        seen = []

        def on_created(event):
            connector.warm_order_path(None)
            connector.warm_order_path(0.001)
            seen.append(event.order_id)
        connector.add_listener(MarketEvent.SellOrderCreated, on_created)
        await session.wait_kinds(third, ["SellOrderCreatedEvent"])
        for order_id in (first, second):
            await session.wait_kinds(order_id, [CREATED])
        assert seen == [third] and len({first, second, third}) == 3
        assert sorted(o.client_order_id for o in sim.engine.open_orders(sim.account(session.api_key), "BTCUSDT")) \
            == sorted([first, second, third])
        fresh = connector.order_path_warmer
        assert fresh is not warmer and len(_warming_tasks()) == 1
        fourth = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55002"))
        await harness.until(lambda: fresh.rehearsals >= 5)
        await session.wait_kinds(fourth, [CREATED])
        assert fresh.failures == 0
    finally:
        await connector.stop_network()
