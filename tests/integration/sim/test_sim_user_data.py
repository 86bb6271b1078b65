"""User data over the WebSocket API (and the legacy listenKey stream), exact field names."""
import asyncio
import hashlib
import hmac
import json
import time
from decimal import Decimal
from urllib.parse import urlencode

import aiohttp
import pytest
import yarl

from hummingbot_conn.sim import SimulatedExchange

EXECUTION_REPORT_KEYS = {"e", "E", "s", "c", "S", "o", "f", "q", "p", "P", "F", "g", "C", "x", "X", "r", "i",
                         "l", "z", "L", "n", "N", "T", "t", "I", "w", "m", "M", "O", "Z", "Y", "Q", "W", "V"}


def ws_signature(secret, params):
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
async def env():
    async with SimulatedExchange(seed=2, auto_flush=False) as sim:
        key, secret = sim.create_account({"USDT": "10000", "BTC": "1"})
        async with aiohttp.ClientSession() as session:
            yield sim, session, key, secret


async def subscribe(session, sim, key, secret, req_id="sub-1"):
    ws = await session.ws_connect(sim.ws_api_url)
    params = {"apiKey": key, "timestamp": int(time.time() * 1000)}
    params["signature"] = ws_signature(secret, params)
    await ws.send_str(json.dumps({"id": req_id, "method": "userDataStream.subscribe.signature",
                                  "params": params}))
    reply = json.loads((await ws.receive(timeout=5)).data)
    return ws, reply


async def events(ws, n):
    out = []
    while len(out) < n:
        out.append(json.loads((await ws.receive(timeout=5)).data))
    return out


async def test_subscribe_and_order_events(env):
    sim, session, key, secret = env
    ws, reply = await subscribe(session, sim, key, secret)
    assert reply["id"] == "sub-1" and reply["status"] == 200 and reply["result"] == {"subscriptionId": 0}
    assert reply["rateLimits"][0]["rateLimitType"] == "REQUEST_WEIGHT"
    mkey, _ = sim.create_account({"BTC": "1"})
    sim.engine.place_order(sim.account(mkey), "BTCUSDT", "SELL", "LIMIT", quantity=Decimal("0.1"),
                           price=Decimal("60000"), time_in_force="GTC")
    account = sim.account(key)
    order, _ = sim.engine.place_order(account, "BTCUSDT", "BUY", "LIMIT", quantity=Decimal("0.15"),
                                      price=Decimal("60000"), time_in_force="GTC", client_order_id="buy-1")
    new, trade, position = await events(ws, 3)
    assert all(set(ev) == {"subscriptionId", "event"} and ev["subscriptionId"] == 0 for ev in (new, trade, position))
    new, trade, position = new["event"], trade["event"], position["event"]
    assert set(new) == EXECUTION_REPORT_KEYS
    assert (new["x"], new["X"], new["c"], new["C"], new["t"], new["n"], new["N"]) == \
        ("NEW", "NEW", "buy-1", "", -1, "0", None)
    assert new["q"] == "0.15000000" and new["p"] == "60000.00000000" and new["i"] == order.order_id
    assert (trade["x"], trade["X"], trade["l"], trade["z"], trade["L"]) == \
        ("TRADE", "PARTIALLY_FILLED", "0.10000000", "0.10000000", "60000.00000000")
    assert trade["n"] == "0.00010000" and trade["N"] == "BTC" and trade["m"] is False
    assert trade["Z"] == "6000.00000000" and trade["Y"] == "6000.00000000" and trade["I"] > new["I"]
    assert trade["E"] == new["E"] and trade["T"] == new["T"]
    assert position["e"] == "outboundAccountPosition" and set(position) == {"e", "E", "u", "B"}
    assert position["B"] == [{"a": "BTC", "f": "1.09990000", "l": "0.00000000"},
                             {"a": "USDT", "f": "1000.00000000", "l": "3000.00000000"}]
    sim.engine.cancel_order(account, "BTCUSDT", order.order_id, new_client_id="cxl-9")
    cancel, position = [e["event"] for e in await events(ws, 2)]
    assert (cancel["x"], cancel["X"], cancel["c"], cancel["C"]) == ("CANCELED", "CANCELED", "cxl-9", "buy-1")
    assert position["B"] == [{"a": "USDT", "f": "4000.00000000", "l": "0.00000000"}]
    sim.engine.deposit(account, "ETH", Decimal("2"))
    update, position = [e["event"] for e in await events(ws, 2)]
    assert update["e"] == "balanceUpdate" and update["a"] == "ETH" and update["d"] == "2.00000000"
    assert set(update) == {"e", "E", "a", "d", "T"}
    await ws.send_str(json.dumps({"id": 7, "method": "session.subscriptions"}))
    assert json.loads((await ws.receive(timeout=5)).data)["result"] == [{"subscriptionId": 0}]
    await ws.send_str(json.dumps({"id": 8, "method": "userDataStream.unsubscribe"}))
    terminated, reply = await events(ws, 2)
    assert terminated["event"]["e"] == "eventStreamTerminated" and reply["result"] == {}
    await ws.close()


async def test_market_order_over_rest_reaches_ws_subscriber(env):
    sim, session, key, secret = env
    ws, _ = await subscribe(session, sim, key, secret)
    mkey, _ = sim.create_account({"BTC": "1"})
    sim.engine.place_order(sim.account(mkey), "BTCUSDT", "SELL", "LIMIT", quantity=Decimal("0.01"),
                           price=Decimal("50000"), time_in_force="GTC")
    params = urlencode({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.02",
                        "timestamp": int(time.time() * 1000)})
    sig = hmac.new(secret.encode(), params.encode(), hashlib.sha256).hexdigest()
    url = yarl.URL(f"{sim.rest_url}/api/v3/order?{params}&signature={sig}", encoded=True)
    async with session.post(url, headers={"X-MBX-APIKEY": key}) as resp:
        body = await resp.json()
    assert body["status"] == "EXPIRED" and body["expiryReason"] == "INSUFFICIENT_LIQUIDITY"
    reports = [e["event"] for e in await events(ws, 4)]
    assert [(r["e"], r.get("x")) for r in reports] == [
        ("executionReport", "NEW"), ("executionReport", "TRADE"), ("executionReport", "EXPIRED"),
        ("outboundAccountPosition", None)]
    assert reports[2]["eR"] == "INSUFFICIENT_LIQUIDITY" and reports[2]["z"] == "0.01000000"
    await ws.close()


async def test_subscription_errors(env):
    sim, session, key, secret = env
    ws, reply = await subscribe(session, sim, key, "0" * 64)
    assert reply["status"] == 400
    assert reply["error"] == {"code": -1022, "msg": "Signature for this request is not valid."}
    await ws.close()
    ws, reply = await subscribe(session, sim, "A" * 64, secret)
    assert reply["status"] == 401 and reply["error"]["code"] == -2015
    await ws.close()
    ws, reply = await subscribe(session, sim, key, secret)
    assert reply["status"] == 200
    params = {"apiKey": key, "timestamp": int(time.time() * 1000)}
    params["signature"] = ws_signature(secret, params)
    await ws.send_str(json.dumps({"id": 2, "method": "userDataStream.subscribe.signature", "params": params}))
    assert json.loads((await ws.receive(timeout=5)).data)["error"]["code"] == -2035
    stale = {"apiKey": key, "timestamp": int(time.time() * 1000) - 60_000}
    stale["signature"] = ws_signature(secret, stale)
    await ws.send_str(json.dumps({"id": 3, "method": "userDataStream.subscribe.signature", "params": stale}))
    assert json.loads((await ws.receive(timeout=5)).data)["error"]["code"] == -1021
    await ws.send_str(json.dumps({"id": 4, "method": "userDataStream.start", "params": {}}))
    reply = json.loads((await ws.receive(timeout=5)).data)
    assert reply["id"] == 4 and reply["status"] == 400
    await ws.send_str(json.dumps({"id": 5, "method": "time"}))
    assert "serverTime" in json.loads((await ws.receive(timeout=5)).data)["result"]
    await ws.close()


async def test_close_user_sockets_fault(env):
    sim, session, key, secret = env
    ws, _ = await subscribe(session, sim, key, secret)
    sim.faults.add("close_user_sockets")
    msg = await ws.receive(timeout=5)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    # a reconnecting client subscribes again and gets events
    ws, reply = await subscribe(session, sim, key, secret)
    assert reply["status"] == 200
    sim.engine.deposit(sim.account(key), "BTC", Decimal("1"))
    assert (await events(ws, 1))[0]["event"]["e"] == "balanceUpdate"
    await ws.close()


async def test_legacy_listen_key_stream(env):
    sim, session, key, secret = env
    headers = {"X-MBX-APIKEY": key}
    async with session.post(f"{sim.rest_url}/api/v3/userDataStream", headers=headers) as resp:
        listen_key = (await resp.json())["listenKey"]
    assert len(listen_key) == 64
    async with session.put(f"{sim.rest_url}/api/v3/userDataStream", params={"listenKey": listen_key},
                           headers=headers) as resp:
        assert await resp.json() == {}
    async with session.put(f"{sim.rest_url}/api/v3/userDataStream", params={"listenKey": "x" * 64},
                           headers=headers) as resp:
        assert (await resp.json()) == {"code": -1125, "msg": "This listenKey does not exist."}
    ws = await session.ws_connect(f"{sim.ws_url}/ws/{listen_key}")
    await asyncio.sleep(0.05)
    sim.engine.deposit(sim.account(key), "BTC", Decimal("1"))
    update = json.loads((await ws.receive(timeout=5)).data)
    assert update["e"] == "balanceUpdate"          # bare, no wrapper, on the legacy stream
    async with session.delete(f"{sim.rest_url}/api/v3/userDataStream", params={"listenKey": listen_key},
                              headers=headers) as resp:
        assert await resp.json() == {}
    while True:
        msg = await ws.receive(timeout=5)
        if msg.type != aiohttp.WSMsgType.TEXT:
            break
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_legacy_endpoints_can_be_turned_off():
    async with SimulatedExchange(legacy_listen_key=False, auto_flush=False) as sim:
        key, _ = sim.create_account({})
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{sim.rest_url}/api/v3/userDataStream", headers={"X-MBX-APIKEY": key}) as resp:
                assert resp.status == 404
