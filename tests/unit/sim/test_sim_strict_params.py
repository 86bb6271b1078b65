"""The simulator parses numbers and timestamps as strictly as Binance (-1100 / -1102).

Python's ``int()`` / ``Decimal()`` accept ``" 1 "``, ``"1_000"``, ``"1\\n"`` and
non-ASCII digits; the exchange does not (docs/binance_spot.md sections 2.3, 4).
"""
import re
import time
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from hummingbot_conn.sim.binance import auth
from hummingbot_conn.sim.binance.errors import SimError
from hummingbot_conn.sim.binance.params import Params

DECIMAL = re.compile(r"[0-9]{1,20}(\.[0-9]{1,20})?")
INT = re.compile(r"-?[0-9]{1,19}")
HOSTILE = ["1\n", "1 ", " 1", "1_000", "+1", "1e-5", "1E5", "١", "１", "0x10", "1.", ".5", "NaN", "Infinity",
           "1\t", "1\x00", "٣.٥", "1,5", "--1", ""]


def _code(call):
    try:
        call()
    except SimError as err:
        return err.code
    return None


@pytest.mark.parametrize("text", HOSTILE)
def test_the_issue_cases_are_refused(text):
    if text:
        assert _code(lambda: Params({"quantity": text}).decimal("quantity")) == -1100
        assert _code(lambda: Params({"orderId": text}).integer("orderId")) == -1102
    now = int(time.time() * 1000)
    assert _code(lambda: auth.check_timestamp({"timestamp": text}, now)) == -1102
    assert _code(lambda: auth.check_timestamp({"timestamp": str(now), "recvWindow": text}, now)) == -1102


@settings(max_examples=500)
@given(st.text(max_size=24))
def test_decimal_accepts_exactly_the_ascii_pattern(text):
    code = _code(lambda: Params({"quantity": text}).decimal("quantity"))
    if not text:
        assert code is None                                   # absent: the caller decides if mandatory
    elif DECIMAL.fullmatch(text):
        assert code in (None, -1111)
        if code is None:
            assert Params({"quantity": text}).decimal("quantity") == Decimal(text)
    else:
        assert code == -1100


@settings(max_examples=500)
@given(st.one_of(st.text(max_size=22), st.integers().map(str),
                 st.integers(0, 10**13).map(lambda i: f"{i}\n")))
def test_integer_and_timestamp_accept_exactly_ascii_digits(text):
    code = _code(lambda: Params({"n": text}).integer("n"))
    if not text:
        assert code is None
    elif INT.fullmatch(text):
        assert code is None and Params({"n": text}).integer("n") == int(text)
    else:
        assert code == -1102
    ts_code = _code(lambda: auth.check_timestamp({"timestamp": text}, 10**12))
    assert ts_code in ((-1102,) if not text or not re.fullmatch(r"[0-9]{1,19}", text) else (None, -1021))


def test_recv_window_keeps_up_to_three_decimals():
    now = 10**12
    auth.check_timestamp({"timestamp": str(now), "recvWindow": "6000.346"}, now)
    assert _code(lambda: auth.check_timestamp({"timestamp": str(now), "recvWindow": "6000.3461"}, now)) == -1102
    assert _code(lambda: auth.check_timestamp({"timestamp": str(now), "recvWindow": "60001"}, now)) == -1102
    assert _code(lambda: auth.check_timestamp({"timestamp": str(now), "recvWindow": "0"}, now)) == -1102


def test_client_ids_and_api_keys_must_match_whole():
    assert _code(lambda: Params({"newClientOrderId": "abc\n"}).client_id("newClientOrderId")) == -1100
    assert Params({"newClientOrderId": "abc"}).client_id("newClientOrderId") == "abc"
    with pytest.raises(SimError) as info:
        auth.lookup_key(None, "abc\n")
    assert info.value.code == -2014
