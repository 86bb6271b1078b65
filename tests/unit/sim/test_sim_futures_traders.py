"""Background traders on the USDⓈ-M market: the spot traders' decisions, the futures venue's orders.

Driven step by step on a manual clock (no wall-clock timing): the seeded book,
trades that fill a user's resting order, the mark price following the mid, and
the same seed giving the same market.
"""
from decimal import Decimal

from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.binance.usdm.traders import FuturesBackgroundTraders
from hummingbot_conn.sim.futures import SimulatedFuturesExchange
from hummingbot_conn.sim.kernel.traders import BackgroundTraders

TRADERS = {"rate": 10, "volatility": 0.0005, "seed_levels": 8}


def _venue(seed: int = 3, **kwargs) -> SimulatedFuturesExchange:
    return SimulatedFuturesExchange(seed=seed, traders=TRADERS, clock=ManualClock(), auto_flush=False, **kwargs)


def _steps(sim: SimulatedFuturesExchange, n: int) -> None:
    for _ in range(n):
        sim.clock.advance(100)
        sim.traders.step()


def test_traders_seed_a_two_sided_book_on_every_contract():
    sim = _venue()
    assert isinstance(sim.traders, FuturesBackgroundTraders) and isinstance(sim.traders, BackgroundTraders)
    for symbol, spec in sim.engine.specs.items():
        bids, asks = sim.book_levels(symbol)
        assert len(bids) == 8 and len(asks) == 8, symbol
        assert max(bids) < min(asks)                                # never crossed: post-only orders
        for price in (*bids, *asks):
            assert price % spec.tick_size == 0
        assert min(asks) - max(bids) < spec.initial_price * Decimal("0.001")     # a plausible spread


def test_traders_print_trades_move_the_mark_and_fill_a_users_resting_order():
    sim = _venue()
    key, _ = sim.create_account("100000", leverage={"BTCUSDT": 10})
    user = sim.account(key)
    best_bid = max(sim.book_levels("BTCUSDT")[0])
    # the user's bid joins the best bid: the takers' sells reach it
    order, _ = sim.engine.place_order(user, "BTCUSDT", "BUY", "LIMIT", quantity=Decimal("0.002"),
                                      price=best_bid + Decimal("0.1"), time_in_force="GTC")
    marks = set()
    for _ in range(400):
        _steps(sim, 1)
        marks.add(sim.engine.mark["BTCUSDT"])
        if order.executed_qty > 0:
            break
    assert order.executed_qty > 0, "the background takers never reached the best bid"
    assert user.position("BTCUSDT", "BOTH").amount == order.executed_qty      # a long position opened
    assert sim.engine.trades["BTCUSDT"], "no trade printed"
    assert len(marks) > 1                                                   # the mark follows the mid
    tick = sim.engine.specs["BTCUSDT"].tick_size
    assert all(m % tick == 0 for m in marks)
    # the traders' own two accounts never trade with themselves (the venue expires such takers)
    maker, taker = sim.traders.account, sim.traders.taker_account
    assert maker is not taker
    assert sum(p.amount for a in (maker, taker, user) for p in a.positions.values()) == 0   # every trade has two sides


def test_same_seed_same_market_other_seed_other_market():
    def run(seed):
        sim = _venue(seed)
        _steps(sim, 300)
        return [(t.price, t.qty) for t in sim.engine.trades["BTCUSDT"]], sim.book_levels("ETHUSDT")

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_without_traders_the_futures_book_stays_empty():
    sim = SimulatedFuturesExchange(clock=ManualClock(), auto_flush=False)
    assert sim.traders is None and sim.book_levels("BTCUSDT") == ({}, {})
