"""OrderBook.depth_limit: a book of a venue's subscribed depth drops what an insert pushes out of it.

A venue streaming a book of fixed depth (Kraken's ``depth`` subscription,
docs/kraken_spot.md section 1) sends no delete for a level pushed out of that depth, so
the book truncates each side after every message (docs/contracts.md,
Contract 1, "Depth and checksums").  Classes of input closed: a snapshot
deeper than the limit, an insert above the worst level (the worst goes), an
insert below it (never enters), a delete at the top after a truncation (the
dropped level is not resurrected: the venue sends the level coming into
range), the limit set on a full book, and bad limits.
"""
import pytest

from hummingbot_conn.core.book_checksum import BookChecksum, ChecksumStyle
from hummingbot_conn.core.order_book import DiffResult, OrderBook


def _levels(book):
    return ([(r.price, r.amount) for r in book.bid_entries()], [(r.price, r.amount) for r in book.ask_entries()])


def _rows(prices):
    return [[str(p), "1"] for p in prices]


def test_a_snapshot_deeper_than_the_limit_keeps_the_best_levels_of_each_side():
    book = OrderBook(depth_limit=3)
    book.apply_snapshot(_rows([99, 98, 97, 96, 95]), _rows([101, 102, 103, 104]), 7)
    assert _levels(book) == ([(99.0, 1.0), (98.0, 1.0), (97.0, 1.0)], [(101.0, 1.0), (102.0, 1.0), (103.0, 1.0)])
    assert (book.bid_level_count, book.ask_level_count) == (3, 3)
    book.check_integrity()


def test_an_insert_inside_the_depth_pushes_the_worst_level_out_without_a_delete():
    book = OrderBook(depth_limit=3)
    book.apply_snapshot(_rows([99, 98, 97]), _rows([101, 102, 103]), 1)
    assert book.apply_diffs([["98.5", "2"]], [["100.5", "2"]], 2) is DiffResult.APPLIED
    bids, asks = _levels(book)
    assert [p for p, _ in bids] == [99.0, 98.5, 98.0] and [p for p, _ in asks] == [100.5, 101.0, 102.0]


def test_an_insert_below_the_worst_level_never_enters_the_book():
    book = OrderBook(depth_limit=2)
    book.apply_snapshot(_rows([99, 98]), _rows([101, 102]), 1)
    book.apply_diffs([["90", "5"]], [["110", "5"]], 2)
    assert _levels(book) == ([(99.0, 1.0), (98.0, 1.0)], [(101.0, 1.0), (102.0, 1.0)])


def test_a_level_dropped_by_the_limit_stays_dropped_until_the_venue_sends_it_again():
    book = OrderBook(depth_limit=2)
    book.apply_snapshot(_rows([99, 98]), _rows([101]), 1)
    book.apply_diffs([["99.5", "1"]], [], 2)           # 98 goes out of range
    book.apply_diffs([["99.5", "0"]], [], 3)           # the top goes: the book has one bid left
    assert _levels(book)[0] == [(99.0, 1.0)]
    book.apply_diffs([["98", "1"]], [], 4)             # the venue sends the level that comes into range
    assert _levels(book)[0] == [(99.0, 1.0), (98.0, 1.0)]


def test_setting_the_limit_truncates_at_once_and_zero_lifts_it():
    book = OrderBook()
    book.apply_snapshot(_rows(range(99, 49, -1)), _rows(range(101, 151)), 1)
    assert book.depth_limit == 0 and book.bid_level_count == 50
    book.depth_limit = 10
    assert (book.bid_level_count, book.ask_level_count) == (10, 10)
    assert book.best_bid == 99.0 and book.best_ask == 101.0
    assert book.capacity[0] < 64           # the memory of the dropped levels is given back
    book.depth_limit = 0
    book.apply_diffs(_rows(range(80, 60, -1)), [], 2)
    assert book.bid_level_count == 30
    book.check_integrity()


def test_a_crossing_diff_is_uncrossed_before_the_book_is_truncated():
    # a diff adds a bid at 97 and a newer ask at 99 that crosses the bid at 99: the older bid goes
    # first, then each side keeps its two best, so the new 97 survives (truncating first would
    # have dropped it and left one bid)
    book = OrderBook(depth_limit=2)
    book.apply_snapshot(_rows([99, 98]), _rows([101]), 1)
    book.apply_diffs([["97", "1"]], [["99", "1"]], 2)
    assert _levels(book) == ([(98.0, 1.0), (97.0, 1.0)], [(99.0, 1.0), (101.0, 1.0)])
    book.check_integrity()


@pytest.mark.parametrize("value, error", [(-1, ValueError), (True, TypeError), (2.0, TypeError),
                                          ("10", TypeError), (None, TypeError)])
def test_a_bad_limit_is_refused_and_the_book_unchanged(value, error):
    book = OrderBook(depth_limit=5)
    book.apply_snapshot(_rows([99, 98]), _rows([101]), 1)
    with pytest.raises(error):
        book.depth_limit = value
    with pytest.raises(error):
        OrderBook(depth_limit=value)
    assert book.depth_limit == 5 and book.bid_level_count == 2


def test_a_huge_limit_is_no_limit_in_practice():
    book = OrderBook(depth_limit=2**80)
    book.apply_snapshot(_rows([99, 98]), _rows([101]), 1)
    assert book.bid_level_count == 2


def test_kraken_depth_ten_stream_keeps_its_checksum():
    """A depth-10 book that takes an insert inside the top ten checksums like the venue's,
    whose book dropped its 11th level without telling (docs/kraken_spot.md section 1)."""
    bids = [[f"{100 - i}.0", "1.00000000"] for i in range(10)]
    asks = [[f"{101 + i}.0", "1.00000000"] for i in range(10)]
    book = OrderBook(depth_limit=10)
    book.apply_snapshot(bids, asks, 1)
    book.apply_diffs([["99.5", "2.00000000"]], [], 2)
    venue = sorted(bids + [["99.5", "2.00000000"]], key=lambda r: -float(r[0]))[:10]
    reference = OrderBook()
    reference.apply_snapshot(venue, asks, 1)
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    assert checksum.compute(book) == checksum.compute(reference)
    unlimited = OrderBook()
    unlimited.apply_snapshot(bids, asks, 1)
    unlimited.apply_diffs([["99.5", "2.00000000"]], [], 2)
    assert unlimited.bid_level_count == 11 and book.bid_level_count == 10
