"""The USDⓈ-M futures simulator over real sockets, driven by a plain aiohttp client that signs itself."""
import asyncio
import hashlib
import hmac
from decimal import Decimal
from urllib.parse import urlencode

import aiohttp
import pytest

from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

START = 1_700_000_000_000


class Client:
    def __init__(self, session, sim, key, secret):
        self.session, self.sim, self.key, self.secret = session, sim, key, secret

    async def call(self, method, path, signed=True, **params):
        params = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in params.items()}
        if signed:
            params["timestamp"] = str(self.sim.clock.now_ms())
        query = urlencode(params)
        if signed:
            sig = hmac.new(self.secret.encode(), query.encode(), hashlib.sha256).hexdigest()
            query += f"&signature={sig}"
        url = f"{self.sim.rest_url}{path}?{query}"
        async with self.session.request(method, url, headers={"X-MBX-APIKEY": self.key}) as resp:
            return resp.status, await resp.json()

    async def ok(self, method, path, **params):
        status, body = await self.call(method, path, **params)
        assert status == 200, body
        return body


@pytest.fixture
async def venue():
    clock = ManualClock(START)
    async with SimulatedFuturesExchange(clock=clock, auto_flush=False, funding_interval_ms=60_000) as sim:
        key, secret = sim.create_account("10000", leverage={"BTCUSDT": 10})
        async with aiohttp.ClientSession() as session:
            yield sim, Client(session, sim, key, secret), session


async def test_doc_signature_vector_is_accepted():
    """The venue's published HMAC example (docs/binance_usdm_futures.md section 10) verifies here."""
    clock = ManualClock(1591702613943)
    async with SimulatedFuturesExchange(clock=clock, auto_flush=False) as sim:
        key = "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83"
        secret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
        sim.create_account("100000", api_key=key, secret=secret)
        query = ("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
                 "&recvWindow=5000&timestamp=1591702613943")
        sig = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{sim.rest_url}/fapi/v1/order?{query}&signature={sig}",
                                    headers={"X-MBX-APIKEY": key}) as resp:
                body = await resp.json()
            assert resp.status == 200, body
            assert body["status"] == "NEW" and body["positionSide"] == "BOTH" and body["origQty"] == "1"
            async with session.post(f"{sim.rest_url}/fapi/v1/order?{query}&signature={'0' * 64}",
                                    headers={"X-MBX-APIKEY": key}) as resp:
                assert (await resp.json())["code"] == -1022


async def test_oneway_open_and_close_exact_pnl_fees_and_income(venue):
    sim, client, _ = venue
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.01")
    order = await client.ok("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="MARKET",
                            quantity="0.01", newOrderRespType="RESULT", newClientOrderId="open-1")
    assert (order["status"], order["executedQty"], order["avgPrice"]) == ("FILLED", "0.01", "60000")
    sim.set_mark_price("BTCUSDT", "61000")
    [row] = await client.ok("GET", "/fapi/v2/positionRisk", symbol="BTCUSDT")
    assert (row["positionAmt"], row["entryPrice"], row["unRealizedProfit"], row["leverage"]) == \
        ("0.01", "60000", "10.00000000", "10")
    account = await client.ok("GET", "/fapi/v2/account")
    # wallet 10000 - 0.3 commission; available = wallet + upnl - 0.01 * 61000 / 10
    assert account["totalWalletBalance"] == "9999.70000000"
    assert account["availableBalance"] == "9948.70000000"
    sim.place_liquidity("BTCUSDT", "BUY", "61000", "0.01")
    await client.ok("POST", "/fapi/v1/order", symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.01",
                    reduceOnly=True)
    trades = await client.ok("GET", "/fapi/v1/userTrades", symbol="BTCUSDT")
    assert [(t["side"], t["price"], t["realizedPnl"], t["commission"]) for t in trades] == [
        ("BUY", "60000", "0.00000000", "0.30000000"), ("SELL", "61000", "10.00000000", "0.30500000")]
    account = await client.ok("GET", "/fapi/v2/account")
    assert account["totalWalletBalance"] == "10009.39500000" and account["totalUnrealizedProfit"] == "0.00000000"
    income = await client.ok("GET", "/fapi/v1/income", symbol="BTCUSDT")
    assert [(i["incomeType"], i["income"]) for i in income] == [
        ("COMMISSION", "-0.30000000"), ("REALIZED_PNL", "10.00000000"), ("COMMISSION", "-0.30500000")]
    assert await client.ok("GET", "/fapi/v3/positionRisk") == []


async def test_hedge_mode_long_and_short_side_by_side(venue):
    sim, client, _ = venue
    assert await client.ok("GET", "/fapi/v1/positionSide/dual") == {"dualSidePosition": False}
    assert await client.ok("POST", "/fapi/v1/positionSide/dual", dualSidePosition=True) == \
        {"code": 200, "msg": "success"}
    status, body = await client.call("POST", "/fapi/v1/positionSide/dual", dualSidePosition=True)
    assert (status, body["code"]) == (400, -4059)
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.02")
    sim.place_liquidity("BTCUSDT", "BUY", "59000", "0.01")
    await client.ok("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", positionSide="LONG", type="MARKET",
                    quantity="0.02")
    await client.ok("POST", "/fapi/v1/order", symbol="BTCUSDT", side="SELL", positionSide="SHORT",
                    type="MARKET", quantity="0.01")
    rows = {r["positionSide"]: r for r in await client.ok("GET", "/fapi/v2/positionRisk", symbol="BTCUSDT")}
    assert (rows["LONG"]["positionAmt"], rows["LONG"]["entryPrice"]) == ("0.02", "60000")
    assert (rows["SHORT"]["positionAmt"], rows["SHORT"]["entryPrice"]) == ("-0.01", "59000")
    status, body = await client.call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="MARKET",
                                     quantity="0.01")
    assert body["code"] == -4061              # hedge mode needs LONG / SHORT
    status, body = await client.call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY",
                                     positionSide="SHORT", type="MARKET", quantity="0.02")
    assert body["code"] == -2022              # closing more than the short holds
    status, body = await client.call("POST", "/fapi/v1/positionSide/dual", dualSidePosition=False)
    assert body["code"] == -4068
    # close the short at 58000: realised (59000 - 58000) * 0.01 = 10
    sim.place_liquidity("BTCUSDT", "SELL", "58000", "0.01")
    await client.ok("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", positionSide="SHORT", type="MARKET",
                    quantity="0.01")
    trades = await client.ok("GET", "/fapi/v1/userTrades", symbol="BTCUSDT")
    assert trades[-1]["realizedPnl"] == "10.00000000" and trades[-1]["positionSide"] == "SHORT"
    # wallet: 10000 - 1200*0.0005 - 590*0.0005 + 10 - 580*0.0005
    account = await client.ok("GET", "/fapi/v2/account")
    assert Decimal(account["totalWalletBalance"]) == Decimal("10000") - Decimal("0.6") - Decimal("0.295") \
        + Decimal("10") - Decimal("0.29")


async def test_rejections_leave_state_unchanged(venue):
    sim, client, _ = venue
    status, body = await client.call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="SELL", type="MARKET",
                                     quantity="0.01", reduceOnly=True)
    assert body["code"] == -2022
    status, body = await client.call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY",
                                     positionSide="LONG", type="LIMIT", timeInForce="GTC", quantity="0.01",
                                     price="50000")
    assert body["code"] == -4061
    for leverage in (0, 126):
        status, body = await client.call("POST", "/fapi/v1/leverage", symbol="BTCUSDT", leverage=leverage)
        assert (status, body) == (400, {"code": -4028, "msg": f"Leverage {leverage} is not valid"})
    assert await client.ok("POST", "/fapi/v1/leverage", symbol="BTCUSDT", leverage=2) == \
        {"leverage": 2, "maxNotionalValue": "1000000000", "symbol": "BTCUSDT"}
    # 1 BTC at 60000 and 2x needs 30000 of margin; the wallet holds 10000
    status, body = await client.call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="LIMIT",
                                     timeInForce="GTC", quantity="1", price="60000")
    assert (status, body["code"]) == (400, -2019)
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "1")
    status, body = await client.call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="LIMIT",
                                     timeInForce="GTX", quantity="0.01", price="60000")
    assert body["code"] == -5022
    status, body = await client.call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="LIMIT",
                                     timeInForce="GTC", quantity="0.0001", price="60000")
    assert body["code"] == -4004
    status, body = await client.call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="LIMIT",
                                     timeInForce="GTC", quantity="0.001", price="50000")
    assert body["code"] == -4164              # notional 50 < 100
    status, body = await client.call("DELETE", "/fapi/v1/order", symbol="BTCUSDT", origClientOrderId="nope")
    assert body == {"code": -2011, "msg": "Unknown order sent."}
    status, body = await client.call("GET", "/fapi/v1/order", symbol="BTCUSDT", orderId=99)
    assert body == {"code": -2013, "msg": "Order does not exist."}
    assert await client.ok("GET", "/fapi/v1/openOrders") == []
    account = await client.ok("GET", "/fapi/v2/account")
    assert account["totalWalletBalance"] == "10000.00000000"


async def _next(ws, timeout=5):
    msg = await ws.receive(timeout=timeout)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    return msg.json()


async def test_user_stream_orders_and_funding_fee(venue):
    sim, client, session = venue
    key = (await client.ok("POST", "/fapi/v1/listenKey", signed=False))["listenKey"]
    ws = await session.ws_connect(f"{sim.ws_url}/private/ws?listenKey={key}")
    sim.place_liquidity("BTCUSDT", "SELL", "60000", "0.01")
    await client.ok("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.01",
                    newClientOrderId="mkt-1")
    new, trade, account = await _next(ws), await _next(ws), await _next(ws)
    assert (new["e"], new["o"]["x"], new["o"]["c"]) == ("ORDER_TRADE_UPDATE", "NEW", "mkt-1")
    assert (trade["o"]["x"], trade["o"]["X"], trade["o"]["l"], trade["o"]["L"], trade["o"]["n"],
            trade["o"]["N"], trade["o"]["ps"], trade["o"]["rp"]) == \
        ("TRADE", "FILLED", "0.01", "60000", "0.30000000", "USDT", "BOTH", "0.00000000")
    assert account["e"] == "ACCOUNT_UPDATE" and account["a"]["m"] == "ORDER"
    assert account["a"]["B"] == [{"a": "USDT", "wb": "9999.70000000", "cw": "9999.70000000", "bc": "0"}]
    assert [(p["s"], p["pa"], p["ep"], p["ps"]) for p in account["a"]["P"]] == [("BTCUSDT", "0.01", "60000", "BOTH")]
    # funding: rate 0.0001 at mark 60000 on 0.01 long = 0.06 paid
    premium = await client.ok("GET", "/fapi/v1/premiumIndex", signed=False, symbol="BTCUSDT")
    due = premium["nextFundingTime"]
    assert (premium["markPrice"], premium["lastFundingRate"]) == ("60000.00000000", "0.00010000")
    sim.clock.set(due - 1)
    assert sim.tick()["funding"] == 0
    sim.clock.set(due)
    assert sim.tick()["funding"] == 2          # both contracts settle; only BTCUSDT has a position
    funding = await _next(ws)
    assert funding["a"]["m"] == "FUNDING_FEE" and funding["a"]["P"] == []
    assert funding["a"]["B"][0]["wb"] == "9999.64000000"
    income = await client.ok("GET", "/fapi/v1/income", incomeType="FUNDING_FEE")
    assert [(i["symbol"], i["income"], i["time"]) for i in income] == [("BTCUSDT", "-0.06000000", due)]
    premium = await client.ok("GET", "/fapi/v1/premiumIndex", signed=False, symbol="BTCUSDT")
    assert premium["nextFundingTime"] == due + 60_000
    # the key expires after 60 minutes without keepalive: listenKeyExpired, then the socket closes
    sim.clock.advance(3_600_000)
    assert sim.tick()["funding"] == 120       # an hour of one-minute funding on two contracts
    expired = await _next(ws)
    while expired["e"] == "ACCOUNT_UPDATE":
        assert expired["a"]["m"] == "FUNDING_FEE"
        expired = await _next(ws)
    assert expired["e"] == "listenKeyExpired" and expired["listenKey"] == key
    assert (await ws.receive(timeout=5)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    status, body = await client.call("PUT", "/fapi/v1/listenKey", signed=False)
    assert body["code"] == -1125


async def test_depth_diffs_chain_on_pu_and_streams_are_routed(venue):
    sim, client, session = venue
    public = await session.ws_connect(f"{sim.ws_url}/public/stream?streams=btcusdt@depth@100ms/btcusdt@markPrice")
    market = await session.ws_connect(f"{sim.ws_url}/market/ws/btcusdt@markPrice@1s")
    await asyncio.sleep(0.05)  # the subscription is registered once the socket is served
    snapshot = await client.ok("GET", "/fapi/v1/depth", signed=False, symbol="BTCUSDT", limit=5)
    events = []
    for i in range(3):
        sim.place_liquidity("BTCUSDT", "BUY", str(59000 + i), "0.5")
        sim.place_liquidity("BTCUSDT", "SELL", str(61000 + i), "0.5")
        if i == 1:
            sim.faults.add("drop_diff", symbol="BTCUSDT")
        sim.streams.flush("100ms")
    sim.streams.flush_mark_prices()
    mark = await _next(market)
    assert (mark["e"], mark["s"], mark["p"], mark["r"]) == ("markPriceUpdate", "BTCUSDT", "60000.00000000",
                                                            "0.00010000")
    for _ in range(2):
        wrapped = await _next(public)
        assert wrapped["stream"] == "btcusdt@depth@100ms"   # markPrice is silent on /public
        events.append(wrapped["data"])
    first, after_gap = events
    assert first["pu"] == snapshot["lastUpdateId"] and first["U"] > first["pu"] + 1   # ids move by the stride
    assert first["b"] == [["59000", "0.5"]] and first["a"] == [["61000", "0.5"]]
    assert after_gap["pu"] != first["u"]       # the dropped event shows as a broken chain
    snapshot = await client.ok("GET", "/fapi/v1/depth", signed=False, symbol="BTCUSDT", limit=5)
    assert snapshot["lastUpdateId"] == after_gap["u"]
    assert snapshot["bids"][:3] == [["59002", "0.5"], ["59001", "0.5"], ["59000", "0.5"]]
    await public.close()
    await market.close()


async def test_faults_and_weights_on_fapi(venue):
    sim, client, _ = venue
    sim.faults.add("http_error", endpoint="POST /fapi/v1/order", status=503)
    status, body = await client.call("POST", "/fapi/v1/order", symbol="BTCUSDT", side="BUY", type="LIMIT",
                                     timeInForce="GTC", quantity="0.01", price="50000")
    assert (status, body["code"]) == (503, -1001)
    assert await client.ok("GET", "/fapi/v1/openOrders") == []
    status, body = await client.call("GET", "/fapi/v1/income")
    assert status == 200
    sim.faults.add("http_429", endpoint="/fapi/v1/depth")
    status, body = await client.call("GET", "/fapi/v1/depth", signed=False, symbol="BTCUSDT")
    assert (status, body["code"]) == (429, -1003)
    status, body = await client.call("GET", "/fapi/v2/account", signed=False)
    assert body["code"] == -1102               # SIGNED endpoint without timestamp / signature
