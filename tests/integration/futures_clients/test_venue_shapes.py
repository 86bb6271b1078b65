"""The USDⓈ-M simulator's answers that the outside clients rely on, checked field by field.

A plain aiohttp client that signs itself, on a ManualClock with ``auto_flush=False``,
so every figure is exact (docs/binance_usdm_futures.md sections 3-6).
"""
from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from urllib.parse import urlencode

import aiohttp
import orjson
import pytest

from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

from .conftest import wait_for

START = 1_700_000_000_000


@pytest.fixture
async def shapes():
    clock = ManualClock(START)
    async with SimulatedFuturesExchange(clock=clock, auto_flush=False, funding_interval_ms=60_000) as sim:
        key, secret = sim.create_account("10000", leverage={"BTCUSDT": 10})
        async with aiohttp.ClientSession() as session:
            async def call(method, path, signed=True, **params):
                params = {k: str(v) for k, v in params.items()}
                if signed:
                    params["timestamp"] = str(clock.now_ms())
                query = urlencode(params)
                if signed:
                    query += "&signature=" + hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
                async with session.request(method, f"{sim.rest_url}{path}?{query}",
                                           headers={"X-MBX-APIKEY": key}) as resp:
                    return resp.status, await resp.json()
            yield sim, clock, call, session


async def test_a_funded_account_carries_its_funding_time_before_any_trade(shapes):
    sim, clock, call, _ = shapes
    for path in ("/fapi/v2/account", "/fapi/v3/account"):
        status, body = await call("GET", path)
        assert status == 200 and body["assets"][0]["updateTime"] == START, (path, body["assets"])
    for path in ("/fapi/v2/balance", "/fapi/v3/balance"):
        status, [row] = await call("GET", path)
        assert (status, row["balance"], row["updateTime"]) == (200, "10000.00000000", START)
    empty, _ = sim.create_account("0")
    assert sim.accounts.by_key(empty).update_time == 0      # no balance yet: nothing changed


async def test_v3_account_lists_held_positions_without_leverage_and_settings_move_to_config(shapes):
    sim, clock, call, _ = shapes
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "1")
    clock.advance(5)
    assert (await call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="MARKET",
                       quantity="0.01"))[0] == 200
    _, v3 = await call("GET", "/fapi/v3/account")
    [pos] = v3["positions"]
    assert (pos["symbol"], pos["positionAmt"], pos["updateTime"]) == ("BTCUSDT", "0.01", START + 5)
    assert "leverage" not in pos and "canTrade" not in v3 and v3["assets"][0]["updateTime"] == START + 5
    _, [config] = await call("GET", "/fapi/v1/symbolConfig", symbol="BTCUSDT")
    _, every = await call("GET", "/fapi/v1/leverageBracket")
    assert [d["symbol"] for d in every] == ["BTCUSDT", "ETHUSDT"]
    assert (config["marginType"], config["leverage"]) == ("CROSSED", 10)
    _, brackets = await call("GET", "/fapi/v1/leverageBracket", symbol="BTCUSDT")
    assert brackets["symbol"] == "BTCUSDT" and brackets["brackets"][0]["initialLeverage"] == 125
    caps = [b["notionalCap"] for b in brackets["brackets"]]
    assert caps == sorted(caps) and [b["notionalFloor"] for b in brackets["brackets"][1:]] == caps[:-1]
    # maxNotionalValue everywhere is the cap of the last bracket allowing leverage 10
    allowed = max(b["notionalCap"] for b in brackets["brackets"] if b["initialLeverage"] >= 10)
    assert config["maxNotionalValue"] == str(allowed)
    _, [risk] = await call("GET", "/fapi/v2/positionRisk", symbol="BTCUSDT")
    assert risk["maxNotionalValue"] == str(allowed)
    _, account_config = await call("GET", "/fapi/v1/accountConfig")
    assert account_config["dualSidePosition"] is False and account_config["canTrade"] is True
    _, rates = await call("GET", "/fapi/v1/commissionRate", symbol="BTCUSDT")
    assert (rates["makerCommissionRate"], rates["takerCommissionRate"]) == ("0.0002", "0.0005")


async def test_margin_type_is_cross_only_and_conditional_orders_answer_like_the_venue(shapes):
    sim, clock, call, _ = shapes
    assert await call("POST", "/fapi/v1/marginType", symbol="BTCUSDT", marginType="CROSSED") == \
        (400, {"code": -4046, "msg": "No need to change margin type."})
    status, body = await call("POST", "/fapi/v1/marginType", symbol="BTCUSDT", marginType="ISOLATED")
    assert (status, body["code"]) == (400, -1130) and "cross margin only" in body["msg"]
    for kind in ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"):
        status, body = await call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="SELL", type=kind,
                                  quantity="0.01", stopPrice="50000")
        assert (status, body["code"]) == (400, -4120), kind
        assert "Algo Order API" in body["msg"]
    assert (await call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="SELL", type="OCO",
                       quantity="0.01"))[1]["code"] == -1116


async def test_orders_history_open_order_and_market_data_from_the_tape(shapes):
    sim, clock, call, _ = shapes
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "1")
    sim.place_liquidity("BTCUSDT", "SELL", "60100", "1")
    _, resting = await call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="LIMIT",
                            timeInForce="GTC", quantity="0.01", price="59000")
    status, open_one = await call("GET", "/fapi/v1/openOrder", symbol="BTCUSDT", orderId=resting["orderId"])
    assert (status, open_one["status"]) == (200, "NEW")
    clock.advance(60_000)
    await call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="MARKET", quantity="1.5")
    await call("DELETE", "/fapi/v1/order", symbol="BTCUSDT", orderId=resting["orderId"])
    assert (await call("GET", "/fapi/v1/openOrder", symbol="BTCUSDT", orderId=resting["orderId"]))[1] == \
        {"code": -2013, "msg": "Order does not exist."}
    _, orders = await call("GET", "/fapi/v1/allOrders", symbol="BTCUSDT")
    assert [(o["orderId"], o["status"]) for o in orders] == [(resting["orderId"], "CANCELED"),
                                                             (resting["orderId"] + 1, "FILLED")]
    _, since = await call("GET", "/fapi/v1/allOrders", symbol="BTCUSDT", orderId=resting["orderId"] + 1)
    assert [o["status"] for o in since] == ["FILLED"]
    _, ticker = await call("GET", "/fapi/v1/ticker/24hr", signed=False, symbol="BTCUSDT")
    assert (ticker["openPrice"], ticker["lastPrice"], ticker["highPrice"], ticker["lowPrice"]) == \
        ("60000", "60100", "60100", "60000")
    assert (ticker["priceChangePercent"], ticker["count"], ticker["firstId"], ticker["lastId"]) == \
        ("0.167", 2, 1, 2)
    assert Decimal(ticker["weightedAvgPrice"]) == (60000 + Decimal("0.5") * 60100) / Decimal("1.5")
    _, klines = await call("GET", "/fapi/v1/klines", signed=False, symbol="BTCUSDT", interval="1m")
    [k] = klines
    assert k[0] == (START + 60_000) // 60_000 * 60_000 and k[1:6] == ["60000", "60100", "60000", "60100", "1.5"]
    assert k[8] == 2 and k[9] == "1.5"       # both trades were taker buys
    assert (await call("GET", "/fapi/v1/klines", signed=False, symbol="BTCUSDT", interval="7m"))[1]["code"] \
        == -1120
    _, aggs = await call("GET", "/fapi/v1/aggTrades", signed=False, symbol="BTCUSDT")
    assert [(a["a"], a["p"], a["q"], a["m"]) for a in aggs] == [(1, "60000", "1", False), (2, "60100", "0.5", False)]
    _, oi = await call("GET", "/fapi/v1/openInterest", signed=False, symbol="BTCUSDT")
    assert oi["openInterest"] == "1.5"
    _, price = await call("GET", "/fapi/v2/ticker/price", signed=False, symbol="BTCUSDT")
    assert price == {"symbol": "BTCUSDT", "price": "60100", "time": clock.now_ms()}
    _, [info, _eth] = await call("GET", "/fapi/v1/fundingInfo", signed=False)
    assert info["symbol"] == "BTCUSDT" and info["fundingIntervalHours"] == pytest.approx(1 / 60)


async def test_partial_depth_carries_its_intervals_diff_ids_and_its_speed(shapes):
    sim, clock, call, session = shapes
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "1")
    async with session.ws_connect(f"{sim.ws_url}/public/stream?streams=btcusdt@depth@100ms/"
                                  "btcusdt@depth5@100ms/btcusdt@depth10/btcusdt@trade") as ws:
        await wait_for(lambda: len(sim.streams.subscribers.get("btcusdt@trade", ())) == 1, what="subscriptions")
        for price in ("60010", "60020"):
            sim.place_liquidity("BTCUSDT", "SELL", price, "1")
        sim.streams.flush("100ms")
        frames = [orjson.loads((await ws.receive()).data) for _ in range(2)]
        by_stream = {f["stream"]: f["data"] for f in frames}
        diff, partial = by_stream["btcusdt@depth@100ms"], by_stream["btcusdt@depth5@100ms"]
        assert (partial["U"], partial["u"], partial["pu"]) == (diff["U"], diff["u"], diff["pu"])
        assert partial["U"] < partial["u"] and partial["a"][0] == ["60000", "1"] and len(partial["a"]) == 3
        sim.streams.flush("250ms")          # @depth10 is the 250 ms partial: it covers both changes too
        ten = orjson.loads((await ws.receive()).data)
        assert ten["stream"] == "btcusdt@depth10" and ten["data"]["u"] == diff["u"]
        await call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
        trade = orjson.loads((await ws.receive()).data)
        assert trade["stream"] == "btcusdt@trade"
        assert {k: trade["data"][k] for k in ("e", "s", "t", "p", "q", "X", "m")} == \
            {"e": "trade", "s": "BTCUSDT", "t": 1, "p": "60000", "q": "0.01", "X": "MARKET", "m": False}


async def test_a_listen_key_subscribed_on_a_socket_carries_user_data_only_where_the_venue_routes_it(shapes):
    sim, clock, call, session = shapes
    _, body = await call("POST", "/fapi/v1/listenKey", signed=False)
    key = body["listenKey"]
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "1")
    async with session.ws_connect(f"{sim.ws_url}/public/ws") as public, \
            session.ws_connect(f"{sim.ws_url}/private/stream") as private:
        await public.send_json({"method": "SUBSCRIBE", "params": [key], "id": 1})
        assert (await public.receive_json())["code"] == 2          # /public carries no user data
        await private.send_json({"method": "SUBSCRIBE", "params": [key, "nosuch@depth"], "id": 2})
        assert (await private.receive_json())["code"] == 2         # a bad stream: nothing subscribed
        assert not sim.streams.user_connections.get(key)
        await private.send_json({"method": "SUBSCRIBE", "params": [key], "id": 3})
        assert await private.receive_json() == {"result": None, "id": 3}
        await call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01")
        frame = await private.receive_json()
        assert frame["stream"] == key and frame["data"]["e"] == "ORDER_TRADE_UPDATE"
        await private.send_json({"method": "UNSUBSCRIBE", "params": [key], "id": 4})
        while (msg := await private.receive_json()).get("id") != 4:
            assert msg["stream"] == key         # the rest of that order's events
        assert not sim.streams.user_connections.get(key)
