"""The simulator's own verifier against the test vectors of docs/binance_spot.md section 10."""
import pytest

from hummingbot_conn.sim.binance import auth
from hummingbot_conn.sim.binance.errors import SimError
from hummingbot_conn.sim.binance.spot.accounts import AccountRegistry

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
QUERY = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
SIG_1 = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
TS = 1499827319559


@pytest.fixture
def registry():
    reg = AccountRegistry()
    reg.create({}, api_key=API_KEY, secret=SECRET)
    return reg


def verify(registry, query, body="", now=TS + 10, key=API_KEY):
    params = auth.parse_params(query, body)
    return auth.verify_rest(registry, key, query, body, params, now)


def code_of(fn, *args, **kw):
    with pytest.raises(SimError) as info:
        fn(*args, **kw)
    return info.value.code


def test_vector_10_1_query_string(registry):
    assert auth.hmac_hex(SECRET, QUERY) == SIG_1
    assert verify(registry, f"{QUERY}&signature={SIG_1}").api_key == API_KEY


def test_vector_10_1_same_signature_as_body(registry):
    assert verify(registry, "", f"{QUERY}&signature={SIG_1}").api_key == API_KEY


def test_vector_10_1_signature_hex_is_case_insensitive(registry):
    assert verify(registry, f"{QUERY}&signature={SIG_1.upper()}")


def test_vector_10_1_non_ascii_percent_encoded(registry):
    query = QUERY.replace("symbol=LTCBTC", "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96")
    sig = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
    assert auth.hmac_hex(SECRET, query) == sig
    assert verify(registry, f"{query}&signature={sig}")
    assert auth.parse_params(query, "")["symbol"] == "１２３４５６"
    # signing the decoded characters instead is the -1022 the 2026-01-15 change introduced
    raw = QUERY.replace("symbol=LTCBTC", "symbol=１２３４５６")
    assert code_of(verify, registry, f"{query}&signature={auth.hmac_hex(SECRET, raw)}") == -1022


def test_vector_10_2_mixed_query_and_body(registry):
    query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
    body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    sig = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
    assert auth.rest_payload(query, f"{body}&signature={sig}") == (query + body, [sig])
    assert verify(registry, query, f"{body}&signature={sig}")


def test_vector_10_3_ws_api_sorted_params(registry):
    params = {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC",
              "quantity": "0.01000000", "price": "52000.00", "recvWindow": 100,
              "timestamp": 1645423376532, "apiKey": API_KEY}
    assert auth.ws_payload(params) == (
        f"apiKey={API_KEY}&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT"
        "&timeInForce=GTC&timestamp=1645423376532&type=LIMIT")
    assert auth.hmac_hex(SECRET, auth.ws_payload(params)) == \
        "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"


def test_vector_10_3_ws_api_non_ascii_raw_utf8():
    params = {"apiKey": API_KEY, "price": "0.10000000", "quantity": "1.00000000", "recvWindow": 5000,
              "side": "BUY", "symbol": "１２３４５６", "timeInForce": "GTC", "timestamp": 1645423376532,
              "type": "LIMIT", "signature": "ignored"}
    assert auth.hmac_hex(SECRET, auth.ws_payload(params)) == \
        "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd"


def test_vector_10_3_logon_and_subscribe_signature(registry):
    logon = {"apiKey": API_KEY, "timestamp": 1649729878532}
    assert auth.hmac_hex(SECRET, auth.ws_payload(logon)) == \
        "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed"
    sub = {"apiKey": API_KEY, "timestamp": 1747385641636,
           "signature": "681110a6057ad58657af22f5640fab9dd17418834cdfccdc81be8b0f7b2cde3e"}
    assert auth.verify_ws(registry, sub, 1747385641636 + 5).api_key == API_KEY
    assert code_of(auth.verify_ws, registry, dict(sub, signature="00" * 32), 1747385641636) == -1022


def test_rest_check_order_key_then_signature_then_time(registry):
    signed = f"{QUERY}&signature={SIG_1}"
    assert code_of(verify, registry, signed, key=None) == -2015
    assert code_of(verify, registry, signed, key="not a key!") == -2014
    assert code_of(verify, registry, signed, key="A" * 64) == -2015
    assert code_of(verify, registry, QUERY) == -1102
    assert code_of(verify, registry, signed, now=TS + 5001) == -1021
    assert code_of(verify, registry, signed, now=TS - 1000) == -1021
    assert code_of(verify, registry, f"{QUERY}&signature={'0' * 64}") == -1022
    tampered = QUERY.replace("quantity=1", "quantity=2")
    assert code_of(verify, registry, f"{tampered}&signature={SIG_1}") == -1022


@pytest.mark.parametrize("window,now,ok", [
    ("5000", TS + 5000, True), ("5000", TS + 5001, False), ("60000", TS + 60000, True),
    ("6000.346", TS + 6000, True), (None, TS + 4999, True), (None, TS + 999, True), (None, TS - 999, True),
])
def test_recv_window(window, now, ok):
    params = {"timestamp": str(TS)}
    if window is not None:
        params["recvWindow"] = window
    if ok:
        auth.check_timestamp(params, now)
    else:
        assert code_of(auth.check_timestamp, params, now) == -1021


def test_recv_window_bounds_and_microseconds():
    err = pytest.raises(SimError, auth.check_timestamp, {"timestamp": str(TS), "recvWindow": "60001"}, TS)
    assert err.value.code == -1102 and "Cannot be greater than 60000" in err.value.msg
    assert code_of(auth.check_timestamp, {"timestamp": "abc"}, TS) == -1102
    auth.check_timestamp({"timestamp": str(TS * 1000)}, TS + 3)


def test_parse_params_query_wins_and_duplicates_rejected():
    assert auth.parse_params("a=1&b=2", "b=3&c=4") == {"a": "1", "b": "2", "c": "4"}
    assert code_of(auth.parse_params, "a=1&a=2", "") == -1101
