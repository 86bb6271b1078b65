"""OrderBook: sequencing (docs/contracts.md, Contract 1), row validation, crossed books, state."""
import math
from decimal import Decimal

import numpy as np
import pytest

from hummingbot_conn.core.order_book import DiffResult, OrderBook
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.core.order_book_row import OrderBookRow

BIDS = [["100", "1"], ["99", "2"], ["98", "3"]]
ASKS = [["101", "1"], ["102", "2"], ["103", "3"]]


def levels(book):
    return ([(r.price, r.amount) for r in book.bid_entries()],
            [(r.price, r.amount) for r in book.ask_entries()])


def full_state(book):
    return (book.bid_entries(), book.ask_entries(), book.snapshot_uid, book.last_diff_uid, book.is_synced)


@pytest.fixture
def book():
    b = OrderBook()
    b.apply_snapshot(BIDS, ASKS, 10)
    return b


# ---------------------------------------------------------------- snapshot

def test_new_book_is_empty_and_not_synced():
    b = OrderBook()
    assert not b.is_synced
    assert b.snapshot_uid == 0 and b.last_diff_uid == 0
    assert math.isnan(b.best_bid) and math.isnan(b.best_ask)
    assert math.isnan(b.last_trade_price)
    assert b.bid_entries() == [] and b.ask_entries() == []
    b.check_integrity()


def test_snapshot_sets_both_uids_and_syncs(book):
    assert book.snapshot_uid == 10 and book.last_diff_uid == 10
    assert book.is_synced
    assert levels(book) == ([(100, 1), (99, 2), (98, 3)], [(101, 1), (102, 2), (103, 3)])
    assert book.best_bid == 100.0 and book.best_ask == 101.0
    book.check_integrity()


def test_snapshot_replaces_the_whole_book(book):
    book.apply_snapshot([["50", "1"]], [["60", "1"]], 20)
    assert levels(book) == ([(50, 1)], [(60, 1)])
    assert book.snapshot_uid == 20 and book.last_diff_uid == 20


def test_snapshot_accepts_unsorted_rows_and_keeps_last_duplicate():
    b = OrderBook()
    b.apply_snapshot([["98", "3"], ["100", "1"], ["99", "2"], ["100", "7"]],
                     [["103", "3"], ["101", "1"], ["102", "2"]], 1)
    assert levels(b) == ([(100, 7), (99, 2), (98, 3)], [(101, 1), (102, 2), (103, 3)])
    b.check_integrity()


def test_snapshot_in_ascending_order_is_accepted():
    b = OrderBook()
    b.apply_snapshot([["98", "3"], ["99", "2"], ["100", "1"]], [["103", "3"], ["102", "2"], ["101", "1"]], 1)
    assert levels(b) == ([(100, 1), (99, 2), (98, 3)], [(101, 1), (102, 2), (103, 3)])


def test_snapshot_skips_zero_amounts():
    b = OrderBook()
    b.apply_snapshot([["100", "0"], ["99", "2"]], [["101", "0.0"]], 1)
    assert levels(b) == ([(99, 2)], [])


def test_crossed_snapshot_drops_crossing_bids():
    b = OrderBook()
    b.apply_snapshot([["102", "1"], ["101", "1"], ["99", "1"]], [["100", "1"], ["103", "1"]], 5)
    assert levels(b) == ([(99, 1)], [(100, 1), (103, 1)])
    b.check_integrity()


# ---------------------------------------------------------------- sequencing

def test_diff_applied_updates_last_diff_uid(book):
    assert book.apply_diffs([["100", "5"]], [], 11) is DiffResult.APPLIED
    assert book.last_diff_uid == 11 and book.snapshot_uid == 10
    assert book.bid_entries()[0] == OrderBookRow(100.0, 5.0, 11)


def test_diff_amount_zero_deletes_level(book):
    book.apply_diffs([["100", "0"]], [["103", "0.000"]], 11)
    assert levels(book) == ([(99, 2), (98, 3)], [(101, 1), (102, 2)])


def test_deleting_a_missing_level_is_a_no_op(book):
    assert book.apply_diffs([["97.5", "0"]], [], 11) is DiffResult.APPLIED
    assert levels(book)[0] == [(100, 1), (99, 2), (98, 3)]


def test_diff_inserts_new_levels_in_order(book):
    book.apply_diffs([["99.5", "4"], ["97", "1"]], [["101.5", "2"], ["110", "1"]], 11)
    assert levels(book) == ([(100, 1), (99.5, 4), (99, 2), (98, 3), (97, 1)],
                            [(101, 1), (101.5, 2), (102, 2), (103, 3), (110, 1)])
    book.check_integrity()


def test_stale_diff_is_ignored(book):
    before = full_state(book)
    assert book.apply_diffs([["100", "0"]], [], 10) is DiffResult.STALE
    assert book.apply_diffs([["100", "0"]], [], 3) is DiffResult.STALE
    assert full_state(book) == before


def test_stale_diff_is_not_even_parsed(book):
    assert book.apply_diffs([["garbage", "1"]], [], 9) is DiffResult.STALE


def test_diff_with_gap_marks_book_unsynced(book):
    before = levels(book)
    assert book.apply_diffs([["100", "0"]], [], 20, first_update_id=12) is DiffResult.GAP
    assert not book.is_synced
    assert levels(book) == before
    assert book.last_diff_uid == 10


def test_diffs_after_gap_are_not_applied_until_snapshot(book):
    book.apply_diffs([], [], 20, first_update_id=12)
    assert book.apply_diffs([["100", "0"]], [], 21, first_update_id=21) is DiffResult.UNSYNCED
    assert book.apply_diffs([["100", "0"]], [], 11, first_update_id=11) is DiffResult.UNSYNCED
    assert levels(book)[0][0] == (100, 1)
    book.apply_snapshot(BIDS, ASKS, 30)
    assert book.is_synced
    assert book.apply_diffs([["100", "0"]], [], 31, first_update_id=31) is DiffResult.APPLIED


def test_contiguous_and_overlapping_first_update_ids_apply(book):
    assert book.apply_diffs([], [], 12, first_update_id=11) is DiffResult.APPLIED
    # Binance: the first event after a snapshot may start before it (U <= uid+1 <= u)
    assert book.apply_diffs([], [], 20, first_update_id=5) is DiffResult.APPLIED
    assert book.last_diff_uid == 20 and book.is_synced


def test_diff_without_first_update_id_never_gaps(book):
    assert book.apply_diffs([], [], 1000) is DiffResult.APPLIED


def test_diff_before_first_snapshot_is_unsynced():
    b = OrderBook()
    assert b.apply_diffs([["1", "1"]], [], 5) is DiffResult.UNSYNCED
    assert b.bid_entries() == []


def test_diff_results_are_cached_enum_members(book):
    r1 = book.apply_diffs([], [], 11)
    r2 = book.apply_diffs([], [], 12)
    assert r1 is r2 is DiffResult.APPLIED
    assert int(DiffResult.APPLIED) == 1


# ---------------------------------------------------------------- crossed book

def test_crossing_bid_removes_older_asks(book):
    book.apply_diffs([["102", "5"]], [], 11)
    assert levels(book) == ([(102, 5), (100, 1), (99, 2), (98, 3)], [(103, 3)])
    book.check_integrity()


def test_crossing_ask_removes_older_bids(book):
    book.apply_diffs([], [["99", "1"]], 11)
    assert levels(book) == ([(98, 3)], [(99, 1), (101, 1), (102, 2), (103, 3)])
    book.check_integrity()


def test_crossing_within_one_diff_drops_the_bid_on_a_tie(book):
    book.apply_diffs([["101", "1"]], [["101", "2"]], 11)
    assert book.best_bid == 100 and book.best_ask == 101
    assert book.ask_entries()[0].amount == 2


def test_dex_book_keeps_the_larger_notional():
    b = OrderBook(dex=True)
    b.apply_snapshot(BIDS, ASKS, 10)
    b.apply_diffs([["102", "0.1"]], [], 11)     # 10.2 notional loses to ask 101 x 1
    assert b.best_bid == 100 and b.best_ask == 101
    b.apply_diffs([["101.5", "10"]], [], 12)    # 1015 beats ask 101 x 1
    assert b.best_bid == 101.5 and b.best_ask == 102
    b.apply_diffs([], [["101", "50"]], 13)      # 5050 beats bid 101.5 x 10
    assert b.best_bid == 100 and b.best_ask == 101
    assert b.dex
    b.check_integrity()


# ---------------------------------------------------------------- bad rows

BAD_ROWS = [
    ([["100", "-1"]], "amount"),
    ([["100", "nan"]], "decimal"),
    ([["100", float("nan")]], "amount"),
    ([["100", float("inf")]], "amount"),
    ([["100", "1e999"]], "amount"),
    ([["0", "1"]], "price"),
    ([["-5", "1"]], "price"),
    ([[float("nan"), "1"]], "price"),
    ([["inf", "1"]], "decimal"),
    ([["abc", "1"]], "decimal"),
    ([["", "1"]], "decimal"),
    ([["1.2.3", "1"]], "decimal"),
    ([["1-2", "1"]], "decimal"),
    ([["+-1", "1"]], "decimal"),
    ([[" 1", "1"]], "decimal"),
    ([["1_0", "1"]], "decimal"),
    ([["1e", "1"]], "decimal"),
    ([["\u0661", "1"]], "decimal"),   # arabic-indic digit: float() accepts it, exchanges never send it
    ([["100"]], "expected"),
    ([[]], "expected"),
    (["100"], "expected"),
    ([100], "expected"),
    ([[None, "1"]], "unsupported type"),
    ([[True, "1"]], "unsupported type"),
    ([[object(), "1"]], "unsupported type"),
    ([[Decimal("NaN"), "1"]], "decimal"),
    ([[Decimal("Infinity"), "1"]], "decimal"),
]


@pytest.mark.parametrize("rows,reason", BAD_ROWS)
def test_bad_row_raises_value_error_naming_row(book, rows, reason):
    with pytest.raises(ValueError, match=reason):
        book.apply_diffs([["100", "9"], ["99", "9"], ["98", "9"]] + rows, [], 11)


@pytest.mark.parametrize("rows,reason", BAD_ROWS)
def test_bad_row_leaves_book_unchanged(book, rows, reason):
    before = full_state(book)
    with pytest.raises(ValueError) as info:
        book.apply_diffs([["100", "9"], ["99", "9"], ["98", "9"]], [["101", "5"]] + rows, 11)
    assert "row 1 of asks" in str(info.value)
    assert full_state(book) == before
    with pytest.raises(ValueError, match="row 3 of bids"):
        book.apply_snapshot([["100", "9"], ["99", "9"], ["98", "9"]] + rows, [], 11)
    assert full_state(book) == before
    book.check_integrity()


def test_bad_container_raises_value_error(book):
    before = full_state(book)
    for rows in (None, "100,1", {"100": "1"}, b"xx"):
        with pytest.raises(ValueError, match="bids"):
            book.apply_diffs(rows, [], 11)
    with pytest.raises(TypeError):
        book.apply_diffs(42, [], 11)
    assert full_state(book) == before


def test_bad_numpy_array_raises_value_error(book):
    before = full_state(book)
    with pytest.raises(ValueError, match="float64"):
        book.apply_diffs(np.array([[100, 1]], dtype=np.int64), [], 11)
    with pytest.raises(ValueError, match="shape"):
        book.apply_diffs(np.array([[100.0]]), [], 11)
    with pytest.raises(ValueError, match="row 1 of asks"):
        book.apply_diffs(np.empty((0, 2)), np.array([[101.0, 1.0], [102.0, -1.0]]), 11)
    assert full_state(book) == before


def test_update_id_must_be_an_int(book):
    with pytest.raises(TypeError):
        book.apply_diffs([], [], "12")


# ---------------------------------------------------------------- row shapes

def test_rows_as_floats_ints_decimals_bytes_and_order_book_rows():
    b = OrderBook()
    b.apply_snapshot([(100.0, 1.0), [99, 2], [Decimal("98"), Decimal("3")], [b"97", b"4"],
                      OrderBookRow(96.0, 5.0, 123)],
                     ((101, "1", "extra column ignored"),), 1)
    assert levels(b) == ([(100, 1), (99, 2), (98, 3), (97, 4), (96, 5)], [(101, 1)])
    assert all(r.update_id == 1 for r in b.bid_entries())


def test_str_subclasses_parse_like_str():
    class Price(str):
        pass
    b = OrderBook()
    b.apply_snapshot([[Price("100.50"), Price("2")]], [], 1)
    assert levels(b) == ([(100.5, 2)], [])
    with pytest.raises(ValueError, match="not a decimal number"):
        b.apply_diffs([[Price("1\u00e9"), "1"]], [], 2)
    with pytest.raises(ValueError, match="not a decimal number"):
        b.apply_diffs([["\ud800", "1"]], [], 2)


def test_rows_from_any_iterable():
    b = OrderBook()
    b.apply_snapshot(iter([["100", "1"]]), (r for r in [["101", "1"]]), 1)
    assert levels(b) == ([(100, 1)], [(101, 1)])


def test_numpy_rows_two_and_three_columns():
    b = OrderBook()
    b.apply_snapshot(np.array([[100.0, 1.0], [99.0, 2.0]]), np.array([[101.0, 1.0, 7.0]]), 5)
    assert levels(b) == ([(100, 1), (99, 2)], [(101, 1)])
    # non-contiguous views work too
    wide = np.array([[98.0, 0.0, 3.0, 0.0]])
    b.apply_diffs(wide[:, ::2], np.empty((0, 2)), 6)
    assert levels(b)[0][-1] == (98, 3)


def test_numpy_aliases_take_update_id_from_column_three():
    b = OrderBook()
    b.apply_numpy_snapshot(np.array([[100.0, 1.0, 4.0]]), np.array([[101.0, 1.0, 5.0]]))
    assert b.snapshot_uid == 5
    assert b.apply_numpy_diffs(np.array([[100.0, 2.0, 6.0]]), np.empty((0, 3))) is DiffResult.APPLIED
    assert b.last_diff_uid == 6 and b.best_bid == 100
    assert b.apply_numpy_diffs(np.empty((0, 2)), np.empty((0, 2)), 9, 7) is DiffResult.APPLIED
    with pytest.raises(ValueError, match="update_id"):
        b.apply_numpy_diffs(np.empty((0, 2)), np.empty((0, 2)))


# ---------------------------------------------------------------- exact price keys

@pytest.mark.parametrize("spellings", [
    ["0.3", "0.30", "0.300000", "3e-1", "30E-2", 0.3, Decimal("0.3"), Decimal("0.30"), b"0.3", "+0.3", ".3"],
    ["30000.01", "30000.010", "3000001e-2", 30000.01, Decimal("30000.01"), "30000.0100000000000000000000"],
    ["0.00000123", "0.000001230", "1.23e-6", 0.00000123, Decimal("0.00000123")],
    ["0.0000000001", "1e-10", "1E-10", 1e-10, Decimal("1E-10")],
    ["0.000000000001", "1e-12", 1e-12],
    ["1000000000000", "1e12", "1000000000000.0", 1e12, 10**12, Decimal("1E+12")],
    ["3", "3.0", 3, 3.0, Decimal(3)],
])
def test_equal_prices_in_any_spelling_are_one_level(spellings):
    b = OrderBook()
    b.apply_snapshot([], [], 1)
    for uid, price in enumerate(spellings, start=2):
        b.apply_diffs([[price, str(uid)]], [], uid)
    entries = b.bid_entries()
    assert len(entries) == 1, entries
    assert entries[0].amount == len(spellings) + 1
    assert entries[0].price == float(str(spellings[0]))
    b.apply_diffs([[spellings[-1], "0"]], [], 1000)
    assert b.bid_entries() == []


@pytest.mark.parametrize("prices", [
    ["0.00000123", "0.00000124", "0.00000122"],              # 8 decimals
    ["0.0000000001", "0.0000000002", "0.0000000003"],        # 10 decimals
    ["1e-12", "2e-12", "1.5e-12"],                           # very small
    ["1000000000000", "1000000000000.01", "999999999999.99"],  # very large, cent ticks
    ["30000.01", "30000.02", "30000.00"],
])
def test_adjacent_ticks_are_distinct_levels(prices):
    b = OrderBook()
    b.apply_snapshot([[p, "1"] for p in prices], [], 1)
    assert len(b.bid_entries()) == len(prices)
    assert sorted(r.price for r in b.bid_entries()) == sorted(float(p) for p in prices)
    b.check_integrity()


# ---------------------------------------------------------------- trades, state, integrity

class Trade:
    def __init__(self, price, amount=1.0, timestamp=None):
        self.price = price
        self.amount = amount
        if timestamp is not None:
            self.timestamp = timestamp


def test_apply_trade_sets_price_and_notifies_tag_901(book):
    seen = []
    book.add_listener(OrderBook.ORDER_BOOK_TRADE_EVENT_TAG, seen.append)
    trade = Trade("100.5", timestamp=1700000000.5)
    book.apply_trade(trade)
    assert book.last_trade_price == 100.5
    assert book.last_applied_trade == 1700000000.5
    assert seen == [trade]
    assert OrderBook.ORDER_BOOK_TRADE_EVENT_TAG == 901


def test_apply_trade_uses_injected_clock():
    b = OrderBook(clock=lambda: 42.0)
    b.apply_trade(Trade(Decimal("10"), timestamp=1.0))
    assert b.last_applied_trade == 42.0 and b.last_trade_price == 10.0


def test_apply_trade_without_timestamp_or_clock_records_nan():
    b = OrderBook()
    b.apply_trade(Trade(5.0))
    assert math.isnan(b.last_applied_trade)


def test_bad_trade_price_raises_and_changes_nothing(book):
    book.apply_trade(Trade(7.0, timestamp=1.0))
    for bad in ("x", -1, float("nan"), None):
        with pytest.raises(ValueError):
            book.apply_trade(Trade(bad, timestamp=2.0))
    assert book.last_trade_price == 7.0 and book.last_applied_trade == 1.0


def test_clock_must_be_callable():
    with pytest.raises(TypeError):
        OrderBook(clock=5)


def test_settable_trade_prices(book):
    book.last_trade_price = 123.0
    book.last_trade_price_rest_updated = 99.0
    assert book.last_trade_price == 123.0 and book.last_trade_price_rest_updated == 99.0


def test_restore_replays_only_newer_diffs_in_order():
    def diff(uid, bids, first=None):
        content = {"trading_pair": "BTC-USDT", "update_id": uid, "bids": bids, "asks": []}
        if first is not None:
            content["first_update_id"] = first
        return OrderBookMessage(OrderBookMessageType.DIFF, content, 1.0)
    snapshot = OrderBookMessage(OrderBookMessageType.SNAPSHOT,
                                {"trading_pair": "BTC-USDT", "update_id": 10, "bids": BIDS, "asks": ASKS}, 1.0)
    diffs = [diff(5, [["100", "0"]]),          # stale: W-1 would delete the 100 level
             diff(12, [["99", "7"]], first=12),
             diff(10, [["98", "0"]]),          # equal to the snapshot: already in it
             diff(11, [["99", "4"], ["97", "1"]], first=11)]
    b = OrderBook()
    b.restore_from_snapshot_and_diffs(snapshot, diffs)
    assert levels(b)[0] == [(100, 1), (99, 7), (98, 3), (97, 1)]
    assert b.snapshot_uid == 10 and b.last_diff_uid == 12 and b.is_synced


def test_restore_detects_a_gap_in_the_replayed_diffs():
    snapshot = OrderBookMessage(OrderBookMessageType.SNAPSHOT, {"update_id": 10, "bids": BIDS, "asks": ASKS})
    late = OrderBookMessage(OrderBookMessageType.DIFF,
                            {"update_id": 20, "first_update_id": 15, "bids": [["100", "0"]], "asks": []})
    b = OrderBook()
    b.restore_from_snapshot_and_diffs(snapshot, [late])
    assert not b.is_synced and b.best_bid == 100


def test_check_integrity_passes_on_a_busy_book(book):
    for uid in range(11, 200):
        p = 95 + (uid * 7) % 11
        book.apply_diffs([[str(p), str(uid % 3)]], [[str(p + 0.5), str(uid % 4)]], uid)
        book.check_integrity()


def test_repr_and_counts(book):
    assert "bids=3" in repr(book) and "asks=3" in repr(book)
    assert book.bid_level_count == 3 and book.ask_level_count == 3


# ---------------------------------------------------------------- memory

def test_5000x2_book_is_under_one_megabyte():
    import sys
    b = OrderBook()
    bids = [[f"{30000 - 0.01 * (i + 1):.2f}", "1.5"] for i in range(5000)]
    asks = [[f"{30000 + 0.01 * i:.2f}", "1.5"] for i in range(5000)]
    b.apply_snapshot(bids, asks, 1)
    assert b.bid_level_count == 5000
    assert sys.getsizeof(b) < 1_000_000
    assert sys.getsizeof(b) >= 10000 * 24      # it does count the level arrays


def test_capacity_stays_bounded_under_many_near_top_diffs():
    import random
    rng = random.Random(7)
    b = OrderBook()
    b.apply_snapshot([[30000 - 0.01 * (i + 1), 1.0] for i in range(1000)],
                     [[30000 + 0.01 * i, 1.0] for i in range(1000)], 1)
    peak = 0
    rows = [([[round(30000 - 0.01 * (1 + int(rng.expovariate(0.2))), 2), rng.choice((0.0, 1.0, 2.0))]],
             [[round(30000 + 0.01 * int(rng.expovariate(0.2)), 2), rng.choice((0.0, 1.0, 2.0))]])
            for _ in range(2000)]
    for uid in range(2, 300_002):
        bids, asks = rows[uid % 2000]
        b.apply_diffs(bids, asks, uid)
        if uid % 10000 == 0:
            peak = max(peak, b.__sizeof__())
            cb, ca = b.capacity
            assert cb <= 4 * b.bid_level_count + 16 and ca <= 4 * b.ask_level_count + 16
    assert peak < 200_000
    b.check_integrity()


def test_memory_is_given_back_after_a_big_snapshot():
    b = OrderBook()
    b.apply_snapshot([[1 + i, 1.0] for i in range(50_000)], [], 1)
    big = b.__sizeof__()
    b.apply_snapshot([[1.0, 1.0]], [[2.0, 1.0]], 2)
    assert b.__sizeof__() < big // 100
