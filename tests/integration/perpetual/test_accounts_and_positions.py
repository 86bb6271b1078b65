"""Balances and positions against the simulated USDⓈ-M venue: ordering of stream and REST reports,
and the position action of a fill (docs/contracts.md, Contract 4; docs/binance_usdm_futures.md, section 12).

* A REST account answer read by the venue before a fill, but received after the fill's stream
  update, must not roll the position or the wallet back (nor fire a "closed" PositionUpdate).
* A future-stamped or microsecond-stamped ACCOUNT_UPDATE never freezes a position.
* In ONEWAY mode a CLOSE order filled at the entry price (realised PnL 0) is a CLOSE, its fee
  deducted from returns.
"""
import asyncio
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType, PositionAction
from hummingbot_conn.core.trade_fee import DeductedFromReturnsTradeFee
from hummingbot_conn.events import PositionUpdateEvent

PAIR = "BTC-USDT"
ACCOUNT = "GET /fapi/v2/account"


async def _buy(session, harness, qty: str, price: str) -> None:
    ex, sim = session.connector, session.sim
    sim.place_liquidity("BTCUSDT", "SELL", price, qty)
    await harness.quoted(ex, PAIR, True, price)
    order_id = ex.buy(PAIR, Decimal(qty), OrderType.MARKET, position_action=PositionAction.OPEN)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])


@pytest.fixture
async def quiet_session(fsim, harness):
    """A session whose status poll does not run during the test (we send the account request)."""
    key, secret = fsim.create_account("10000")
    connector = harness.make_connector(fsim, key, secret, short_poll_interval=600.0, long_poll_interval=600.0)
    session = await harness.start_session(fsim, connector, key)
    try:
        yield session
    finally:
        await connector.stop_network()


@pytest.mark.parametrize("held", ["no position", "a position"])
async def test_a_delayed_account_answer_never_rolls_back_a_fill_seen_on_the_stream(quiet_session, harness, held):
    session = quiet_session
    ex, sim = session.connector, session.sim
    before = Decimal("0")
    if held == "a position":
        await _buy(session, harness, "0.01", "60000")
        before = Decimal("0.01")
        await harness.until(lambda: ex.get_position(PAIR) is not None
                            and ex.get_balance("USDT") == session.account.wallet)
    fault = sim.faults.add("delay_response", endpoint=ACCOUNT, delay=3.0)
    poll = asyncio.ensure_future(ex._update_balances())         # read now, answered 3 s later
    await harness.until(lambda: fault.fired == 1)
    await _buy(session, harness, "0.01", "60000")                  # the fill, seen on the stream at once
    after = before + Decimal("0.01")
    await harness.until(lambda: ex.get_position(PAIR) is not None and ex.get_position(PAIR).amount == after
                        and ex.get_balance("USDT") == session.account.wallet)
    updates_before_answer = len(session.of_type(PositionUpdateEvent))
    await poll                                                      # the stale answer arrives
    assert ex.get_position(PAIR) is not None and ex.get_position(PAIR).amount == after
    assert ex.get_balance("USDT") == session.account.wallet
    late = session.of_type(PositionUpdateEvent)[updates_before_answer:]
    assert [(e.position_side, e.amount) for e in late] == []       # no rollback, no "closed"
    await ex._update_balances()                                     # a fresh answer agrees
    assert session.our_positions() == session.sim_positions()
    assert ex.get_available_balance("USDT") == sim.engine.available(session.account)


@pytest.mark.parametrize("stamp", ["future", "microseconds"])
async def test_an_oddly_stamped_position_report_never_freezes_the_position(quiet_session, harness, stamp):
    session = quiet_session
    ex, sim = session.connector, session.sim
    now = sim.clock.now_ms()
    t = now + 86_400_000 if stamp == "future" else now * 1000
    ex._user_events.process({"e": "ACCOUNT_UPDATE", "E": t, "T": t, "a": {"m": "ORDER", "B": [], "P": [
        {"s": "BTCUSDT", "pa": "5", "ep": "1", "cr": "0", "up": "0", "mt": "cross", "iw": "0", "ps": "BOTH"}]}})
    assert ex.get_position(PAIR).amount == Decimal("5")
    sim.clock.advance(1)
    await _buy(session, harness, "0.01", "60000")                  # the venue's next report of the position
    await harness.until(lambda: ex.get_position(PAIR).amount == Decimal("0.01"))
    await ex._update_balances()
    assert session.our_positions() == session.sim_positions()


async def test_oneway_close_at_the_entry_price_is_a_close(session, harness):
    ex, sim = session.connector, session.sim
    await _buy(session, harness, "0.01", "60000")
    sim.place_liquidity("BTCUSDT", "BUY", "60000", "0.01")
    await harness.quoted(ex, PAIR, False, "60000")
    close_id = ex.sell(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.CLOSE)
    await session.wait_kinds(close_id, ["SellOrderCreatedEvent", "OrderFilledEvent", "SellOrderCompletedEvent"])
    fill = session.events(close_id)[1]
    assert fill.position == "CLOSE"
    assert isinstance(fill.trade_fee, DeductedFromReturnsTradeFee)     # realised PnL 0, still a close
    assert [(t.token, t.amount) for t in fill.trade_fee.flat_fees] == [("USDT", Decimal("0.3"))]
    # the same fill read back from userTrades (the REST path) is a close too
    order = ex._order_tracker.fetch_order(client_order_id=close_id)
    trades = await ex._all_trade_updates_for_order(order)
    assert [type(t.fee).__name__ for t in trades] == ["DeductedFromReturnsTradeFee"]
    await harness.until(lambda: ex.get_position(PAIR) is None)
