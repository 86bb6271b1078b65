"""The frame path's fast paths give exactly what the general paths give.

* ``_binance_depth``'s one-pass decimal rows: the same double as ``float()`` of the text (the
  JSON path's ``parse_decimal``) at every edge of the fast case (digit count, mantissa of 2**53,
  22 fraction digits), and the general path for the rest;
* ``DepthRows`` keeps its first 16 rows in the object and moves to the heap past them;
* ``OrderBook`` reads float64 buffers directly (no typed memoryview): any strides, a reversed or
  column-sliced view, and the same refusals (dtype, byte order, dimensions, columns).
"""
import numpy as np
import pytest

from hummingbot_conn.core.order_book import DiffResult, OrderBook
from hummingbot_conn.exchanges.binance._binance_depth import parse_depth_update


def _frame(bid_rows, ask_rows="[]"):
    return f'{{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":11,"u":12,"b":{bid_rows},"a":{ask_rows}}}'


@pytest.mark.parametrize("text", [
    "0", "7", "5.", ".5", "0.0", "0.00000000", "000123.4500", "29999.99", "0.00150000",
    "9" * 15, "9" * 16, "9" * 19, "9" * 20, "1" + "0" * 18, "1" + "0" * 19,
    str(2**53), str(2**53 + 1), str(2**53 - 1) + ".0", "0." + "0" * 21 + "1", "0." + "0" * 22 + "1",
    "0." + "1" * 17, "0." + "1" * 18, "1." + "0" * 17, "123456789.123456789",
    "1e5", "1E-3", "+1", "-1", "-0", "00012", "1" + "0" * 30 + ".5",
])
def test_one_pass_decimals_are_float_of_the_text(text):
    parsed = parse_depth_update(_frame(f'[["{text}","{text}"]]'))
    assert parsed is not None
    price, amount = parsed[3][0]
    assert price == float(text) and amount == float(text)
    assert repr(price) == repr(float(text))       # the same double, sign of zero included


@pytest.mark.parametrize("text", ["", ".", "-", "1.2.3", "1e", "nan", "0x10", "1_000", " 1", "1 "])
def test_what_is_no_decimal_still_steps_aside(text):
    assert parse_depth_update(_frame(f'[["{text}","1"]]')) is None


@pytest.mark.parametrize("count", [0, 1, 15, 16, 17, 33, 1000])
def test_depth_rows_past_the_inline_rows(count):
    rows = [[f"{100 + i}.5", f"{i}.25"] for i in range(count)]
    text = "[" + ",".join(f'["{p}","{a}"]' for p, a in rows) + "]"
    _, _, _, bids, asks = parse_depth_update(_frame(text, text))
    expected = [[float(p), float(a)] for p, a in rows]
    assert bids.tolist() == expected and asks.tolist() == expected and len(bids) == count
    view = np.asarray(bids)
    assert view.shape == (count, 2) and view.tolist() == expected


def _book():
    book = OrderBook()
    book.apply_snapshot([["99", "1"], ["98", "1"]], [["101", "1"], ["102", "1"]], 10)
    return book


def _levels(book):
    return [(r.price, r.amount) for r in book.bid_entries()], [(r.price, r.amount) for r in book.ask_entries()]


def test_strided_reversed_and_column_sliced_arrays_are_read_in_place():
    rows = np.array([[97.0, 2.0, 5.0], [96.5, 3.0, 6.0], [99.0, 0.0, 7.0]])
    for view in (rows, rows[:, :2], rows[::-1], np.asfortranarray(rows), rows[::2], rows[:, [0, 1]]):
        book = _book()
        assert book.apply_diffs(view, np.empty((0, 2)), 11) is DiffResult.APPLIED
        expected = _book()
        expected.apply_diffs([[float(p), float(a)] for p, a, *_ in view.tolist()], [], 11)
        assert _levels(book) == _levels(expected)
    # a view whose rows are not 8-byte aligned (a structured buffer sliced by a byte)
    raw = np.zeros(8 * 4 + 1, dtype=np.uint8)
    unaligned = np.ndarray((2, 2), dtype=np.float64, buffer=raw, offset=1)
    unaligned[:] = [[97.0, 1.5], [96.0, 2.5]]
    book = _book()
    assert book.apply_diffs(unaligned, [], 11) is DiffResult.APPLIED
    assert _levels(book)[0] == [(99.0, 1.0), (98.0, 1.0), (97.0, 1.5), (96.0, 2.5)]


@pytest.mark.parametrize("array, words", [
    (np.array([[97.0, 1.0]], dtype=np.float32), "float64"),
    (np.array([[97.0, 1.0]], dtype=">f8" if np.little_endian else "<f8"), "float64"),
    (np.array([[97, 1]], dtype=np.int64), "float64"),
    (np.array([97.0, 1.0]), "float64"),
    (np.array([[[97.0, 1.0]]]), "float64"),
    (np.array([[97.0]]), "(n, 2)"),
    (np.array([[97.0, -1.0]]), "amount"),
    (np.array([[np.nan, 1.0]]), "price"),
    (np.array([[np.inf, 1.0]]), "price"),
    (b"\x00" * 16, "list"),
    (memoryview(b"\x00" * 16), "float64"),
])
def test_arrays_the_book_refuses_change_nothing(array, words):
    book = _book()
    before = _levels(book)
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        book.apply_diffs(array, [], 11)
    assert _levels(book) == before and book.last_diff_uid == 10 and book.is_synced
    assert book.apply_diffs([], [[101.0, 0.0]], 11) is DiffResult.APPLIED      # and it still works


def test_symbols_come_from_the_cache_and_never_mix_up():
    def symbol_of(symbol):
        return parse_depth_update(f'{{"e":"depthUpdate","s":"{symbol}","U":1,"u":2,"b":[],"a":[]}}')[0]

    names = [f"S{i:04d}USDT" for i in range(2000)] + ["X" * 64, "Y" * 65, "BTCUSDT", "BTCUSDC", "A"]
    for _ in range(2):              # the second pass meets slots that other symbols took meanwhile
        assert [symbol_of(name) for name in names] == names
    assert symbol_of("BTCUSDT") is symbol_of("BTCUSDT")         # the same text, the same object


@pytest.mark.parametrize("text", [
    "12345678", "12345678.5", "1.23456789", "0.00000000", "0.00150000", "29999.99000000",
    "12345678.12345678", "1234567812345678", "123456781234567812", "1234567812345678123",
    "12345678901234567890", "1234567890.123456789", "0.1234567890123456789", "00000000.00000001",
    "99999999.99999999", str(2**53), str(2**53 + 2), "9007199.254740993", "5.", ".5", "0",
    "1234567a", "1234.5678", "12345678.", ".12345678", "1.2.3", ".", "", "12345678e2", "+12345678",
])
def test_book_text_rows_parse_like_float(text):
    # string rows take _decimal_parse.pxd's eight-digits-at-a-time path where digits run that long
    try:
        expected = float(text)
    except ValueError:
        expected = None
    book = OrderBook()
    if expected is None or not expected > 0:
        with pytest.raises(ValueError):
            book.apply_snapshot([[text, "1"]], [], 1)
        return
    book.apply_snapshot([[text, text]], [], 1)
    assert [(r.price, r.amount) for r in book.bid_entries()] == [(expected, expected)]
    assert repr(book.bid_entries()[0].price) == repr(expected)


def test_every_query_of_the_book_is_its_own_method():
    # OrderBook inherits its queries from BookLevels (core/book_levels.pyx); CPython 3.11 specialises
    # a call of a C method only when the instance's type is exactly the method's own, so each one is
    # OrderBook's own copy (an inherited get_price(True) was about a third slower)
    from hummingbot_conn.core.book_levels import BookLevels
    inherited = [name for name, descr in vars(BookLevels).items()
                 if not name.startswith("__") and type(descr).__name__ in ("method_descriptor", "getset_descriptor")]
    assert {"get_price", "get_vwap_for_volume", "depth", "best_bid", "mid_price"} <= set(inherited)
    for name in inherited:
        assert vars(OrderBook)[name].__objclass__ is OrderBook, name
    book = OrderBook()
    book.apply_snapshot([["100.5", "2"]], [["101", "1"]], 1)
    assert (book.get_price(True), book.get_price(False), book.best_bid, book.mid_price) == (101.0, 100.5, 100.5, 100.75)
    assert BookLevels.get_price(book, True) == 101.0        # the base's own descriptor still applies
    with pytest.raises(TypeError):
        vars(OrderBook)["get_price"](BookLevels(), True)    # a copy never applies to a bare BookLevels
