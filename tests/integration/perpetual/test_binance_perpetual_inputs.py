"""Input checks of the perpetual connector, over real sockets against the simulated venue.

* Hostile ORDER_TRADE_UPDATE / ACCOUNT_UPDATE frames, sent by the simulator on the real user
  socket in place of the genuine ones: refused and counted; the fill, balance and position
  they stood for are learned by REST.
* ``set_leverage`` / ``set_position_mode`` check their arguments before anything is sent.
"""
import asyncio
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType, PositionAction

PAIR = "BTC-USDT"
LEVERAGE_ENDPOINT = ("POST", "/fapi/v1/leverage")


class RequestCounter:
    def __init__(self, sim, endpoint) -> None:
        self.count = 0
        handler, weight, security = sim.rest.endpoints[endpoint]

        def counting(*args):
            self.count += 1
            return handler(*args)
        sim.rest.endpoints[endpoint] = (counting, weight, security)


def corrupt_user_frames(sim, kind, mutate):
    """From now on every ``kind`` frame the simulator publishes goes through ``mutate(frame)``."""
    def wrap(listener):
        def corrupting(*args):
            *head, event = args
            if event.get("e") == kind:
                event = mutate(event)
            listener(*head, event)
        return corrupting
    sim.engine.user_listeners[:] = [wrap(listener) for listener in sim.engine.user_listeners]


@pytest.mark.parametrize("hostile", [{"t": True}, {"n": "1E+999999999"}, {"L": 60000.0}])
async def test_hostile_fill_frames_are_refused_and_the_fill_comes_by_rest_once(session, harness, hostile):
    ex, sim = session.connector, session.sim
    corrupt_user_frames(sim, "ORDER_TRADE_UPDATE",
                        lambda e: {**e, "o": {**e["o"], **hostile}} if e["o"].get("x") == "TRADE" else e)
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.01")
    await harness.quoted(ex, PAIR, True, "60000")
    order_id = ex.buy(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.OPEN)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    assert ex.refused_user_events.get("ORDER_TRADE_UPDATE") == 1
    fill = session.events(order_id)[1]
    assert (fill.price, fill.amount) == (Decimal("60000"), Decimal("0.01"))
    assert fill.exchange_trade_id.isdigit()
    assert [(t.token, t.amount) for t in fill.trade_fee.flat_fees] == [("USDT", Decimal("0.3"))]
    await ex._status_poller.poll_once()
    assert session.kinds(order_id) == ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]


async def test_hostile_account_frames_are_refused_and_rest_brings_the_position(session, harness):
    ex, sim = session.connector, session.sim
    corrupt_user_frames(sim, "ACCOUNT_UPDATE", lambda e: {**e, "a": {**e["a"], "B": [
        {**row, "wb": "1E+999999999"} for row in e["a"].get("B", [])]}})
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.01")
    await harness.quoted(ex, PAIR, True, "60000")
    order_id = ex.buy(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.OPEN)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    await harness.until(lambda: ex.refused_user_events.get("ACCOUNT_UPDATE", 0) >= 1)
    await harness.until(lambda: session.our_positions() == session.sim_positions() != {})
    await harness.until(lambda: ex.get_balance("USDT") == session.account.wallet)
    assert ex.get_balance("USDT") < Decimal("1E+10")


async def test_set_leverage_checks_type_and_range_before_sending(session):
    ex = session.connector
    posts = RequestCounter(session.sim, LEVERAGE_ENDPOINT)
    for bad in (True, 10.0, "10", Decimal("10"), None):
        with pytest.raises(TypeError, match="leverage must be an int"):
            ex.set_leverage(PAIR, bad)
    for bad in (0, -5, 126, 10 ** 30):
        with pytest.raises(ValueError, match="between 1 and 125"):
            ex.set_leverage(PAIR, bad)
    with pytest.raises(TypeError, match="trading_pair"):
        ex.set_leverage(None, 10)
    with pytest.raises(TypeError, match="PositionMode"):
        ex.set_position_mode("HEDGE")
    await asyncio.sleep(0.2)
    assert posts.count == 0 and ex.get_leverage(PAIR) == 20
    assert await ex.set_leverage(PAIR, 125) is True             # the bound itself goes through
    assert posts.count == 1 and ex.get_leverage(PAIR) == 125


async def test_unknown_order_keyword_is_a_type_error_before_anything_is_tracked(session):
    ex = session.connector
    posts = RequestCounter(session.sim, ("POST", "/fapi/v1/order"))
    with pytest.raises(TypeError, match="reduceOnly"):
        ex.sell(PAIR, Decimal("0.01"), OrderType.LIMIT, Decimal("70000"), position_action=PositionAction.CLOSE,
                reduceOnly=True)
    with pytest.raises(TypeError, match="leverage"):
        ex.buy(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.OPEN, leverage=50)
    await asyncio.sleep(0.2)
    assert ex.in_flight_orders == {} and posts.count == 0
