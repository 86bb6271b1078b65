"""Binance perpetual constants, URLs and signing (docs/binance_usdm_futures.md sections 1, 2, 10.1)."""
import pytest

from hummingbot_conn.exchanges.binance_perpetual import (
    binance_perpetual_constants as CONSTANTS,
    binance_perpetual_web_utils as web_utils,
)
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_auth import BinancePerpetualAuth
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import BinancePerpetualEndpoints
from hummingbot_conn.web.data_types import RESTMethod, RESTRequest

KEY = "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83"
SECRET = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"


async def test_signature_vector_10_1():
    auth = BinancePerpetualAuth(KEY, SECRET, lambda: 1591702613.943)
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "1", "price": "9000",
             "timeInForce": "GTC"}
    signed = await auth.rest_authenticate(RESTRequest(RESTMethod.POST, url="http://x/fapi/v1/order",
                                                      params=order, is_auth_required=True))
    assert signed.params == ("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
                             "&recvWindow=5000&timestamp=1591702613943"
                             "&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9")
    assert signed.headers["X-MBX-APIKEY"] == KEY
    assert SECRET not in repr(auth) and repr(auth).startswith("BinancePerpetualAuth(")


def test_urls_for_live_testnet_and_simulator():
    assert web_utils.public_rest_url(CONSTANTS.SNAPSHOT_REST_URL) == "https://fapi.binance.com/fapi/v1/depth"
    testnet = BinancePerpetualEndpoints.for_domain(CONSTANTS.TESTNET_DOMAIN)
    assert testnet.rest_url("/v2/positionRisk") == "https://testnet.binancefuture.com/fapi/v2/positionRisk"
    local = BinancePerpetualEndpoints.local("127.0.0.1:9000")
    assert (local.public_stream_url(), local.market_stream_url(), local.private_stream_url("K")) == (
        "ws://127.0.0.1:9000/public/stream", "ws://127.0.0.1:9000/market/stream",
        "ws://127.0.0.1:9000/private/ws?listenKey=K")
    assert web_utils.private_rest_url("/v1/order", local) == "http://127.0.0.1:9000/fapi/v1/order"
    with pytest.raises(ValueError, match="unknown Binance perpetual domain"):
        web_utils.endpoints("binance_perpetual_moon")


def test_every_endpoint_has_a_rate_limit_linked_to_the_weight_pool():
    ids = {limit.limit_id for limit in CONSTANTS.RATE_LIMITS}
    for limit_id, _, _ in CONSTANTS.ENDPOINT_WEIGHTS:
        assert limit_id in ids
    post = next(limit for limit in CONSTANTS.RATE_LIMITS if limit.limit_id == CONSTANTS.POST_ORDER_LIMIT_ID)
    assert {link.limit_id for link in post.linked_limits} == {CONSTANTS.REQUEST_WEIGHT, CONSTANTS.ORDERS_1MIN,
                                                               CONSTANTS.ORDERS_10SEC}
    assert web_utils.is_exchange_information_valid({"contractType": "PERPETUAL", "status": "TRADING"})
    assert not web_utils.is_exchange_information_valid({"contractType": "CURRENT_QUARTER", "status": "TRADING"})
