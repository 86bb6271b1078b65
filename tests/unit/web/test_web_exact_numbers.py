"""Numbers go to the exchange exactly: every value leaves as plain decimal text or not at all.

Floats are refused (``TypeError``), non-finite Decimals too (``ValueError``),
before anything is signed or sent (hummingbot_conn/web/encoding.py).
"""
import re
from decimal import Decimal
from enum import Enum

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth
from hummingbot_conn.web.connections import build_body, build_url
from hummingbot_conn.web.data_types import RESTMethod, RESTRequest, WSJSONRequest, encode_params, encode_value
from hummingbot_conn.web.encoding import encode_json

PLAIN = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
NON_FINITE = [Decimal("NaN"), Decimal("-NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")]


class Side(Enum):
    QTY = Decimal("1E-5")


class Sink:
    def __init__(self):
        self.frames = []

    async def send_str(self, payload):
        self.frames.append(payload)

    async def send_bytes(self, payload):
        self.frames.append(payload)

    async def send_bytes_as_text(self, payload):
        self.frames.append(payload)


def test_the_issue_cases():
    with pytest.raises(TypeError, match="'quantity' is a float"):
        encode_params({"quantity": 1e-05})
    with pytest.raises(TypeError, match="'price' is a float"):
        encode_params({"price": 0.1 + 0.2})
    for value in NON_FINITE:
        with pytest.raises(ValueError, match="'quantity' is not a finite number"):
            encode_params({"quantity": value})
    with pytest.raises(TypeError):
        encode_params({"quantity": float("nan")})
    assert encode_params({"quantity": Decimal("1E-5"), "price": Decimal("0.30000000000000004")}) == \
        "quantity=0.00001&price=0.30000000000000004"


@settings(max_examples=300)
@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1E30"), max_value=Decimal("1E30")))
def test_every_finite_decimal_is_plain_text_of_the_same_value(value):
    text = encode_value(value)
    assert PLAIN.match(text), text
    assert Decimal(text) == value


@settings(max_examples=100)
@given(st.integers(min_value=-10**30, max_value=10**30))
def test_ints_are_their_digits(value):
    assert encode_value(value) == str(value)


def test_decimal_subclass_cannot_change_its_text():
    class Loud(Decimal):
        def __format__(self, spec):
            return "1e-05"

        def __str__(self):
            return "1e-05"

    assert encode_value(Loud("0.00001")) == "0.00001"


def test_enums_lists_and_json_bodies_follow_the_same_rule():
    assert encode_value(Side.QTY) == "0.00001"
    assert encode_value(["BTCUSDT", Decimal("1E-3")]) == '["BTCUSDT","0.001"]'
    with pytest.raises(TypeError):
        encode_value(["BTCUSDT", 1e-5])
    with pytest.raises(ValueError):
        encode_value({"a": [Decimal("NaN")]})
    assert build_body({"q": Decimal("1E-8")}, {"Content-Type": "application/json"}) == b'{"q":"0.00000001"}'
    with pytest.raises(TypeError):
        build_body({"q": 0.5}, {"Content-Type": "application/json"})
    with pytest.raises(ValueError):
        build_url("http://h/p", {"q": Decimal("Infinity")})
    assert orjson.loads(encode_json({"n": True, "x": None, "i": 3})) == {"n": True, "x": None, "i": 3}


async def test_ws_json_request_sends_decimals_as_plain_text_and_refuses_floats():
    sink = Sink()
    await WSJSONRequest({"params": {"quantity": Decimal("1E-5")}}).send_with_connection(sink)
    assert sink.frames == [b'{"params":{"quantity":"0.00001"}}']
    with pytest.raises(TypeError):
        await WSJSONRequest({"params": {"quantity": 1e-5}}).send_with_connection(sink)
    assert len(sink.frames) == 1


async def test_signed_requests_refuse_before_signing():
    auth = BinanceAuth("K" * 64, "S" * 64, lambda: 1_700_000_000.0)
    signed = []
    original = auth.sign

    def spy(payload):
        signed.append(payload)
        return original(payload)

    auth.sign = spy
    for bad in (1e-05, 0.1 + 0.2, float("nan"), Decimal("NaN"), Decimal("-Infinity")):
        request = RESTRequest(RESTMethod.POST, url="http://h/api/v3/order", data={"quantity": bad},
                              is_auth_required=True)
        with pytest.raises((TypeError, ValueError)):
            await auth.rest_authenticate(request)
        with pytest.raises((TypeError, ValueError)):
            await auth.ws_authenticate(WSJSONRequest({"id": 1, "method": "order.place",
                                                      "params": {"quantity": bad}}))
    assert signed == []
    request = RESTRequest(RESTMethod.POST, url="http://h/api/v3/order", data={"quantity": Decimal("1E-5")},
                          is_auth_required=True)
    request = await auth.rest_authenticate(request)
    assert request.data.startswith("quantity=0.00001&")
    ws = await auth.ws_authenticate(WSJSONRequest({"id": 1, "method": "order.place",
                                                   "params": {"quantity": Decimal("1E-5")}}))
    sink = Sink()
    await ws.send_with_connection(sink)
    assert b'"quantity":"0.00001"' in sink.frames[0]
