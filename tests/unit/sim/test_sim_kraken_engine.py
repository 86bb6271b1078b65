"""The Kraken simulator's engine and book feed without sockets: holds, fees, the counters, the views.

Classes of input closed: any sequence of limit / market / post-only orders and cancels of two
accounts keeps every balance on its asset's grid, never below what open orders hold, holds equal
to what the open orders hold, and money conserved (fees aside); any sequence of book changes keeps
a client that applies an update's rows in order, truncating to its depth after each, equal to
the venue's top levels (docs/kraken_spot.md, sections 1, 6, 8).
"""
import json
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.kernel.errors import SimError
from hummingbot_conn.sim.kernel.faults import FaultInjector
from hummingbot_conn.sim.kraken.accounts import KrakenAccounts
from hummingbot_conn.sim.kraken.book_feed import BookFeed, BookView
from hummingbot_conn.sim.kraken.engine import KrakenEngine
from hummingbot_conn.sim.kraken.pairs import asset_decimals, default_pairs
from hummingbot_conn.sim.kraken.ratelimit import cancel_penalty

ZERO = Decimal(0)


def _engine():
    accounts = KrakenAccounts()
    engine = KrakenEngine(default_pairs(), accounts, ManualClock(), seed=1)
    return engine, accounts


orders = st.lists(st.tuples(
    st.sampled_from(["a", "b"]), st.sampled_from(["BUY", "SELL"]),
    st.sampled_from(["LIMIT", "MARKET", "POST", "CANCEL"]), st.integers(min_value=59990, max_value=60010),
    st.integers(min_value=5, max_value=300)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(orders)
def test_balances_stay_on_grid_above_holds_and_money_is_conserved(steps):
    engine, accounts = _engine()
    a = accounts.create({"USD": "100000", "BTC": "2"})
    b = accounts.create({"USD": "100000", "BTC": "2"})
    who = {"a": a, "b": b}
    spec = engine.pair("BTC/USD")
    for name, side, kind, price, size in steps:
        account = who[name]
        try:
            if kind == "CANCEL":
                engine.cancel(account, engine.open_orders(account)[:1])
            else:
                engine.place(account, spec, side, "MARKET" if kind == "MARKET" else "LIMIT",
                             Decimal(size).scaleb(-5), None if kind == "MARKET" else Decimal(price),
                             post_only=kind == "POST")
        except SimError:
            pass
        for acc in (a, b):
            for asset, value in acc.balance.items():
                assert -value.as_tuple().exponent <= asset_decimals(asset)
                assert value >= acc.hold.get(asset, ZERO) >= 0
            held = {"USD": ZERO, "BTC": ZERO}
            for order in engine.open_orders(acc):
                held["USD" if order.side == "BUY" else "BTC"] += order.hold
            assert {k: acc.hold.get(k, ZERO) for k in held} == held
    fees = sum((o.fee for o in engine.orders.values()), ZERO)
    assert a.balance["USD"] + b.balance["USD"] + fees == Decimal(200000)
    assert a.balance["BTC"] + b.balance["BTC"] == Decimal(4)
    engine.books["BTC/USD"].check()


def test_self_trade_cancels_the_newest_and_post_only_never_takes():
    engine, accounts = _engine()
    a = accounts.create({"USD": "100000", "BTC": "1"})
    spec = engine.pair("BTC/USD")
    resting = engine.place(a, spec, "SELL", "LIMIT", Decimal("0.01"), Decimal("60000"))
    taker = engine.place(a, spec, "BUY", "LIMIT", Decimal("0.01"), Decimal("60000"))
    assert resting.is_open and taker.status == "CANCELED" and taker.reason == "Self trade prevented"
    try:
        engine.place(a, spec, "BUY", "LIMIT", Decimal("0.01"), Decimal("60000"), post_only=True)
        raise AssertionError("a post-only order that would take was accepted")
    except SimError as err:
        assert err.code == "EOrder:Post only order"
    assert a.hold["USD"] == 0 and a.hold["BTC"] == Decimal("0.01")


def test_cancel_penalty_by_age():
    assert [cancel_penalty(ms) for ms in (0, 4_999, 5_000, 9_999, 10_000, 14_999, 15_000, 44_999, 45_000,
                                          89_999, 90_000, 10**9)] == [8, 8, 6, 6, 5, 5, 4, 4, 2, 2, 0, 0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "remove"]), st.sampled_from(["BUY", "SELL"]),
                          st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=9)),
                min_size=1, max_size=60),
       st.sampled_from([10, 25]), st.integers(min_value=1, max_value=8))
def test_a_client_truncating_after_every_row_keeps_the_venues_top(changes, depth, flush_every):
    engine, accounts = _engine()
    house = accounts.create({"USD": "100000000", "BTC": "100000"}, fee_free=True)
    spec = engine.pair("BTC/USD")
    feed = BookFeed(engine.books, engine.specs, FaultInjector(), engine.clock)
    view = BookView(depth)
    for i in range(25):   # a book deeper than the depth on both sides
        engine.place(house, spec, "BUY", "LIMIT", Decimal("0.001"), Decimal(59000 - 10 * i))
        engine.place(house, spec, "SELL", "LIMIT", Decimal("0.001"), Decimal(61000 + 10 * i))
    client = {"BUY": {}, "SELL": {}}
    snap = json.loads(feed.snapshot("BTC/USD", view), parse_float=Decimal)["data"][0]
    for side, rows in (("BUY", snap["bids"]), ("SELL", snap["asks"])):
        client[side] = {Decimal(r["price"]): Decimal(r["qty"]) for r in rows}
    for n, (action, side, ticks, size) in enumerate(changes, 1):
        book = engine.books["BTC/USD"]
        if action == "add":
            price = Decimal(59000 + 10 * ticks) if side == "BUY" else Decimal(61000 - 10 * ticks)
            engine.place(house, spec, side, "LIMIT", Decimal(size).scaleb(-3), price)
        else:
            level = book.best_bid() if side == "BUY" else book.best_ask()
            if level is not None:
                engine.cancel(house, list(level.orders.values()))
        if n % flush_every and n != len(changes):
            continue
        for message in feed.updates("BTC/USD", [view])[0]:
            entry = json.loads(message, parse_float=Decimal)["data"][0]
            for side_name, rows, best_first in (("BUY", entry["bids"], True), ("SELL", entry["asks"], False)):
                levels = client[side_name]
                for row in rows:
                    price, qty = Decimal(row["price"]), Decimal(row["qty"])
                    if qty == 0:
                        levels.pop(price, None)
                    else:
                        levels[price] = qty
                    for gone in sorted(levels, reverse=best_first)[depth:]:
                        del levels[gone]
        bids, asks = engine.books["BTC/USD"].depth(depth)
        assert sorted(client["BUY"].items(), reverse=True) == bids
        assert sorted(client["SELL"].items()) == asks


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=599000, max_value=601000), st.integers(min_value=100, max_value=99999),
       st.lists(st.tuples(st.integers(min_value=1, max_value=2000), st.integers(min_value=5, max_value=9999)),
                min_size=1, max_size=6))
def test_an_all_in_buy_never_spends_more_than_it_holds(limit_tenths, volume_units, asks):
    """Fills priced at or below the limit, each cost and fee rounded to the cent grid: what the buy
    spends never passes what it held, even when the account holds exactly that (available stays >= 0)."""
    engine, accounts = _engine()
    spec = engine.pair("BTC/USD")
    seller = accounts.create({"BTC": "1000"})
    limit, volume = Decimal(limit_tenths).scaleb(-1), Decimal(volume_units).scaleb(-8)
    for below, size in asks:
        try:
            engine.place(seller, spec, "SELL", "LIMIT", Decimal(size).scaleb(-8) + spec.ordermin,
                         limit - Decimal(below).scaleb(-1))
        except SimError:
            pass
    need = (limit * (volume + spec.ordermin) * (1 + spec.taker_fee)).quantize(Decimal("0.0001"), rounding="ROUND_UP")
    buyer = accounts.create({"USD": need})
    engine.place(buyer, spec, "BUY", "LIMIT", volume + spec.ordermin, limit)
    assert buyer.balance["USD"] >= buyer.hold.get("USD", ZERO) >= 0
    fees = sum((o.fee for o in engine.orders.values()), ZERO)
    assert buyer.balance["USD"] + seller.balance.get("USD", ZERO) + fees == need
