"""Spot's available balance is exact from the stream alone (docs/contracts.md, Contract 4;
docs/binance_spot.md): ``outboundAccountPosition`` carries each changed asset's free and locked
amounts, so resting an order, cancelling it and a fill against it move ``get_available_balance``
to the venue's free amount with the status poll out of the way (600 s)."""
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType

PAIR = "BTC-USDT"


@pytest.fixture
async def quiet(sim, harness):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "2"})
    connector = harness.make_connector(sim, key, secret, short_poll_interval=600.0, long_poll_interval=600.0)
    session = harness.Session(sim, connector, key)
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        yield session
    finally:
        await connector.stop_network()


async def exact(session, harness) -> None:
    await harness.until(lambda: session.our_balances() == session.sim_balances(), 15.0)


async def test_resting_cancelling_and_filling_orders_keep_the_available_balance_exact(quiet, harness):
    ex = quiet.connector
    await exact(quiet, harness)
    bid = ex.buy(PAIR, Decimal("0.1"), OrderType.LIMIT, Decimal("20000"))
    ask = ex.sell(PAIR, Decimal("0.5"), OrderType.LIMIT, Decimal("900000"))
    await quiet.wait_kinds(bid, ["BuyOrderCreatedEvent"])
    await quiet.wait_kinds(ask, ["SellOrderCreatedEvent"])
    await exact(quiet, harness)
    assert ex.get_available_balance("USDT") == Decimal("98000")        # 0.1 * 20000 locked by the bid
    assert ex.get_available_balance("BTC") == Decimal("1.5")           # 0.5 locked by the ask
    ex.cancel(PAIR, ask)
    await quiet.wait_kinds(ask, ["SellOrderCreatedEvent", "OrderCancelledEvent"])
    await exact(quiet, harness)
    assert ex.get_available_balance("BTC") == Decimal("2")
    harness.Counterparty(quiet.sim).market("SELL", "0.1")             # takes our bid
    await quiet.wait_kinds(bid, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    await exact(quiet, harness)
    assert ex.get_available_balance("USDT") == ex.get_balance("USDT") == Decimal("98000")
