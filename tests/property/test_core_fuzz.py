"""Fuzzing that stays: one hypothesis fuzz test per compiled entry
point that takes outside input: the book's rows and update ids
(``apply_snapshot`` / ``apply_diffs``), ``OrderBookMessage`` (content, ids,
timestamps, ``bids`` / ``asks``), and the persisted JSON of ``InFlightOrder``,
``TradeUpdate`` and fees.  Values include hostile objects: ``Decimal`` / ``str``
/ ``float`` subclasses whose ``__str__`` / ``__float__`` / ``__repr__`` /
``__index__`` raise, mutate the rows they sit in, or call back into the same
book; generators that do the same; lenient or non-finite numbers.

Each case checks: no crash, only the documented exception types, the state
unchanged on refusal, ``check_integrity()`` (or the order invariants) after
success.

Brief in CI (``HBCONN_FUZZ_EXAMPLES``, default 150 cases per target, a few
seconds each); longer with e.g. ``HBCONN_FUZZ_EXAMPLES=20000``.
"""
import json
import math
import numbers
import os
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from hummingbot_conn.core.common_types import OrderType, PositionAction, TradeType
from hummingbot_conn.core.in_flight_order import (
    InFlightOrder,
    OrderState,
    OrderUpdate,
    PerpetualDerivativeInFlightOrder,
    TradeUpdate,
    order_from_json,
)
from hummingbot_conn.core.order_book import DiffResult, OrderBook
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee, DeductedFromReturnsTradeFee, TokenAmount, TradeFeeBase

EXAMPLES = int(os.environ.get("HBCONN_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


class Hostile(Exception):
    """Raised by the hostile objects: may surface (it is the caller's own error)."""


# ------------------------------------------------------------------ hostile objects
# ``CTX`` is the case under test: the book and the rows list the hostile
# objects reach into (hypothesis draws the objects before the book exists).
CTX = {"book": None, "rows": None}


def _attack(kind):
    if kind == "raise":
        raise Hostile("hostile method")
    if kind == "shrink" and CTX["rows"] is not None:
        CTX["rows"].clear()
    if kind == "grow" and CTX["rows"] is not None:
        CTX["rows"].extend([["1", "1"]] * 50)
    if kind == "reenter" and CTX["book"] is not None:
        CTX["book"].apply_diffs([["1", "1"]], [["2", "1"]], 10 ** 12)
    if kind == "resnapshot" and CTX["book"] is not None:
        CTX["book"].apply_snapshot([], [], 10 ** 12)


def hostile_class(base, kind):
    plain = base.__repr__ if base is float else base.__str__     # float.__str__ would call our __repr__

    def method(self, *args):
        _attack(kind)
        return plain(self)

    def as_float(self):
        _attack(kind)
        return 1.0

    def index(self):
        _attack(kind)
        return 7

    return type(f"Hostile{base.__name__}_{kind}", (base,), {
        "__str__": method, "__repr__": method, "__float__": as_float, "__index__": index,
        "__format__": lambda self, spec: method(self)})


KINDS = ["raise", "shrink", "grow", "reenter", "resnapshot"]
HOSTILE_DECIMALS = [hostile_class(Decimal, k) for k in KINDS]
HOSTILE_STRS = [hostile_class(str, k) for k in KINDS]
HOSTILE_FLOATS = [hostile_class(float, k) for k in KINDS]


class HostileIntegral(numbers.Integral):
    """Registered as an Integral (like numpy ints): its __index__ is called."""

    def __init__(self, kind):
        self.kind = kind

    def __index__(self):
        _attack(self.kind)
        return 11

    __int__ = __index__
    # the abstract methods, none of them meant to be used
    __abs__ = __add__ = __and__ = __ceil__ = __eq__ = __floor__ = __floordiv__ = __invert__ = __le__ = \
        __lshift__ = __lt__ = __mod__ = __mul__ = __neg__ = __or__ = __pos__ = __pow__ = __radd__ = \
        __rand__ = __rfloordiv__ = __rlshift__ = __rmod__ = __rmul__ = __ror__ = __round__ = __rpow__ = \
        __rrshift__ = __rshift__ = __rtruediv__ = __rxor__ = __truediv__ = __trunc__ = __xor__ = \
        lambda self, *a: NotImplemented
    __hash__ = object.__hash__


texts = st.sampled_from([
    "100", "0.5", "1e-3", "1E2", "-1", "0", "+1", "nan", "NaN", "inf", "-inf", "1_000", " 1", "1 ", "1\n",
    "１", "١٢", "", ".", "e5", "1e", "0x10", "1.2.3", "9" * 400, "1e400", "1e-400", "\x00", "\ud800",
])
plain_numbers = (st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10, 10 ** 30)
                 | st.decimals(allow_nan=True, allow_infinity=True) | st.booleans() | st.none())
good_prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2).map(str)
good_amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=3).map(str)
hostile_values = st.builds(lambda cls, v: cls(v), st.sampled_from(HOSTILE_DECIMALS + HOSTILE_STRS),
                           st.sampled_from(["1", "2.5", "0", "-1", "NaN"])) | \
    st.builds(lambda cls, v: cls(v), st.sampled_from(HOSTILE_FLOATS), st.sampled_from([1.0, 0.0, math.inf]))
values = good_prices | good_amounts | texts | plain_numbers | hostile_values | \
    st.binary(max_size=5) | st.just(object()) | st.lists(st.integers(), max_size=2)


def _row(draw):
    kind = draw(st.integers(0, 9))
    if kind <= 5:       # mostly well-formed, so some messages get through
        return [draw(good_prices), draw(good_amounts)]
    if kind == 6:
        return (draw(values), draw(values), draw(st.integers()))
    if kind == 7:
        return [draw(values)] * draw(st.integers(0, 3))
    if kind == 8:
        return draw(values)
    return [draw(values), draw(values)]


@st.composite
def sides(draw):
    rows = [_row(draw) for _ in range(draw(st.integers(0, 6)))]
    shape = draw(st.integers(0, 9))
    if shape <= 5:
        return rows
    if shape == 6:
        return tuple(rows)
    if shape == 7:
        kind = draw(st.sampled_from(KINDS + ["none"]))

        def generate():
            for row in rows:
                yield row
                _attack(kind)
        return generate()
    if shape == 8:
        return np.array(draw(st.lists(st.tuples(st.floats(allow_nan=True), st.floats(allow_nan=True)),
                                      max_size=4)), dtype=np.float64).reshape(-1, 2)
    return draw(st.sampled_from([None, "rows", b"rows", {"100": "1"}, 5, np.zeros((2, 1)),
                                 np.array([["1", "1"]])]))


ids = (st.integers(-3, 40) | st.sampled_from([1.5, 12.0, math.nan, math.inf, True, False, Decimal("3"), "3", None,
                                              2 ** 63, -2 ** 63, np.int64(13), np.uint64(14), np.float64(15.0)])
       | st.builds(HostileIntegral, st.sampled_from(["raise", "reenter", "none"])))


def book_state(book):
    return repr((book.bid_entries(), book.ask_entries(), book.snapshot_uid, book.last_diff_uid, book.is_synced,
                 book.best_bid, book.best_ask))


ALLOWED = (ValueError, TypeError, RuntimeError, Hostile)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["snapshot", "diff"]), sides(), sides(), ids, ids, ids), min_size=1,
                max_size=5), st.booleans())
def test_fuzz_order_book_rows_and_ids(messages, dex):
    book = OrderBook(dex=dex)
    book.apply_snapshot([["10", "1"], ["9", "2"]], [["11", "1"], ["12", "2"]], 5)
    CTX["book"] = book
    try:
        for kind, bids, asks, uid, first, prev in messages:
            CTX["rows"] = bids if isinstance(bids, list) else None
            # an id's __index__ runs before the book is busy: a re-entering one may itself apply a message
            reentrant_ids = any(isinstance(x, HostileIntegral) for x in (uid, first, prev))
            before = book_state(book)
            try:
                if kind == "snapshot":
                    result = book.apply_snapshot(bids, asks, uid)
                else:
                    result = book.apply_diffs(bids, asks, uid, first, prev)
            except ALLOWED as exc:
                if not reentrant_ids:
                    assert book_state(book) == before, exc
            else:
                assert result in (DiffResult.APPLIED, DiffResult.STALE, DiffResult.GAP, DiffResult.UNSYNCED)
                if result is not DiffResult.APPLIED and not reentrant_ids:
                    # not applied: nothing moved but (for a gap) the synced flag
                    assert book_state(book).replace("False", "True") == before.replace("False", "True")
            book.check_integrity()
            assert book.last_diff_uid >= 5
    finally:
        CTX["book"] = CTX["rows"] = None


# ------------------------------------------------------------------ messages

@FUZZ
@given(st.sampled_from([1, 2, 3, OrderBookMessageType.DIFF, 0, "x", None]),
       st.dictionaries(st.sampled_from(["update_id", "first_update_id", "trade_id", "bids", "asks", "price"]),
                       ids | sides() | values, max_size=6),
       st.none() | st.floats(allow_nan=True, allow_infinity=True) | st.integers(-5, 2 ** 70) | st.booleans()
       | st.sampled_from(["1", Decimal("1"), HOSTILE_FLOATS[0](1.0)]))
def test_fuzz_order_book_message(message_type, content, timestamp):
    CTX["book"] = None
    CTX["rows"] = content.get("bids") if isinstance(content.get("bids"), list) else None
    try:
        message = OrderBookMessage(message_type, content, timestamp)
    except ALLOWED:
        return
    finally:
        CTX["rows"] = None
    ts = message.timestamp
    assert ts is None or (isinstance(ts, (int, float)) and not isinstance(ts, bool) and math.isfinite(ts))
    if message.has_update_id:
        assert 0 <= message.update_id and message.first_update_id <= message.update_id
    for side in ("bids", "asks"):
        try:
            rows = getattr(message, side)
        except ALLOWED:
            continue
        for row in rows:
            assert math.isfinite(row.price) and row.price > 0
            assert math.isfinite(row.amount) and row.amount >= 0
            assert row.update_id == message.update_id


# ------------------------------------------------------------------ persisted orders

PAIR = "SOL-USDC"
amounts = st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("1000000"), places=8,
                      allow_nan=False, allow_infinity=False)
stamps = st.floats(min_value=0, max_value=4e9, allow_nan=False, allow_infinity=False)
fees = st.builds(
    lambda cls, percent, token, flats: cls(percent, token, flats),
    st.sampled_from([AddedToCostTradeFee, DeductedFromReturnsTradeFee]),
    st.decimals(min_value=Decimal("-0.001"), max_value=Decimal("0.01"), places=6, allow_nan=False),
    st.none() | st.sampled_from(["SOL", "BNB"]),
    st.lists(st.builds(TokenAmount, st.sampled_from(["SOL", "USDC", "BNB"]), amounts), max_size=2))


@st.composite
def live_orders(draw):
    order_type = draw(st.sampled_from(list(OrderType)))
    price = None if order_type is OrderType.MARKET else draw(amounts)
    amount = draw(amounts)
    created = draw(stamps)
    eid = draw(st.none() | st.just("e1"))
    if draw(st.booleans()):
        order = PerpetualDerivativeInFlightOrder(
            "c1", PAIR, order_type, draw(st.sampled_from([TradeType.BUY, TradeType.SELL])), amount, created,
            price, eid, leverage=draw(st.integers(1, 125)),
            position=draw(st.sampled_from([PositionAction.OPEN, PositionAction.CLOSE])))
    else:
        order = InFlightOrder("c1", PAIR, order_type, TradeType.BUY, amount, created, price, eid)
    for step in draw(st.lists(st.sampled_from(list(OrderState) + ["fill", "lost"]), max_size=5)):
        if step == "lost":
            order.mark_lost(draw(stamps))
        elif step == "fill":
            base = (amount * draw(st.integers(1, 10)) / 10).quantize(Decimal("1e-9"))
            if base > 0:
                order.update_with_trade_update(TradeUpdate(
                    f"t{len(order.order_fills)}", "c1", None, PAIR, draw(stamps), draw(amounts), base,
                    draw(amounts), draw(fees), draw(st.booleans())))
        else:
            order.update_with_order_update(OrderUpdate(PAIR, draw(stamps), step, "c1"))
    return order


def assert_live_invariants(order):
    fills = order.order_fills.values()
    assert order.executed_amount_base == sum((f.fill_base_amount for f in fills), Decimal(0))
    assert order.executed_amount_quote == sum((f.fill_quote_amount for f in fills), Decimal(0))
    assert order.executed_amount_base <= order.amount
    assert not (order.is_failure and order.is_filled)
    assert (order.current_state is OrderState.FILLED) <= (order.executed_amount_base == order.amount)
    assert math.isfinite(order.creation_timestamp) and math.isfinite(order.last_update_timestamp)
    assert order.last_update_timestamp >= order.creation_timestamp
    for trade_id, fill in order.order_fills.items():
        assert fill.trade_id == trade_id


LENIENT = st.sampled_from([
    "1_000", " 1 ", "1 ", "１", "NaN", "Infinity", "-1", "1e999999", "0x1", "", None, True, 1.5, math.nan,
    math.inf, [], {}, "None", "FILLED", "99", -1, 2 ** 70, "1" * 300, Decimal("1"),
]) | values


@st.composite
def corrupted(draw, document):
    """``document`` with some fields (also nested ones) replaced, removed or added."""
    doc = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        target = doc
        path = []
        while isinstance(target, dict) and target and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(target)))
            if not isinstance(target[key], (dict, list)) or not target[key]:
                break
            path.append(key)
            target = target[key] if isinstance(target[key], dict) else target[key][0]
        if not isinstance(target, dict):
            continue
        action = draw(st.integers(0, 2))
        keys = sorted(target) or ["extra"]
        key = draw(st.sampled_from(keys))
        if action == 0:
            target.pop(key, None)
        else:
            target[key] = draw(LENIENT)
    return doc


@FUZZ
@given(st.data())
def test_fuzz_in_flight_order_json(data):
    order = data.draw(live_orders())
    assert_live_invariants(order)
    document = order.to_json()
    back = order_from_json(json.loads(json.dumps(document)))
    assert back == order and back.to_json() == document and type(back) is type(order)
    hostile = data.draw(corrupted(document))
    try:
        restored = order_from_json(hostile)
    except ValueError:
        return
    assert_live_invariants(restored)
    again = order_from_json(json.loads(json.dumps(restored.to_json())))
    assert again == restored and again.to_json() == restored.to_json()


@FUZZ
@given(st.data())
def test_fuzz_trade_update_and_fee_json(data):
    fill = TradeUpdate(data.draw(st.sampled_from(["t1", "77"])), "c1", data.draw(st.none() | st.just("e1")), PAIR,
                       data.draw(stamps), data.draw(amounts), data.draw(amounts), data.draw(amounts),
                       data.draw(fees), data.draw(st.booleans()))
    document = fill.to_json()
    assert TradeUpdate.from_json(json.loads(json.dumps(document))) == fill
    assert TradeFeeBase.from_json(document["fee"]) == fill.fee
    hostile = data.draw(corrupted(document))
    try:
        restored = TradeUpdate.from_json(hostile)
    except ValueError:
        pass
    else:
        assert restored.fill_base_amount > 0 and restored.fill_price >= 0 and restored.fill_quote_amount >= 0
        assert math.isfinite(restored.fill_timestamp)
        assert TradeUpdate.from_json(json.loads(json.dumps(restored.to_json()))) == restored
    try:
        fee = TradeFeeBase.from_json(hostile.get("fee") if isinstance(hostile, dict) else hostile)
    except ValueError:
        pass
    else:
        assert fee.percent.is_finite() and all(flat.amount.is_finite() for flat in fee.flat_fees)
        assert TradeFeeBase.from_json(json.loads(json.dumps(fee.to_json()))) == fee


@pytest.mark.parametrize("document", [None, [], "x", 5, {"fee_type": "AddedToCost", "percent": "1_0"}])
def test_fee_json_that_is_not_an_object_is_a_value_error(document):
    with pytest.raises(ValueError):
        TradeFeeBase.from_json(document)
