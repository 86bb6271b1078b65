"""Restart from ``tracking_states`` (Contract 4): what happened while the connector was down is
found by REST and reported once; what was reported before the restart is not reported again.

The saved states go through ``json`` as a real bot would persist them.
"""
import json
from decimal import Decimal

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"


async def started(harness, sim, key, secret):
    connector = harness.make_connector(sim, key, secret)
    session = harness.Session(sim, connector, key)
    await connector.start_network()
    await connector.wait_ready(10)
    return session


async def test_orders_filled_cancelled_and_untouched_while_down_resume_with_exactly_the_missing_events(
        sim, harness):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "1"})
    counterparty = harness.Counterparty(sim)
    first = await started(harness, sim, key, secret)
    ex = first.connector
    filled = ex.buy(PAIR, Decimal("0.003"), OrderType.LIMIT, Decimal("55000"))
    cancelled = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("54000"))
    untouched = ex.sell(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("70000"))
    for order_id in (filled, cancelled):
        await first.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    await first.wait_kinds(untouched, ["SellOrderCreatedEvent"])
    counterparty.limit("SELL", "0.001", "55000")
    await first.wait_kinds(filled, ["BuyOrderCreatedEvent", "OrderFilledEvent"])
    first_trade = first.events(filled)[1].exchange_trade_id
    saved = json.loads(json.dumps(ex.tracking_states))
    await ex.stop_network()

    # while down: the rest of `filled` trades in two fills, `cancelled` is cancelled elsewhere, a deposit
    counterparty.limit("SELL", "0.0015", "55000")
    counterparty.limit("SELL", "0.0005", "54500")
    sim.engine.cancel_order(sim.account(key), SYMBOL, orig_client_id=cancelled)
    sim.engine.deposit(sim.account(key), "ETH", Decimal("3"))

    second_connector = harness.make_connector(sim, key, secret)
    second = harness.Session(sim, second_connector, key)
    second_connector.restore_tracking_states(saved)
    restored = second_connector.in_flight_orders
    assert set(restored) == {filled, cancelled, untouched}
    assert restored[filled].current_state is OrderState.PARTIALLY_FILLED
    assert restored[filled].executed_amount_base == Decimal("0.001")
    await second_connector.start_network()
    try:
        await second.wait_kinds(filled, ["OrderFilledEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
        await second.wait_kinds(cancelled, ["OrderCancelledEvent"])
        await harness.until(lambda: second.our_balances() == second.sim_balances())
        await second_connector._status_poller.poll_once()
        fills = second.events(filled)[:2]
        assert first_trade not in {f.exchange_trade_id for f in fills}          # not reported twice
        assert sorted((f.price, f.amount) for f in fills) == [(Decimal("55000"), Decimal("0.0005")),
                                                              (Decimal("55000"), Decimal("0.0015"))]
        completed = second.events(filled)[2]
        assert completed.base_asset_amount == Decimal("0.003")
        assert completed.quote_asset_amount == Decimal("165")
        assert second.kinds(cancelled) == ["OrderCancelledEvent"]
        assert second.kinds(untouched) == []
        assert second_connector.in_flight_orders[untouched].current_state is OrderState.OPEN
        assert second_connector.get_balance("ETH") == Decimal("3")
        # it goes on normally after the restart
        counterparty.limit("BUY", "0.001", "70000")
        await second.wait_kinds(untouched, ["OrderFilledEvent", "SellOrderCompletedEvent"])
    finally:
        await second_connector.stop_network()


async def test_only_unfinished_orders_are_restored(sim, harness):
    key, secret = sim.create_account({"USDT": "1000"})
    connector = harness.make_connector(sim, key, secret)
    states = {}
    for i, state in enumerate((OrderState.OPEN, OrderState.CANCELED, OrderState.FILLED, OrderState.FAILED,
                               OrderState.PENDING_CREATE, OrderState.PARTIALLY_FILLED)):
        order = InFlightOrder(f"OID{i}", PAIR, OrderType.LIMIT, TradeType.BUY, Decimal("1"), 1640001112.223,
                              price=Decimal("1"), exchange_order_id=str(100 + i), initial_state=state)
        states[order.client_order_id] = order.to_json()
    connector.restore_tracking_states(json.loads(json.dumps(states)))
    assert set(connector.in_flight_orders) == {"OID0", "OID4", "OID5"}
    await connector.stop_network()


async def test_an_order_that_never_reached_the_exchange_ends_failed_after_the_restart(sim, harness):
    # saved PENDING_CREATE, but the request never arrived: the exchange says "does not exist" until the
    # order is declared lost, and the returned id still gets its outcome event
    key, secret = sim.create_account({"USDT": "100000"})
    ghost = InFlightOrder("x-MG43PCSNBBCUTghost1", PAIR, OrderType.LIMIT, TradeType.BUY, Decimal("0.001"), 1.0,
                          price=Decimal("55000"))
    posts = harness.RequestCounter(sim)
    connector = harness.make_connector(sim, key, secret)
    session = harness.Session(sim, connector, key)
    connector.restore_tracking_states({ghost.client_order_id: ghost.to_json()})
    await connector.start_network()
    try:
        await session.wait_kinds(ghost.client_order_id, ["MarketOrderFailureEvent"])
        assert ghost.client_order_id not in connector.in_flight_orders
        assert posts.count == 0
        await connector._status_poller.poll_once()
        assert session.kinds(ghost.client_order_id) == ["MarketOrderFailureEvent"]
    finally:
        await connector.stop_network()


async def test_the_same_connector_stopped_and_started_again_finds_what_happened_meanwhile(sim, harness):
    key, secret = sim.create_account({"USDT": "100000"})
    session = await started(harness, sim, key, secret)
    ex = session.connector
    order_id = ex.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    await ex.stop_network()
    harness.Counterparty(sim).limit("SELL", "0.002", "55000")     # filled while stopped
    await ex.start_network()
    try:
        await ex.wait_ready(10)
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
        await harness.until(lambda: session.our_balances() == session.sim_balances())
        stream = ex.user_stream_tracker.data_source
        assert stream.connected and stream.connection_number >= 2      # a restart counts as a reconnect
        second = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("54000"))
        await session.wait_kinds(second, ["BuyOrderCreatedEvent"])
        ex.cancel(PAIR, second)
        await session.wait_kinds(second, ["BuyOrderCreatedEvent", "OrderCancelledEvent"])
    finally:
        await ex.stop_network()
