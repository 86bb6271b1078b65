"""BinancePerpetualDerivative end to end against the simulated USDⓈ-M venue (real sockets, no mocks).

Exact PnL and fees (docs/binance_usdm_futures.md test vectors 10.2, 10.3), both position modes,
leverage and mode changes with their failures, funding events, the pu gap rule, reconciliation
after a user socket drop, and a restart from ``tracking_states``.
"""
import asyncio
from decimal import Decimal

from hummingbot_conn.common import OrderType, PositionAction, PositionMode, PositionSide
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee, DeductedFromReturnsTradeFee
from hummingbot_conn.events import (
    FundingPaymentCompletedEvent,
    MarketOrderFailureEvent,
    OrderFilledEvent,
    PositionModeChangeEvent,
    PositionUpdateEvent,
)

PAIR = "BTC-USDT"


async def test_oneway_open_and_close_with_exact_pnl_and_fees(session, harness):
    ex, sim = session.connector, session.sim
    assert await ex.set_leverage(PAIR, 10) is True
    assert ex.get_leverage(PAIR) == 10 and session.account.leverage["BTCUSDT"] == 10
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.01")
    await harness.quoted(ex, PAIR, True, "60000")
    open_id = ex.buy(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.OPEN)
    await session.wait_kinds(open_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    fill = session.events(open_id)[1]
    assert (fill.price, fill.amount, fill.position) == (Decimal("60000"), Decimal("0.01"), "OPEN")
    assert isinstance(fill.trade_fee, AddedToCostTradeFee)
    assert [(t.token, t.amount) for t in fill.trade_fee.flat_fees] == [("USDT", Decimal("0.3"))]
    await harness.until(lambda: ex.get_position(PAIR) is not None)
    position = ex.get_position(PAIR)
    assert (position.amount, position.entry_price, position.position_side) == \
        (Decimal("0.01"), Decimal("60000"), PositionSide.BOTH)

    sim.set_mark_price("BTCUSDT", "61000")
    await ex._update_positions()
    assert ex.get_position(PAIR).unrealized_pnl == Decimal("10")
    sim.place_liquidity("BTCUSDT", "BUY", "61000", "0.01")
    await harness.quoted(ex, PAIR, False, "61000")
    close_id = ex.sell(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.CLOSE)
    await session.wait_kinds(close_id, ["SellOrderCreatedEvent", "OrderFilledEvent", "SellOrderCompletedEvent"])
    fill = session.events(close_id)[1]
    assert isinstance(fill.trade_fee, DeductedFromReturnsTradeFee)
    assert [(t.token, t.amount) for t in fill.trade_fee.flat_fees] == [("USDT", Decimal("0.305"))]
    await harness.until(lambda: ex.get_position(PAIR) is None)
    await harness.until(lambda: ex.get_balance("USDT") == Decimal("10009.395"))
    assert session.account.wallet == Decimal("10009.395")
    updates = session.of_type(PositionUpdateEvent)
    assert updates[0].amount == Decimal("0.01") and updates[-1].position_side is None


async def test_hedge_mode_long_and_short_then_close_one(session, harness):
    ex, sim = session.connector, session.sim
    assert await ex.set_position_mode(PositionMode.HEDGE) is True
    assert ex.position_mode is PositionMode.HEDGE and session.account.dual_side
    changes = session.of_type(PositionModeChangeEvent)
    assert sorted(e.trading_pair for e in changes) == ["BTC-USDT", "ETH-USDT"]
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.02")
    sim.place_liquidity("BTCUSDT", "BUY", "59000", "0.01")
    await harness.quoted(ex, PAIR, True, "60000")
    await harness.quoted(ex, PAIR, False, "59000")
    long_id = ex.buy(PAIR, Decimal("0.02"), OrderType.MARKET, position_action=PositionAction.OPEN)
    short_id = ex.sell(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.OPEN)
    await session.wait_kinds(long_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    await session.wait_kinds(short_id, ["SellOrderCreatedEvent", "OrderFilledEvent", "SellOrderCompletedEvent"])
    await harness.until(lambda: len(ex.account_positions) == 2)
    assert set(ex.account_positions) == {"BTC-USDTLONG", "BTC-USDTSHORT"}
    assert ex.get_position(PAIR, PositionSide.SHORT).amount == Decimal("-0.01")
    # close the short at 58000: +10 realised
    sim.place_liquidity("BTCUSDT", "SELL", "58000", "0.01")
    await harness.quoted(ex, PAIR, True, "58000")
    close_id = ex.buy(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.CLOSE)
    await session.wait_kinds(close_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    await harness.until(lambda: set(ex.account_positions) == {"BTC-USDTLONG"})
    expected = Decimal("10000") - Decimal("0.6") - Decimal("0.295") + Decimal("10") - Decimal("0.29")
    await harness.until(lambda: ex.get_balance("USDT") == expected)
    assert session.sim_positions() == session.our_positions()


async def test_leverage_and_mode_changes_fail_cleanly(session, harness):
    ex, sim = session.connector, session.sim
    assert await ex.set_leverage("ETH-USDT", 110) is False      # above the contract's maximum (100): -4028
    assert ex.get_leverage(PAIR) == 20                          # the account's value, read at start
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.01")
    await harness.quoted(ex, PAIR, True, "60000")
    open_id = ex.buy(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.OPEN)
    await session.wait_kinds(open_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    assert await ex.set_position_mode(PositionMode.HEDGE) is False   # a position exists: -4068
    failed = session.of_type(PositionModeChangeEvent)
    assert failed and "-4068" in failed[-1].message and ex.position_mode is PositionMode.ONEWAY
    nil_id = ex.buy(PAIR, Decimal("0.01"), OrderType.LIMIT, Decimal("50000"))  # no position action: never sent
    await session.wait_kinds(nil_id, ["MarketOrderFailureEvent"])
    assert "Invalid position action" in session.events(nil_id)[0].error_message
    big_id = ex.buy(PAIR, Decimal("5"), OrderType.LIMIT, Decimal("50000"), position_action=PositionAction.OPEN)
    await session.wait_kinds(big_id, ["MarketOrderFailureEvent"])   # margin insufficient: -2019
    assert isinstance(session.events(big_id)[0], MarketOrderFailureEvent)


async def test_funding_payment_event_after_the_funding_time(session, harness):
    ex, sim = session.connector, session.sim
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.01")
    await harness.quoted(ex, PAIR, True, "60000")
    open_id = ex.buy(PAIR, Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.OPEN)
    await session.wait_kinds(open_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    info = ex.get_funding_info(PAIR)
    assert (info.mark_price, info.rate) == (Decimal("60000"), Decimal("0.0001"))
    due = sim.engine.next_funding["BTCUSDT"]
    assert info.next_funding_utc_timestamp == due // 1000
    sim.clock.set(due)
    payment = await session.log.wait_for(FundingPaymentCompletedEvent, 10)
    assert (payment.trading_pair, payment.amount, payment.funding_rate, payment.market) == \
        (PAIR, Decimal("-0.06"), Decimal("0.0001"), "binance_perpetual")
    assert payment.timestamp == due / 1000
    await harness.until(lambda: ex.get_funding_info(PAIR).next_funding_utc_timestamp == (due + 3_600_000) // 1000)


async def test_pu_gap_resyncs_that_book_only(session, harness):
    ex, sim = session.connector, session.sim
    for i in range(3):
        sim.place_liquidity("BTCUSDT", "BUY", str(59000 + i), "0.1")
        sim.place_liquidity("ETHUSDT", "SELL", str(3100 + i), "1")

    def synced_with_sim(pair, symbol):
        book = ex.order_books[pair]
        bids, asks = sim.book_levels(symbol)
        ours_b = {Decimal(str(r.price)): Decimal(str(r.amount)) for r in book.bid_entries()}
        ours_a = {Decimal(str(r.price)): Decimal(str(r.amount)) for r in book.ask_entries()}
        return ours_b == bids and ours_a == asks
    await harness.until(lambda: synced_with_sim(PAIR, "BTCUSDT") and synced_with_sim("ETH-USDT", "ETHUSDT"))
    snapshots = []
    depth = sim.rest.endpoints[("GET", "/fapi/v1/depth")]

    def counting(p, account, headers):
        snapshots.append(p.values["symbol"])
        return depth[0](p, account, headers)
    sim.rest.endpoints[("GET", "/fapi/v1/depth")] = (counting, depth[1], depth[2])
    sim.faults.add("drop_diff", symbol="BTCUSDT")
    sim.place_liquidity("BTCUSDT", "BUY", "58000", "0.3")       # this diff is lost
    await asyncio.sleep(0.2)
    sim.place_liquidity("BTCUSDT", "SELL", "61000", "0.2")      # its pu exposes the gap
    sim.place_liquidity("ETHUSDT", "BUY", "2900", "2")
    await harness.until(lambda: synced_with_sim(PAIR, "BTCUSDT") and synced_with_sim("ETH-USDT", "ETHUSDT"))
    assert snapshots == ["BTCUSDT"]                               # one resync, of that pair only
    assert Decimal(str(ex.order_books[PAIR].get_price(False))) == Decimal("59002")


async def test_positions_and_balances_reconciled_after_a_user_socket_drop(session, harness):
    ex, sim = session.connector, session.sim
    order_id = ex.buy(PAIR, Decimal("0.02"), OrderType.LIMIT, Decimal("59000"), position_action=PositionAction.OPEN)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    sim.faults.add("close_user_sockets")
    sim.place_liquidity("BTCUSDT", "SELL", "59000", "0.02")       # fills while we are away
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"],
                             timeout=15)
    await harness.until(lambda: session.our_positions() == session.sim_positions() != {}, 15)
    await harness.until(lambda: ex.get_balance("USDT") == session.account.wallet, 15)
    fill = session.events(order_id)[1]
    assert isinstance(fill, OrderFilledEvent) and fill.amount == Decimal("0.02")


async def test_restart_from_tracking_states(fsim, harness):
    key, secret = fsim.create_account("10000")
    first = harness.make_connector(fsim, key, secret)
    session = await harness.start_session(fsim, first, key)
    order_id = first.sell(PAIR, Decimal("0.01"), OrderType.LIMIT, Decimal("62000"), position_action=PositionAction.OPEN)
    await session.wait_kinds(order_id, ["SellOrderCreatedEvent"])
    saved = first.tracking_states
    await first.stop_network()
    assert saved[order_id]["position"] == PositionAction.OPEN.value
    fsim.place_liquidity("BTCUSDT", "BUY", "62000", "0.01")       # filled while we are down

    second = harness.make_connector(fsim, key, secret)
    second.restore_tracking_states(saved)
    assert second.in_flight_orders[order_id].position is PositionAction.OPEN
    restarted = await harness.start_session(fsim, second, key)
    try:
        await restarted.wait_kinds(order_id, ["OrderFilledEvent", "SellOrderCompletedEvent"], timeout=15)
        await harness.until(lambda: second.get_position(PAIR) is not None)
        assert second.get_position(PAIR).amount == Decimal("-0.01")
    finally:
        await second.stop_network()


async def test_a_pair_added_while_running_gets_its_book_and_live_funding_info(fsim, harness):
    key, secret = fsim.create_account("10000")
    connector = harness.make_connector(fsim, key, secret, pairs=("BTC-USDT",))
    session = await harness.start_session(fsim, connector, key)
    try:
        fsim.place_liquidity("ETHUSDT", "SELL", "3001", "1")
        assert await connector.add_trading_pair("ETH-USDT") is True
        assert connector.get_funding_info("ETH-USDT").mark_price == Decimal("3000")
        await harness.quoted(connector, "ETH-USDT", True, "3001")
        fsim.set_mark_price("ETHUSDT", "3005")
        await harness.until(lambda: connector.get_funding_info("ETH-USDT").mark_price == Decimal("3005"))
        assert connector.status_dict["funding_info"]
        assert await connector.remove_trading_pair("ETH-USDT") is True
        assert "ETH-USDT" not in connector._perpetual_trading.funding_info
        assert session.connector is connector
    finally:
        await connector.stop_network()
