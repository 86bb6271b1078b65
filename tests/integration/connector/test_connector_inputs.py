"""Input and restart, over real sockets against the simulator.

* Hostile user-stream frames, sent by the simulator on the real WebSocket in place of the
  genuine ones: refused, counted, and the fill they stood for is learned by REST, once.
* Argument checks: nothing is tracked or sent for a bad argument (the simulator counts requests).
* Restore: every valid entry resumes whatever the others hold; an order of a pair the
  exchange does not list is refused with its reason, never kept uncancellable.
"""
import asyncio
import json
from decimal import ROUND_DOWN, Decimal

import pytest

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate

PAIR = "BTC-USDT"
ORDER_ENDPOINT = ("POST", "/api/v3/order")
CANCEL_ENDPOINT = ("DELETE", "/api/v3/order")


def corrupt_trade_reports(sim, **hostile):
    """From now on every TRADE executionReport the simulator publishes carries ``hostile`` fields."""
    def wrap(listener):
        def corrupting(account_id, event):
            if event.get("e") == "executionReport" and event.get("x") == "TRADE":
                event = {**event, **hostile}
            listener(account_id, event)
        return corrupting
    sim.engine.user_listeners[:] = [wrap(listener) for listener in sim.engine.user_listeners]


@pytest.mark.parametrize("hostile", [{"t": True}, {"n": "1E+999999999"}, {"l": 0.001}])
async def test_hostile_fill_frames_are_refused_and_the_fill_comes_by_rest_once(session, harness, hostile):
    ex, sim = session.connector, session.sim
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    corrupt_trade_reports(sim, **hostile)
    harness.Counterparty(sim).limit("SELL", "0.001", "55000")
    # refused on arrival, then the reconcile it asked for finds the fill by REST
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    assert ex.refused_user_events == {"executionReport": 1}
    fill = session.events(order_id)[1]
    assert fill.exchange_trade_id == str(sim.engine.trades["BTCUSDT"][-1].trade_id)
    assert (fill.price, fill.amount) == (Decimal("55000"), Decimal("0.001"))
    commission = (Decimal("0.001") * sim.account(session.api_key).maker_rate).quantize(Decimal("1e-8"),
                                                                                       rounding=ROUND_DOWN)
    assert [(f.token, f.amount) for f in fill.trade_fee.flat_fees] == ([("BTC", commission)] if commission else [])
    await ex._status_poller.poll_once()
    assert session.kinds(order_id) == ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]


async def test_unknown_order_keyword_is_a_type_error_before_anything_is_sent(session, harness):
    ex = session.connector
    posts = harness.RequestCounter(session.sim, ORDER_ENDPOINT)
    usdt = ex.get_balance("USDT")
    with pytest.raises(TypeError, match="quoteOrderQty"):
        ex.buy(PAIR, Decimal("0.001"), OrderType.MARKET, quoteOrderQty=Decimal("10"))
    with pytest.raises(TypeError, match="time_in_force"):
        ex.sell(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("70000"), time_in_force="IOC")
    assert ex.in_flight_orders == {}
    # hummingbot's strategies pass these two to every connector: a spot order takes them
    order_id = ex.sell(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("70000"), expiration_ts=float("nan"),
                       position_action=None)
    await session.wait_kinds(order_id, ["SellOrderCreatedEvent"])
    await asyncio.sleep(0.2)
    assert posts.count == 1 and ex.get_balance("USDT") == usdt


async def test_cancel_of_an_order_under_another_pair_sends_nothing(session, harness):
    ex = session.connector
    cancels = harness.RequestCounter(session.sim, CANCEL_ENDPOINT)
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("50000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    with pytest.raises(ValueError, match="BTC-USDT order, not ETH-USDT"):
        ex.cancel("ETH-USDT", order_id)
    assert await ex._execute_cancel("ETH-USDT", order_id) is False
    await asyncio.sleep(0.2)
    assert cancels.count == 0 and ex.in_flight_orders[order_id].current_state is OrderState.OPEN
    ex.cancel(PAIR, order_id)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent"])
    assert cancels.count == 1


@pytest.mark.parametrize("timeout, error", [("5", TypeError), (None, TypeError), (True, TypeError),
                                            (0, ValueError), (-1, ValueError), (float("nan"), ValueError),
                                            (float("inf"), ValueError)])
async def test_cancel_all_checks_its_timeout_before_sending_any_cancel(session, harness, timeout, error):
    ex = session.connector
    cancels = harness.RequestCounter(session.sim, CANCEL_ENDPOINT)
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("50000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    with pytest.raises(error, match="timeout_seconds"):
        await ex.cancel_all(timeout)
    await asyncio.sleep(0.2)
    assert cancels.count == 0 and session.kinds(order_id) == ["BuyOrderCreatedEvent"]
    results = await ex.cancel_all(Decimal("10"))
    assert [(r.order_id, r.success) for r in results] == [(order_id, True)]


async def test_restore_after_a_bad_entry_resumes_every_valid_order_and_refuses_the_rest(sim, harness):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "1"})
    first = harness.make_connector(sim, key, secret)
    s1 = harness.Session(sim, first, key)
    await first.start_network()
    await first.wait_ready(10)
    try:
        kept = [first.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal(p)) for p in ("50000", "50001")]
        done = first.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("50002"))
        for order_id in kept + [done]:
            await s1.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
        saved = json.loads(json.dumps(first.tracking_states))
        first.cancel(PAIR, done)
        await s1.wait_kinds(done, ["BuyOrderCreatedEvent", "OrderCancelledEvent"])
        ghost = InFlightOrder("x-ghost-foo", "FOO-BAR", OrderType.LIMIT, TradeType.BUY, Decimal("1"), 1.0,
                              price=Decimal("1"), exchange_order_id="999", initial_state=OrderState.OPEN)
        # `done` finished here since it was saved; it comes first, the valid ones after it
        states = {done: saved[done], ghost.client_order_id: ghost.to_json(),
                  **{k: saved[k] for k in kept}}
        refused = first.restore_tracking_states(states)          # raised on `done` before
        assert set(refused) == {done, ghost.client_order_id, *kept}
        assert "just finished" in refused[done] and all("already active" in refused[k] for k in kept)
        assert "FOO-BAR is not a trading pair of binance" in refused[ghost.client_order_id]
        assert set(first.in_flight_orders) == set(kept)           # still there, not duplicated
    finally:
        await first.stop_network()

    # a fresh connector built for BTC-USDT: the unknown pair is refused before start too, and
    # every valid entry after it resumes and can be cancelled
    second = harness.make_connector(sim, key, secret)
    s2 = harness.Session(sim, second, key)
    refused = second.restore_tracking_states({ghost.client_order_id: ghost.to_json(), done: saved[done],
                                              **{k: saved[k] for k in kept}})
    assert set(refused) == {ghost.client_order_id}
    assert set(second.in_flight_orders) == set(kept) | {done}
    await second.start_network()
    try:
        await s2.wait_kinds(done, ["OrderCancelledEvent"])        # cancelled while it was saved: found by REST
        results = await second.cancel_all(10)
        assert sorted((r.order_id, r.success) for r in results) == sorted((k, True) for k in kept)
        assert sim.engine.open_orders(sim.account(key)) == []
    finally:
        await second.stop_network()


async def test_tracker_update_for_a_refused_pair_is_not_an_open_order(session):
    # the refusal leaves nothing behind: no active, lost or indexed order for the ghost
    ex = session.connector
    ghost = InFlightOrder("x-ghost-2", "FOO-BAR", OrderType.LIMIT, TradeType.BUY, Decimal("1"), 1.0,
                          price=Decimal("1"), exchange_order_id="998", initial_state=OrderState.OPEN)
    assert list(ex.restore_tracking_states({ghost.client_order_id: ghost.to_json()})) == [ghost.client_order_id]
    tracker = ex._order_tracker
    assert tracker.fetch_order(exchange_order_id="998") is None and tracker.lost_orders == {}
    assert tracker.process_order_update(OrderUpdate("FOO-BAR", 1.0, OrderState.FILLED, "x-ghost-2")) is False
