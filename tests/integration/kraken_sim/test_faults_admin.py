"""The shared fault kinds and the admin API on the Kraken venue, scoped as WS v2 names symbols."""
import asyncio
import json
from decimal import Decimal

import aiohttp
import pytest


async def _next(ws, channel=None):
    async with asyncio.timeout(10):
        while True:
            raw = await ws.receive()
            if raw.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return None
            message = json.loads(raw.data, parse_float=Decimal)
            if channel is None or message.get("channel") == channel:
                return message


async def test_admin_api_adds_faults_accounts_deposits_and_steps(venue, session, signed):
    base = venue.rest_url
    async with session.post(f"{base}/sim/faults", json={"kind": "corrupt_checksum", "symbol": "ETH/USD"}) as resp:
        assert resp.status == 200 and "id" in await resp.json()
    async with session.get(f"{base}/sim/faults") as resp:
        assert [(f["kind"], f["symbol"]) for f in await resp.json()] == [("corrupt_checksum", "ETH/USD")]
    async with session.post(f"{base}/sim/faults", json={"kind": "no_such_fault"}) as resp:
        assert resp.status == 400
    async with session.post(f"{base}/sim/accounts", json={"balances": {"USD": "250", "XBT": "0.5"}}) as resp:
        made = await resp.json()
    async with session.post(f"{base}/sim/accounts", json={"balances": {"USD": "0.00001"}}) as resp:
        assert resp.status == 400 and "4 decimals" in (await resp.json())["error"]
    call = signed(venue, made["apiKey"], made["secret"])
    assert (await call("Balance"))["result"] == {"XXBT": "0.5000000000", "ZUSD": "250.0000"}
    async with session.post(f"{base}/sim/deposit", json={"apiKey": made["apiKey"], "asset": "ZUSD",
                                                         "amount": "50"}) as resp:
        assert resp.status == 200
    assert (await call("Balance"))["result"]["ZUSD"] == "300.0000"
    before = venue.traders.actions
    async with session.post(f"{base}/sim/traders", json={"action": "step", "count": 3}) as resp:
        assert (await resp.json())["actions"] == before + 6          # one action per pair per step
    async with session.post(f"{base}/sim/tick") as resp:
        assert "frames" in await resp.json()


async def test_rest_faults_are_scoped_by_pair_and_endpoint(venue, session, signed):
    venue.faults.add("http_error", symbol="ETH/USD", status=502)
    async with session.get(f"{venue.rest_url}/0/public/Depth", params={"pair": "XBTUSD"}) as resp:
        assert resp.status == 200
    async with session.get(f"{venue.rest_url}/0/public/Depth", params={"pair": "ETHUSD"}) as resp:
        assert resp.status == 502 and await resp.json() == {"error": ["EService:Unavailable"], "result": {}}
    key, secret = venue.create_account({"USD": "1000"})
    call = signed(venue, key, secret)
    venue.faults.add("lose_response", endpoint="/0/private/AddOrder")
    price = str(max(venue.book_levels("BTC/USD")[0]) - 100)
    with pytest.raises(aiohttp.ClientError):
        await call("AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="0.001", price=price,
                   cl_ord_id="lost-1")
    # the order took effect: the client finds it by its client id
    opened = (await call("OpenOrders", cl_ord_id="lost-1"))["result"]["open"]
    assert [o["cl_ord_id"] for o in opened.values()] == ["lost-1"]


async def test_socket_actions_close_public_and_private_sockets(venue, session, signed):
    key, secret = venue.create_account({"USD": "1000"})
    token = (await signed(venue, key, secret)("GetWebSocketsToken"))["result"]["token"]
    async with session.ws_connect(venue.ws_url) as public, session.ws_connect(venue.ws_auth_url) as private:
        await public.send_str(json.dumps({"method": "subscribe", "params": {"channel": "book",
                                                                            "symbol": ["ETH/USD"]}}))
        await _next(public, "book")
        await private.send_str(json.dumps({"method": "subscribe", "params": {"channel": "executions",
                                                                             "token": token}}))
        await _next(private, "executions")
        venue.faults.add("close_market_sockets", symbol="BTC/USD")    # not this socket's pair
        venue.faults.add("close_market_sockets", symbol="ETH/USD")
        assert await _next(public, "never") is None
        venue.faults.add("close_user_sockets")
        assert await _next(private, "never") is None


async def test_stale_snapshot_serves_the_captured_levels_once(venue, session):
    params = {"pair": "BTC/USD", "count": "5"}
    venue.faults.add("stale_snapshot", symbol="BTC/USD")
    before = venue.book_levels("BTC/USD")[0]
    venue.place_liquidity("BTC/USD", "buy", max(before) + Decimal("0.1"), "0.5")
    async with session.get(f"{venue.rest_url}/0/public/Depth", params=params) as resp:
        stale = (await resp.json())["result"]["BTC/USD"]
    assert Decimal(stale["bids"][0][0]) == max(before)
    async with session.get(f"{venue.rest_url}/0/public/Depth", params=params) as resp:
        fresh = (await resp.json())["result"]["BTC/USD"]
    assert Decimal(fresh["bids"][0][0]) == max(before) + Decimal("0.1")


async def test_mute_user_sockets_silences_the_private_socket_and_a_new_one_is_served(venue, session, signed):
    key, secret = venue.create_account({"USD": "1000"})
    token = (await signed(venue, key, secret)("GetWebSocketsToken"))["result"]["token"]
    async with session.ws_connect(venue.ws_auth_url, autoping=False) as muted:
        venue.faults.add("mute_user_sockets")
        await muted.send_str(json.dumps({"method": "ping", "req_id": 1}))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await muted.receive()
        async with session.ws_connect(venue.ws_auth_url) as fresh:
            await fresh.send_str(json.dumps({"method": "subscribe", "params": {"channel": "balances",
                                                                               "token": token}}))
            assert (await _next(fresh))["success"] is True
