"""The futures simulator's position arithmetic and funding, exactly (docs/binance_usdm_futures.md section 7)."""
from decimal import Decimal as D

import pytest

from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.binance.usdm.engine import FuturesEngine
from hummingbot_conn.sim.binance.usdm.margin import FuturesAccountRegistry, FuturesPosition
from hummingbot_conn.sim.binance.usdm.specs import default_futures_symbols


def test_entry_is_the_weighted_average_and_reductions_realise():
    p = FuturesPosition("BTCUSDT", "BOTH")
    assert p.apply_fill(D("0.01"), D("60000")) == 0
    assert p.apply_fill(D("0.03"), D("62000")) == 0
    assert (p.amount, p.entry_price) == (D("0.04"), D("61500"))
    assert p.apply_fill(D("-0.01"), D("63000")) == D("15")          # 0.01 * (63000 - 61500)
    assert (p.amount, p.entry_price, p.realized) == (D("0.03"), D("61500"), D("15"))
    assert p.unrealized(D("61000")) == D("-15")
    # through zero: 0.03 closes at 60000 (-45), the other 0.02 opens a short at 60000
    assert p.apply_fill(D("-0.05"), D("60000")) == D("-45")
    assert (p.amount, p.entry_price) == (D("-0.02"), D("60000"))
    assert p.unrealized(D("59000")) == D("20")
    assert p.apply_fill(D("0.02"), D("59500")) == D("10")
    assert (p.amount, p.entry_price, p.realized) == (D("0"), D("0"), D("-20"))


def test_funding_by_sign_of_rate_and_position_with_hedge_sides():
    clock = ManualClock(1_700_000_000_000)
    accounts = FuturesAccountRegistry()
    engine = FuturesEngine(default_futures_symbols(), accounts, clock, funding_interval_ms=60_000,
                           funding_rate="-0.0002")
    trader = accounts.create("100000", dual_side=True)
    house = accounts.create("100000000", maker_rate="0", taker_rate="0")
    events = []
    engine.user_listeners.append(lambda account_id, event: events.append((account_id, event)))
    engine.place_order(house, "ETHUSDT", "SELL", "LIMIT", quantity=D("2"), price=D("3000"), time_in_force="GTC")
    engine.place_order(house, "ETHUSDT", "BUY", "LIMIT", quantity=D("1"), price=D("2990"), time_in_force="GTC")
    engine.place_order(trader, "ETHUSDT", "BUY", "MARKET", quantity=D("2"), position_side="LONG")
    engine.place_order(trader, "ETHUSDT", "SELL", "MARKET", quantity=D("1"), position_side="SHORT")
    wallet = trader.wallet
    engine.set_mark_price("ETHUSDT", D("3010"))
    events.clear()
    clock.set(engine.next_funding["ETHUSDT"])
    assert engine.settle_due_funding() == 2
    # rate -0.0002 at 3010: the long (2) receives 1.204, the short (-1) pays 0.602
    assert trader.wallet - wallet == D("0.602")
    [(account_id, event)] = [(a, e) for a, e in events if a == trader.account_id]
    assert event["a"]["m"] == "FUNDING_FEE" and event["a"]["B"][0]["wb"] == f"{trader.wallet:.8f}"
    assert [(i.income_type, i.income) for i in engine.income[trader.account_id] if i.income_type == "FUNDING_FEE"] \
        == [("FUNDING_FEE", D("0.60200000"))]
    assert engine.settle_due_funding() == 0                       # nothing more is due


@pytest.mark.parametrize("dual_side", [True, False], ids=["hedge-close", "oneway-reduce-only"])
def test_a_resting_reducing_order_never_takes_the_position_through_zero(dual_side):
    # found by the perpetual soak (tests/soak): reduce-only and hedge-mode close orders were checked against
    # the position only when placed, so a resting one that filled after the position shrank flipped it
    # (LONG went negative, a one-way reduce-only order opened the other way)
    clock = ManualClock(1_700_000_000_000)
    accounts = FuturesAccountRegistry()
    engine = FuturesEngine(default_futures_symbols(), accounts, clock)
    trader = accounts.create("100000", dual_side=dual_side)
    house = accounts.create("100000000", maker_rate="0", taker_rate="0")
    events = []
    engine.user_listeners.append(lambda account_id, event: events.append((account_id, event)))
    engine.place_order(house, "ETHUSDT", "SELL", "LIMIT", quantity=D("1"), price=D("3000"), time_in_force="GTC")
    engine.place_order(trader, "ETHUSDT", "BUY", "MARKET", quantity=D("1"), position_side="LONG" if dual_side else None)
    closing = dict(position_side="LONG") if dual_side else dict(reduce_only=True)
    # two closes of the whole position rest; each was valid when placed
    first, _ = engine.place_order(trader, "ETHUSDT", "SELL", "LIMIT", quantity=D("1"), price=D("3100"),
                                  time_in_force="GTC", **closing)
    second, _ = engine.place_order(trader, "ETHUSDT", "SELL", "LIMIT", quantity=D("1"), price=D("3101"),
                                   time_in_force="GTC", **closing)
    events.clear()
    taker, _ = engine.place_order(house, "ETHUSDT", "BUY", "MARKET", quantity=D("2"))
    position = trader.position("ETHUSDT", "LONG" if dual_side else "BOTH")
    assert position.amount == 0
    # the first closed the position; the second, with nothing left to reduce, expired (the venue's rule)
    assert (first.status, second.status) == ("FILLED", "EXPIRED") and second.executed_qty == 0
    mine = [e["o"] for a, e in events if a == trader.account_id and e["e"] == "ORDER_TRADE_UPDATE"]
    assert [(o["i"], o["x"], o["X"]) for o in mine] == [(first.order_id, "TRADE", "FILLED"),
                                                        (second.order_id, "EXPIRED", "EXPIRED")]
    assert taker.executed_qty == 1 and taker.status == "EXPIRED"   # a market order's rest, no liquidity


@pytest.mark.parametrize("dual_side", [True, False], ids=["hedge-close", "oneway-reduce-only"])
def test_a_reducing_order_larger_than_what_is_left_fills_that_much_and_expires(dual_side):
    clock = ManualClock(1_700_000_000_000)
    accounts = FuturesAccountRegistry()
    engine = FuturesEngine(default_futures_symbols(), accounts, clock)
    trader = accounts.create("100000", dual_side=dual_side)
    house = accounts.create("100000000", maker_rate="0", taker_rate="0")
    side = dict(position_side="LONG") if dual_side else {}
    engine.place_order(house, "ETHUSDT", "SELL", "LIMIT", quantity=D("1"), price=D("3000"), time_in_force="GTC")
    engine.place_order(trader, "ETHUSDT", "BUY", "MARKET", quantity=D("1"), **side)
    closing = dict(position_side="LONG") if dual_side else dict(reduce_only=True)
    resting, _ = engine.place_order(trader, "ETHUSDT", "SELL", "LIMIT", quantity=D("1"), price=D("3100"),
                                    time_in_force="GTC", **closing)
    # the position shrinks to 0.4 by another close (taking the house's bid)
    engine.place_order(house, "ETHUSDT", "BUY", "LIMIT", quantity=D("0.6"), price=D("2990"), time_in_force="GTC")
    engine.place_order(trader, "ETHUSDT", "SELL", "MARKET", quantity=D("0.6"), **closing)
    assert trader.position("ETHUSDT", "LONG" if dual_side else "BOTH").amount == D("0.4")
    assert resting.status == "NEW"
    engine.place_order(house, "ETHUSDT", "BUY", "MARKET", quantity=D("1"))
    assert trader.position("ETHUSDT", "LONG" if dual_side else "BOTH").amount == 0
    assert (resting.executed_qty, resting.status) == (D("0.4"), "EXPIRED")
    assert engine.open_orders(trader) == []


@pytest.mark.parametrize("dual_side", [True, False], ids=["hedge-close", "oneway-reduce-only"])
def test_a_reducing_taker_that_closes_the_position_is_filled_not_expired(dual_side):
    # the soak found it: the closing taker, filled whole, was taken for a stale reducing order
    clock = ManualClock(1_700_000_000_000)
    accounts = FuturesAccountRegistry()
    engine = FuturesEngine(default_futures_symbols(), accounts, clock)
    trader = accounts.create("100000", dual_side=dual_side)
    house = accounts.create("100000000", maker_rate="0", taker_rate="0")
    side = dict(position_side="LONG") if dual_side else {}
    engine.place_order(house, "ETHUSDT", "SELL", "LIMIT", quantity=D("1"), price=D("3000"), time_in_force="GTC")
    engine.place_order(house, "ETHUSDT", "BUY", "LIMIT", quantity=D("1"), price=D("2990"), time_in_force="GTC")
    engine.place_order(trader, "ETHUSDT", "BUY", "MARKET", quantity=D("1"), **side)
    closing = dict(position_side="LONG") if dual_side else dict(reduce_only=True)
    close, accepted = engine.place_order(trader, "ETHUSDT", "SELL", "MARKET", quantity=D("1"), **closing)
    assert (close.status, close.executed_qty) == ("FILLED", D("1"))
    assert trader.position("ETHUSDT", "LONG" if dual_side else "BOTH").amount == 0
