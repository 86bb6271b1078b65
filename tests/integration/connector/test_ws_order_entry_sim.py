"""The simulator's WebSocket API order methods as Binance documents them (docs/binance_spot.md 7.6),
spoken to by hand over a real socket: params and signature, answer shapes, error codes, rateLimits.

The connector's use of them: test_ws_order_entry.py.
"""
import hashlib
import hmac
import itertools
import time
from typing import Any, Dict

import aiohttp
import orjson
import pytest

_IDS = itertools.count(1)


class Api:
    """One /ws-api/v3 socket; ``call`` signs like section 2.5 and returns the answer."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, key: str, secret: str) -> None:
        self.ws, self.key, self.secret = ws, key, secret

    def sign(self, params: Dict[str, Any]) -> Dict[str, Any]:
        params = dict(params, apiKey=self.key, timestamp=int(time.time() * 1000))
        payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        params["signature"] = hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        return params

    async def call(self, method: str, params: Dict[str, Any], *, sign: bool = True) -> Dict[str, Any]:
        request_id = f"r{next(_IDS)}"
        await self.ws.send_str(orjson.dumps({"id": request_id, "method": method,
                                             "params": self.sign(params) if sign else params}).decode())
        while True:
            msg = await self.ws.receive(timeout=10)
            assert msg.type is aiohttp.WSMsgType.TEXT, msg
            answer = orjson.loads(msg.data)
            if answer.get("id") == request_id:
                return answer


@pytest.fixture
async def api(sim):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "2"})
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(sim.ws_api_url) as ws:
            yield Api(ws, key, secret)


LIMIT = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
         "price": "50000", "newClientOrderId": "ws-1"}


async def test_place_status_cancel_answer_like_rest_with_rate_limits(api, sim):
    placed = await api.call("order.place", dict(LIMIT, newOrderRespType="FULL"))
    assert placed["status"] == 200
    result = placed["result"]
    assert result["clientOrderId"] == "ws-1" and result["status"] == "NEW" and result["fills"] == []
    kinds = [(r["rateLimitType"], r["interval"], r["intervalNum"]) for r in placed["rateLimits"]]
    assert kinds == [("REQUEST_WEIGHT", "MINUTE", 1), ("ORDERS", "SECOND", 10), ("ORDERS", "DAY", 1)]
    assert [r["count"] for r in placed["rateLimits"][1:]] == [1, 1]
    status = await api.call("order.status", {"symbol": "BTCUSDT", "origClientOrderId": "ws-1"})
    assert status["result"]["orderId"] == result["orderId"] and status["result"]["status"] == "NEW"
    # order.status weighs 4 (successful placements and cancels 0)
    assert status["rateLimits"][0]["count"] - placed["rateLimits"][0]["count"] == 4
    assert len(status["rateLimits"]) == 1
    cancelled = await api.call("order.cancel", {"symbol": "BTCUSDT", "origClientOrderId": "ws-1"})
    assert cancelled["status"] == 200 and cancelled["result"]["status"] == "CANCELED"
    assert cancelled["result"]["origClientOrderId"] == "ws-1"


@pytest.mark.parametrize("method, params, status, code", [
    ("order.place", dict(LIMIT, quantity="3", price="40000"), 400, -2010),     # insufficient balance
    ("order.place", dict(LIMIT, price="50000.001"), 400, -1013),               # off the price tick
    ("order.place", {k: v for k, v in LIMIT.items() if k != "side"}, 400, -1102),
    ("order.place", dict(LIMIT, side="UP"), 400, -1117),
    ("order.place", dict(LIMIT, symbol="NOPE"), 400, -1121),
    ("order.cancel", {"symbol": "BTCUSDT", "origClientOrderId": "never"}, 400, -2011),
    ("order.status", {"symbol": "BTCUSDT", "origClientOrderId": "never"}, 400, -2013),
    ("order.status", {"symbol": "BTCUSDT"}, 400, -1102),
])
async def test_refusals_carry_binances_codes(api, method, params, status, code):
    answer = await api.call(method, params)
    assert (answer["status"], answer["error"]["code"]) == (status, code), answer
    assert answer["rateLimits"][0]["rateLimitType"] == "REQUEST_WEIGHT"


async def test_a_bad_signature_or_key_or_stale_timestamp_is_refused(api):
    signed = api.sign(LIMIT)
    assert (await api.call("order.place", dict(signed, signature="0" * 64), sign=False))["error"]["code"] == -1022
    assert (await api.call("order.place", dict(signed, apiKey="nosuchkey"), sign=False))["error"]["code"] == -2015
    stale = dict(LIMIT, apiKey=api.key, timestamp=int(time.time() * 1000) - 120_000)
    payload = "&".join(f"{k}={v}" for k, v in sorted(stale.items()))
    stale["signature"] = hmac.new(api.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    assert (await api.call("order.place", stale, sign=False))["error"]["code"] == -1021
    assert (await api.call("order.place", dict(LIMIT), sign=False))["error"]["code"] == -2015


async def test_a_rate_limit_fault_answers_429_with_retry_after_unprocessed(api, sim):
    sim.faults.add("http_429", endpoint="order.place", count=1)
    answer = await api.call("order.place", LIMIT)
    assert answer["status"] == 429 and answer["error"]["code"] == -1003
    data = answer["error"]["data"]
    assert data["retryAfter"] > data["serverTime"]
    assert sim.engine.open_orders(sim.account(api.key)) == []


async def test_a_lost_answer_takes_effect_and_closes_the_socket(api, sim):
    sim.faults.add("lose_response", endpoint="order.place", count=1)
    await api.ws.send_str(orjson.dumps({"id": "lost", "method": "order.place", "params": api.sign(LIMIT)}).decode())
    msg = await api.ws.receive(timeout=10)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
    assert [o.client_order_id for o in sim.engine.open_orders(sim.account(api.key))] == ["ws-1"]
