"""Matching engine: priority, partial fills, order types, filters, balances, events."""
from decimal import Decimal as D

import pytest
from hypothesis import given, settings, strategies as st

from hummingbot_conn.sim.binance.errors import SimError
from hummingbot_conn.sim.binance.spot.accounts import AccountRegistry
from hummingbot_conn.sim.binance.spot.engine import MatchingEngine
from hummingbot_conn.sim.binance.spot.filters import SymbolSpec
from hummingbot_conn.sim.kernel.clock import ManualClock


def spec(**kw):
    base = dict(tick_size=D("0.01"), min_price=D("0.01"), max_price=D("100000"), step_size=D("0.001"),
                min_qty=D("0.001"), max_qty=D("1000"), min_notional=D("1"), max_notional=D("1000000"))
    base.update(kw)
    return SymbolSpec("BTCUSDT", "BTC", "USDT", **base)


class World:
    def __init__(self, **spec_kw):
        self.clock = ManualClock()
        self.accounts = AccountRegistry()
        self.engine = MatchingEngine([spec(**spec_kw)], self.accounts, self.clock, seed=7)
        self.events = []
        self.engine.user_listeners.append(lambda acc, ev: self.events.append((acc, ev)))
        self.trades = []
        self.engine.trade_listeners.append(lambda s, t: self.trades.append(t))

    def account(self, usdt="100000", btc="100", maker="0.001", taker="0.001"):
        return self.accounts.create({"USDT": usdt, "BTC": btc}, maker_rate=maker, taker_rate=taker)

    def limit(self, acc, side, qty, price, tif="GTC", **kw):
        return self.engine.place_order(acc, "BTCUSDT", side, "LIMIT", quantity=D(qty), price=D(price),
                                       time_in_force=tif, **kw)

    def reports(self, account, kind="executionReport"):
        return [ev for acc, ev in self.events if acc == account.account_id and ev["e"] == kind]


def rejected(code, msg=None):
    class _Ctx:
        def __enter__(self):
            self.cm = pytest.raises(SimError)
            self.info = self.cm.__enter__()
            return self.info

        def __exit__(self, *exc):
            out = self.cm.__exit__(*exc)
            assert self.info.value.code == code, self.info.value
            if msg is not None:
                assert self.info.value.msg == msg
            return out
    return _Ctx()


def test_price_time_priority_and_maker_price():
    w = World()
    a, b, c, taker = w.account(), w.account(), w.account(), w.account()
    w.limit(a, "SELL", "1", "101")
    first, _ = w.limit(b, "SELL", "1", "100")
    second, _ = w.limit(c, "SELL", "1", "100")
    order, fills = w.limit(taker, "BUY", "1.5", "102")
    assert [(f.price, f.qty) for f in fills] == [(D("100"), D("1")), (D("100"), D("0.5"))]
    assert first.status == "FILLED" and second.status == "PARTIALLY_FILLED"
    assert order.status == "FILLED" and order.cum_quote == D("150")
    assert w.engine.books["BTCUSDT"].level_qty("SELL", D("100")) == D("0.5")
    w.engine.books["BTCUSDT"].check()


def test_partial_fill_rests_remainder_and_locks_only_what_is_needed():
    w = World()
    maker, taker = w.account(), w.account(usdt="1000")
    w.limit(maker, "SELL", "1", "90")
    order, fills = w.limit(taker, "BUY", "3", "100")
    assert order.status == "PARTIALLY_FILLED" and order.on_book
    assert order.executed_qty == D("1") and order.remaining == D("2")
    usdt = taker.balance("USDT")
    # paid 90 for the fill; 2 x 100 still locked; the 10 saved below the limit is free again
    assert usdt.locked == D("200") and usdt.free == D("710")
    assert taker.balance("BTC").free == D("100") + D("1") - D("0.001")
    w.engine.books["BTCUSDT"].check()


def test_cancel_releases_lock_and_reports():
    w = World()
    acc = w.account()
    order, _ = w.limit(acc, "BUY", "2", "50", client_order_id="mine1")
    assert acc.balance("USDT").locked == D("100")
    w.events.clear()
    cancelled, cancel_id, _ = w.engine.cancel_order(acc, "BTCUSDT", orig_client_id="mine1", new_client_id="c1")
    assert cancelled.status == "CANCELED" and cancel_id == "c1"
    assert acc.balance("USDT").locked == 0 and acc.balance("USDT").free == D("100000")
    report = w.reports(acc)[0]
    assert (report["x"], report["X"], report["c"], report["C"]) == ("CANCELED", "CANCELED", "c1", "mine1")
    position = w.reports(acc, "outboundAccountPosition")[0]
    assert position["B"] == [{"a": "USDT", "f": "100000.00000000", "l": "0.00000000"}]
    with rejected(-2011, "Unknown order sent."):
        w.engine.cancel_order(acc, "BTCUSDT", order.order_id)
    assert w.engine.books["BTCUSDT"].bids == {}


def test_ioc_remainder_expires():
    w = World()
    maker, taker = w.account(), w.account()
    w.limit(maker, "SELL", "1", "100")
    order, fills = w.limit(taker, "BUY", "2", "100", tif="IOC")
    assert order.status == "EXPIRED" and order.expiry_reason == "UNFILLED_IOC_QUANTITY_EXPIRED"
    assert order.executed_qty == D("1") and not order.on_book
    assert taker.balance("USDT").locked == 0
    assert [r["x"] for r in w.reports(taker)] == ["NEW", "TRADE", "EXPIRED"]
    assert w.reports(taker)[-1]["eR"] == "UNFILLED_IOC_QUANTITY_EXPIRED"


def test_fok_all_or_nothing():
    w = World()
    maker, taker = w.account(), w.account()
    w.limit(maker, "SELL", "1", "100")
    w.limit(maker, "SELL", "1", "105")
    order, fills = w.limit(taker, "BUY", "2", "101", tif="FOK")
    assert order.status == "EXPIRED" and fills == [] and order.expiry_reason == "UNFILLED_FOK_ORDER_EXPIRED"
    assert w.engine.books["BTCUSDT"].level_qty("SELL", D("100")) == D("1")
    assert taker.balance("USDT").free == D("100000")
    order, fills = w.limit(taker, "BUY", "2", "105", tif="FOK")
    assert order.status == "FILLED" and len(fills) == 2


def test_market_by_quantity_expires_when_book_runs_out():
    """The market_orders_faq scenario: BUY 6 against 4 available at 1.0."""
    w = World(min_notional=D("0"))
    maker, taker = w.account(), w.account()
    w.limit(maker, "SELL", "2", "1")
    w.limit(maker, "SELL", "2", "1")
    order, fills = w.engine.place_order(taker, "BTCUSDT", "BUY", "MARKET", quantity=D("6"))
    assert order.status == "EXPIRED" and order.expiry_reason == "INSUFFICIENT_LIQUIDITY"
    assert order.executed_qty == D("4") and [f.qty for f in fills] == [D("2"), D("2")]
    xs = [(r["x"], r["X"], r["l"], r["z"]) for r in w.reports(taker)]
    assert xs == [("NEW", "NEW", "0.00000000", "0.00000000"),
                  ("TRADE", "PARTIALLY_FILLED", "2.00000000", "2.00000000"),
                  ("TRADE", "PARTIALLY_FILLED", "2.00000000", "4.00000000"),
                  ("EXPIRED", "EXPIRED", "0.00000000", "4.00000000")]
    ids = [r["I"] for r in w.reports(taker)]
    assert ids == sorted(ids) and len({r["E"] for r in w.reports(taker)}) == 1
    assert taker.balance("USDT").free == D("100000") - D("4") and taker.balance("USDT").locked == 0


def test_market_sell_walks_bids_at_maker_prices():
    w = World()
    maker, taker = w.account(), w.account()
    for price in ("4000", "3999", "3998"):
        w.limit(maker, "BUY", "1", price)
    order, fills = w.engine.place_order(taker, "BTCUSDT", "SELL", "MARKET", quantity=D("2.5"))
    assert [f.price for f in fills] == [D("4000"), D("3999"), D("3998")]
    assert order.status == "FILLED" and order.cum_quote == D("4000") + D("3999") + D("1999")
    # SELL pays commission in the received quote asset
    assert fills[0].commission == D("4.00000000") and fills[0].commission_asset == "USDT"


def test_market_quote_order_qty_buy_floors_to_step():
    w = World()
    maker, taker = w.account(), w.account()
    w.limit(maker, "SELL", "1", "300")
    order, fills = w.engine.place_order(taker, "BTCUSDT", "BUY", "MARKET", quote_order_qty=D("100"))
    assert order.executed_qty == D("0.333") and order.cum_quote == D("99.9")
    assert order.status == "FILLED" and order.orig_quote_qty == D("100")
    assert taker.balance("USDT").free == D("100000") - D("99.9")


def test_market_quote_order_qty_rejections():
    w = World(quote_order_qty_market_allowed=False)
    acc = w.account()
    with rejected(-2010, "Quote order qty market orders are not support for this symbol."):
        w.engine.place_order(acc, "BTCUSDT", "BUY", "MARKET", quote_order_qty=D("10"))
    w = World()
    acc = w.account()
    with rejected(-2010, "Order book liquidity is less than symbol minimum quantity."):
        w.engine.place_order(acc, "BTCUSDT", "BUY", "MARKET", quote_order_qty=D("10"))


def test_limit_maker_rejected_when_it_would_take():
    w = World()
    maker, other = w.account(), w.account()
    w.limit(maker, "SELL", "1", "100")
    with rejected(-2010, "Order would immediately match and take."):
        w.engine.place_order(other, "BTCUSDT", "BUY", "LIMIT_MAKER", quantity=D("1"), price=D("100"))
    assert other.balance("USDT").locked == 0 and w.reports(other) == []
    order, _ = w.engine.place_order(other, "BTCUSDT", "BUY", "LIMIT_MAKER", quantity=D("1"), price=D("99.99"))
    assert order.on_book and order.time_in_force == "GTC"


@pytest.mark.parametrize("qty,price,filter_type", [
    ("1", "100.001", "PRICE_FILTER"),      # off tick
    ("1", "0.001", "PRICE_FILTER"),        # below minPrice
    ("0.001", "100001", "PRICE_FILTER"),   # above maxPrice
    ("1.0001", "100", "LOT_SIZE"),         # off step
    ("0.0001", "100", "LOT_SIZE"),         # below minQty
    ("1001", "10", "LOT_SIZE"),            # above maxQty
    ("0.001", "100", "NOTIONAL"),          # notional 0.1 < 1
    ("999", "1002", "NOTIONAL"),           # notional above maxNotional
])
def test_filter_failures(qty, price, filter_type):
    w = World()
    acc = w.account(usdt="100000000")
    with rejected(-1013, f"Filter failure: {filter_type}"):
        w.limit(acc, "BUY", qty, price)
    assert acc.balance("USDT").locked == 0 and w.events == []


def test_min_notional_filter_name():
    w = World(notional_filter="MIN_NOTIONAL")
    with rejected(-1013, "Filter failure: MIN_NOTIONAL"):
        w.limit(w.account(), "BUY", "0.001", "100")


def test_unknown_symbol_closed_market_and_balance():
    w = World()
    acc = w.account(usdt="10")
    with rejected(-1121, "Invalid symbol."):
        w.engine.place_order(acc, "NOPE", "BUY", "LIMIT", quantity=D("1"), price=D("1"), time_in_force="GTC")
    with rejected(-2010, "Account has insufficient balance for requested action."):
        w.limit(acc, "BUY", "1", "11")
    w.engine.specs["BTCUSDT"].status = "HALT"
    with rejected(-2010, "Market is closed."):
        w.limit(acc, "BUY", "0.01", "100")


def test_duplicate_client_order_id_only_while_open():
    w = World()
    acc, other = w.account(), w.account()
    w.limit(acc, "BUY", "1", "100", client_order_id="dup")
    with rejected(-2010, "Duplicate order sent."):
        w.limit(acc, "BUY", "1", "99", client_order_id="dup")
    w.limit(other, "BUY", "1", "99", client_order_id="dup")  # another account may use it
    w.engine.place_order(w.account(), "BTCUSDT", "SELL", "MARKET", quantity=D("2"))
    order, _ = w.limit(acc, "BUY", "1", "98", client_order_id="dup")  # reuse once filled
    assert w.engine.get_order(acc, "BTCUSDT", orig_client_id="dup") is order


def test_commission_arithmetic_from_the_faq():
    w = World(step_size=D("0.00001"), min_qty=D("0.00001"))
    seller = w.account(taker="0.0000006")
    buyer = w.account(maker="0")
    w.limit(buyer, "BUY", "0.49975", "35000")
    _, fills = w.engine.place_order(seller, "BTCUSDT", "SELL", "MARKET", quantity=D("0.49975"))
    assert fills[0].commission == D("0.01049475") and fills[0].commission_asset == "USDT"
    assert seller.balance("USDT").free == D("100000") + D("17491.25") - D("0.01049475")


def test_maker_and_taker_rates_and_maker_report():
    w = World()
    maker = w.account(maker="0.0005", taker="0.002")
    taker = w.account(maker="0.0005", taker="0.002")
    w.limit(maker, "SELL", "1", "100")
    w.events.clear()
    _, fills = w.limit(taker, "BUY", "1", "100")
    assert fills[0].commission == D("0.002")            # taker pays base
    maker_trade = w.reports(maker)[0]
    assert maker_trade["x"] == "TRADE" and maker_trade["m"] is True and maker_trade["n"] == "0.05000000"
    assert maker_trade["N"] == "USDT" and maker_trade["t"] == fills[0].trade_id
    taker_trade = w.reports(taker)[1]
    assert taker_trade["m"] is False and taker_trade["L"] == "100.00000000" and taker_trade["Y"] == "100.00000000"


@pytest.mark.parametrize("mode,maker_status,taker_status", [
    ("EXPIRE_MAKER", "EXPIRED_IN_MATCH", "NEW"),
    ("EXPIRE_TAKER", "NEW", "EXPIRED_IN_MATCH"),
    ("EXPIRE_BOTH", "EXPIRED_IN_MATCH", "EXPIRED_IN_MATCH"),
])
def test_self_trade_prevention(mode, maker_status, taker_status):
    w = World()
    acc = w.account()
    resting, _ = w.limit(acc, "SELL", "1", "100")
    taker, fills = w.limit(acc, "BUY", "1", "100", stp_mode=mode)
    assert fills == [] and resting.status == maker_status and taker.status == taker_status
    expired = resting if maker_status == "EXPIRED_IN_MATCH" else taker
    assert expired.prevented_match_id == 1 and expired.prevented_qty == D("1")
    report = [r for r in w.reports(acc) if r["x"] == "TRADE_PREVENTION"][0]
    assert report["v"] == 1 and report["X"] == "EXPIRED_IN_MATCH"
    w.engine.books["BTCUSDT"].check()


def test_self_trade_default_none_trades():
    w = World()
    acc = w.account()
    w.limit(acc, "SELL", "1", "100")
    _, fills = w.limit(acc, "BUY", "1", "100")
    assert len(fills) == 1


def test_book_update_ids_count_every_mutation():
    w = World()
    seen = []
    w.engine.books["BTCUSDT"].listeners.append(lambda s, side, p, uid: seen.append(uid))
    acc = w.account()
    w.limit(acc, "SELL", "1", "100")            # rest: +1
    w.limit(acc, "SELL", "1", "101")            # rest: +1
    w.limit(acc, "BUY", "1.5", "101")           # two maker reductions: +2
    order, _ = w.limit(acc, "BUY", "1", "90")   # rest: +1
    w.engine.cancel_order(acc, "BTCUSDT", order.order_id)  # +1
    assert seen == [1, 2, 3, 4, 5, 6] and w.engine.books["BTCUSDT"].update_id == 6


def test_deposit_emits_balance_update():
    w = World()
    acc = w.account()
    w.engine.deposit(acc, "BTC", D("1.5"))
    kinds = [ev["e"] for _, ev in w.events]
    assert kinds == ["balanceUpdate", "outboundAccountPosition"]
    assert w.events[0][1]["d"] == "1.50000000"


def test_bad_amounts_are_clear_errors():
    w = World()
    acc = w.account()
    with rejected(-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."):
        w.engine.place_order(acc, "BTCUSDT", "BUY", "LIMIT", quantity=D("1"), time_in_force="GTC")
    with rejected(-1100):
        w.limit(acc, "BUY", "NaN", "100")
    with rejected(-1100):
        w.limit(acc, "BUY", "1", "Infinity")
    with rejected(-1013):
        w.limit(acc, "BUY", "-1", "100")
    with rejected(-1102):
        w.engine.place_order(acc, "BTCUSDT", "BUY", "MARKET")
    with rejected(-1115, "Invalid timeInForce."):
        w.limit(acc, "BUY", "1", "100", tif="GTD")
    assert w.events == [] and acc.balance("USDT").locked == 0


def test_market_buy_never_spends_beyond_its_lock_when_stp_skips_a_level():
    w = World()
    acc, other = w.account(), w.account()
    w.limit(acc, "SELL", "1", "100")
    w.limit(other, "SELL", "1", "200")
    order, fills = w.engine.place_order(acc, "BTCUSDT", "BUY", "MARKET", quantity=D("1"), stp_mode="EXPIRE_MAKER")
    # the walk priced 1 @ 100; after the own maker expired, 100 USDT buys 0.5 @ 200
    assert [(f.price, f.qty) for f in fills] == [(D("200"), D("0.5"))]
    assert order.status == "EXPIRED" and acc.balance("USDT").locked == 0
    assert acc.balance("USDT").free == D("100000") - D("100")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["BUY", "SELL"]), st.sampled_from(["LIMIT", "MARKET", "IOC", "CANCEL"]),
                          st.integers(1, 30), st.integers(95, 105), st.integers(0, 2)), max_size=60),
       st.sampled_from(["NONE", "EXPIRE_MAKER", "EXPIRE_TAKER", "EXPIRE_BOTH"]))
def test_random_flow_conserves_assets_and_keeps_book_sound(ops, stp):
    w = World(min_notional=D("0"))
    accs = [w.account(usdt="10000", btc="50") for _ in range(3)]
    for side, kind, qty, price, who in ops:
        acc = accs[who]
        try:
            if kind == "CANCEL":
                open_orders = w.engine.open_orders(acc)
                if open_orders:
                    w.engine.cancel_order(acc, "BTCUSDT", open_orders[0].order_id)
            elif kind == "MARKET":
                w.engine.place_order(acc, "BTCUSDT", side, "MARKET", quantity=D(qty) / 10, stp_mode=stp)
            else:
                w.limit(acc, side, str(D(qty) / 10), str(price), tif="IOC" if kind == "IOC" else "GTC",
                        stp_mode=stp)
        except SimError as err:
            assert err.code in (-2010, -1013)
        w.engine.books["BTCUSDT"].check()
    commissions = {"BTC": D(0), "USDT": D(0)}
    for fills in w.engine.account_fills.values():
        for f in fills:
            commissions[f.commission_asset] += f.commission
    for asset, start in (("USDT", D("30000")), ("BTC", D("150"))):
        held = sum(a.balance(asset).free + a.balance(asset).locked for a in accs)
        assert held + commissions[asset] == start
        assert all(a.balance(asset).free >= 0 and a.balance(asset).locked >= 0 for a in accs)
    for acc in accs:  # locked funds are exactly what open orders hold
        open_orders = w.engine.open_orders(acc)
        assert acc.balance("USDT").locked == sum(o.locked for o in open_orders if o.side == "BUY")
        assert acc.balance("BTC").locked == sum(o.locked for o in open_orders if o.side == "SELL")
