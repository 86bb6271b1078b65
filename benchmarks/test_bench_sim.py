"""Simulator throughput: depth events streamed to one subscriber, orders matched.

The simulator must never be the bottleneck of an end-to-end test or a demo:
these give its ceilings on this machine (ns/op; the report converts to per
second). Deterministic workloads, each asserting its result so the CI smoke
run (``--benchmark-disable``) still checks them.
"""
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

from hummingbot_conn.sim import ManualClock, SimulatedExchange
from hummingbot_conn.sim.binance.spot.accounts import AccountRegistry
from hummingbot_conn.sim.binance.spot.engine import MatchingEngine
from hummingbot_conn.sim.binance.spot.filters import default_symbols

DEPTH_EVENTS = 2000
ENGINE_ORDERS = 5000
REST_ORDERS = 200


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def test_bench_depth_events_streamed(benchmark, loop):
    """Book mutation -> flush -> one ``depthUpdate`` frame received and decoded by a subscriber."""
    benchmark.group = "sim: depth events streamed"
    benchmark.extra_info["impl"] = "hbconn"
    benchmark.extra_info["ops"] = DEPTH_EVENTS

    async def setup():
        sim = SimulatedExchange(seed=1, auto_flush=False, clock=ManualClock())
        await sim.start()
        key, _ = sim.create_account({"USDT": "1000000000", "BTC": "1000000"})
        session = aiohttp.ClientSession()
        ws = await session.ws_connect(f"{sim.ws_url}/ws/btcusdt@depth@100ms", max_msg_size=0)
        return sim, sim.account(key), session, ws

    sim, account, session, ws = loop.run_until_complete(setup())
    state = {"price": 0}
    book = sim.engine.books["BTCUSDT"]

    async def stream_round():
        last_u = None
        for _ in range(DEPTH_EVENTS):
            state["price"] += 1
            sim.engine.place_order(account, "BTCUSDT", "BUY", "LIMIT_MAKER", quantity=Decimal("0.001"),
                                   price=Decimal(10000 + state["price"] % 5000))
            sim.streams.flush("100ms")
        received = 0
        while received < DEPTH_EVENTS:
            event = json.loads((await ws.receive()).data)
            assert last_u is None or event["U"] == last_u + 1
            last_u = event["u"]
            received += 1
        assert last_u == book.update_id

    benchmark.pedantic(lambda: loop.run_until_complete(stream_round()), rounds=5, iterations=1)

    async def teardown():
        await ws.close()
        await session.close()
        await sim.stop()
    loop.run_until_complete(teardown())


def _engine_with_asks(n):
    accounts = AccountRegistry()
    maker = accounts.create({"BTC": "1000000", "USDT": "0"}, maker_rate="0.001")
    taker = accounts.create({"USDT": "1000000000", "BTC": "0"}, taker_rate="0.001")
    engine = MatchingEngine(default_symbols(), accounts, ManualClock(), seed=1)
    for i in range(n):
        engine.place_order(maker, "BTCUSDT", "SELL", "LIMIT", quantity=Decimal("0.01"),
                           price=Decimal(60000 + i), time_in_force="GTC")
    return (engine, taker), {}


def test_bench_engine_orders_matched(benchmark):
    """Taker LIMIT IOC orders each matching one resting order (fill, balances, reports, trade)."""
    benchmark.group = "sim: orders matched"
    benchmark.extra_info["impl"] = "hbconn"
    benchmark.extra_info["ops"] = ENGINE_ORDERS
    limit = Decimal(60000 + ENGINE_ORDERS)
    qty = Decimal("0.01")

    def match_all(engine, taker):
        for _ in range(ENGINE_ORDERS):
            order, fills = engine.place_order(taker, "BTCUSDT", "BUY", "LIMIT", quantity=qty, price=limit,
                                              time_in_force="IOC")
        assert order.status == "FILLED" and len(fills) == 1
        assert not engine.books["BTCUSDT"].asks
        assert taker.free("BTC") == qty * ENGINE_ORDERS * Decimal("0.999")

    benchmark.pedantic(match_all, setup=lambda: _engine_with_asks(ENGINE_ORDERS), rounds=5, iterations=1)


def test_bench_rest_orders_matched(benchmark, loop):
    """Signed ``POST /api/v3/order`` over loopback HTTP: half rest, half take (keep-alive client)."""
    benchmark.group = "sim: orders matched over REST"
    benchmark.extra_info["impl"] = "hbconn"
    benchmark.extra_info["ops"] = REST_ORDERS

    async def setup():
        sim = SimulatedExchange(seed=1, auto_flush=False, weight_limit=10**9, orders_per_10s=10**9)
        await sim.start()
        key, secret = sim.create_account({"USDT": "1000000000", "BTC": "1000000"})
        return sim, key, secret, aiohttp.ClientSession()

    sim, key, secret, session = loop.run_until_complete(setup())

    async def send(params):
        params["timestamp"] = int(time.time() * 1000)
        query = urlencode(params)
        sig = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        url = yarl.URL(f"{sim.rest_url}/api/v3/order?{query}&signature={sig}", encoded=True)
        async with session.post(url, headers={"X-MBX-APIKEY": key}) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def orders_round():
        for _ in range(REST_ORDERS // 2):
            await send({"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC",
                        "quantity": "0.001", "price": "60000", "newOrderRespType": "ACK"})
            taken = await send({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "IOC",
                                "quantity": "0.001", "price": "60000"})
            assert taken["status"] == "FILLED"

    benchmark.pedantic(lambda: loop.run_until_complete(orders_round()), rounds=3, iterations=1)

    async def teardown():
        await session.close()
        await sim.stop()
    loop.run_until_complete(teardown())
