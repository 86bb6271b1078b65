"""The C decimal parser gives exactly the double ``float()`` gives, for every
decimal text an exchange could send, and rejects everything else."""
import re
from decimal import Decimal

import pytest
from hypothesis import example, given, strategies as st

from hummingbot_conn.core.order_book import OrderBook

_PLAIN_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def parsed_price(text):
    book = OrderBook()
    book.apply_snapshot([[text, "1"]], [], 1)
    return book.bid_entries()[0].price


def parsed_amount(text):
    book = OrderBook()
    book.apply_snapshot([["1", text]], [], 1)
    entries = book.bid_entries()
    return entries[0].amount if entries else 0.0


@st.composite
def decimal_texts(draw):
    int_part = draw(st.text("0123456789", min_size=0, max_size=22))
    frac = draw(st.none() | st.text("0123456789", min_size=0, max_size=24))
    if not int_part and not frac:
        int_part = "0"
    text = int_part + ("" if frac is None else "." + frac)
    if draw(st.booleans()):
        text += draw(st.sampled_from("eE")) + draw(st.sampled_from(["", "+", "-"])) + str(draw(st.integers(0, 400)))
    return draw(st.sampled_from(["", "+"])) + text


@given(decimal_texts())
def test_amount_text_parses_exactly_like_float(text):
    expected = float(text)
    if expected == float("inf"):
        with pytest.raises(ValueError):
            parsed_amount(text)
    else:
        assert parsed_amount(text) == expected
        assert parsed_amount(text.encode()) == expected


@given(st.decimals(min_value=Decimal("1e-15"), max_value=Decimal("1e15"), allow_nan=False, allow_infinity=False))
def test_decimal_and_its_text_are_one_key(value):
    assert parsed_price(value) == parsed_price(str(value)) == float(str(value))


@given(st.floats(min_value=1e-300, max_value=1e300))
def test_float_repr_roundtrips(value):
    assert parsed_price(repr(value)) == value
    assert parsed_price(value) == value


@given(st.text(max_size=10))
@example("1E-0")
@example("1e+5")
@example("1.2.3")
def test_non_numbers_are_rejected_not_misread(text):
    # the grammar the C parser accepts: ASCII digits, one optional point, an optional
    # signed exponent (the oracle once missed the sign after "E" and failed on "1E-0")
    is_plain_decimal = _PLAIN_DECIMAL.fullmatch(text) is not None
    expected = float(text) if is_plain_decimal else None
    if is_plain_decimal and 0 < expected < float("inf"):
        assert parsed_price(text) == expected
    else:
        with pytest.raises(ValueError):
            parsed_price(text)
