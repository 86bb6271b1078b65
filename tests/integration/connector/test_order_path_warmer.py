"""``ExchangePyBase.warm_order_path``: rehearsals of the last order keep its path warm and leave no trace.

End to end against the simulator (Binance spot, orders over the WebSocket API): with rehearsals
every millisecond, the venue sees exactly the orders placed, the connector tracks exactly those,
the throttler is charged for those only, no event is fired for a rehearsal, and a rehearsal that
raises is counted and logged once while trading goes on.  The Kraken side of the same promise is in
tests/integration/kraken/test_kraken_ws_orders.py.
"""
import asyncio
import logging
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType
from hummingbot_conn.connector.order_path_warmer import DEFAULT_INTERVAL, OrderPathWarmer
from hummingbot_conn.exchanges.binance.spot import constants as CONSTANTS

PAIR = "BTC-USDT"
CREATED, CANCELLED = "BuyOrderCreatedEvent", "OrderCancelledEvent"


class Requests:
    """Every WebSocket API order request the simulator answered, by method."""

    def __init__(self, sim):
        self.calls = []
        orders = sim.user_streams.orders
        answer = orders.answer

        def counting(req_id, method, params, ip):
            self.calls.append((method, params.get("newClientOrderId") or params.get("origClientOrderId")))
            return answer(req_id, method, params, ip)
        orders.answer = counting


@pytest.fixture
async def warm_session(sim, harness):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "2", "ETH": "10"})
    connector = harness.make_connector(sim, key, secret, pairs=("BTC-USDT", "ETH-USDT"), order_transport="ws")
    connector.warm_order_path(0.001)
    session = harness.Session(sim, connector, key)
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        await harness.until(lambda: connector.ws_order_entry.up)
        yield session
    finally:
        await connector.stop_network()


async def test_rehearsals_send_track_charge_and_fire_nothing(warm_session, harness):
    connector, sim = warm_session.connector, warm_session.sim
    warmer = connector.order_path_warmer
    assert isinstance(warmer, OrderPathWarmer) and warmer.interval == 0.001
    await asyncio.sleep(0.02)
    assert warmer.rehearsals == 0                    # nothing placed yet: nothing to rehearse
    requests = Requests(sim)
    order_id = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    await warm_session.wait_kinds(order_id, [CREATED])
    throttler = connector._throttler
    used = throttler.used_weight(CONSTANTS.WS_ORDER_PLACE_METHOD)
    before = warmer.rehearsals
    await harness.until(lambda: warmer.rehearsals >= before + 30)
    assert warmer.failures == 0
    assert throttler.used_weight(CONSTANTS.WS_ORDER_PLACE_METHOD) <= used      # only the window's decay
    assert list(connector.in_flight_orders) == [order_id]
    assert [type(e).__name__ for e in warm_session.events()] == [CREATED]
    connector.cancel(PAIR, order_id)
    await warm_session.wait_kinds(order_id, [CREATED, CANCELLED])
    assert requests.calls == [("order.place", order_id), ("order.cancel", order_id)]
    assert [o.client_order_id for o in sim.engine.open_orders(sim.account(warm_session.api_key), "BTCUSDT")] == []


async def test_the_next_orders_ids_stay_unique_and_rehearsals_follow_the_last_order(warm_session, harness):
    connector = warm_session.connector
    warmer = connector.order_path_warmer
    first = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    await harness.until(lambda: warmer.rehearsals >= 5)
    second = connector.buy("ETH-USDT", Decimal("0.1"), OrderType.LIMIT, Decimal("1000"))
    assert warmer.last is not None and warmer.last[0] == "ETH-USDT"
    assert warmer.last[3:5] == (Decimal("0.1"), Decimal("1000"))
    await warm_session.wait_kinds(first, [CREATED])
    await warm_session.wait_kinds(second, [CREATED])
    assert first != second and set(connector.in_flight_orders) == {first, second}


async def test_a_rehearsal_that_raises_is_counted_logged_once_and_trading_goes_on(warm_session, harness, caplog):
    connector = warm_session.connector
    warmer = connector.order_path_warmer

    def broken(order):
        raise RuntimeError("a venue hook bug")
    connector._rehearse_send = broken
    caplog.set_level(logging.WARNING, "hummingbot_conn.connector.order_path_warmer")
    order_id = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    await harness.until(lambda: warmer.failures >= 10)
    assert warmer.rehearsals == 0
    assert sum("Rehearsing the order path" in r.getMessage() for r in caplog.records) == 1
    await warm_session.wait_kinds(order_id, [CREATED])
    connector.cancel(PAIR, order_id)
    await warm_session.wait_kinds(order_id, [CREATED, CANCELLED])


async def test_turning_it_off_and_on_while_running_and_stop_network_ends_it(warm_session, harness):
    connector = warm_session.connector
    connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    warmer = connector.order_path_warmer
    await harness.until(lambda: warmer.rehearsals >= 3)
    task = connector._warming_task
    connector.warm_order_path(None)
    assert connector.order_path_warmer is None
    await asyncio.sleep(0)
    assert task.cancelled() or task.done()
    connector.warm_order_path()                       # the default interval, from the next order on
    again = connector.order_path_warmer
    assert again.interval == DEFAULT_INTERVAL and again.last is None
    connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    await harness.until(lambda: again.rehearsals >= 2)
    task = connector._warming_task
    await connector.stop_network()
    assert task.done()
    count = again.rehearsals
    await asyncio.sleep(3 * DEFAULT_INTERVAL)
    assert again.rehearsals == count


@pytest.mark.parametrize("interval", [0, -1, 1.5, float("nan"), float("inf"), True, "0.01", Decimal("0.01")])
def test_an_interval_that_is_not_seconds_in_0_to_1_is_refused(sim, harness, interval):
    connector = harness.make_connector(sim, "k" * 64, "s" * 64)
    with pytest.raises(ValueError, match="interval"):
        connector.warm_order_path(interval)
    assert connector.order_path_warmer is None


def test_a_callers_own_id_generator_is_never_called_by_a_rehearsal(sim, harness):
    calls = []

    def ids(is_buy, trading_pair):
        calls.append(trading_pair)
        return f"mine-{len(calls)}"
    connector = harness.make_connector(sim, "k" * 64, "s" * 64, client_order_id_generator=ids)
    warmer = OrderPathWarmer(connector, 0.01)
    warmer.remember(PAIR, *_last_buy())
    connector._trading_rules_part.check_order = lambda *args: (Decimal("0.002"), Decimal("55000"))
    assert warmer.rehearse() is True
    assert calls == []


def _last_buy():
    from hummingbot_conn.common import TradeType
    return TradeType.BUY, OrderType.LIMIT, Decimal("0.002"), Decimal("55000"), {}
