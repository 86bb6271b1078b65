"""BinanceAuth against every signing vector of docs/binance_spot.md section 10.1-10.3, and secret hygiene."""
import logging
import pickle

import pytest

from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth
from hummingbot_conn.web.data_types import RESTMethod, RESTRequest, WSJSONRequest
from hummingbot_conn.web.errors import ExchangeError

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


class FixedTime:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def time(self) -> float:
        return self.ms / 1e3


def auth_at(ms: int, recv_window=5000) -> BinanceAuth:
    return BinanceAuth(API_KEY, SECRET, FixedTime(ms), recv_window_ms=recv_window)


ORDER = {"symbol": "LTCBTC", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1", "price": "0.1"}


async def test_rest_vector_10_1_as_query_string():
    request = RESTRequest(RESTMethod.POST, url="http://x/api/v3/order", params=dict(ORDER), is_auth_required=True)
    signed = await auth_at(1499827319559).rest_authenticate(request)
    assert signed.params == ("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
                             "&recvWindow=5000&timestamp=1499827319559"
                             "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
    assert signed.data is None
    assert signed.headers["X-MBX-APIKEY"] == API_KEY


async def test_rest_vector_10_1_as_body_gives_the_same_signature():
    request = RESTRequest(RESTMethod.POST, url="http://x/api/v3/order", data=dict(ORDER), is_auth_required=True)
    signed = await auth_at(1499827319559).rest_authenticate(request)
    assert signed.params == ""
    assert signed.data.endswith("&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")


async def test_rest_vector_10_1_non_ascii_symbol_is_percent_encoded_before_signing():
    params = dict(ORDER, symbol="１２３４５６")
    signed = await auth_at(1499827319559).rest_authenticate(
        RESTRequest(RESTMethod.POST, url="http://x", params=params, is_auth_required=True))
    assert signed.params.startswith("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY")
    assert signed.params.endswith("&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3")


async def test_rest_vector_10_2_mixed_query_and_body():
    query = {k: ORDER[k] for k in ("symbol", "side", "type", "timeInForce")}
    body = {"quantity": "1", "price": "0.1"}
    signed = await auth_at(1499827319559).rest_authenticate(
        RESTRequest(RESTMethod.POST, url="http://x", params=query, data=body, is_auth_required=True))
    assert signed.params == "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
    assert signed.data == ("quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
                           "&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77")


@pytest.mark.parametrize("params, signature", [
    ({"apiKey": API_KEY, "price": "52000.00", "quantity": "0.01000000", "recvWindow": 100, "side": "SELL",
      "symbol": "BTCUSDT", "timeInForce": "GTC", "timestamp": 1645423376532, "type": "LIMIT"},
     "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"),
    ({"symbol": "１２３４５６", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1.00000000",
      "price": "0.10000000", "recvWindow": 5000, "timestamp": 1645423376532, "apiKey": API_KEY},
     "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd"),
    ({"timestamp": 1649729878532, "apiKey": API_KEY},
     "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed"),
])
def test_ws_api_vectors_10_3_sorted_raw_utf8(params, signature):
    assert auth_at(0).generate_ws_signature(params) == signature
    # a signature already in the params is not part of the payload
    assert auth_at(0).generate_ws_signature(dict(params, signature="x")) == signature


def test_ws_subscribe_params_10_3_derived_vector():
    params = auth_at(1747385641636).generate_ws_subscribe_params()
    assert params == {"apiKey": API_KEY, "timestamp": 1747385641636,
                      "signature": "681110a6057ad58657af22f5640fab9dd17418834cdfccdc81be8b0f7b2cde3e"}


async def test_ws_authenticate_signs_a_ws_api_request():
    request = WSJSONRequest({"id": "1", "method": "session.logon", "params": {"timestamp": 1649729878532}},
                            is_auth_required=True)
    signed = await auth_at(0).ws_authenticate(request)
    assert signed.payload["params"]["signature"] == "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed"
    assert "signature" not in request.payload["params"]      # the original is untouched


async def test_reserved_params_are_rejected_and_recv_window_not_duplicated():
    auth = auth_at(1)
    with pytest.raises(ValueError, match="added by BinanceAuth"):
        await auth.rest_authenticate(RESTRequest(RESTMethod.GET, url="http://x", params={"timestamp": 5}))
    signed = await auth.rest_authenticate(RESTRequest(RESTMethod.GET, url="http://x", params={"recvWindow": 100}))
    assert signed.params.startswith("recvWindow=100&timestamp=1&signature=")
    signed = await auth_at(1, recv_window=None).rest_authenticate(RESTRequest(RESTMethod.GET, url="http://x"))
    assert signed.params.startswith("timestamp=1&signature=")


def test_callable_time_provider():
    auth = BinanceAuth(API_KEY, SECRET, lambda: 1747385641.636)
    assert auth.generate_ws_subscribe_params()["timestamp"] == 1747385641636


async def test_secret_never_in_repr_str_logs_or_errors(caplog):
    caplog.set_level(logging.DEBUG)
    auth = auth_at(1499827319559)
    for text in (repr(auth), str(auth)):
        assert SECRET not in text and API_KEY not in text
    signed = await auth.rest_authenticate(
        RESTRequest(RESTMethod.POST, url="http://x/api/v3/order", params=dict(ORDER), is_auth_required=True))
    for text in (repr(signed), str(signed)):
        assert SECRET not in text and API_KEY not in text
        assert "c8db56825ae71d6d" not in text                # the signature is redacted too
    ws = await auth.ws_authenticate(WSJSONRequest({"id": 1, "method": "m", "params": {}}, is_auth_required=True))
    assert API_KEY not in repr(ws) and SECRET not in repr(ws)
    with pytest.raises(ValueError) as info:
        BinanceAuth(API_KEY, "", FixedTime(0))
    assert SECRET not in str(info.value)
    with pytest.raises(TypeError) as info:
        pickle.dumps(auth)
    assert SECRET not in str(info.value)
    error = ExchangeError(400, -1022, "Signature for this request is not valid.", "POST", "http://x/api/v3/order")
    assert SECRET not in str(error) and API_KEY not in str(error)
    for record in caplog.records:
        assert SECRET not in record.getMessage() and API_KEY not in record.getMessage()
