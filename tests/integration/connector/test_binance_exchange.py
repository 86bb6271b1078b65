"""BinanceExchange end to end against the simulated exchange (real sockets, no mocks).

Each test checks the exact event sequence of its orders (Contract 2,
docs/contracts.md), exact amounts, and that balances equal the simulator's.
"""
import math
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.connector import NetworkStatus
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState
from hummingbot_conn.events import BuyOrderCompletedEvent, OrderFilledEvent, SellOrderCompletedEvent

PAIR = "BTC-USDT"


async def test_limit_order_rests_fills_partially_then_fully(session, harness):
    ex, cp = session.connector, harness.Counterparty(session.sim)
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("50000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    assert ex.in_flight_orders[order_id].current_state is OrderState.OPEN
    assert ex.get_available_balance("USDT") == Decimal("100000") - Decimal("50")

    cp.limit("SELL", "0.0004", "50000")
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent"])
    cp.limit("SELL", "0.0006", "49000")       # trades at our (maker) price
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderFilledEvent",
                                        "BuyOrderCompletedEvent"])
    created, fill1, fill2, completed = session.events(order_id)
    assert created.amount == Decimal("0.001") and created.price == Decimal("50000")
    assert (fill1.amount, fill1.price) == (Decimal("0.0004"), Decimal("50000"))
    assert (fill2.amount, fill2.price) == (Decimal("0.0006"), Decimal("50000"))
    assert fill1.exchange_trade_id != fill2.exchange_trade_id
    assert completed.base_asset_amount == Decimal("0.001")
    assert completed.quote_asset_amount == Decimal("50")
    assert order_id not in ex.in_flight_orders
    await harness.until(lambda: session.our_balances() == session.sim_balances())


async def test_limit_order_partially_filled_then_cancelled(session, harness):
    ex, cp = session.connector, harness.Counterparty(session.sim)
    order_id = ex.sell(PAIR, Decimal("0.01"), OrderType.LIMIT, Decimal("70000.019"))  # quantised to the tick
    await session.wait_kinds(order_id, ["SellOrderCreatedEvent"])
    assert session.events(order_id)[0].price == Decimal("70000.01")
    cp.limit("BUY", "0.004", "70000.01")
    await session.wait_kinds(order_id, ["SellOrderCreatedEvent", "OrderFilledEvent"])
    assert ex.cancel(PAIR, order_id) == order_id
    await session.wait_kinds(order_id, ["SellOrderCreatedEvent", "OrderFilledEvent", "OrderCancelledEvent"])
    assert session.events(order_id)[1].amount == Decimal("0.004")
    assert session.sim.engine.open_orders(session.sim.account(session.api_key)) == []
    await harness.until(lambda: session.our_balances() == session.sim_balances())


async def test_market_buy_and_sell_walk_the_book(session, harness):
    ex, cp = session.connector, harness.Counterparty(session.sim)
    cp.limit("SELL", "0.001", "60000")
    cp.limit("SELL", "0.002", "60001")
    cp.limit("BUY", "0.003", "59000")
    await harness.until(lambda: ex.get_price(PAIR, True) == Decimal("60000")
                        and ex.get_price(PAIR, False) == Decimal("59000"))

    buy_id = ex.buy(PAIR, Decimal("0.002"), OrderType.MARKET)
    await session.wait_kinds(buy_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderFilledEvent",
                                      "BuyOrderCompletedEvent"])
    fills = [e for e in session.events(buy_id) if isinstance(e, OrderFilledEvent)]
    assert [(f.price, f.amount) for f in fills] == [(Decimal("60000"), Decimal("0.001")),
                                                  (Decimal("60001"), Decimal("0.001"))]
    completed = session.events(buy_id)[-1]
    assert isinstance(completed, BuyOrderCompletedEvent)
    assert completed.quote_asset_amount == Decimal("120.001")

    sell_id = ex.sell(PAIR, Decimal("0.003"), OrderType.MARKET)
    await session.wait_kinds(sell_id, ["SellOrderCreatedEvent", "OrderFilledEvent", "SellOrderCompletedEvent"])
    completed = session.events(sell_id)[-1]
    assert isinstance(completed, SellOrderCompletedEvent)
    assert (completed.base_asset_amount, completed.quote_asset_amount) == (Decimal("0.003"), Decimal("177"))
    await harness.until(lambda: session.our_balances() == session.sim_balances())


async def test_limit_maker_that_would_cross_is_rejected_by_the_exchange(session, harness):
    ex, cp = session.connector, harness.Counterparty(session.sim)
    cp.limit("SELL", "0.001", "60000")
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT_MAKER, Decimal("60000"))
    await session.wait_kinds(order_id, ["MarketOrderFailureEvent"])
    failure = session.events(order_id)[0]
    assert "immediately match" in failure.error_message
    assert order_id not in ex.in_flight_orders
    assert session.sim.engine.open_orders(session.sim.account(session.api_key)) == []


@pytest.mark.parametrize("pair, amount, order_type, price, reason", [
    ("DOGE-USDT", Decimal("1"), OrderType.LIMIT, Decimal("1"), "not a trading pair"),
    (PAIR, Decimal("0.001"), OrderType.AMM_SWAP, Decimal("60000"), "supported order types"),
    (PAIR, Decimal("NaN"), OrderType.LIMIT, Decimal("60000"), "positive finite"),
    (PAIR, Decimal("Infinity"), OrderType.LIMIT, Decimal("60000"), "positive finite"),
    (PAIR, Decimal("-0.001"), OrderType.LIMIT, Decimal("60000"), "positive finite"),
    (PAIR, Decimal("0"), OrderType.LIMIT, Decimal("60000"), "positive finite"),
    (PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("NaN"), "price"),
    (PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("0"), "price"),
    (PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("0.001"), "below the price tick"),
    (PAIR, Decimal("0.000009"), OrderType.LIMIT, Decimal("60000"), "minimum order size"),
    (PAIR, Decimal("9000.1"), OrderType.LIMIT, Decimal("1"), "maximum order size"),
    (PAIR, Decimal("0.00001"), OrderType.LIMIT, Decimal("60000"), "minimum notional"),
    (PAIR, Decimal("8000"), OrderType.LIMIT, Decimal("2000"), "maximum notional"),
    ("ETH-USDT", Decimal("1"), OrderType.MARKET, Decimal("NaN"), "order book is empty"),
    (PAIR, "abc", OrderType.LIMIT, Decimal("60000"), "not a number"),
    (PAIR, True, OrderType.LIMIT, Decimal("60000"), "must be a number"),
])
async def test_local_rejection_sends_no_request(session, pair, amount, order_type, price, reason, harness):
    posts = harness.RequestCounter(session.sim)
    order_id = session.connector.buy(pair, amount, order_type, price)
    await session.wait_kinds(order_id, ["MarketOrderFailureEvent"])
    assert reason in session.events(order_id)[0].error_message
    await session.connector._status_poller.poll_once()       # nothing else happens later either
    assert session.kinds(order_id) == ["MarketOrderFailureEvent"]
    assert posts.count == 0
    assert order_id not in session.connector.in_flight_orders


async def test_lost_placement_answer_gives_exactly_one_tracked_order_filled_normally(session, harness):
    ex, sim = session.connector, session.sim
    posts = harness.RequestCounter(sim)
    sim.faults.add("lose_response", endpoint="POST /api/v3/order", count=1)
    order_id = ex.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    open_orders = sim.engine.open_orders(sim.account(session.api_key))
    assert [o.client_order_id for o in open_orders] == [order_id]
    assert ex.in_flight_orders[order_id].exchange_order_id == str(open_orders[0].order_id)
    harness.Counterparty(sim).limit("SELL", "0.002", "55000")
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    assert posts.count == 1                       # never sent twice
    await harness.until(lambda: session.our_balances() == session.sim_balances())


async def test_lost_answer_of_an_immediately_filled_market_order(session, harness):
    ex, sim = session.connector, session.sim
    harness.Counterparty(sim).limit("SELL", "0.001", "60000")
    await harness.until(lambda: ex.get_price(PAIR, True) == Decimal("60000"))
    posts = harness.RequestCounter(sim)
    sim.faults.add("lose_response", endpoint="POST /api/v3/order", count=1)
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.MARKET)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    assert posts.count == 1


async def test_server_error_on_placement_is_resolved_by_asking_not_by_guessing(session, harness):
    ex, sim = session.connector, session.sim
    posts = harness.RequestCounter(sim)
    sim.faults.add("http_error", endpoint="POST /api/v3/order", status=503, count=1)
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    # the 503 came before the engine: the exchange has no such order, and says so several times
    await session.wait_kinds(order_id, ["MarketOrderFailureEvent"])
    assert session.events(order_id)[0].error_type == "OrderNotFound"
    assert posts.count == 0                       # the fault answered before the handler; never resent
    assert sim.engine.open_orders(sim.account(session.api_key)) == []


async def test_rate_limited_placement_fails_without_resending(session, harness):
    posts = harness.RequestCounter(session.sim)
    session.sim.faults.add("http_429", endpoint="POST /api/v3/order", count=1)
    order_id = session.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["MarketOrderFailureEvent"])
    assert session.events(order_id)[0].error_type == "RateLimitExceededError"
    assert posts.count == 0


async def test_lost_cancel_answer_still_ends_cancelled_once(session):
    ex, sim = session.connector, session.sim
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    sim.faults.add("lose_response", endpoint="DELETE /api/v3/order", count=1)
    ex.cancel(PAIR, order_id)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent"])
    await ex._status_poller.poll_once()
    assert session.kinds(order_id) == ["BuyOrderCreatedEvent", "OrderCancelledEvent"]


async def test_cancel_of_an_order_filled_meanwhile_ends_completed(session, harness):
    ex, sim = session.connector, session.sim
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    sim.faults.add("close_user_sockets")           # the fill below is not streamed to us
    harness.Counterparty(sim).limit("SELL", "0.001", "55000")
    ex.cancel(PAIR, order_id)                      # -2011 Unknown order: ask, find it FILLED
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    await ex._status_poller.poll_once()
    assert session.kinds(order_id) == ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]


async def test_fill_while_user_socket_dropped_is_reported_once(session, harness):
    ex, sim = session.connector, session.sim
    order_id = ex.buy(PAIR, Decimal("0.003"), OrderType.LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    cp = harness.Counterparty(sim)
    cp.limit("SELL", "0.001", "55000")
    sim.faults.add("close_user_sockets")
    cp.limit("SELL", "0.002", "55000")
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderFilledEvent",
                                        "BuyOrderCompletedEvent"])
    await harness.until(lambda: ex._user_stream_connections >= 2)
    await ex._status_poller.poll_once()
    assert len(session.events(order_id)) == 4
    await harness.until(lambda: session.our_balances() == session.sim_balances())


async def test_clock_skew_is_resynced_and_the_order_goes_through(session):
    session.sim.faults.add("skew_clock", ms=20_000)  # the exchange runs 20 s ahead: -1021, resync, retry
    order_id = session.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])


async def test_restart_from_tracking_states_finds_fills_made_while_down(sim, harness):
    key, secret = sim.create_account({"USDT": "100000"})
    first = harness.make_connector(sim, key, secret)
    await first.start_network()
    await first.wait_ready(10)
    s1 = harness.Session(sim, first, key)
    order_id = first.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    await s1.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    saved = first.tracking_states
    await first.stop_network()

    harness.Counterparty(sim).limit("SELL", "0.002", "54000")     # filled while we are down

    second = harness.make_connector(sim, key, secret)
    s2 = harness.Session(sim, second, key)
    second.restore_tracking_states(saved)
    assert second.in_flight_orders[order_id].current_state is OrderState.OPEN
    await second.start_network()
    try:
        await s2.wait_kinds(order_id, ["OrderFilledEvent", "BuyOrderCompletedEvent"])
        fill, completed = s2.events(order_id)
        assert (fill.price, fill.amount) == (Decimal("55000"), Decimal("0.002"))
        assert completed.quote_asset_amount == Decimal("110")
    finally:
        await second.stop_network()


async def test_cancel_all_and_public_queries(session):
    ex = session.connector
    ids = [ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal(p)) for p in ("50000", "51000")]
    for order_id in ids:
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    assert {o.client_order_id for o in ex.limit_orders} == set(ids)
    results = await ex.cancel_all(10)
    assert sorted(results) == sorted((i, True) for i in ids)
    for order_id in ids:
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent"])
    assert await ex.check_network() is NetworkStatus.CONNECTED
    assert ex.ready and all(ex.status_dict.values())
    assert ex.quantize_order_price(PAIR, Decimal("1.239")) == Decimal("1.23")
    assert ex.quantize_order_amount(PAIR, Decimal("0.0012345")) == Decimal("0.00123")
    assert math.isnan(ex.get_price("ETH-USDT", True))          # empty book
    assert set(ex.supported_order_types()) == {OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}
    assert ex.trading_rules[PAIR].min_notional_size == Decimal("5")


async def test_market_order_larger_than_the_book_expires_after_its_fills(session, harness):
    ex = session.connector
    harness.Counterparty(session.sim).limit("SELL", "0.001", "60000")
    await harness.until(lambda: ex.get_price(PAIR, True) == Decimal("60000"))
    order_id = ex.buy(PAIR, Decimal("0.003"), OrderType.MARKET)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderExpiredEvent"])
    assert session.events(order_id)[1].amount == Decimal("0.001")
    await harness.until(lambda: session.our_balances() == session.sim_balances())


async def test_restart_resolves_an_order_whose_placement_answer_was_lost(sim, harness):
    # the process died after sending the order and before its answer: the saved state
    # says PENDING_CREATE, the exchange has the order
    key, secret = sim.create_account({"USDT": "100000"})
    order_id = "x-MG43PCSNBBCUTlost1"
    pending = InFlightOrder(order_id, PAIR, OrderType.LIMIT, TradeType.BUY, Decimal("0.001"), 1.0,
                            price=Decimal("55000"))
    sim.engine.place_order(sim.account(key), "BTCUSDT", "BUY", "LIMIT", quantity=Decimal("0.001"),
                           price=Decimal("55000"), time_in_force="GTC", client_order_id=order_id)
    posts = harness.RequestCounter(sim)
    connector = harness.make_connector(sim, key, secret)
    session = harness.Session(sim, connector, key)
    connector.restore_tracking_states({order_id: pending.to_json()})
    await connector.start_network()
    try:
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
        harness.Counterparty(sim).limit("SELL", "0.001", "55000")
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
        assert posts.count == 0                    # resolved by asking, never resent
    finally:
        await connector.stop_network()


async def test_market_socket_dropped_the_book_resyncs(session, harness):
    ex, sim = session.connector, session.sim
    cp = harness.Counterparty(sim)
    cp.limit("SELL", "0.5", "61000")
    await harness.until(lambda: ex.get_price(PAIR, True) == Decimal("61000"))
    sim.faults.add("close_market_sockets")
    cp.limit("SELL", "0.25", "60500")             # published while we may be away
    cp.limit("BUY", "0.75", "59500")
    await harness.until(lambda: ex.get_price(PAIR, True) == Decimal("60500")
                        and ex.get_price(PAIR, False) == Decimal("59500"))
    bids, asks = sim.book_levels("BTCUSDT")
    book = ex.get_order_book(PAIR)
    await harness.until(lambda: {Decimal(repr(r.price)): Decimal(repr(r.amount)) for r in book.ask_entries()} == asks
                        and {Decimal(repr(r.price)): Decimal(repr(r.amount)) for r in book.bid_entries()} == bids)


async def test_fills_streamed_before_the_placement_answer_are_reported_once_after_created(session, harness):
    ex, sim = session.connector, session.sim
    harness.Counterparty(sim).limit("SELL", "0.001", "60000")
    await harness.until(lambda: ex.get_price(PAIR, True) == Decimal("60000"))
    sim.faults.add("delay_response", endpoint="POST /api/v3/order", delay=0.3, count=1)
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("60000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    await harness.until(lambda: not ex._order_placer.is_placing(order_id))   # the late answer changes nothing
    await ex._status_poller.poll_once()
    assert session.kinds(order_id) == ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]


# a cancel refused by a rate limit (429) is sent again once the limit allows:
# test_connector_rate_limits.py::test_a_cancel_refused_by_a_429_is_sent_again_when_the_venue_allows_it
@pytest.mark.parametrize("fault", [{"kind": "http_error", "status": 503}])
async def test_cancel_refused_by_a_server_error_or_rate_limit_leaves_the_order_open(session, harness, fault):
    ex, sim = session.connector, session.sim
    order_id = ex.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    params = {k: v for k, v in fault.items() if k != "kind"}
    sim.faults.add(fault["kind"], endpoint="DELETE /api/v3/order", count=1, **params)
    assert await ex._execute_cancel(PAIR, order_id) is False
    await ex._status_poller.poll_once()
    assert session.kinds(order_id) == ["BuyOrderCreatedEvent"]
    assert ex.in_flight_orders[order_id].is_open
    await harness.until(lambda: not ex._status_poller.resolving())
    assert await ex._execute_cancel(PAIR, order_id) is True
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent"])


async def test_a_connector_without_keys_serves_market_data(sim, harness):
    connector = harness.make_connector(sim, "", "", trading_required=False)
    harness.Counterparty(sim).limit("SELL", "0.5", "61000")
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        assert connector.status_dict["user_stream_initialized"] and connector.user_stream_tracker is None
        await harness.until(lambda: connector.get_price(PAIR, True) == Decimal("61000"))
        assert connector.get_mid_price(PAIR).is_nan()              # no bids: no mid price
        result = connector.get_quote_volume_for_price(PAIR, True, Decimal("61000"))
        assert result.result_volume == Decimal("30500")            # quote units (W-9)
    finally:
        await connector.stop_network()
