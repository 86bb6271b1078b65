"""OrderBookMessage ordering is a strict total order consistent with == and hash."""
import bisect

from hypothesis import given, strategies as st

from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType

TIMESTAMPS = st.none() | st.floats(min_value=0, max_value=10) | st.integers(0, 10)  # NaN is refused
IDS = st.integers(0, 6)


@st.composite
def messages(draw):
    kind = draw(st.sampled_from(list(OrderBookMessageType)))
    ts = draw(TIMESTAMPS)
    if kind is OrderBookMessageType.TRADE:
        content = {}
        trade_id = draw(st.none() | IDS | st.sampled_from(["a", "b"]))
        if trade_id is not None:
            content["trade_id"] = trade_id
        return OrderBookMessage(kind, content, ts)
    return OrderBookMessage(kind, {"update_id": draw(IDS), "bids": [], "asks": []}, ts)


@given(a=messages(), b=messages(), c=messages())
def test_order_is_strict_total_and_consistent(a, b, c):
    # irreflexive
    assert not a < a and a == a and a <= a
    # exactly one of <, ==, > (trichotomy; also antisymmetry)
    assert (a < b) + (a == b) + (a > b) == 1
    assert (a < b) == (b > a) and (a <= b) == (not a > b)
    # transitive
    if a < b and b < c:
        assert a < c
    if a == b and b == c:
        assert a == c
    # consistent with hash
    if a == b:
        assert hash(a) == hash(b)
    # equality is type and id
    if a.type is b.type and a.has_update_id and a.update_id == b.update_id:
        assert a == b
    if a.type is b.type and a.has_update_id and a.update_id != b.update_id:
        assert a != b


@given(st.lists(messages(), max_size=30))
def test_sorting_is_deterministic_and_bisect_finds_equal_runs(msgs):
    ordered = sorted(msgs)
    assert ordered == sorted(msgs[::-1])  # noqa: C415  (the point: the input order does not matter)
    assert all(ordered[i] <= ordered[i + 1] for i in range(len(ordered) - 1))
    for m in msgs:
        lo, hi = bisect.bisect_left(ordered, m), bisect.bisect_right(ordered, m)
        assert hi - lo == sum(1 for x in msgs if x == m)


@given(st.lists(st.integers(0, 50), max_size=30), st.integers(0, 50))
def test_bisect_right_of_a_snapshot_skips_diffs_it_contains(uids, snapshot_uid):
    diffs = sorted(OrderBookMessage(OrderBookMessageType.DIFF, {"update_id": u}) for u in uids)
    snapshot = OrderBookMessage(OrderBookMessageType.SNAPSHOT, {"update_id": snapshot_uid})
    replay = diffs[bisect.bisect_right(diffs, snapshot):]
    assert sorted(d.update_id for d in replay) == sorted(u for u in uids if u > snapshot_uid)
