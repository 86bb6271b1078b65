"""``warm_order_path`` on the USDⓈ-M perpetual connector (orders over REST, a position action each):
rehearsals of an OPEN MARKET order and of a CLOSE LIMIT order run, send and track nothing, fire no
event and leave the position and the wallet as the real orders left them."""
import asyncio
from decimal import Decimal

from hummingbot_conn.common import OrderType, PositionAction

PAIR = "BTC-USDT"


async def test_rehearsals_of_position_orders_run_and_leave_no_trace(session, harness):
    ex, sim = session.connector, session.sim
    ex.warm_order_path(0.001)
    warmer = ex.order_path_warmer
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.01")
    await harness.quoted(ex, PAIR, True, "60000")
    open_id = ex.buy(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.OPEN)
    assert warmer.last is not None and warmer.last[5] == {"position_action": PositionAction.OPEN}
    await session.wait_kinds(open_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    await harness.until(lambda: ex.get_position(PAIR) is not None)
    await harness.until(lambda: warmer.rehearsals >= 20)
    assert warmer.failures == 0

    close_id = ex.sell(PAIR, Decimal("0.01"), OrderType.LIMIT, Decimal("70000"),
                       position_action=PositionAction.CLOSE)
    await session.wait_kinds(close_id, ["SellOrderCreatedEvent"])
    before = warmer.rehearsals
    events, positions, wallet = len(session.events()), session.sim_positions(), session.account.wallet
    await harness.until(lambda: warmer.rehearsals >= before + 20)
    await asyncio.sleep(0.05)
    assert warmer.failures == 0
    assert list(ex.in_flight_orders) == [close_id]
    assert len(session.events()) == events
    assert session.sim_positions() == positions and session.account.wallet == wallet
    assert ex.get_position(PAIR).amount == Decimal("0.01")
    ex.cancel(PAIR, close_id)
    await session.wait_kinds(close_id, ["SellOrderCreatedEvent", "OrderCancelledEvent"])
    assert list(ex.in_flight_orders) == []


async def test_an_order_refused_for_its_position_action_is_never_rehearsed(session, harness):
    ex = session.connector
    ex.warm_order_path(0.001)
    refused = ex.buy(PAIR, Decimal("0.01"), OrderType.LIMIT, Decimal("50000"))      # no position action
    await session.wait_kinds(refused, ["MarketOrderFailureEvent"])
    assert ex.order_path_warmer.last is None and ex.order_path_warmer.rehearsals == 0


async def test_two_overlapping_start_network_calls_leave_nothing_after_stop_network(fsim, harness):
    key, secret = fsim.create_account("10000")
    connector = harness.make_connector(fsim, key, secret)
    connector.warm_order_path(0.5)
    await asyncio.gather(connector.start_network(), connector.start_network())
    try:
        await connector.wait_ready(10)
    finally:
        await connector.stop_network()
    await asyncio.sleep(0.01)
    left = [repr(t) for t in asyncio.all_tasks() if not t.done() and t is not asyncio.current_task()]
    assert [t for t in left if "hummingbot_conn/sim/" not in t] == []     # the simulator's own loops run on
