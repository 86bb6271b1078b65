"""OrderBookMessage: hummingbot's API, a strict total order, equality and hash (W-1..W-3 fixed)."""
import bisect
import pickle

import pytest

from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.core.order_book_row import OrderBookRow

SNAPSHOT, DIFF, TRADE = OrderBookMessageType.SNAPSHOT, OrderBookMessageType.DIFF, OrderBookMessageType.TRADE


def diff(uid, ts=1.0, **extra):
    return OrderBookMessage(DIFF, {"trading_pair": "BTC-USDT", "update_id": uid, "bids": [], "asks": [], **extra}, ts)


def snap(uid, ts=1.0):
    return OrderBookMessage(SNAPSHOT, {"trading_pair": "BTC-USDT", "update_id": uid, "bids": [], "asks": []}, ts)


def trade(tid, ts=1.0):
    return OrderBookMessage(TRADE, {"trading_pair": "BTC-USDT", "trade_id": tid, "price": "1", "amount": "1"}, ts)


def test_message_type_values_match_hummingbot():
    assert (SNAPSHOT.value, DIFF.value, TRADE.value) == (1, 2, 3)
    assert OrderBookMessage(2, {"update_id": 1}).type is DIFF


def test_properties():
    m = OrderBookMessage(DIFF, {"trading_pair": "ETH-USDT", "update_id": 12, "first_update_id": 9,
                                "bids": [["100.5", "1", "x"]], "asks": [["101", "2"]]}, 1700000000.0)
    assert m.type is DIFF and m.timestamp == 1700000000.0
    assert m.update_id == 12 and m.first_update_id == 9 and m.trade_id == -1
    assert m.has_update_id and not m.has_trade_id
    assert m.trading_pair == "ETH-USDT"
    assert m.bids == [OrderBookRow(100.5, 1.0, 12)]
    assert m.asks == [OrderBookRow(101.0, 2.0, 12)]
    assert m.content["update_id"] == 12


def test_first_update_id_defaults_to_update_id_for_diffs_only():
    assert diff(7).first_update_id == 7
    assert snap(7).first_update_id == -1
    t = trade(55)
    assert t.update_id == -1 and t.first_update_id == -1 and t.trade_id == 55
    assert t.has_trade_id and not t.has_update_id


def test_book_message_without_update_id_is_rejected():
    with pytest.raises(ValueError, match="update_id"):
        OrderBookMessage(DIFF, {"bids": []})
    with pytest.raises(ValueError, match="update_id"):
        OrderBookMessage(SNAPSHOT, {"update_id": "12"})
    with pytest.raises(ValueError):
        OrderBookMessage(DIFF, {"update_id": 1}, timestamp="noon")


def test_diffs_with_different_update_ids_are_not_equal():
    assert diff(1) != diff(2)          # W-2
    assert diff(1) == diff(1, ts=99.0)
    assert snap(5) != diff(5)
    assert trade(3) == trade(3, ts=2.0) and trade(3) != trade(4)


def test_messages_are_hashable():
    s = {diff(1), diff(1), diff(2), snap(2), trade(2)}    # W-3: hummingbot's hash raises
    assert len(s) == 4
    assert hash(diff(3)) == hash(diff(3, ts=5.0))


def test_ordering_is_strict():
    a, b = snap(10), diff(5)
    assert b < a and not a < b                      # W-1: hummingbot says both
    assert not a < a and not diff(5) < diff(5, ts=0.0)


def test_diff_sorts_before_snapshot_with_same_update_id():
    assert diff(10) < snap(10) < diff(11)


def test_book_messages_sort_before_trades():
    assert diff(10**9, ts=100.0) < trade(1, ts=0.0)


def test_trades_order_by_trade_id_then_timestamp_without_id():
    assert trade(1, ts=9.0) < trade(2, ts=1.0)
    no_id_early = OrderBookMessage(TRADE, {"price": "1"}, 1.0)
    no_id_late = OrderBookMessage(TRADE, {"price": "1"}, 2.0)
    assert no_id_early < no_id_late and no_id_early != no_id_late
    assert trade(10**6) < no_id_early
    assert trade("abc") > trade(5) and trade("abc") < trade("abd")


def test_bisect_over_sorted_diffs_finds_the_replay_point():
    diffs = sorted([diff(u) for u in (3, 11, 7, 10, 12, 9)])
    assert [d.update_id for d in diffs] == [3, 7, 9, 10, 11, 12]
    pos = bisect.bisect_right(diffs, snap(10))
    assert [d.update_id for d in diffs[pos:]] == [11, 12]
    assert bisect.bisect_left(diffs, diff(10)) == 3


def test_comparison_with_other_types():
    assert diff(1) != 1
    with pytest.raises(TypeError):
        diff(1) < 1


def test_pickle_and_repr():
    m = diff(4, ts=3.0)
    assert pickle.loads(pickle.dumps(m)) == m
    assert "DIFF" in repr(m)
