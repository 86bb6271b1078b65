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
