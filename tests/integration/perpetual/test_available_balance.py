"""The available balance of a USDⓈ-M account follows the venue after every event that moves it
(docs/contracts.md, Contract 4; docs/binance_usdm_futures.md sections 7, 8 and 12).

The venue derives it (margin balance minus the initial margin of positions and open orders)
and no stream event carries it: ``ACCOUNT_UPDATE`` has the wallet only, and a resting or
cancelled order or a leverage change sends no ``ACCOUNT_UPDATE`` at all. The status poll is
pushed out of the way here (600 s), so only the connector's prompt account read can bring the
figure: after each event, ``get_available_balance("USDT")`` must equal the simulator's own
figure within a generous timeout (never a speed assertion).
"""
import asyncio
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType, PositionAction, PositionMode

PAIR = "BTC-USDT"
SYMBOL = "BTCUSDT"
ACCOUNT = "GET /fapi/v2/account"
SETTLE = 15.0           # seconds: generous; the read lands within a few tens of ms on an idle machine


@pytest.fixture(params=[PositionMode.ONEWAY, PositionMode.HEDGE], ids=["oneway", "hedge"])
async def quiet(fsim, harness, request):
    """A session at 5x whose status poll does not run during the test."""
    key, secret = fsim.create_account("10000", leverage={SYMBOL: 5}, dual_side=request.param is PositionMode.HEDGE)
    connector = harness.make_connector(fsim, key, secret, short_poll_interval=600.0, long_poll_interval=600.0)
    session = await harness.start_session(fsim, connector, key)
    assert connector.position_mode is request.param
    try:
        yield session
    finally:
        await connector.stop_network()


def venue_available(session) -> Decimal:
    """The simulator's own figure, as its account endpoint renders it (8 decimals)."""
    return Decimal(f"{session.sim.engine.available(session.account):.8f}")


async def settled(session, harness) -> Decimal:
    """Wait until the connector's available balance is the venue's; returns it."""
    ex = session.connector
    try:
        await harness.until(lambda: ex.get_available_balance("USDT") == venue_available(session), SETTLE)
    except asyncio.TimeoutError:
        pytest.fail(f"available balance {ex.get_available_balance('USDT')} never became the venue's "
                    f"{venue_available(session)} (wallet {ex.get_balance('USDT')})")
    return ex.get_available_balance("USDT")


async def in_step(session) -> None:
    """Bring the connector's account up to date by an explicit read (the starting point of a step)."""
    await session.connector._update_balances()
    assert session.connector.get_available_balance("USDT") == venue_available(session)


async def open_long(session, harness, qty: str = "0.1", price: str = "60000") -> None:
    ex, sim = session.connector, session.sim
    sim.place_liquidity(SYMBOL, "SELL", price, qty)
    await harness.quoted(ex, PAIR, True, price)
    order_id = ex.buy(PAIR, Decimal(qty), OrderType.MARKET, position_action=PositionAction.OPEN)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])


async def test_opening_a_position_takes_its_initial_margin_from_the_available_balance(quiet, harness):
    """The reported case: 0.1 BTC bought at 60000 at 5x, taker fee 0.05 %."""
    await in_step(quiet)
    await open_long(quiet, harness)
    # wallet 10000 - 3 (fee); initial margin 0.1 * 60000 / 5 = 1200
    assert await settled(quiet, harness) == Decimal("8797")
    assert quiet.connector.get_balance("USDT") == Decimal("9997")


async def test_a_resting_order_holds_its_initial_margin(quiet, harness):
    ex = quiet.connector
    await in_step(quiet)
    order_id = ex.buy(PAIR, Decimal("0.1"), OrderType.LIMIT, Decimal("50000"), position_action=PositionAction.OPEN)
    await quiet.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    assert await settled(quiet, harness) == Decimal("9000")       # 0.1 * 50000 / 5 held by the order


async def test_cancelling_a_resting_order_frees_its_margin(quiet, harness):
    ex = quiet.connector
    order_id = ex.buy(PAIR, Decimal("0.1"), OrderType.LIMIT, Decimal("50000"), position_action=PositionAction.OPEN)
    await quiet.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    await in_step(quiet)
    ex.cancel(PAIR, order_id)
    await quiet.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent"])
    assert await settled(quiet, harness) == Decimal("10000")


async def test_a_resting_order_filled_by_someone_else_moves_the_available_balance(quiet, harness):
    ex, sim = quiet.connector, quiet.sim
    order_id = ex.buy(PAIR, Decimal("0.1"), OrderType.LIMIT, Decimal("50000"), position_action=PositionAction.OPEN)
    await quiet.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    await in_step(quiet)
    sim.place_liquidity(SYMBOL, "SELL", "50000", "0.1")           # takes our bid: we are the maker
    await quiet.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    # maker fee 1 (0.02 %); unrealised +1000 at mark 60000; position margin 0.1 * 60000 / 5
    assert await settled(quiet, harness) == Decimal("9999") + Decimal("1000") - Decimal("1200")


async def test_a_leverage_change_moves_the_available_balance(quiet, harness):
    ex = quiet.connector
    await open_long(quiet, harness)
    await in_step(quiet)
    assert await ex.set_leverage(PAIR, 10) is True
    assert quiet.account.leverage[SYMBOL] == 10
    assert await settled(quiet, harness) == Decimal("9997") - Decimal("600")


async def test_an_account_answer_requested_before_an_order_never_rolls_its_margin_back(quiet, harness):
    """Newer wins for a figure only REST reports: of two account reads, the one requested later
    holds the available balance, whichever answer arrives last."""
    ex, sim = quiet.connector, quiet.sim
    await in_step(quiet)
    fault = sim.faults.add("delay_response", endpoint=ACCOUNT, delay=2.0)
    early = asyncio.ensure_future(ex._update_balances())          # read now, answered 2 s later
    await harness.until(lambda: fault.fired == 1)
    order_id = ex.buy(PAIR, Decimal("0.1"), OrderType.LIMIT, Decimal("50000"), position_action=PositionAction.OPEN)
    await quiet.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    assert await settled(quiet, harness) == Decimal("9000")
    await early                                                     # the answer read before the order
    assert ex.get_available_balance("USDT") == Decimal("9000")


async def test_a_burst_of_orders_costs_fewer_account_reads_and_ends_exact(quiet, harness):
    ex, sim = quiet.connector, quiet.sim
    reads = []
    handler, weight, security = sim.rest.endpoints[("GET", "/fapi/v2/account")]

    def counting(*args):
        reads.append(1)
        return handler(*args)
    sim.rest.endpoints[("GET", "/fapi/v2/account")] = (counting, weight, security)
    loop = asyncio.get_running_loop()
    started = loop.time()
    ids = [ex.buy(PAIR, Decimal("0.01"), OrderType.LIMIT, Decimal(50000 - 10 * i),
                  position_action=PositionAction.OPEN) for i in range(10)]
    for order_id in ids:
        await quiet.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    for order_id in ids[::2]:
        ex.cancel(PAIR, order_id)
    for order_id in ids[::2]:
        await quiet.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent"])
    await settled(quiet, harness)
    elapsed = loop.time() - started
    # reads start at least min_interval apart (a rate, whatever the machine's speed), where the
    # 15 order events would each have cost one
    assert 1 <= len(reads) <= 2 + elapsed / ex._account_refresher.min_interval
