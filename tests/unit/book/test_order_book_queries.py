"""OrderBook queries: hummingbot's verified numbers (docs/weaknesses.md), its bugs fixed.

Book: bids 100x1, 99x2, 98x3 / asks 101x1, 102x2, 103x3.
"""
import math

import numpy as np
import pytest

from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.core.order_book_query_result import OrderBookQueryResult
from hummingbot_conn.core.order_book_row import OrderBookRow

NAN = float("nan")


def R(qp, qv, rp, rv):
    return OrderBookQueryResult(qp, qv, rp, rv)


@pytest.fixture
def book():
    b = OrderBook()
    b.apply_snapshot([["100", "1"], ["99", "2"], ["98", "3"]], [["101", "1"], ["102", "2"], ["103", "3"]], 10)
    return b


@pytest.fixture
def empty():
    b = OrderBook()
    b.apply_snapshot([], [], 1)
    return b


def test_get_price_buy_is_best_ask_sell_is_best_bid(book):
    assert book.get_price(True) == 101.0
    assert book.get_price(False) == 100.0


def test_get_price_on_empty_side_raises_environment_error(empty):
    for is_buy in (True, False):
        with pytest.raises(EnvironmentError, match="Order book is empty - no price quote is possible."):
            empty.get_price(is_buy)
    with pytest.raises(OSError):
        empty.get_price(True)


def test_best_mid_and_spread(book, empty):
    assert (book.best_bid, book.best_ask, book.mid_price, book.spread) == (100.0, 101.0, 100.5, 1.0)
    assert all(math.isnan(x) for x in (empty.best_bid, empty.best_ask, empty.mid_price, empty.spread))


def test_price_for_volume_matches_hummingbot(book):
    assert book.get_price_for_volume(True, 2.5) == R(NAN, 2.5, 102, 2.5)
    assert book.get_price_for_volume(True, 100) == R(NAN, 100, NAN, 6)
    assert book.get_price_for_volume(False, 3) == R(NAN, 3, 99, 3)
    assert book.get_price_for_volume(True, 0) == R(NAN, 0, 101, 0)


def test_vwap_for_volume_matches_hummingbot(book):
    r = book.get_vwap_for_volume(True, 2.5)
    assert r.result_price == pytest.approx(101.6) and r.result_volume == 2.5
    assert book.get_vwap_for_volume(True, 100) == R(NAN, 100, NAN, 6)
    assert book.get_vwap_for_volume(False, 3).result_price == pytest.approx((100 + 2 * 99) / 3)


def test_vwap_for_zero_volume_does_not_raise(book, empty):
    assert book.get_vwap_for_volume(True, 0) == R(NAN, 0, 101, 0)
    assert book.get_vwap_for_volume(False, 0) == R(NAN, 0, 100, 0)
    assert empty.get_vwap_for_volume(True, 0) == R(NAN, 0, NAN, 0)


def test_price_for_quote_volume_matches_hummingbot(book):
    assert book.get_price_for_quote_volume(True, 300) == R(NAN, 300, 102, 300)
    assert book.get_price_for_quote_volume(True, 10_000) == R(NAN, 10_000, NAN, 101 + 204 + 309)


def test_quote_volume_for_base_amount_signals_shortfall(book):
    assert book.get_quote_volume_for_base_amount(True, 2.5) == R(NAN, 2.5, 102, 254)
    # hummingbot returns rv 614 with a NaN price either way; here NaN means "ran out"
    assert book.get_quote_volume_for_base_amount(True, 100) == R(NAN, 100, NAN, 614)
    assert book.get_quote_volume_for_base_amount(False, 1) == R(NAN, 1, 100, 100)
    assert book.get_quote_volume_for_base_amount(True, 0) == R(NAN, 0, 101, 0)


def test_volume_for_price_matches_hummingbot(book):
    assert book.get_volume_for_price(True, 102) == R(102, NAN, 102, 3)
    assert book.get_volume_for_price(True, 100.5) == R(100.5, NAN, NAN, 0)
    assert book.get_volume_for_price(False, 99) == R(99, NAN, 99, 3)
    assert book.get_volume_for_price(False, 1) == R(1, NAN, 98, 6)


def test_quote_volume_for_price_is_in_quote_units(book):
    assert book.get_quote_volume_for_price(True, 102) == R(102, NAN, 102, 305)
    assert book.get_quote_volume_for_price(False, 99) == R(99, NAN, 99, 100 + 198)


@pytest.mark.parametrize("query", ["get_price_for_volume", "get_vwap_for_volume", "get_price_for_quote_volume",
                                   "get_quote_volume_for_base_amount"])
def test_negative_or_nan_query_volume_raises(book, query):
    for bad in (-1.0, NAN):
        with pytest.raises(ValueError):
            getattr(book, query)(True, bad)


def test_nan_query_price_raises(book):
    with pytest.raises(ValueError):
        book.get_volume_for_price(True, NAN)
    with pytest.raises(ValueError):
        book.get_quote_volume_for_price(False, NAN)


def test_simulate_buy_and_sell(book):
    assert book.simulate_buy(2.5) == [OrderBookRow(101.0, 1.0, 10), OrderBookRow(102.0, 1.5, 10)]
    assert book.simulate_sell(1) == [OrderBookRow(100.0, 1.0, 10)]
    assert book.simulate_buy(100) == book.ask_entries()
    assert book.simulate_sell(0) == []
    assert isinstance(book.simulate_buy(1)[0], OrderBookRow)


def test_entries_are_order_book_rows_best_first(book):
    bids = book.bid_entries()
    assert bids == [(100.0, 1.0, 10), (99.0, 2.0, 10), (98.0, 3.0, 10)]
    assert type(bids[0]) is OrderBookRow and bids[0].price == 100.0
    assert [r.price for r in book.ask_entries()] == [101.0, 102.0, 103.0]


def test_depth_returns_top_n_arrays(book):
    bids, asks = book.depth(2)
    assert bids.dtype == np.float64 and bids.shape == (2, 2)
    assert bids.tolist() == [[100.0, 1.0], [99.0, 2.0]]
    assert asks.tolist() == [[101.0, 1.0], [102.0, 2.0]]
    bids, asks = book.depth(10)
    assert bids.shape == (3, 2) and asks.shape == (3, 2)
    assert book.depth(0)[0].shape == (0, 2)
    with pytest.raises(ValueError):
        book.depth(-1)


def test_query_result_equality_repr_and_hash():
    a = R(NAN, 1.0, 2.0, NAN)
    assert a == R(NAN, 1.0, 2.0, NAN) and not (a != R(NAN, 1.0, 2.0, NAN))
    assert a != R(NAN, 1.0, 2.5, NAN)
    assert hash(a) == hash(R(NAN, 1.0, 2.0, NAN))
    assert "result_price=2.0" in repr(a)
    assert a.query_volume == 1.0 and math.isnan(a.query_price)
    with pytest.raises(AttributeError):
        a.result_price = 3.0
    import pickle
    assert pickle.loads(pickle.dumps(a)) == a


def test_queries_walk_past_many_levels():
    b = OrderBook()
    b.apply_snapshot([[1000 - i, 1.0] for i in range(500)], [[1001 + i, 1.0] for i in range(500)], 1)
    assert b.get_price_for_volume(True, 500) == R(NAN, 500, 1500, 500)
    assert b.get_vwap_for_volume(False, 500).result_price == pytest.approx(sum(1000 - i for i in range(500)) / 500)
