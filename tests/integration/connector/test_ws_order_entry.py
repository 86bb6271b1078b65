"""Orders over Binance spot's WebSocket API (``order.place`` / ``order.cancel`` / ``order.status``),
end to end against the simulator on real sockets: every guarantee of the REST path (docs/contracts.md,
Contract 2) holds over the socket, faults included.

* the socket is the default, ``order_transport="rest"`` forces REST, REST carries an order while
  the socket is down;
* tracked before sent, never sent twice: a lost answer (``lose_response``), the socket closed after
  the send, no answer within ``ws_request_timeout`` -- each resolved by client id;
* a 429 / -1003 fails the placement without resending it and pauses the throttler until the
  answer's ``retryAfter``; a cancel refused by a 429 is sent again once the limit allows;
* a -2010 rejection fails the order with Binance's code; the venue's ``rateLimits`` counts reach
  the throttler's pools.
"""
from decimal import Decimal
from typing import Any, List

import pytest

from hummingbot_conn.common import OrderType
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.web.backoff import ExponentialBackoff

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
CREATED, FILLED, DONE, CANCELLED, FAILED = ("BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent",
                                            "OrderCancelledEvent", "MarketOrderFailureEvent")


class EngineCalls:
    """Counts what reached the matching engine, whatever the transport (never sent twice)."""

    def __init__(self, sim: Any) -> None:
        self.placed: List[str] = []
        self.cancelled: List[str] = []
        engine = sim.engine
        place, cancel = engine.place_order, engine.cancel_order

        def placing(account, *args, **kwargs):
            self.placed.append(kwargs.get("client_order_id"))
            return place(account, *args, **kwargs)

        def cancelling(account, symbol, order_id, orig, *args, **kwargs):
            self.cancelled.append(orig)
            return cancel(account, symbol, order_id, orig, *args, **kwargs)
        engine.place_order, engine.cancel_order = placing, cancelling


class WsMethods:
    """Counts the WebSocket API order requests the simulator answered, by method."""

    def __init__(self, sim: Any) -> None:
        self.calls: List[str] = []
        orders = sim.user_streams.orders
        answer = orders.answer

        def counting(req_id, method, params, ip):
            self.calls.append(method)
            return answer(req_id, method, params, ip)
        orders.answer = counting

    def count(self, method: str) -> int:
        return self.calls.count(method)


@pytest.fixture
async def ws_session(sim, harness):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "2", "ETH": "10"})
    connector = harness.make_connector(sim, key, secret, pairs=("BTC-USDT", "ETH-USDT"), order_transport="ws")
    session = harness.Session(sim, connector, key)
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        await harness.until(lambda: connector.ws_order_entry.up)
        yield session
    finally:
        await connector.stop_network()


async def settle(session, harness):
    connector = session.connector
    await harness.until(lambda: not connector._status_poller.resolving() and not connector._order_placer.placing)
    await connector._status_poller.poll_once()
    await harness.until(lambda: session.our_balances() == session.sim_balances())


def sim_order(session, client_id):
    return session.sim.engine.find_order(session.sim.account(session.api_key), SYMBOL, None, client_id)


async def test_orders_cancels_and_status_go_over_the_socket_by_default(ws_session, harness):
    connector, sim = ws_session.connector, ws_session.sim
    posts, deletes = harness.RequestCounter(sim), harness.RequestCounter(sim, ("DELETE", "/api/v3/order"))
    ws = WsMethods(sim)
    order_id = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    await ws_session.wait_kinds(order_id, [CREATED])
    assert connector.in_flight_orders[order_id].exchange_order_id == str(sim_order(ws_session, order_id).order_id)
    await connector._status_poller.refresh_order(connector.in_flight_orders[order_id])
    connector.cancel(PAIR, order_id)
    await ws_session.wait_kinds(order_id, [CREATED, CANCELLED])
    assert (ws.count("order.place"), ws.count("order.cancel"), ws.count("order.status")) == (1, 1, 1)
    assert (posts.count, deletes.count) == (0, 0)
    await settle(ws_session, harness)


async def test_the_order_is_in_the_kernel_when_buy_returns(ws_session, harness):
    # README "Performance": the order socket writes at once (uvloop would hold the frame until the
    # loop turn ends); nothing of the order.place frame is left in the transport's buffer
    connector = ws_session.connector
    connection = connector.ws_order_entry._connection
    assert connection.writes_at_once
    transport = connection._ws._writer.transport
    order_id = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    assert transport.get_write_buffer_size() == 0
    assert connector.in_flight_orders[order_id].client_order_id == order_id
    await ws_session.wait_kinds(order_id, [CREATED])
    connector.cancel(PAIR, order_id)
    await ws_session.wait_kinds(order_id, [CREATED, CANCELLED])
    await settle(ws_session, harness)


async def test_a_market_order_over_the_socket_fills_from_its_answer(ws_session, harness):
    connector, sim = ws_session.connector, ws_session.sim
    harness.Counterparty(sim).limit("SELL", "0.001", "60000")
    await harness.until(lambda: connector.get_price(PAIR, True) == Decimal("60000"))
    order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.MARKET)
    await ws_session.wait_kinds(order_id, [CREATED, FILLED, DONE])
    await settle(ws_session, harness)
    assert ws_session.kinds(order_id) == [CREATED, FILLED, DONE]


async def test_order_transport_rest_sends_everything_over_rest(sim, harness):
    key, secret = sim.create_account({"USDT": "100000"})
    connector = harness.make_connector(sim, key, secret, order_transport="rest")
    assert connector.ws_order_entry is None
    posts, ws = harness.RequestCounter(sim), WsMethods(sim)
    session = harness.Session(sim, connector, key)
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
        await session.wait_kinds(order_id, [CREATED])
        assert posts.count == 1 and ws.calls == []
    finally:
        await connector.stop_network()


@pytest.mark.parametrize("value", ["websocket", "", None, "REST"])
def test_an_unknown_order_transport_is_refused_at_construction(value):
    with pytest.raises(ValueError, match="order_transport"):
        BinanceExchange("key", "secret", trading_pairs=[PAIR], order_transport=value)


async def test_while_the_socket_is_down_orders_and_cancels_go_over_rest(ws_session, harness):
    connector, sim = ws_session.connector, ws_session.sim
    entry = connector.ws_order_entry
    entry.reconnect_backoff = ExponentialBackoff(initial=30.0, maximum=30.0, jitter=0.0)
    posts, deletes, ws = harness.RequestCounter(sim), harness.RequestCounter(sim, ("DELETE", "/api/v3/order")), \
        WsMethods(sim)
    sim.faults.add("close_user_sockets")
    await harness.until(lambda: not entry.up)
    order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await ws_session.wait_kinds(order_id, [CREATED])
    connector.cancel(PAIR, order_id)
    await ws_session.wait_kinds(order_id, [CREATED, CANCELLED])
    assert (posts.count, deletes.count, ws.calls) == (1, 1, [])


@pytest.mark.parametrize("order_type", [OrderType.LIMIT, OrderType.MARKET])
async def test_a_lost_answer_gives_one_order_resolved_by_client_id(ws_session, harness, order_type):
    connector, sim = ws_session.connector, ws_session.sim
    harness.Counterparty(sim).limit("SELL", "0.001", "60000")
    await harness.until(lambda: connector.get_price(PAIR, True) == Decimal("60000"))
    calls = EngineCalls(sim)
    sim.faults.add("lose_response", endpoint="order.place", count=1)
    price = Decimal("55000") if order_type is OrderType.LIMIT else Decimal("NaN")
    order_id = connector.buy(PAIR, Decimal("0.001"), order_type, price)
    assert order_id in connector.in_flight_orders            # tracked before anything is sent
    expected = [CREATED] if order_type is OrderType.LIMIT else [CREATED, FILLED, DONE]
    await ws_session.wait_kinds(order_id, expected)
    await settle(ws_session, harness)
    assert calls.placed == [order_id] and ws_session.kinds(order_id) == expected


async def test_the_socket_closed_after_the_send_leaves_one_order_resolved_by_client_id(ws_session, harness):
    connector, sim = ws_session.connector, ws_session.sim
    calls = EngineCalls(sim)
    sim.faults.add("delay_response", endpoint="order.place", delay=1.0, count=1)
    order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await harness.until(lambda: calls.placed == [order_id])          # the venue took it; the answer waits
    sim.faults.add("close_user_sockets")
    await ws_session.wait_kinds(order_id, [CREATED])
    await settle(ws_session, harness)
    assert calls.placed == [order_id] and ws_session.kinds(order_id) == [CREATED]
    assert sim_order(ws_session, order_id).is_open


async def test_no_answer_within_the_timeout_is_an_unknown_outcome_resolved_by_client_id(sim, harness):
    key, secret = sim.create_account({"USDT": "100000"})
    connector = harness.make_connector(sim, key, secret, order_transport="ws", ws_request_timeout=0.2)
    session = harness.Session(sim, connector, key)
    calls = EngineCalls(sim)
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        await harness.until(lambda: connector.ws_order_entry.up)
        sim.faults.add("delay_response", endpoint="order.place", delay=1.5, count=1)
        order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
        await session.wait_kinds(order_id, [CREATED])
        await settle(session, harness)
        assert calls.placed == [order_id] and session.kinds(order_id) == [CREATED]
    finally:
        await connector.stop_network()


async def test_a_timeout_on_a_socket_that_delivers_nothing_drops_it_and_orders_go_on(sim, harness):
    """A socket open but silent (it takes frames, answers nothing, pings included): the first order's
    timeout gives it up at once (REST meanwhile, a new socket opened), rather than feeding it orders
    until its heartbeat notices; the order itself is resolved by client id, never sent twice."""
    key, secret = sim.create_account({"USDT": "100000"})
    connector = harness.make_connector(sim, key, secret, order_transport="ws", ws_request_timeout=0.3)
    session = harness.Session(sim, connector, key)
    calls = EngineCalls(sim)
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        entry = connector.ws_order_entry
        await harness.until(lambda: entry.up)
        sim.faults.add("mute_user_sockets")
        first = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
        await harness.until(lambda: entry.connect_count == 2 and entry.up)      # given up, reconnected
        second = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
        await session.wait_kinds(second, [CREATED])
        await harness.until(lambda: first not in connector.in_flight_orders or
                            session.kinds(first) in ([CREATED], [FAILED]))
        assert calls.placed.count(first) <= 1 and calls.placed.count(second) == 1
    finally:
        await connector.stop_network()


async def test_a_429_fails_the_placement_unsent_and_pauses_the_weight_until_retry_after(ws_session, harness):
    connector, sim = ws_session.connector, ws_session.sim
    calls, ws = EngineCalls(sim), WsMethods(sim)
    sim.faults.add("http_429", endpoint="order.place", count=1)         # -1003, retryAfter in 1 s
    order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await ws_session.wait_kinds(order_id, [FAILED])
    failure = ws_session.events(order_id)[0]
    assert failure.error_type == "RateLimitExceededError"
    assert calls.placed == [] and ws.count("order.place") == 1           # refused, and never resent
    throttler = connector._throttler
    now = throttler._clock()
    # -1003 concerns the IP's weight: the weight pool waits, so every request does
    assert throttler.paused_until("REQUEST_WEIGHT") > now and throttler.paused_until("order.place") > now
    second = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await ws_session.wait_kinds(second, [CREATED])                       # once the pause is over
    assert calls.placed == [second]


async def test_a_cancel_refused_by_a_429_is_sent_again_when_the_limit_allows(ws_session, harness):
    connector, sim = ws_session.connector, ws_session.sim
    order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await ws_session.wait_kinds(order_id, [CREATED])
    calls, ws = EngineCalls(sim), WsMethods(sim)
    sim.faults.add("http_429", endpoint="order.cancel", count=1)
    assert await connector._execute_cancel(PAIR, order_id) is True
    await ws_session.wait_kinds(order_id, [CREATED, CANCELLED])
    assert calls.cancelled == [order_id] and ws.count("order.cancel") == 2


async def test_a_rejection_fails_the_order_with_binances_code(ws_session, harness):
    connector, sim = ws_session.connector, ws_session.sim
    calls = EngineCalls(sim)
    order_id = connector.buy(PAIR, Decimal("1.5"), OrderType.LIMIT, Decimal("60000"))   # locks 90000 of 100000 USDT
    second = connector.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("60000"))       # 60000: -2010 at the venue
    await ws_session.wait_kinds(order_id, [CREATED])
    await ws_session.wait_kinds(second, [FAILED])
    failure = ws_session.events(second)[0]
    assert failure.error_type == "ExchangeError" and "insufficient balance" in failure.error_message
    assert calls.placed == [order_id, second]
    assert second not in connector.in_flight_orders
    await settle(ws_session, harness)


async def test_the_venues_rate_limit_counts_reach_the_throttler(ws_session, harness):
    connector, sim = ws_session.connector, ws_session.sim
    ip_state_used = sim.limiter.used("127.0.0.1")
    sim.limiter.charge("127.0.0.1", 1000)          # another client behind the same IP used weight
    order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await ws_session.wait_kinds(order_id, [CREATED])
    throttler = connector._throttler
    assert throttler.used_weight("REQUEST_WEIGHT") >= ip_state_used + 1000
    account = sim.account(ws_session.api_key)
    assert throttler.used_weight("ORDERS") >= sim.order_counter.peek(account.account_id)["10S"] == 1


async def test_a_status_query_over_the_socket_finds_an_order_the_venue_does_not_know(ws_session, harness):
    connector = ws_session.connector
    order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("55000"))
    await ws_session.wait_kinds(order_id, [CREATED])
    ws = WsMethods(ws_session.sim)
    order = connector.in_flight_orders[order_id]
    with pytest.raises(Exception) as error:
        await connector._order_status_answer(SYMBOL, "never-placed")
    assert connector._is_order_not_found_during_status_update_error(error.value)
    assert (await connector._order_status_answer(SYMBOL, order.client_order_id))["status"] == "NEW"
    assert ws.count("order.status") == 2
