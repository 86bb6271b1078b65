"""core/book_checksum: a venue's book checksum computed in C from the compiled book's top levels.

The classes of input closed (docs/contracts.md, Contract 1, "Depth and checksums"):
the published Kraken example book gives Kraken's published checksum; any book
at any precision gives what a plain Python rendering of the venue's rule gives
(Decimal text, '.' removed, leading zeros stripped, zlib's CRC-32); fewer levels
than the checksum depth, a price below one unit of the precision, a level too
large to render exactly and malformed arguments are each answered, never guessed.
"""
import zlib
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from hummingbot_conn.core.book_checksum import BookChecksum, ChecksumStyle, crc32, crc32_combine
from hummingbot_conn.core.order_book import OrderBook

# Kraken's worked example of its WebSocket v2 book checksum (docs/kraken_spot.md section 2):
# BTC/USD at price precision 1 and quantity precision 8
KRAKEN_BIDS = [("45283.5", "0.10000000"), ("45283.4", "1.54582015"), ("45282.1", "0.10000000"),
               ("45281.0", "0.10000000"), ("45280.3", "1.54592586"), ("45279.0", "0.07990000"),
               ("45277.6", "0.03310103"), ("45277.5", "0.30000000"), ("45277.3", "1.54602737"),
               ("45276.6", "0.15445238")]
KRAKEN_ASKS = [("45285.2", "0.00100000"), ("45286.4", "1.54571953"), ("45286.6", "1.54571109"),
               ("45289.6", "1.54560911"), ("45290.2", "0.15890660"), ("45291.8", "1.54553491"),
               ("45294.7", "0.04454749"), ("45296.1", "0.35380000"), ("45297.5", "0.09945542"),
               ("45299.5", "0.18772827")]
KRAKEN_CHECKSUM = 3310070434


def _kraken_text(asks, bids, levels=10):
    """The venue's rule in plain Python, on the decimal text of each level."""
    def part(text):
        return text.replace(".", "").lstrip("0")
    ordered = sorted(asks, key=lambda r: Decimal(r[0]))[:levels] + \
        sorted(bids, key=lambda r: -Decimal(r[0]))[:levels]
    return "".join(part(price) + part(qty) for price, qty in ordered)


def _book(bids, asks, **kwargs):
    book = OrderBook(**kwargs)
    book.apply_snapshot([list(r) for r in bids], [list(r) for r in asks], 1)
    return book


def test_kraken_published_example_gives_the_published_checksum():
    book = _book(KRAKEN_BIDS, KRAKEN_ASKS)
    checksum = BookChecksum(ChecksumStyle.KRAKEN, price_decimals=1, qty_decimals=8)
    assert checksum.render(book) == _kraken_text(KRAKEN_ASKS, KRAKEN_BIDS)
    assert checksum.render(book).startswith("452852100000452864154571953")
    assert checksum.compute(book) == KRAKEN_CHECKSUM
    assert checksum.matches(book, KRAKEN_CHECKSUM)
    assert not checksum.matches(book, KRAKEN_CHECKSUM + 1)


def test_a_changed_level_in_the_top_ten_changes_the_checksum_and_a_deeper_one_does_not():
    deeper_bid = [("45000.0", "3.00000000")]
    book = _book(KRAKEN_BIDS + deeper_bid, KRAKEN_ASKS)
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    assert checksum.matches(book, KRAKEN_CHECKSUM)           # the 11th bid is not checksummed
    book.apply_diffs([["45000.0", "4"]], [], 2)
    assert checksum.matches(book, KRAKEN_CHECKSUM)
    book.apply_diffs([["45279.0", "0.0799"]], [], 3)          # the same quantity spelt otherwise
    assert checksum.matches(book, KRAKEN_CHECKSUM)
    book.apply_diffs([["45279.0", "0.07990001"]], [], 4)
    assert not checksum.matches(book, KRAKEN_CHECKSUM)


def test_fewer_levels_than_the_checksum_depth_use_what_the_book_holds():
    book = _book(KRAKEN_BIDS[:3], KRAKEN_ASKS[:1])
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    text = _kraken_text(KRAKEN_ASKS[:1], KRAKEN_BIDS[:3])
    assert checksum.render(book) == text
    assert checksum.compute(book) == zlib.crc32(text.encode())
    assert BookChecksum(ChecksumStyle.KRAKEN, 1, 8).compute(OrderBook()) == 0     # CRC-32 of nothing


def test_levels_bounds_how_many_levels_per_side_are_checksummed():
    book = _book(KRAKEN_BIDS, KRAKEN_ASKS)
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8, levels=3)
    assert checksum.render(book) == _kraken_text(KRAKEN_ASKS, KRAKEN_BIDS, levels=3)


def test_a_value_below_one_unit_of_the_precision_renders_as_nothing():
    # "0.00" at 2 decimals is "000" without its point, and nothing once its leading zeros go
    book = _book([("0.001", "5")], [("2", "0.004")])
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 2, 2)
    assert checksum.render(book) == "200" + "" + "" + "500"


def test_a_level_too_large_to_render_exactly_is_an_error_not_a_guess():
    book = _book([("1", "100000000")], [("2", "1")])        # 1e8 at 8 decimals: 1e16 units > 2**51
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    with pytest.raises(OverflowError, match="cannot be rendered exactly"):
        checksum.compute(book)
    with pytest.raises(OverflowError):
        checksum.matches(book, 1)
    assert BookChecksum(ChecksumStyle.KRAKEN, 1, 6).compute(book) >= 0      # 1e14 units: fine


@pytest.mark.parametrize("kwargs, error", [
    (dict(style=99, price_decimals=1, qty_decimals=8), ValueError),
    (dict(style="KRAKEN", price_decimals=1, qty_decimals=8), ValueError),
    (dict(style=ChecksumStyle.KRAKEN, price_decimals=-1, qty_decimals=8), ValueError),
    (dict(style=ChecksumStyle.KRAKEN, price_decimals=1, qty_decimals=19), ValueError),
    (dict(style=ChecksumStyle.KRAKEN, price_decimals=1, qty_decimals=8, levels=0), ValueError),
    (dict(style=ChecksumStyle.KRAKEN, price_decimals=1, qty_decimals=8, levels=1001), ValueError),
    (dict(style=ChecksumStyle.KRAKEN, price_decimals=1.5, qty_decimals=8), TypeError),
])
def test_bad_arguments_are_refused(kwargs, error):
    with pytest.raises(error):
        BookChecksum(**kwargs)


@pytest.mark.parametrize("expected", ["3310070434", 3310070434.0, None, True])
def test_matches_takes_an_int_only(expected):
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    with pytest.raises(TypeError, match="a checksum is an int"):
        checksum.matches(_book(KRAKEN_BIDS, KRAKEN_ASKS), expected)


def test_matches_an_int_no_checksum_can_equal():
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    assert not checksum.matches(_book(KRAKEN_BIDS, KRAKEN_ASKS), 2**80)
    assert not checksum.matches(_book(KRAKEN_BIDS, KRAKEN_ASKS), -1)


def test_the_description_names_the_rendering():
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    assert (checksum.style, checksum.price_decimals, checksum.qty_decimals, checksum.levels) == \
        (ChecksumStyle.KRAKEN, 1, 8, 10)
    assert "KRAKEN" in repr(checksum)


@given(st.binary(max_size=2000))
def test_crc32_is_zlibs(data):
    assert crc32(data) == zlib.crc32(data)


def _decimal_text(units, decimals):
    return f"{Decimal(units).scaleb(-decimals):.{decimals}f}"


@settings(max_examples=300)
@given(st.integers(0, 8), st.integers(0, 10), st.integers(1, 25),
       st.lists(st.integers(1, 10**9), min_size=0, max_size=40, unique=True),
       st.lists(st.integers(1, 10**9), min_size=0, max_size=40, unique=True),
       st.data())
def test_any_book_gives_what_the_venues_rule_in_python_gives(price_decimals, qty_decimals, levels,
                                                             bid_units, ask_units, data):
    """Random books at random precisions against the rule done on decimal text with zlib."""
    qty = st.integers(1, 10**12)
    if ask_units and bid_units:
        # an uncrossed book: every ask above every bid
        shift = max(bid_units) + 1 - min(ask_units)
        ask_units = [u + max(0, shift) for u in ask_units]
    bids = [(_decimal_text(u, price_decimals), _decimal_text(data.draw(qty), qty_decimals)) for u in bid_units]
    asks = [(_decimal_text(u, price_decimals), _decimal_text(data.draw(qty), qty_decimals)) for u in ask_units]
    book = _book(bids, asks)
    checksum = BookChecksum(ChecksumStyle.KRAKEN, price_decimals, qty_decimals, levels)
    text = _kraken_text(asks, bids, levels)
    assert checksum.render(book) == text
    assert checksum.compute(book) == zlib.crc32(text.encode())
    assert checksum.matches(book, zlib.crc32(text.encode()))


def test_a_second_init_at_another_precision_renders_every_level_again():
    # the rendered texts are cached per level: texts rendered at the old precision must not survive
    # a re-initialisation (the class of input closed: a rendering cache outliving its precision)
    book = _book(KRAKEN_BIDS, KRAKEN_ASKS)
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    assert checksum.compute(book) == KRAKEN_CHECKSUM
    checksum.__init__(ChecksumStyle.KRAKEN, 2, 8)
    fresh = BookChecksum(ChecksumStyle.KRAKEN, 2, 8)
    assert checksum.render(book) == fresh.render(book)
    assert checksum.compute(book) == fresh.compute(book) != KRAKEN_CHECKSUM


@settings(max_examples=200)
@given(st.integers(0, 4), st.integers(1, 12),
       st.lists(st.tuples(st.booleans(), st.integers(1, 60), st.integers(0, 5)), min_size=1, max_size=40))
def test_one_rendering_across_a_book_changing_a_few_levels_at_a_time_gives_the_rule_every_time(
        qty_decimals, levels, changes):
    """The CRC kept after each level of the last text is reused only while the levels are the same
    (the class of input closed: a kept CRC outliving a level it covered, whatever changes where:
    an insert shifting every later level, a delete, a resize, the other side, one book then another)."""
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, qty_decimals, levels)
    other = BookChecksum(ChecksumStyle.KRAKEN, 1, qty_decimals, levels)
    bids = dict.fromkeys(range(1, 20), 1)
    asks = dict.fromkeys(range(40, 60), 2)
    for is_bid, unit, qty in changes:
        side = bids if is_bid else asks
        side_unit = unit if is_bid else unit + 39      # bids below 61, asks from 40 (a crossed price uncrosses)
        if qty:
            side[side_unit] = qty
        else:
            side.pop(side_unit, None)
        rows = lambda d: [(_decimal_text(u, 1), _decimal_text(q, qty_decimals)) for u, q in d.items()]  # noqa: E731
        book = _book(rows(bids), rows(asks))
        # the book as it really is (it resolves a crossed price) in the rule's text, each time
        text = checksum.render(book)
        assert text == other.render(book)
        assert checksum.compute(book) == zlib.crc32(text.encode()) == other.compute(book)
        fresh = BookChecksum(ChecksumStyle.KRAKEN, 1, qty_decimals, levels)
        assert checksum.compute(book) == fresh.compute(book)


def test_a_level_that_cannot_be_rendered_leaves_the_kept_prefix_right():
    book = _book(KRAKEN_BIDS, KRAKEN_ASKS)
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 1, 8)
    assert checksum.compute(book) == KRAKEN_CHECKSUM
    book.apply_diffs([("45280.3", "1e20")], [], 10**6)          # a bid too large to render mid-text
    with pytest.raises(OverflowError):
        checksum.compute(book)
    book.apply_diffs([("45280.3", "1.54592586")], [], 10**6 + 1)
    assert checksum.compute(book) == KRAKEN_CHECKSUM


@settings(max_examples=200)
@given(st.binary(max_size=64), st.binary(max_size=64), st.sampled_from([0, 1, 7, 4095, 4096, 10000]))
def test_crc32_combine_is_zlibs_rule_for_any_two_texts(a, b, padding):
    # the two sides' CRCs are combined this way; lengths past the shift table's take its loop
    b = b + b"\x00" * padding
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    with pytest.raises(ValueError):
        crc32_combine(0, 0, -1)


@settings(max_examples=200)
@given(st.integers(1, 15),
       st.lists(st.tuples(st.booleans(), st.integers(1, 40), st.integers(0, 10**12)), min_size=1, max_size=60))
def test_one_book_changed_in_place_keeps_the_rule_with_texts_of_any_length(levels, changes):
    """The kept text, its level offsets and the CRC state of its 8-byte blocks are reused only up to
    the first level that changed (the class of input closed: a kept prefix or block state outliving a
    level whose text changed length, moving every later level across the block boundaries)."""
    checksum = BookChecksum(ChecksumStyle.KRAKEN, 8, 8, levels)
    # levels at even units, changes at any: inserts and deletes shift the later levels' texts
    # (prices whose texts differ from their first digit on: 1234567, 2469134, ...)
    book = _book([(_decimal_text(u * 1234567, 8), "1") for u in range(2, 40, 2)],
                 [(_decimal_text(10**11 + u * 1234567, 8), "2") for u in range(2, 40, 2)])
    for uid, (is_bid, unit, qty) in enumerate(changes, start=2):
        price = _decimal_text((0 if is_bid else 10**11) + unit * 1234567, 8)
        row = [(price, _decimal_text(qty, 8))]
        book.apply_diffs(row if is_bid else [], [] if is_bid else row, uid)
        text = checksum.render(book)
        assert checksum.compute(book) == zlib.crc32(text.encode())
        assert checksum.compute(book) == BookChecksum(ChecksumStyle.KRAKEN, 8, 8, levels).compute(book)
