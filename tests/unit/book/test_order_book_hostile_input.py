"""The compiled order book under hostile input: hostile rows,
re-entrant calls, update ids, stale snapshots, one row parser for messages
and the book; the chained-ids sequencing rule (``prev_update_id``, Binance USDⓈ-M); the
forced snapshot and ``mark_unsynced``.

Whatever a row or an id does, the book either applies a consistent message
or raises and stays exactly as it was (docs/contracts.md, Contract 1)."""
import math
from decimal import Decimal

import numpy as np
import pytest

from hummingbot_conn.core.order_book import DiffResult, OrderBook
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType

APPLIED, STALE, GAP, UNSYNCED = DiffResult.APPLIED, DiffResult.STALE, DiffResult.GAP, DiffResult.UNSYNCED


def state(book):
    return (book.bid_entries(), book.ask_entries(), book.snapshot_uid, book.last_diff_uid, book.is_synced,
            book.best_bid, book.best_ask)


def same_state(a, b):
    # NaN best prices compare unequal to themselves
    return repr(a) == repr(b)


@pytest.fixture
def book():
    b = OrderBook()
    b.apply_snapshot([["100", "1"], ["99", "2"]], [["101", "1"], ["102", "2"]], 10)
    return b


# ---------------------------------------------------------------- hostile rows

class ShrinkingDecimal(Decimal):
    """__str__ empties the rows list it sits in (used to segfault the parse)."""
    rows = None

    def __str__(self):
        if ShrinkingDecimal.rows is not None:
            ShrinkingDecimal.rows.clear()
        return super().__str__()


class RaisingDecimal(Decimal):
    def __str__(self):
        raise RuntimeError("boom")

    def __float__(self):
        raise RuntimeError("boom")


def test_a_decimal_subclass_is_read_by_value_its_str_never_runs(book):
    rows = [["98", ShrinkingDecimal("3")], ["97", ShrinkingDecimal("4")]]
    ShrinkingDecimal.rows = rows
    try:
        assert book.apply_diffs(rows, [], 11) is APPLIED
    finally:
        ShrinkingDecimal.rows = None
    assert len(rows) == 2
    assert [(r.price, r.amount) for r in book.bid_entries()] == [(100, 1), (99, 2), (98, 3), (97, 4)]
    book.check_integrity()


def test_a_raising_decimal_subclass_is_still_its_value_never_garbage(book):
    # the helpers used to swallow the exception and store an uninitialised amount (6.9e-310)
    assert book.apply_diffs([["98", RaisingDecimal("0.5")]], [[RaisingDecimal("103"), "1"]], 11) is APPLIED
    assert book.bid_entries()[2].amount == 0.5 and book.ask_entries()[2].price == 103.0
    book.check_integrity()


def test_re_entrant_apply_during_a_parse_is_refused_and_nothing_changes(book):
    before = state(book)

    def rows():
        yield ["98", "1"]
        book.apply_diffs([["50", "1"]], [], 11)   # the same book, in the middle of the outer parse
        yield ["97", "1"]

    with pytest.raises(RuntimeError, match="applying another message"):
        book.apply_snapshot(rows(), [["101", "1"]], 20)
    assert same_state(state(book), before)
    with pytest.raises(RuntimeError, match="applying another message"):
        book.apply_diffs(rows(), [], 11)
    assert same_state(state(book), before)
    # the book still works afterwards
    assert book.apply_diffs([["98", "1"]], [], 11) is APPLIED
    book.check_integrity()


def test_re_entrant_snapshot_from_a_diff_is_refused(book):
    before = state(book)

    def rows():
        book.apply_snapshot([], [], 100)
        yield ["98", "1"]

    with pytest.raises(RuntimeError, match="apply_snapshot"):
        book.apply_diffs(rows(), [], 11)
    assert same_state(state(book), before)


def test_an_exception_from_the_rows_iterable_propagates_book_unchanged(book):
    before = state(book)

    def rows():
        yield ["98", "1"]
        raise KeyError("from the iterable")

    with pytest.raises(KeyError):
        book.apply_diffs(rows(), [], 11)
    with pytest.raises(KeyError):
        book.apply_snapshot([["1", "1"]], rows(), 11)
    assert same_state(state(book), before)


def test_querying_the_book_from_a_row_iterable_is_fine(book):
    seen = []

    def rows():
        seen.append(book.best_bid)
        yield ["98", "1"]

    assert book.apply_diffs(rows(), [], 11) is APPLIED
    assert seen == [100.0]


# ---------------------------------------------------------------- update ids

@pytest.mark.parametrize("bad, exc", [
    (1.5, ValueError), (float("nan"), ValueError), (float("inf"), ValueError), (-1, ValueError),
    (2 ** 63, ValueError), (True, TypeError), (False, TypeError), (Decimal("3"), TypeError),
    ("3", TypeError), (None, TypeError), (3 + 0j, TypeError), ([3], TypeError),
])
def test_bad_update_ids_are_refused_naming_the_argument(book, bad, exc):
    before = state(book)
    with pytest.raises(exc, match="update_id"):
        book.apply_diffs([["98", "1"]], [], bad)
    with pytest.raises(exc, match="update_id"):
        book.apply_snapshot([["98", "1"]], [], bad)
    assert same_state(state(book), before)


@pytest.mark.parametrize("arg", ["first_update_id", "prev_update_id"])
@pytest.mark.parametrize("bad, exc", [
    (1.5, ValueError), (-2, ValueError), (True, TypeError), (Decimal("3"), TypeError), ("11", TypeError),
])
def test_bad_first_and_prev_ids_are_refused_naming_the_argument(book, arg, bad, exc):
    before = state(book)
    with pytest.raises(exc, match=arg):
        book.apply_diffs([["98", "1"]], [], 12, **{arg: bad})
    assert same_state(state(book), before)


def test_ids_that_contradict_each_other_are_refused(book):
    before = state(book)
    with pytest.raises(ValueError, match="first_update_id 13 > update_id 12"):
        book.apply_diffs([["98", "1"]], [], 12, first_update_id=13)
    with pytest.raises(ValueError, match="prev_update_id 12 >= update_id 12"):
        book.apply_diffs([["98", "1"]], [], 12, prev_update_id=12)
    assert same_state(state(book), before)


def test_integral_ids_of_other_types_are_accepted(book):
    assert book.apply_diffs([["98", "1"]], [], 11.0) is APPLIED
    assert book.apply_diffs([["97", "1"]], [], np.int64(12), first_update_id=np.int32(12)) is APPLIED
    assert book.last_diff_uid == 12 and type(book.last_diff_uid) is int
    assert book.apply_snapshot([["98", "1"]], [], np.uint64(20)) is APPLIED
    assert book.snapshot_uid == 20


class HostileIndex:
    """An id whose __index__ calls back into the book (it is not an Integral: refused)."""

    def __init__(self, book):
        self.book = book

    def __index__(self):
        self.book.apply_diffs([["1", "1"]], [], 99)
        return 11


def test_an_arbitrary_object_with_index_is_not_an_id(book):
    before = state(book)
    with pytest.raises(TypeError, match="update_id"):
        book.apply_diffs([["98", "1"]], [], HostileIndex(book))
    assert same_state(state(book), before)


# ---------------------------------------------------------------- stale snapshots

@pytest.mark.parametrize("with_first_ids", [True, False], ids=["first-ids", "no-first-ids"])
def test_a_snapshot_older_than_the_last_diff_is_refused(with_first_ids):
    book = OrderBook()
    kw = (lambda u: {"first_update_id": u}) if with_first_ids else (lambda u: {})
    book.apply_snapshot([["100", "1"], ["99", "1"]], [["101", "1"]], 10)
    assert book.apply_diffs([["100", "0"]], [], 11, **kw(11)) is APPLIED    # delete 100
    assert book.apply_diffs([["98", "5"]], [], 12, **kw(12)) is APPLIED     # add 98
    before = state(book)
    # a snapshot taken at 11 (older than the book): refused, book unchanged and still synced
    assert book.apply_snapshot([["99", "1"]], [["101", "1"]], 11) is STALE
    assert same_state(state(book), before) and book.is_synced
    # the next diff continues from the book's true state: 100 stays deleted, 98 stays
    assert book.apply_diffs([["97", "1"]], [], 13, **kw(13)) is APPLIED
    assert [r.price for r in book.bid_entries()] == [99, 98, 97]
    # a snapshot at exactly last_diff_uid, or newer, is applied
    assert book.apply_snapshot([["90", "1"]], [], 13) is APPLIED
    assert book.apply_snapshot([["91", "1"]], [], 14) is APPLIED
    assert [r.price for r in book.bid_entries()] == [91]
    book.check_integrity()


def test_a_stale_snapshot_leaves_an_unsynced_book_unsynced():
    book = OrderBook()
    book.apply_snapshot([["100", "1"]], [], 10)
    assert book.apply_diffs([["99", "1"]], [], 20, first_update_id=15) is GAP
    before = state(book)
    assert book.apply_snapshot([["100", "1"]], [], 9) is STALE
    assert same_state(state(book), before) and not book.is_synced
    assert book.apply_snapshot([["100", "1"]], [], 25) is APPLIED and book.is_synced


@pytest.mark.parametrize("synced", [True, False])
def test_a_forced_snapshot_replaces_the_book_whatever_its_ids(synced):
    # a book whose ids ran ahead of the venue's (a far-future id) or whose venue restarted
    # its ids from 0 can only be repaired by a snapshot older than last_diff_uid
    book = OrderBook()
    book.apply_snapshot([["100", "1"]], [["101", "1"]], 10)
    assert book.apply_diffs([["99", "1"]], [], 10**15, first_update_id=11) is APPLIED
    if not synced:
        book.mark_unsynced()
    assert book.apply_snapshot([["90", "1"]], [["91", "2"]], 7) is STALE         # not asked: refused
    assert book.apply_snapshot([["90", "1"]], [["91", "2"]], 7, force=True) is APPLIED
    assert (book.snapshot_uid, book.last_diff_uid, book.is_synced) == (7, 7, True)
    assert [tuple(r) for r in book.bid_entries()] == [(90.0, 1.0, 7)] and book.best_ask == 91.0
    assert book.apply_diffs([["90", "3"]], [], 8, first_update_id=8) is APPLIED
    assert book.apply_numpy_snapshot(np.array([[80.0, 1.0]]), np.empty((0, 2)), 2, force=True) is APPLIED
    assert book.last_diff_uid == 2 and book.best_bid == 80.0
    book.check_integrity()


def test_mark_unsynced_holds_every_diff_until_the_next_snapshot(book):
    before = state(book)
    book.mark_unsynced()
    assert not book.is_synced and book.bid_entries() == before[0] and book.last_diff_uid == 10
    assert book.apply_diffs([["100", "5"]], [], 11, first_update_id=11) is UNSYNCED
    assert book.apply_snapshot([["100", "2"]], [], 11) is APPLIED and book.is_synced

    def rows():
        book.mark_unsynced()
        yield ["98", "1"]

    with pytest.raises(RuntimeError, match="mark_unsynced"):       # not while a message is applied
        book.apply_diffs(rows(), [], 12)
    assert book.is_synced


def test_restore_replaces_a_book_that_ran_ahead():
    book = OrderBook()
    book.apply_snapshot([["100", "1"]], [], 2**63 - 1)            # a far-future snapshot froze it
    snapshot = OrderBookMessage(OrderBookMessageType.SNAPSHOT, {"update_id": 5, "bids": [["90", "1"]], "asks": []},
                                1.0)
    diffs = [OrderBookMessage(OrderBookMessageType.DIFF, {"update_id": 6, "first_update_id": 6,
                                                          "bids": [["89", "1"]], "asks": []}, 1.0)]
    book.restore_from_snapshot_and_diffs(snapshot, diffs)
    assert book.last_diff_uid == 6 and [r.price for r in book.bid_entries()] == [90.0, 89.0]


# ---------------------------------------------------------------- futures sequencing (pu)

def futures_book():
    book = OrderBook()
    book.apply_snapshot([["100", "1"]], [["101", "1"]], 100)
    return book


def test_futures_first_diff_must_straddle_the_snapshot_then_pu_chains():
    book = futures_book()
    # the first event after the snapshot: U <= 101 <= u, its pu is an earlier event
    assert book.apply_diffs([["99", "1"]], [], 105, first_update_id=95, prev_update_id=94) is APPLIED
    assert book.apply_diffs([["98", "1"]], [], 110, first_update_id=106, prev_update_id=105) is APPLIED
    assert book.apply_diffs([["97", "1"]], [], 120, first_update_id=111, prev_update_id=110) is APPLIED
    assert book.last_diff_uid == 120 and book.is_synced
    # ids in a futures stream are not contiguous: U may jump as long as pu chains
    assert book.apply_diffs([["96", "1"]], [], 140, first_update_id=135, prev_update_id=120) is APPLIED


def test_futures_pu_mismatch_is_a_gap_nothing_applied():
    book = futures_book()
    assert book.apply_diffs([["99", "1"]], [], 105, prev_update_id=99) is APPLIED
    before = state(book)
    assert book.apply_diffs([["98", "1"]], [], 112, first_update_id=106, prev_update_id=108) is GAP
    assert not book.is_synced
    assert book.bid_entries() == before[0] and book.last_diff_uid == before[3]
    assert book.apply_diffs([["98", "1"]], [], 115, prev_update_id=112) is UNSYNCED
    assert book.apply_snapshot([["100", "2"]], [], 113) is APPLIED
    assert book.apply_diffs([["98", "1"]], [], 115, prev_update_id=112) is APPLIED


def test_futures_first_diff_after_snapshot_that_does_not_reach_it_is_a_gap():
    book = futures_book()
    # pu 104 > snapshot 100: events 101..104 were missed
    assert book.apply_diffs([["99", "1"]], [], 110, prev_update_id=104) is GAP
    book = futures_book()
    assert book.apply_diffs([["99", "1"]], [], 110, first_update_id=103, prev_update_id=102) is GAP


def test_futures_stale_diff_is_stale_not_a_gap():
    book = futures_book()
    assert book.apply_diffs([["99", "1"]], [], 105, prev_update_id=99) is APPLIED
    assert book.apply_diffs([["98", "1"]], [], 105, prev_update_id=99) is STALE
    assert book.apply_diffs([["98", "1"]], [], 104, prev_update_id=90) is STALE
    assert book.is_synced


def test_futures_bad_rows_leave_the_book_and_sequence_unchanged():
    book = futures_book()
    before = state(book)
    with pytest.raises(ValueError, match="bad row 1 of bids"):
        book.apply_diffs([["99", "1"], ["98", "-1"]], [], 105, prev_update_id=99)
    assert same_state(state(book), before)
    assert book.apply_diffs([["99", "1"]], [], 105, prev_update_id=99) is APPLIED


def test_restore_replays_futures_diffs_with_their_pu():
    def msg(kind, content):
        return OrderBookMessage(kind, content, 1.0)

    snapshot = msg(OrderBookMessageType.SNAPSHOT, {"update_id": 100, "bids": [["100", "1"]], "asks": []})
    diffs = [msg(OrderBookMessageType.DIFF, {"update_id": 105, "first_update_id": 98, "prev_update_id": 97,
                                             "bids": [["99", "1"]], "asks": []}),
             msg(OrderBookMessageType.DIFF, {"update_id": 110, "first_update_id": 107, "prev_update_id": 106,
                                             "bids": [["98", "1"]], "asks": []})]
    book = OrderBook()
    book.restore_from_snapshot_and_diffs(snapshot, diffs)
    assert not book.is_synced and book.last_diff_uid == 105     # 110's pu 106 != 105


# ---------------------------------------------------------------- messages: one row parser

def diff(bids, asks=(), **content):
    return OrderBookMessage(OrderBookMessageType.DIFF, {"update_id": 5, "bids": list(bids), "asks": list(asks),
                                                        **content}, 1.0)


@pytest.mark.parametrize("row", [["inf", "1"], ["1", "-2"], ["+1_0.5", "1"], ["１", "1"], [" 1", "1"],
                                 ["nan", "1"], [10 ** 400, "1"], [True, "1"], [None, "1"], ["1"], "12",
                                 [float("inf"), 1], [1, float("nan")]])
def test_message_rows_refuse_what_the_book_refuses(row):
    message = diff([row])
    with pytest.raises(ValueError, match="bad row 0 of bids") as exc_info:
        message.bids
    book = OrderBook()
    book.apply_snapshot([], [], 1)
    with pytest.raises(ValueError) as book_exc:
        book.apply_diffs([row], [], 5)
    assert str(exc_info.value) == str(book_exc.value)


def test_message_rows_parse_like_the_book():
    message = diff([["100.5", "1"], [Decimal("99"), 0], [98, "0.25"]], [(b"101", 2.5)])
    assert [tuple(r) for r in message.bids] == [(100.5, 1.0, 5), (99.0, 0.0, 5), (98.0, 0.25, 5)]
    assert [tuple(r) for r in message.asks] == [(101.0, 2.5, 5)]
    trade = OrderBookMessage(OrderBookMessageType.TRADE, {"trade_id": 1, "price": "1", "amount": "1"}, 1.0)
    with pytest.raises(ValueError, match="bids must be a list"):
        trade.bids


@pytest.mark.parametrize("ts", [float("nan"), float("inf"), -math.inf, True, False, "1", Decimal("1")])
def test_message_timestamps_must_be_finite_numbers(ts):
    with pytest.raises(ValueError, match="timestamp"):
        OrderBookMessage(OrderBookMessageType.DIFF, {"update_id": 1, "bids": [], "asks": []}, ts)


@pytest.mark.parametrize("content", [{"update_id": 2 ** 63}, {"update_id": -1}, {"update_id": 1.0},
                                     {"update_id": 5, "first_update_id": 6}, {"update_id": True}])
def test_message_ids_are_checked_with_value_error(content):
    with pytest.raises(ValueError):
        OrderBookMessage(OrderBookMessageType.DIFF, {"bids": [], "asks": [], **content}, 1.0)


def test_numpy_id_column_must_hold_integers():
    book = OrderBook()
    bids = np.array([[100.0, 1.0, 7.0]])
    assert book.apply_numpy_snapshot(bids, np.empty((0, 3))) is APPLIED and book.last_diff_uid == 7
    before = state(book)
    with pytest.raises(ValueError, match="update_id"):
        book.apply_numpy_diffs(np.array([[99.0, 1.0, 8.5]]), np.empty((0, 3)))
    assert same_state(state(book), before)


def test_diff_message_carries_the_futures_prev_update_id():
    msg = diff([], update_id=110, first_update_id=106, prev_update_id=105)
    assert (msg.update_id, msg.first_update_id, msg.prev_update_id) == (110, 106, 105)
    assert diff([]).prev_update_id == -1
    for bad in (110, 111, -1, 1.5, True, "105"):
        with pytest.raises(ValueError, match="prev_update_id"):
            diff([], update_id=110, prev_update_id=bad)
