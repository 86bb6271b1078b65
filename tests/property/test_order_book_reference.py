"""OrderBook against a plain reference book (sortedcontainers, exact Decimal keys).

Random sequences of snapshots, diffs, stale diffs, gapped diffs and diffs with
a bad row are applied to both; after every step every level and every query
must agree and ``check_integrity()`` must pass.  The reference keys levels by
the exact decimal price, so any two spellings of one price that the compiled
book kept apart (or two prices it merged) show up as a mismatch.
"""
import math
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st
from sortedcontainers import SortedDict

from hummingbot_conn.core.order_book import DiffResult, OrderBook


class ReferenceBook:
    """What docs/contracts.md Contract 1 says, written the slow obvious way."""

    def __init__(self, dex=False):
        self.dex = dex
        self.bids = SortedDict()     # Decimal price -> (amount: float, update_id)
        self.asks = SortedDict()
        self.last_diff_uid = 0
        self.snapshot_uid = 0
        self.synced = False

    def snapshot(self, bids, asks, uid):
        self.bids, self.asks = SortedDict(), SortedDict()
        for side, rows in ((self.bids, bids), (self.asks, asks)):
            for price, amount in rows:
                side.pop(price, None)
                if amount:
                    side[price] = (float(amount), uid)
        self.uncross()
        self.snapshot_uid = self.last_diff_uid = uid
        self.synced = True

    def diff(self, bids, asks, uid, first):
        if not self.synced:
            return DiffResult.UNSYNCED
        if uid <= self.last_diff_uid:
            return DiffResult.STALE
        if first >= 0 and first > self.last_diff_uid + 1:
            self.synced = False
            return DiffResult.GAP
        for side, rows in ((self.bids, bids), (self.asks, asks)):
            for price, amount in rows:
                if amount:
                    side[price] = (float(amount), uid)
                else:
                    side.pop(price, None)
        self.uncross()
        self.last_diff_uid = uid
        return DiffResult.APPLIED

    def uncross(self):
        while self.bids and self.asks:
            (bp, (ba, bu)), (ap, (aa, au)) = self.bids.peekitem(-1), self.asks.peekitem(0)
            if bp < ap:
                return
            if self.dex:
                drop_bid = float(bp) * ba <= float(ap) * aa
            else:
                drop_bid = bu <= au
            if drop_bid:
                self.bids.popitem(-1)
            else:
                self.asks.popitem(0)

    def side(self, is_buy):
        """Levels best first as (price float, amount, uid)."""
        if is_buy:
            return [(float(p), a, u) for p, (a, u) in self.asks.items()]
        return [(float(p), a, u) for p, (a, u) in reversed(self.bids.items())]

    def price_for_volume(self, is_buy, volume):
        cum = 0.0
        for price, amount, _ in self.side(is_buy):
            cum += amount
            if cum >= volume:
                return price, volume
        return math.nan, cum

    def vwap(self, is_buy, volume):
        levels = self.side(is_buy)
        if volume == 0:
            return (levels[0][0] if levels else math.nan), 0.0
        cost = filled = 0.0
        for price, amount, _ in levels:
            if filled + amount >= volume:
                cost += (volume - filled) * price
                return cost / volume, volume
            cost += amount * price
            filled += amount
        return math.nan, filled

    def quote_for_base(self, is_buy, base_amount):
        levels = self.side(is_buy)
        if base_amount == 0:
            return (levels[0][0] if levels else math.nan), 0.0
        base = quote = 0.0
        for price, amount, _ in levels:
            if base + amount >= base_amount:
                return price, quote + (base_amount - base) * price
            base += amount
            quote += amount * price
        return math.nan, quote

    def volume_for_price(self, is_buy, limit, quote):
        cum, last = 0.0, math.nan
        for price, amount, _ in self.side(is_buy):
            if (price > limit) if is_buy else (price < limit):
                break
            cum += amount * price if quote else amount
            last = price
        return last, cum


# prices on a 0.01 grid, written in many spellings of the same decimal.  Bids
# and asks come from two ranges of ~300 ticks that overlap near 100.00 (so
# crossing is still exercised) and snapshots carry up to 32 rows a side: books
# often hold more than the 16 levels the compiled side scans linearly from its
# top (TOP_SCAN in _book_side.pxd), so a diff deep in the book takes the
# bisection path and is compared with the model too.
BID_TICKS = st.integers(min_value=9700, max_value=10010)
ASK_TICKS = st.integers(min_value=9990, max_value=10300)
SPELLINGS = st.sampled_from(["plain", "padded", "float", "decimal", "exp", "bytes"])
AMOUNTS = st.sampled_from(["0", "0.0", "0.5", "1", "1.25", "2.000", "3", "0.001"])


def spell(tick, how):
    exact = Decimal(tick) / 100
    if how == "plain":
        return str(exact)
    if how == "padded":
        return f"{exact:.8f}"
    if how == "float":
        return float(exact)
    if how == "decimal":
        return exact
    if how == "exp":
        return f"{tick}e-2"
    return str(exact).encode()


@st.composite
def rows(draw, ticks, max_size=6):
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        tick, how, amount = draw(ticks), draw(SPELLINGS), draw(AMOUNTS)
        out.append(((Decimal(tick) / 100), Decimal(amount), [spell(tick, how), amount]))
    return out


BAD_VALUES = st.sampled_from([["x", "1"], ["100", "-1"], ["0", "1"], ["nan", "1"], ["100", float("inf")],
                              ["100"], None, [None, "1"], ["1.2.3", "1"], [b"", "1"]])


@st.composite
def operations(draw):
    ops = [("snapshot", draw(rows(BID_TICKS, 32)), draw(rows(ASK_TICKS, 32)))]
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["diff", "diff", "diff", "diff", "stale", "gap", "bad", "snapshot", "nofirst"]))
        if kind == "snapshot":
            ops.append(("snapshot", draw(rows(BID_TICKS, 32)), draw(rows(ASK_TICKS, 32))))
        elif kind == "bad":
            bids, asks = draw(rows(BID_TICKS)), draw(rows(ASK_TICKS))
            bad = draw(BAD_VALUES)
            ops.append(("bad", bids, asks, draw(st.booleans()), draw(st.integers(0, 6)), bad))
        else:
            ops.append((kind, draw(rows(BID_TICKS, 8)), draw(rows(ASK_TICKS, 8)), draw(st.integers(1, 3))))
    return ops


def assert_same(book, ref):
    book.check_integrity()
    assert book.is_synced == ref.synced
    assert book.last_diff_uid == ref.last_diff_uid
    assert book.snapshot_uid == ref.snapshot_uid
    assert [tuple(r) for r in book.ask_entries()] == ref.side(True)
    assert [tuple(r) for r in book.bid_entries()] == ref.side(False)
    for is_buy in (True, False):
        levels = ref.side(is_buy)
        best = levels[0][0] if levels else math.nan
        assert (book.best_ask if is_buy else book.best_bid) == pytest.approx(best, nan_ok=True)
        for volume in (0.0, 1.0, 2.5, 1000.0):
            r = book.get_price_for_volume(is_buy, volume)
            assert (r.result_price, r.result_volume) == pytest.approx(ref.price_for_volume(is_buy, volume), nan_ok=True)
            r = book.get_vwap_for_volume(is_buy, volume)
            assert (r.result_price, r.result_volume) == pytest.approx(ref.vwap(is_buy, volume), nan_ok=True)
            r = book.get_quote_volume_for_base_amount(is_buy, volume)
            assert (r.result_price, r.result_volume) == pytest.approx(ref.quote_for_base(is_buy, volume), nan_ok=True)
        for limit in (97.5, 99.95, 100.0, 100.05, 102.5):
            for quote in (False, True):
                r = (book.get_quote_volume_for_price if quote else book.get_volume_for_price)(is_buy, limit)
                assert (r.result_price, r.result_volume) == pytest.approx(
                    ref.volume_for_price(is_buy, limit, quote), nan_ok=True)


def state(book):
    return (book.bid_entries(), book.ask_entries(), book.last_diff_uid, book.snapshot_uid, book.is_synced)


@given(dex=st.booleans(), ops=operations())
def test_order_book_matches_reference(dex, ops):
    book, ref = OrderBook(dex=dex), ReferenceBook(dex=dex)
    uid = 0
    for op in ops:
        kind = op[0]
        if kind == "snapshot":
            uid += 5
            book.apply_snapshot([r[2] for r in op[1]], [r[2] for r in op[2]], uid)
            ref.snapshot([(p, a) for p, a, _ in op[1]], [(p, a) for p, a, _ in op[2]], uid)
        elif kind == "bad":
            _, bids, asks, on_bids, at, bad = op
            raw_bids, raw_asks = [r[2] for r in bids], [r[2] for r in asks]
            target = raw_bids if on_bids else raw_asks
            target.insert(min(at, len(target)), bad)
            before = state(book)
            uid += 1
            if book.is_synced:
                with pytest.raises(ValueError, match=f"of {'bids' if on_bids else 'asks'}"):
                    book.apply_diffs(raw_bids, raw_asks, uid)
            else:
                assert book.apply_diffs(raw_bids, raw_asks, uid) is DiffResult.UNSYNCED
            assert state(book) == before
            uid -= 1
        else:
            _, bids, asks, step = op
            if kind == "stale":
                new_uid, first = uid - step + 1, -1
            elif kind == "gap":
                new_uid, first = uid + step + 2, uid + step + 1
            elif kind == "nofirst":
                new_uid, first = uid + step, -1
            else:
                new_uid, first = uid + step, uid + 1
            got = book.apply_diffs([r[2] for r in bids], [r[2] for r in asks], new_uid, first)
            want = ref.diff([(p, a) for p, a, _ in bids], [(p, a) for p, a, _ in asks], new_uid, first)
            assert got is want
            uid = max(uid, new_uid) if want is DiffResult.APPLIED else uid
        assert_same(book, ref)


GARBAGE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.binary(max_size=12)
    | st.decimals(allow_nan=True),
    lambda children: st.lists(children, max_size=4) | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=3), children, max_size=2),
    max_leaves=12)


@given(bids=GARBAGE, asks=GARBAGE, uid=st.integers(-5, 2**62))
def test_garbage_input_never_crashes(bids, asks, uid):
    book = OrderBook()
    book.apply_snapshot([["100", "1"]], [["101", "1"]], 0)
    for apply in (book.apply_diffs, book.apply_snapshot):
        before = state(book)
        try:
            apply(bids, asks, uid)
        except (ValueError, TypeError):
            assert state(book) == before
        book.check_integrity()
