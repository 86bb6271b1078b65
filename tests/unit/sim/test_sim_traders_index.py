"""The background traders read the engine's open-order index, never a listing of every open order
(with 100 symbols each step listed and sorted the open orders of all of them, and the feed slowed
by half within minutes: benchmarks/README.md, "The simulator's feed over time").

Driven step by step on a manual clock.  The index (``MatchingCore._open_by_account``) must hold
exactly the open orders the registry holds, whatever mix of resting orders, fills, cancels and
expiries the traders and a user produce, on the spot and the futures engine.
"""
from decimal import Decimal

import pytest

from hummingbot_conn.sim import ManualClock, SimulatedExchange
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

TRADERS = {"rate": 10, "volatility": 0.0005, "seed_levels": 8}


def _venues():
    yield SimulatedExchange(seed=5, traders=TRADERS, clock=ManualClock(), auto_flush=False)
    yield SimulatedFuturesExchange(seed=5, traders=TRADERS, clock=ManualClock(), auto_flush=False)


def _scanned(engine, account, symbol):
    """The open orders by the registry's own scan (what open_orders did before the index)."""
    return sorted((o for o in engine._open_by_client.values()
                   if o.account_id == account.account_id and o.symbol == symbol), key=lambda o: o.order_id)


def _assert_index_is_the_registry(engine, accounts):
    for account in accounts:
        for symbol in engine.specs:
            expected = _scanned(engine, account, symbol)
            assert engine.open_orders(account, symbol) == expected
            assert engine.open_order_count(account, symbol) == len(expected)
            for position in (0, len(expected) // 2, len(expected) - 1, -1):
                if expected:
                    assert engine.open_order_at(account, symbol, position) is expected[position]
            for position in (len(expected), -len(expected) - 1):
                with pytest.raises(IndexError):
                    engine.open_order_at(account, symbol, position)
        everything = sorted((o for o in engine._open_by_client.values() if o.account_id == account.account_id),
                            key=lambda o: (o.symbol, o.order_id))
        assert engine.open_orders(account) == everything


@pytest.mark.parametrize("venue", list(_venues()), ids=["spot", "usdm"])
def test_the_index_holds_exactly_the_open_orders_through_fills_and_cancels(venue):
    traders = venue.traders
    accounts = [traders.account, traders.taker_account]
    for step in range(600):
        venue.clock.advance(100)
        traders.step()
        if step % 150 == 0:
            _assert_index_is_the_registry(venue.engine, accounts)
    _assert_index_is_the_registry(venue.engine, accounts)
    assert sum(venue.engine.open_order_count(traders.account, s) for s in venue.engine.specs) > 20


def test_a_step_never_lists_the_open_orders():
    venue = SimulatedExchange(seed=5, traders={**TRADERS, "seed_levels": 10}, clock=ManualClock(),
                              auto_flush=False)
    engine = venue.engine

    def listing(*args, **kwargs):
        raise AssertionError("a trader's step listed the open orders")

    engine.open_orders = listing        # the listing costs O(open orders of every symbol)
    traders = venue.traders
    traders.max_orders = 25             # the cap's cancels (oldest first) run too
    for _ in range(2000):
        venue.clock.advance(100)
        traders.step()
    del engine.open_orders
    counts = [engine.open_order_count(traders.account, s) for s in engine.specs]
    assert all(0 < c <= 27 for c in counts), counts
    _assert_index_is_the_registry(engine, [traders.account])


def test_a_client_id_reused_after_close_keeps_one_entry():
    venue = SimulatedExchange(seed=5, clock=ManualClock(), auto_flush=False)
    key, _ = venue.create_account({"USDT": "1000000", "BTC": "10"})
    user = venue.account(key)
    engine = venue.engine
    first, _ = engine.place_order(user, "BTCUSDT", "BUY", "LIMIT", quantity=Decimal("0.01"),
                                  price=Decimal("1000"), time_in_force="GTC", client_order_id="same")
    engine.cancel_order(user, "BTCUSDT", first.order_id)
    second, _ = engine.place_order(user, "BTCUSDT", "BUY", "LIMIT", quantity=Decimal("0.01"),
                                   price=Decimal("1001"), time_in_force="GTC", client_order_id="same")
    assert engine.open_orders(user, "BTCUSDT") == [second] and engine.open_order_count(user, "BTCUSDT") == 1
    _assert_index_is_the_registry(engine, [user])
