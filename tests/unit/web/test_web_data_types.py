"""Encoding, redaction, error records, back-off and the Binance tables."""
import pickle
from decimal import Decimal

import pytest

from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS, binance_web_utils as web_utils
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.connections import build_body, build_url
from hummingbot_conn.web.data_types import (
    RESTMethod,
    RESTRequest,
    RESTResponse,
    WSJSONRequest,
    encode_params,
    encode_value,
)
from hummingbot_conn.web.errors import (
    ExchangeError,
    IPBannedError,
    RateLimitExceededError,
    RequestOutcomeUnknownError,
    UnknownLimitError,
)
from hummingbot_conn.web.rest_assistant import parse_error_body


def test_rest_method_str_is_its_value():
    assert str(RESTMethod.GET) == "GET" and repr(RESTMethod.POST) == "POST"


def test_encode_params_percent_encodes_everything_but_unreserved():
    assert encode_params({"symbol": "１２", "id": "a:b/c d+e~_.-", "n": None, "ok": True}) == \
        "symbol=%EF%BC%91%EF%BC%92&id=a%3Ab%2Fc%20d%2Be~_.-&ok=true"
    assert encode_params([("b", 1), ("a", 2)]) == "b=1&a=2"          # order kept: sign what you send
    assert encode_params(None) == "" and encode_params({}) == ""
    assert encode_value(Decimal("1E-8")) == "0.00000001"
    assert encode_value(["BTCUSDT", "BNBBTC"]) == '["BTCUSDT","BNBBTC"]'
    assert encode_params({"symbols": ["A", "B"]}) == "symbols=%5B%22A%22%2C%22B%22%5D"


def test_build_url_and_body():
    assert build_url("http://h/p", {"a": 1}) == "http://h/p?a=1"
    assert build_url("http://h/p?x=1", "a=%3A") == "http://h/p?x=1&a=%3A"
    assert build_url("http://h/p", None) == "http://h/p"
    assert build_body({"a": "b c"}, None) == b"a=b%20c"
    assert build_body({"a": 1}, {"content-type": "application/json"}) == b'{"a":1}'
    assert build_body("raw=%3A", None) == b"raw=%3A"
    assert build_body(None, None) is None


def test_request_repr_redacts_credentials():
    request = RESTRequest(RESTMethod.POST, url="http://h/api", params="a=1&signature=deadbeef",
                          data={"apiKey": "K", "x": 1}, headers={"X-MBX-APIKEY": "K", "Accept": "json"})
    text = repr(request)
    assert "deadbeef" not in text and "'K'" not in text
    assert "Accept" in text and "signature=***" in text
    ws = WSJSONRequest({"method": "m", "params": {"apiKey": "K", "signature": "S", "symbol": "X"}})
    assert "'K'" not in repr(ws) and "'S'" not in repr(ws) and "'X'" in repr(ws)


def test_idempotent_defaults_to_get_only():
    assert RESTRequest(RESTMethod.GET).is_idempotent
    assert not RESTRequest(RESTMethod.POST).is_idempotent
    assert not RESTRequest(RESTMethod.DELETE).is_idempotent
    assert RESTRequest(RESTMethod.DELETE, idempotent=True).is_idempotent


async def test_response_decoding():
    response = RESTResponse("u", RESTMethod.GET, 200, {}, b'{"a": [1, "2"]}')
    assert await response.json() == {"a": [1, "2"]}
    assert await response.text() == '{"a": [1, "2"]}'


def test_parse_error_body_shapes():
    assert parse_error_body(b'{"code": -1121, "msg": "Invalid symbol."}')[:2] == (-1121, "Invalid symbol.")
    assert parse_error_body(b'{"id": 1, "status": 400, "error": {"code": -1022, "msg": "bad"}}')[:2] == \
        (-1022, "bad")
    assert parse_error_body(b"<HTML><body>502</body></HTML>")[:2] == (None, "N/A (HTML error page)")
    assert parse_error_body(b"plain text")[:2] == (None, "plain text")
    assert parse_error_body(b"[1, 2]")[:2] == (None, "[1,2]")


def test_errors_carry_fields_and_pickle():
    error = ExchangeError(400, -2013, "Order does not exist.", "GET", "http://h/api/v3/order")
    assert isinstance(error, OSError)
    assert "HTTP 400, code -2013: Order does not exist." in str(error)
    for e in (error, RateLimitExceededError(429, -1003, "m", retry_after=3.0), IPBannedError(418, -1003, "b"),
              RequestOutcomeUnknownError("timeout", "POST", "http://h", 503, None, "x")):
        clone = pickle.loads(pickle.dumps(e))
        assert type(clone) is type(e) and str(clone) == str(e)
    assert pickle.loads(pickle.dumps(RateLimitExceededError(429, 1, "m", retry_after=3.0))).retry_after == 3.0


def test_backoff_is_capped_and_bounded_below():
    backoff = ExponentialBackoff(initial=0.5, maximum=30, factor=2, jitter=0.3, rng=lambda: 0.0)
    assert [backoff.delay(n) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff.delay(10_000) == 30
    low = ExponentialBackoff(initial=0.5, maximum=30, jitter=0.3, rng=lambda: 0.9999999)
    assert low.delay(0) == pytest.approx(0.35, abs=1e-6)
    with pytest.raises(ValueError):
        ExponentialBackoff(initial=0)
    with pytest.raises(ValueError):
        backoff.delay(-1)


def test_binance_rate_limits_are_consistent():
    throttler = web_utils.create_throttler()
    for limit_id, weight, _ in CONSTANTS.ENDPOINT_WEIGHTS:
        main, linked = throttler.get_related_limits(limit_id)
        assert {r.limit_id: w for r, w in linked}[CONSTANTS.REQUEST_WEIGHT] == weight
    assert CONSTANTS.snapshot_limit_id(100) == "/depth:100"
    assert CONSTANTS.snapshot_limit_id(101) == "/depth:500"
    assert CONSTANTS.snapshot_limit_id(5000) == "/depth:5000"
    with pytest.raises(ValueError):
        CONSTANTS.snapshot_limit_id(5001)
    _, linked = throttler.get_related_limits(CONSTANTS.snapshot_limit_id(5000))
    assert (linked[0][0].limit_id, linked[0][1]) == (CONSTANTS.REQUEST_WEIGHT, 250)
    _, linked = throttler.get_related_limits(CONSTANTS.ORDER_PATH_URL)
    assert {r.limit_id for r, _ in linked} == {"REQUEST_WEIGHT", "RAW_REQUESTS", "ORDERS", "ORDERS_24HR"}
    assert set(CONSTANTS.USED_WEIGHT_HEADERS.values()) <= {r.limit_id for r in throttler.rate_limits}
    with pytest.raises(UnknownLimitError):
        throttler.execute_task("/not/a/path")


def test_binance_urls_take_a_base():
    local = CONSTANTS.BinanceEndpoints.local("127.0.0.1:9000")
    assert web_utils.public_rest_url("/time", local) == "http://127.0.0.1:9000/api/v3/time"
    assert web_utils.wss_url(local) == "ws://127.0.0.1:9000/ws"
    assert web_utils.wss_api_url(local) == "ws://127.0.0.1:9000/ws-api/v3"
    assert web_utils.private_rest_url("/order") == "https://api.binance.com/api/v3/order"
    assert web_utils.wss_api_url("us") == "wss://ws-api.binance.us:443/ws-api/v3"


def test_share_percentage_applies_to_binance_pools():
    throttler = AsyncThrottler(CONSTANTS.RATE_LIMITS, limits_share_percentage=Decimal("33.3"))
    assert throttler.capacity(CONSTANTS.REQUEST_WEIGHT) == 1998
    assert throttler.capacity(CONSTANTS.ORDERS) == 33
