"""BinanceExchange under the simulator's faults (real sockets, no mocks): each order still gets
exactly its events, nothing is sent twice, and balances and books end equal to the exchange's.

Faults: 5xx on cancel (a 429 on cancel: test_connector_rate_limits.py) and on placement, an
answer that comes after the stream already reported the order, -1021 after the exchange's clock
moves, the user socket dropped between partial fills, the market socket dropped and a depth
diff lost (the book resyncs).
The basic fault cases (lost answers, 5xx / 429 on placement, one socket drop, one skew) are in
test_binance_exchange.py.
"""
import asyncio
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
CREATED, FILLED, DONE, CANCELLED = "BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent", \
    "OrderCancelledEvent"


def sim_order(session, client_id):
    account = session.sim.account(session.api_key)
    return session.sim.engine.find_order(account, SYMBOL, None, client_id)


async def place_resting_buy(session, price="55000", qty="0.002"):
    order_id = session.connector.buy(PAIR, Decimal(qty), OrderType.LIMIT, Decimal(price))
    await session.wait_kinds(order_id, [CREATED])
    return order_id


async def settle(session, harness, balances=True):
    """Let every pending resolution run, then one full poll; balances must equal the exchange's."""
    connector = session.connector
    await harness.until(lambda: not connector._status_poller.resolving() and not connector._order_placer.placing)
    await connector._status_poller.poll_once()
    if balances:
        await harness.until(lambda: session.our_balances() == session.sim_balances())


# a 429 on the cancel: test_connector_rate_limits.py (the cancel is sent again once the limit allows)
@pytest.mark.parametrize("fault", [dict(kind="http_error", status=503), dict(kind="http_error", status=502)])
async def test_a_cancel_the_exchange_did_not_process_leaves_the_order_open_and_a_second_cancel_ends_it_once(
        session, harness, fault):
    connector, sim = session.connector, session.sim
    order_id = await place_resting_buy(session)
    deletes = harness.RequestCounter(sim, ("DELETE", "/api/v3/order"))
    sim.faults.add(fault["kind"], endpoint="DELETE /api/v3/order", status=fault.get("status", 503))
    connector.cancel(PAIR, order_id)
    await settle(session, harness)
    # the fault answered before the exchange saw the cancel: the order is still live, and says so
    assert deletes.count == 0 and sim_order(session, order_id).is_open
    assert session.kinds(order_id) == [CREATED]
    assert order_id in connector.in_flight_orders and not connector.in_flight_orders[order_id].is_done
    assert await connector._execute_cancel(PAIR, order_id) is True
    await session.wait_kinds(order_id, [CREATED, CANCELLED])
    assert deletes.count == 1
    await settle(session, harness)
    assert session.kinds(order_id) == [CREATED, CANCELLED]


async def test_a_cancel_that_failed_with_a_5xx_while_the_order_filled_ends_completed_once(session, harness):
    connector, sim = session.connector, session.sim
    order_id = await place_resting_buy(session)
    sim.faults.add("http_error", endpoint="DELETE /api/v3/order", status=503)
    harness.Counterparty(sim).limit("SELL", "0.002", "55000")
    connector.cancel(PAIR, order_id)
    await session.wait_kinds(order_id, [CREATED, FILLED, DONE])
    await settle(session, harness)
    assert session.kinds(order_id) == [CREATED, FILLED, DONE]


async def test_a_placement_answer_slower_than_the_stream_still_gives_created_first_and_each_fill_once(
        session, harness):
    connector, sim = session.connector, session.sim
    harness.Counterparty(sim).limit("SELL", "0.001", "60000")
    await harness.until(lambda: connector.get_price(PAIR, True) == Decimal("60000"))
    posts = harness.RequestCounter(sim)
    sim.faults.add("delay_response", endpoint="POST /api/v3/order", delay=0.5)
    order_id = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("60000"))   # half fills at once
    await session.wait_kinds(order_id, [CREATED, FILLED])
    harness.Counterparty(sim).limit("SELL", "0.001", "60000")
    await session.wait_kinds(order_id, [CREATED, FILLED, FILLED, DONE])
    await settle(session, harness)
    assert session.kinds(order_id) == [CREATED, FILLED, FILLED, DONE] and posts.count == 1
    fills = session.events(order_id)[1:3]
    assert [f.amount for f in fills] == [Decimal("0.001"), Decimal("0.001")]
    assert len({f.exchange_trade_id for f in fills}) == 2


@pytest.mark.parametrize("skew_ms", [20_000, -20_000])
async def test_cancel_and_polls_survive_the_exchange_clock_moving(session, harness, skew_ms):
    connector, sim = session.connector, session.sim
    order_id = await place_resting_buy(session)
    sim.faults.add("skew_clock", ms=skew_ms)        # our synced offset is now 20 s wrong: -1021, resync, retry
    connector.cancel(PAIR, order_id)
    await session.wait_kinds(order_id, [CREATED, CANCELLED])
    second = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("54000"))
    await session.wait_kinds(second, [CREATED])
    # the simulator models a skew by moving *its* clock, so -20 s sends its timestamps back in time,
    # which a real exchange never does; balance reports stamped before the ones we hold are ignored
    # (Balances' as_of rule) until its clock catches up, hence no balance check in that case
    await settle(session, harness, balances=skew_ms > 0)
    assert session.kinds(order_id) == [CREATED, CANCELLED] and session.kinds(second) == [CREATED]


async def test_the_user_stream_resubscribes_after_a_clock_skew_and_misses_no_fill(session, harness):
    connector, sim = session.connector, session.sim
    order_id = await place_resting_buy(session, qty="0.002")
    sim.faults.add("skew_clock", ms=30_000)
    sim.faults.add("close_user_sockets")           # the resubscription is signed with a clock 30 s behind
    await harness.until(lambda: connector.user_stream_tracker.data_source.connection_number >= 2)
    assert connector.user_stream_tracker.connected
    harness.Counterparty(sim).limit("SELL", "0.002", "55000")
    await session.wait_kinds(order_id, [CREATED, FILLED, DONE])
    await settle(session, harness)
    assert session.kinds(order_id) == [CREATED, FILLED, DONE]


async def test_user_socket_dropped_between_every_partial_fill_reports_each_fill_once(session, harness):
    # three drops in a row: the stream's back-off grows (0.5, 1, 2 s), it never spins
    connector, sim = session.connector, session.sim
    order_id = await place_resting_buy(session, qty="0.003")
    counterparty = harness.Counterparty(sim)
    stream = connector.user_stream_tracker.data_source
    for i in range(3):
        sim.faults.add("close_user_sockets")
        counterparty.limit("SELL", "0.001", "55000")               # while we are away, or just back
        await harness.until(lambda n=i + 2: stream.connection_number >= n and stream.connected)
    await session.wait_kinds(order_id, [CREATED] + [FILLED] * 3 + [DONE])
    await settle(session, harness)
    events = session.events(order_id)
    assert session.kinds(order_id) == [CREATED] + [FILLED] * 3 + [DONE]
    assert len({e.exchange_trade_id for e in events[1:4]}) == 3
    assert sum((e.amount for e in events[1:4]), Decimal(0)) == Decimal("0.003")
    assert events[-1].base_asset_amount == Decimal("0.003") and events[-1].quote_asset_amount == Decimal("165")


async def test_a_fill_and_a_cancel_while_the_user_socket_is_down_end_in_the_right_terminal_events(
        session, harness):
    connector, sim = session.connector, session.sim
    filled_id = await place_resting_buy(session, price="55000", qty="0.001")
    cancelled_id = await place_resting_buy(session, price="54000", qty="0.001")
    stream = connector.user_stream_tracker.data_source
    sim.faults.add("close_user_sockets")
    harness.Counterparty(sim).limit("SELL", "0.001", "55000")
    sim.engine.cancel_order(sim.account(session.api_key), SYMBOL, orig_client_id=cancelled_id)  # e.g. from the UI
    await session.wait_kinds(filled_id, [CREATED, FILLED, DONE])
    await session.wait_kinds(cancelled_id, [CREATED, CANCELLED])
    assert stream.connection_number >= 2
    await settle(session, harness)
    assert session.kinds(filled_id) == [CREATED, FILLED, DONE]
    assert session.kinds(cancelled_id) == [CREATED, CANCELLED]


def book_matches(session, pair, symbol):
    book = session.connector.order_books.get(pair)
    if book is None:
        return False
    bids, asks = session.sim.book_levels(symbol)
    ours_b = {r.price: r.amount for r in book.bid_entries()}
    ours_a = {r.price: r.amount for r in book.ask_entries()}
    return ours_b == {float(p): float(q) for p, q in bids.items()} and \
        ours_a == {float(p): float(q) for p, q in asks.items()}


async def test_market_socket_dropped_the_book_resyncs_to_the_exchanges(session, harness):
    connector, sim = session.connector, session.sim
    counterparty = harness.Counterparty(sim)
    for i in range(5):
        counterparty.limit("SELL", "0.01", str(60000 + i))
        counterparty.limit("BUY", "0.01", str(59000 - i))
    await harness.until(lambda: book_matches(session, PAIR, SYMBOL))
    metrics = connector.order_book_tracker.metrics.pairs[PAIR]
    resyncs = metrics.resyncs
    sim.faults.add("close_market_sockets")
    for i in range(5):                                  # the book moves while we are away
        counterparty.limit("SELL", "0.02", str(61000 + i))
    counterparty.market("BUY", "0.03")
    await harness.until(lambda: book_matches(session, PAIR, SYMBOL) and metrics.resyncs > resyncs)
    assert metrics.stream_interruptions >= 1
    connector.order_books[PAIR].check_integrity()
    assert connector.get_price(PAIR, True) == Decimal("60003")
    # and it keeps following the exchange afterwards
    counterparty.limit("BUY", "0.5", "59500")
    await harness.until(lambda: book_matches(session, PAIR, SYMBOL))


async def test_a_lost_depth_diff_is_a_gap_and_the_book_resyncs(session, harness):
    connector, sim = session.connector, session.sim
    counterparty = harness.Counterparty(sim)
    counterparty.limit("SELL", "0.01", "60000")
    await harness.until(lambda: book_matches(session, PAIR, SYMBOL))
    metrics = connector.order_book_tracker.metrics.pairs[PAIR]
    gaps, resyncs = metrics.gaps, metrics.resyncs
    sim.faults.add("drop_diff", symbol=SYMBOL)
    counterparty.limit("SELL", "0.01", "60100")         # this diff is never sent
    await asyncio.sleep(0.25)                           # two flushes: the lost diff and nothing
    counterparty.limit("SELL", "0.01", "60200")         # the next one shows the gap
    await harness.until(lambda: metrics.gaps > gaps and metrics.resyncs > resyncs
                        and book_matches(session, PAIR, SYMBOL))
    assert {r.price for r in connector.order_books[PAIR].ask_entries()} == {60000.0, 60100.0, 60200.0}


async def test_ready_does_not_flap_while_the_user_stream_reconnects(session, harness):
    # hummingbot's ready turned False on every user stream blip (W-18)
    connector, sim = session.connector, session.sim
    stream = connector.user_stream_tracker.data_source
    samples = []

    async def watch():
        while True:
            samples.append((connector.ready, stream.connected))
            await asyncio.sleep(0)

    watcher = asyncio.ensure_future(watch())
    sim.faults.add("close_user_sockets")
    await harness.until(lambda: stream.connection_number >= 2 and stream.connected)
    watcher.cancel()
    assert (True, False) in samples                    # it was down for a while ...
    assert all(ready for ready, _ in samples)          # ... and the connector stayed ready throughout
