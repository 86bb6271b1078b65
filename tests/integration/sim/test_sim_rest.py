"""REST over real sockets with a plain aiohttp client: signing, orders, errors, weights, faults."""
import asyncio
import hashlib
import hmac
import time
from decimal import Decimal
from urllib.parse import urlencode

import aiohttp
import pytest
import yarl

from hummingbot_conn.sim import SimulatedExchange


def sign(secret: str, params: dict) -> str:
    query = urlencode(params)
    return query + "&signature=" + hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()


class Client:
    def __init__(self, session, sim, key, secret):
        self.session, self.sim, self.key, self.secret = session, sim, key, secret

    async def call(self, method, path, params=None, signed=True, body=False, key=None):
        params = dict(params or {})
        if signed:
            params.setdefault("timestamp", int(time.time() * 1000))
            payload = sign(self.secret, params)
        else:
            payload = urlencode(params)
        headers = {"X-MBX-APIKEY": key if key is not None else self.key}
        if body:
            url = yarl.URL(f"{self.sim.rest_url}{path}", encoded=True)
            resp = await self.session.request(method, url, data=payload, headers={
                **headers, "Content-Type": "application/x-www-form-urlencoded"})
        else:
            url = yarl.URL(f"{self.sim.rest_url}{path}?{payload}", encoded=True)
            resp = await self.session.request(method, url, headers=headers)
        async with resp:
            return resp.status, await resp.json(), resp.headers


@pytest.fixture
async def env():
    async with SimulatedExchange(seed=1, weight_limit=6000) as sim:
        key, secret = sim.create_account({"USDT": "100000", "BTC": "2", "ETH": "50"})
        mkey, msecret = sim.create_account({"USDT": "100000", "BTC": "2", "ETH": "50"})
        async with aiohttp.ClientSession() as session:
            yield sim, Client(session, sim, key, secret), Client(session, sim, mkey, msecret)


async def test_public_endpoints(env):
    sim, c, _ = env
    assert (await c.call("GET", "/api/v3/ping", signed=False))[1] == {}
    status, body, headers = await c.call("GET", "/api/v3/time", signed=False)
    assert status == 200 and abs(body["serverTime"] - time.time() * 1000) < 60_000
    assert headers["X-MBX-USED-WEIGHT-1M"] == "2"
    _, info, headers = await c.call("GET", "/api/v3/exchangeInfo", {"symbol": "BTCUSDT"}, signed=False)
    assert headers["X-MBX-USED-WEIGHT-1M"] == "22"
    assert [s["symbol"] for s in info["symbols"]] == ["BTCUSDT"]
    filters = {f["filterType"]: f for f in info["symbols"][0]["filters"]}
    assert filters["PRICE_FILTER"]["tickSize"] == "0.01000000" and "NOTIONAL" in filters
    assert info["rateLimits"][0] == {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE",
                                     "intervalNum": 1, "limit": 6000}
    status, body, _ = await c.call("GET", "/api/v3/depth", {"symbol": "NOPE"}, signed=False)
    assert (status, body) == (400, {"code": -1121, "msg": "Invalid symbol."})
    status, body, _ = await c.call("GET", "/api/v3/exchangeInfo", {"symbols": '["BTCUSDT","ETHBTC"]'}, signed=False)
    assert [s["symbol"] for s in body["symbols"]] == ["BTCUSDT", "ETHBTC"]


async def test_limit_order_lifecycle_full_result_ack(env):
    sim, c, m = env
    status, maker, headers = await m.call("POST", "/api/v3/order", {
        "symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": "0.5", "price": "60000", "newClientOrderId": "maker-1"})
    assert status == 200 and maker["status"] == "NEW" and maker["fills"] == []
    assert headers["X-MBX-ORDER-COUNT-10S"] == "1" and headers["X-MBX-USED-WEIGHT-1M"] == "0"
    # body-signed, RESULT
    status, taker, _ = await c.call("POST", "/api/v3/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.2",
        "price": "61000", "newOrderRespType": "RESULT"}, body=True)
    assert status == 200 and "fills" not in taker
    assert taker["status"] == "FILLED" and taker["executedQty"] == "0.20000000"
    assert taker["cummulativeQuoteQty"] == "12000.00000000" and taker["origQuoteOrderQty"] == "0.00000000"
    _, ack, _ = await c.call("POST", "/api/v3/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT_MAKER", "quantity": "0.1", "price": "50000"})
    assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    _, query, _ = await m.call("GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "maker-1"})
    assert query["status"] == "PARTIALLY_FILLED" and query["executedQty"] == "0.20000000"
    assert query["isWorking"] is True and query["orderId"] == maker["orderId"]
    _, opened, headers = await c.call("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"})
    assert [o["orderId"] for o in opened] == [ack["orderId"]] and headers["X-MBX-USED-WEIGHT-1M"] == "10"
    status, cancelled, _ = await c.call("DELETE", "/api/v3/order", {
        "symbol": "BTCUSDT", "orderId": ack["orderId"], "newClientOrderId": "cxl-1"})
    assert cancelled["status"] == "CANCELED" and cancelled["clientOrderId"] == "cxl-1"
    assert cancelled["origClientOrderId"] == ack["clientOrderId"]
    status, body, _ = await c.call("DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": ack["orderId"]})
    assert (status, body) == (400, {"code": -2011, "msg": "Unknown order sent."})
    status, body, _ = await c.call("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": 999})
    assert (status, body) == (400, {"code": -2013, "msg": "Order does not exist."})
    _, account, _ = await c.call("GET", "/api/v3/account")
    balances = {b["asset"]: b for b in account["balances"]}
    assert balances["BTC"] == {"asset": "BTC", "free": "2.19980000", "locked": "0.00000000"}
    assert balances["USDT"]["free"] == "88000.00000000"
    assert account["commissionRates"]["taker"] == "0.00100000" and account["makerCommission"] == 10
    _, trades, _ = await c.call("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT"})
    assert len(trades) == 1 and trades[0]["isBuyer"] is True and trades[0]["isMaker"] is False
    assert trades[0]["commission"] == "0.00020000" and trades[0]["commissionAsset"] == "BTC"
    _, public, _ = await c.call("GET", "/api/v3/trades", {"symbol": "BTCUSDT"}, signed=False)
    assert public[-1]["price"] == "60000.00000000" and public[-1]["isBuyerMaker"] is False
    status, all_cancelled, _ = await m.call("DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"})
    assert status == 200 and [o["status"] for o in all_cancelled] == ["CANCELED"]
    status, body, _ = await m.call("DELETE", "/api/v3/openOrders", {"symbol": "BTCUSDT"})
    assert (status, body["code"]) == (400, -2011)


async def test_tickers(env):
    sim, c, m = env
    await m.call("POST", "/api/v3/order", {"symbol": "ETHUSDT", "side": "SELL", "type": "LIMIT",
                                           "timeInForce": "GTC", "quantity": "1", "price": "3000"})
    await c.call("POST", "/api/v3/order", {"symbol": "ETHUSDT", "side": "BUY", "type": "MARKET",
                                           "quoteOrderQty": "300"})
    _, price, _ = await c.call("GET", "/api/v3/ticker/price", {"symbol": "ETHUSDT"}, signed=False)
    assert price == {"symbol": "ETHUSDT", "price": "3000.00000000"}
    _, book, _ = await c.call("GET", "/api/v3/ticker/bookTicker", {"symbol": "ETHUSDT"}, signed=False)
    assert book["askPrice"] == "3000.00000000" and book["askQty"] == "0.90000000"
    _, day, _ = await c.call("GET", "/api/v3/ticker/24hr", {"symbol": "ETHUSDT"}, signed=False)
    assert day["volume"] == "0.10000000" and day["count"] == 1
    _, every, _ = await c.call("GET", "/api/v3/ticker/price", signed=False)
    assert len(every) == 3


@pytest.mark.parametrize("params,code,msg", [
    ({"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1", "price": "1"}, -1102,
     "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."),
    ({"symbol": "BTCUSDT", "side": "UP", "type": "LIMIT"}, -1117, "Invalid side."),
    ({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "1", "price": "1"}, -1102,
     "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed."),
    ({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "1", "timeInForce": "GTC"}, -1106,
     "Parameter 'timeInForce' sent when not required."),
    ({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"}, -1102,
     "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"),
    ({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1,5", "price": "1"},
     -1100, "Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'."),
    ({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
      "price": "60000.000000001"}, -1111, "Parameter 'price' has too much precision."),
    ({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
      "price": "60000.005"}, -1013, "Filter failure: PRICE_FILTER"),
    ({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.000015",
      "price": "60000"}, -1013, "Filter failure: LOT_SIZE"),
    ({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.00001",
      "price": "60000"}, -1013, "Filter failure: NOTIONAL"),
    ({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "2",
      "price": "60000"}, -2010, "Account has insufficient balance for requested action."),
    ({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1",
      "price": "1", "newClientOrderId": "bad id!"}, -1100, None),
])
async def test_order_errors(env, params, code, msg):
    sim, c, _ = env
    status, body, headers = await c.call("POST", "/api/v3/order", params)
    assert status == 400 and body["code"] == code
    if msg is not None:
        assert body["msg"] == msg
    assert headers["X-MBX-USED-WEIGHT-1M"] == "1"   # failed orders keep their weight
    assert sim.engine.orders == {}


async def test_security_errors(env):
    sim, c, _ = env
    params = {"symbol": "BTCUSDT"}
    status, body, _ = await c.call("GET", "/api/v3/openOrders", params, key="")
    assert (status, body["code"]) == (401, -2015)
    status, body, _ = await c.call("GET", "/api/v3/openOrders", params, key="bad-key")
    assert (status, body["code"]) == (401, -2014)
    status, body, _ = await c.call("GET", "/api/v3/openOrders", params, signed=False)
    assert (status, body["code"]) == (400, -1102)
    stale = dict(params, timestamp=int(time.time() * 1000) - 10_000)
    status, body, _ = await c.call("GET", "/api/v3/openOrders", stale)
    assert (status, body) == (400, {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."})
    status, body, _ = await c.call("GET", "/api/v3/openOrders", dict(params, recvWindow="60001"))
    assert body["code"] == -1102
    wrong = Client(c.session, sim, c.key, "0" * 64)
    status, body, _ = await wrong.call("GET", "/api/v3/openOrders", params)
    assert (status, body) == (400, {"code": -1022, "msg": "Signature for this request is not valid."})
    # the signature must cover the bytes on the wire: sign encoded, send decoded -> -1022
    query = sign(c.secret, {"symbol": "BTCUSDT", "newClientOrderId": "a:b", "timestamp": int(time.time() * 1000)})
    url = yarl.URL(f"{sim.rest_url}/api/v3/openOrders?{query.replace('%3A', ':')}", encoded=True)
    async with c.session.get(url, headers={"X-MBX-APIKEY": c.key}) as resp:
        assert (await resp.json())["code"] == -1022


async def test_clock_skew_fault_gives_1021(env):
    sim, c, _ = env
    sim.faults.add("skew_clock", ms=-10_000)
    status, body, _ = await c.call("GET", "/api/v3/account")
    assert body == {"code": -1021, "msg": "Timestamp for this request was 1000ms ahead of the server's time."}
    _, server, _ = await c.call("GET", "/api/v3/time", signed=False)
    status, body, _ = await c.call("GET", "/api/v3/account", {"timestamp": server["serverTime"]})
    assert status == 200


async def test_weight_limit_429_then_418():
    async with SimulatedExchange(weight_limit=12, ban_after=1) as sim:
        async with aiohttp.ClientSession() as session:
            c = Client(session, sim, "", "")
            statuses = []
            for _ in range(4):
                status, body, headers = await c.call("GET", "/api/v3/depth", {"symbol": "BTCUSDT"}, signed=False)
                statuses.append((status, body.get("code"), "Retry-After" in headers))
            assert statuses == [(200, None, False), (200, None, False), (429, -1003, True), (418, -1003, True)]


async def test_http_faults_5xx_429_lose_and_delay(env):
    sim, c, m = env
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
             "quantity": "0.001", "price": "50000"}
    sim.faults.add("http_error", endpoint="POST /api/v3/order", status=503)
    status, body, _ = await c.call("POST", "/api/v3/order", order)
    assert status == 503 and body["code"] == -1001 and sim.engine.orders == {}
    sim.faults.add("http_429", endpoint="/api/v3/account")
    status, body, headers = await c.call("GET", "/api/v3/account")
    assert status == 429 and headers["Retry-After"] == "1"
    assert (await c.call("GET", "/api/v3/account"))[0] == 200
    # the order takes effect but the answer is lost
    sim.faults.add("lose_response", endpoint="POST /api/v3/order")
    with pytest.raises(aiohttp.ClientError):
        await c.call("POST", "/api/v3/order", dict(order, newClientOrderId="lost-1"))
    _, found, _ = await c.call("GET", "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "lost-1"})
    assert found["status"] == "NEW"
    sim.faults.add("delay_response", endpoint="POST /api/v3/order", delay=1.0)
    task = asyncio.ensure_future(c.call("POST", "/api/v3/order", dict(order, newClientOrderId="slow-1")))
    account = sim.account(c.key)
    while sim.engine.find_order(account, "BTCUSDT", None, "slow-1") is None:
        await asyncio.sleep(0.005)
    assert not task.done()        # the order is live while its answer is still held back
    status, body, _ = await task
    assert status == 200 and body["clientOrderId"] == "slow-1"


async def test_stale_snapshot_fault(env):
    sim, c, m = env
    sim.faults.add("stale_snapshot", symbol="BTCUSDT")
    await m.call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT",
                                           "timeInForce": "GTC", "quantity": "0.01", "price": "61000"})
    _, stale, _ = await c.call("GET", "/api/v3/depth", {"symbol": "BTCUSDT"}, signed=False)
    _, fresh, _ = await c.call("GET", "/api/v3/depth", {"symbol": "BTCUSDT"}, signed=False)
    assert stale == {"lastUpdateId": 0, "bids": [], "asks": []}
    assert fresh == {"lastUpdateId": 1, "bids": [], "asks": [["61000.00000000", "0.01000000"]]}


async def test_admin_endpoint_faults_and_accounts(env):
    sim, c, _ = env
    session = c.session
    async with session.post(f"{sim.rest_url}/sim/faults", json={"kind": "http_error", "endpoint": "/api/v3/ping",
                                                                "status": 500, "count": 1}) as resp:
        fault_id = (await resp.json())["id"]
    async with session.get(f"{sim.rest_url}/sim/faults") as resp:
        assert [f["fault_id"] for f in await resp.json()] == [fault_id]
    assert (await c.call("GET", "/api/v3/ping", signed=False))[0] == 500
    assert (await c.call("GET", "/api/v3/ping", signed=False))[0] == 200
    async with session.post(f"{sim.rest_url}/sim/faults", json={"kind": "nonsense"}) as resp:
        assert resp.status == 400
    async with session.post(f"{sim.rest_url}/sim/accounts", json={"balances": {"USDT": "5"}}) as resp:
        creds = await resp.json()
    new = Client(session, sim, creds["apiKey"], creds["secret"])
    _, account, _ = await new.call("GET", "/api/v3/account", {"omitZeroBalances": "true"})
    assert account["balances"] == [{"asset": "USDT", "free": "5.00000000", "locked": "0.00000000"}]
    async with session.post(f"{sim.rest_url}/sim/deposit",
                            json={"apiKey": creds["apiKey"], "asset": "BTC", "amount": "0.5"}) as resp:
        assert resp.status == 200
    assert sim.account(creds["apiKey"]).free("BTC") == Decimal("0.5")


async def test_order_test_endpoint_validates_without_trading(env):
    sim, c, _ = env
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
             "quantity": "0.001", "price": "50000"}
    status, body, _ = await c.call("POST", "/api/v3/order/test", order)
    assert (status, body) == (200, {})
    status, body, _ = await c.call("POST", "/api/v3/order/test", dict(order, price="50000.005"))
    assert body == {"code": -1013, "msg": "Filter failure: PRICE_FILTER"}
    assert sim.engine.orders == {} and sim.account(c.key).balance("USDT").locked == 0


async def test_my_trades_filters(env):
    sim, c, m = env
    for price in ("60000", "60001"):
        await m.call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT",
                                               "timeInForce": "GTC", "quantity": "0.01", "price": price})
    _, first, _ = await c.call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                                         "quantity": "0.01"})
    _, second, _ = await c.call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                                          "quantity": "0.01"})
    _, by_order, headers = await c.call("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "orderId": second["orderId"]})
    assert [t["price"] for t in by_order] == ["60001.00000000"] and headers["X-MBX-USED-WEIGHT-1M"] == "5"
    _, from_id, _ = await c.call("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "fromId": 2})
    assert [t["id"] for t in from_id] == [2]
    _, makers, _ = await m.call("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "limit": 1})
    assert len(makers) == 1 and makers[0]["isMaker"] is True and makers[0]["commissionAsset"] == "USDT"


async def test_admin_traders_and_flush():
    async with SimulatedExchange(seed=9, traders={"rate": 0, "seed_levels": 3}, auto_flush=False) as sim:
        async with aiohttp.ClientSession() as session:
            before = sim.engine.books["ETHUSDT"].update_id
            async with session.post(f"{sim.rest_url}/sim/traders", json={"action": "step", "count": 5}) as resp:
                assert (await resp.json())["actions"] == 15      # 5 steps x 3 symbols
            assert sim.engine.books["ETHUSDT"].update_id > before
            async with session.post(f"{sim.rest_url}/sim/traders", json={"action": "pause"}) as resp:
                assert (await resp.json())["paused"] is True
            async with session.post(f"{sim.rest_url}/sim/traders", json={"action": "fly"}) as resp:
                assert resp.status == 400
            ws = await session.ws_connect(f"{sim.ws_url}/ws/ethusdt@depth")
            sim.traders.step("ETHUSDT")
            async with session.post(f"{sim.rest_url}/sim/flush") as resp:
                assert (await resp.json())["sent"] == 1
            assert (await ws.receive_json(timeout=5))["u"] == sim.engine.books["ETHUSDT"].update_id
            await ws.close()
