"""Kraken REST signing and nonces (docs/kraken_spot.md section 5): the published vector, strictly
increasing nonces across a clock that steps back and across a restart of the connector."""
import asyncio
from urllib.parse import parse_qsl

import pytest

from hummingbot_conn.exchanges.kraken.auth import KrakenAuth, NonceSource, sign
from hummingbot_conn.web.data_types import RESTMethod, RESTRequest

# Kraken's published AddOrder example (docs/kraken_spot.md section 5)
SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
NONCE = "1616492376594"
BODY = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
SIGNATURE = "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="


def test_the_published_signature_vector():
    import base64
    assert sign(base64.b64decode(SECRET), "/0/private/AddOrder", NONCE, BODY) == SIGNATURE


def test_a_request_is_signed_over_the_exact_body_sent():
    auth = KrakenAuth("key", SECRET, NonceSource("vector", clock=lambda: 1616492376.594))
    request = RESTRequest(RESTMethod.POST, url="https://api.kraken.com/0/private/AddOrder",
                          data={"ordertype": "limit", "pair": "XBTUSD", "price": "37500", "type": "buy",
                                "volume": "1.25"}, is_auth_required=True)
    signed = asyncio.run(auth.rest_authenticate(request))
    assert signed.data == "nonce=1616492376594000&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
    nonce = dict(parse_qsl(signed.data))["nonce"]
    import base64
    assert signed.headers["API-Sign"] == sign(base64.b64decode(SECRET), "/0/private/AddOrder", nonce, signed.data)
    assert signed.headers["API-Key"] == "key"
    assert "kQH5" not in repr(auth) and "kQH5" not in str(auth)


def test_a_secret_that_is_not_base64_is_refused_without_quoting_it():
    with pytest.raises(ValueError) as info:
        KrakenAuth("key", "not base64 !!")
    assert "not base64 !!" not in str(info.value)


def test_nonces_grow_strictly_when_the_clock_steps_back_or_stands_still():
    now = [1000.0]
    source = NonceSource("clock-steps", clock=lambda: now[0])
    seen = [source.next()]
    for step in (0.0, -5.0, 0.0, 10.0, -100.0):
        now[0] += step
        seen.append(source.next())
    assert all(b > a for a, b in zip(seen, seen[1:]))


def test_a_restarted_connector_on_the_same_key_never_reuses_a_nonce():
    # a second source on the key (the connector built again in the process) continues above the first
    frozen = lambda: 2000.0       # noqa: E731 - a clock that does not move at all
    first = NonceSource("restart", clock=frozen)
    used = [first.next() for _ in range(3)]
    second = NonceSource("restart", clock=frozen)
    assert second.next() > max(used)


def test_a_persisted_high_water_mark_survives_the_process(tmp_path):
    path = str(tmp_path / "nonce")
    now = [3000.0]
    first = NonceSource("persisted", clock=lambda: now[0], path=path)
    last = first.next()
    NonceSource._marks.clear()             # a new process: nothing in memory
    now[0] -= 60                           # and a clock that stepped back a minute
    assert NonceSource("persisted", clock=lambda: now[0], path=path).next() > last
