"""The simulators' user-data sockets: their ping / pong, and the ``mute_user_sockets`` fault
(hummingbot_conn/sim/kernel/heartbeat.py), over real sockets with a plain aiohttp client.

A muted socket stays open but delivers nothing (events, request answers) and answers no
ping; the server stops pinging it too.  A new socket is not muted.
"""
import asyncio
import hashlib
import hmac
import json
import time
from decimal import Decimal

import aiohttp
import pytest

from hummingbot_conn.sim import ManualClock, SimulatedExchange
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

QUIET = 0.4     # seconds in which an answer that is coming has long arrived on 127.0.0.1


def _signed(key: str, secret: str) -> dict:
    params = {"apiKey": key, "timestamp": int(time.time() * 1000)}
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
    params["signature"] = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return params


async def _frame(ws, timeout: float = 5.0):
    return await ws.receive(timeout=timeout)


async def _nothing_within(ws, seconds: float = QUIET) -> None:
    with pytest.raises(asyncio.TimeoutError):
        msg = await ws.receive(timeout=seconds)
        pytest.fail(f"a muted socket sent {msg.type.name}: {msg.data!r}")


async def _pong_to(ws, payload: bytes) -> bool:
    await ws.ping(payload)
    try:
        msg = await ws.receive(timeout=QUIET)
    except asyncio.TimeoutError:
        return False
    return msg.type is aiohttp.WSMsgType.PONG and msg.data == payload


@pytest.fixture
async def spot():
    async with SimulatedExchange(seed=3, auto_flush=False) as sim:
        key, secret = sim.create_account({"USDT": "100"})
        async with aiohttp.ClientSession() as session:
            yield sim, session, key, secret


async def _subscribed(sim, session, key, secret):
    ws = await session.ws_connect(sim.ws_api_url, autoping=False)
    await ws.send_str(json.dumps({"id": "s", "method": "userDataStream.subscribe.signature",
                                  "params": _signed(key, secret)}))
    assert json.loads((await _frame(ws)).data)["status"] == 200
    return ws


async def test_ws_api_answers_pings_until_muted_then_nothing_at_all(spot):
    sim, session, key, secret = spot
    ws = await _subscribed(sim, session, key, secret)
    assert await _pong_to(ws, b"alive?")
    sim.faults.add("mute_user_sockets")
    assert not await _pong_to(ws, b"alive?")
    sim.engine.deposit(sim.account(key), "USDT", Decimal("1"))          # an event for the account
    await ws.send_str(json.dumps({"id": "p", "method": "ping"}))        # and a request
    await _nothing_within(ws)
    assert not ws.closed                                                  # open, and mute
    # a new socket is served as usual: answers, pongs, events
    fresh = await _subscribed(sim, session, key, secret)
    assert await _pong_to(fresh, b"x")
    sim.engine.deposit(sim.account(key), "USDT", Decimal("2"))
    event = json.loads((await _frame(fresh)).data)["event"]
    assert event["e"] == "balanceUpdate" and Decimal(event["d"]) == 2
    await ws.close()
    await fresh.close()


async def test_legacy_listen_key_stream_can_be_muted(spot):
    sim, session, key, _ = spot
    async with session.post(f"{sim.rest_url}/api/v3/userDataStream", headers={"X-MBX-APIKEY": key}) as resp:
        listen_key = (await resp.json())["listenKey"]
    ws = await session.ws_connect(f"{sim.ws_url}/ws/{listen_key}", autoping=False)
    assert await _pong_to(ws, b"1")
    sim.faults.add("mute_user_sockets")
    sim.engine.deposit(sim.account(key), "USDT", Decimal("1"))
    assert not await _pong_to(ws, b"2")
    await _nothing_within(ws)
    await ws.close()


async def test_the_server_pings_an_idle_client_and_drops_one_that_does_not_answer():
    async with SimulatedExchange(seed=3, auto_flush=False, heartbeat=0.2) as sim:
        key, secret = sim.create_account({"USDT": "100"})
        async with aiohttp.ClientSession() as session:
            ws = await _subscribed(sim, session, key, secret)
            msg = await _frame(ws)                   # idle for 0.2 s: the server pings
            assert msg.type is aiohttp.WSMsgType.PING
            # we do not answer: the server closes the socket after another 0.1 s
            msg = await _frame(ws)
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
            # one that answers is kept, and pinged again
            alive = await session.ws_connect(sim.ws_api_url, autoping=True)
            await asyncio.sleep(0.8)
            assert not alive.closed
            # muted: the server neither pings nor drops it
            sim.faults.add("mute_user_sockets")
            quiet = await session.ws_connect(sim.ws_api_url, autoping=False)
            sim.faults.add("mute_user_sockets")
            await _nothing_within(quiet, 0.8)
            assert not quiet.closed
            await alive.close()
            await quiet.close()


async def test_the_futures_private_stream_can_be_muted():
    async with SimulatedFuturesExchange(clock=ManualClock()) as sim:
        key, _ = sim.create_account("1000")
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{sim.rest_url}/fapi/v1/listenKey", headers={"X-MBX-APIKEY": key}) as resp:
                listen_key = (await resp.json())["listenKey"]
            ws = await session.ws_connect(f"{sim.ws_url}/private/ws?listenKey={listen_key}", autoping=False)
            assert await _pong_to(ws, b"1")
            sim.deposit(key, "5")
            assert json.loads((await _frame(ws)).data)["e"] == "ACCOUNT_UPDATE"
            sim.faults.add("mute_user_sockets")
            sim.deposit(key, "6")
            assert not await _pong_to(ws, b"2")
            await _nothing_within(ws)
            assert not ws.closed
            fresh = await session.ws_connect(f"{sim.ws_url}/private/ws?listenKey={listen_key}", autoping=False)
            assert await _pong_to(fresh, b"3")
            sim.deposit(key, "7")
            assert json.loads((await _frame(fresh)).data)["e"] == "ACCOUNT_UPDATE"
            await ws.close()
            await fresh.close()


async def test_the_admin_endpoint_runs_the_fault(spot):
    sim, session, key, secret = spot
    ws = await _subscribed(sim, session, key, secret)
    async with session.post(f"{sim.rest_url}/sim/faults", json={"kind": "mute_user_sockets"}) as resp:
        assert resp.status == 200
    assert not await _pong_to(ws, b"?")
    await ws.close()
