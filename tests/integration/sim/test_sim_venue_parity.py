"""Both simulated Binance venues run on one kernel: the same admin API, pipeline and stream control.

Spot and USDⓈ-M used to carry their own copies of the REST pipeline, the
stream plumbing and the admin routes, and had drifted (8 admin routes against
2, no scalable weight window on futures, response faults skipped on PUT on
spot, no ``SET_PROPERTY`` on futures, futures order counts in spot's windows).
Each test here runs the same client code against both venues over real HTTP /
WebSocket; a venue-specific expectation is stated in its ``Venue`` row.
"""
import asyncio
import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable
from urllib.parse import urlencode

import aiohttp
import orjson
import pytest
import yarl

from hummingbot_conn.sim import ManualClock, SimulatedExchange
from hummingbot_conn.sim.futures import SimulatedFuturesExchange

START = 1_700_000_008_500        # 4.5 s into a 6 s calendar window


@dataclass
class Venue:
    name: str
    make: Callable[..., Any]
    rest: str                        # REST prefix
    listen_key: str                  # listenKey endpoint
    stream: str                      # raw market stream path
    wallet: Callable[[Any, str], Decimal]      # (sim, api key) -> USDT held
    order_counts: tuple[str, ...]    # X-MBX-ORDER-COUNT-* windows, docs/binance_spot.md 1.4 / usdm section 2
    order: dict


SPOT = Venue("spot", SimulatedExchange, "/api/v3", "/api/v3/userDataStream", "/ws",
             lambda sim, key: sim.account(key).free("USDT"), ("10S", "1D"),
             {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
              "price": "50000"})
USDM = Venue("usdm", SimulatedFuturesExchange, "/fapi/v1", "/fapi/v1/listenKey", "/public/ws",
             lambda sim, key: sim.account(key).wallet, ("1M", "10S"),
             {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01",
              "price": "50000"})


@pytest.fixture(params=[SPOT, USDM], ids=lambda v: v.name)
def venue(request) -> Venue:
    return request.param


def _signed(secret: str, params: dict) -> str:
    query = urlencode(params)
    return query + "&signature=" + hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()


async def _admin(session, sim, method, path, body=None):
    async with session.request(method, f"{sim.rest_url}{path}", data=orjson.dumps(body) if body is not None else None,
                               headers={"Content-Type": "application/json"}) as resp:
        return resp.status, await resp.json()


async def test_every_admin_route_on_every_venue(venue):
    async with venue.make(clock=ManualClock(START), auto_flush=False, traders={"rate": 0}) as sim, \
            aiohttp.ClientSession() as session:
        status, made = await _admin(session, sim, "POST", "/sim/accounts", {"balances": {"USDT": "1000"}})
        assert status == 200 and set(made) == {"apiKey", "secret"}
        assert await _admin(session, sim, "POST", "/sim/deposit",
                            {"apiKey": made["apiKey"], "asset": "USDT", "amount": "5"}) == (200, {})
        assert venue.wallet(sim, made["apiKey"]) == Decimal("1005")
        assert (await _admin(session, sim, "POST", "/sim/deposit",
                             {"apiKey": "nobody", "asset": "USDT", "amount": "5"}))[0] == 404
        assert (await _admin(session, sim, "POST", "/sim/accounts", {"balances": {"USDT": "-1"}}))[0] == 400

        status, rule = await _admin(session, sim, "POST", "/sim/faults",
                                    {"kind": "drop_diff", "symbol": "BTCUSDT", "count": 2})
        assert status == 200 and rule["id"] > 0
        status, rules = await _admin(session, sim, "GET", "/sim/faults")
        assert [(r["kind"], r["fault_id"]) for r in rules] == [("drop_diff", rule["id"])]
        assert await _admin(session, sim, "DELETE", f"/sim/faults/{rule['id']}") == (200, {})
        assert (await _admin(session, sim, "DELETE", f"/sim/faults/{rule['id']}"))[0] == 404
        assert (await _admin(session, sim, "POST", "/sim/faults", {"kind": "drop_diff", "bogus": 1}))[0] == 400
        await _admin(session, sim, "POST", "/sim/faults", {"kind": "http_429", "count": None})
        assert await _admin(session, sim, "DELETE", "/sim/faults") == (200, {})
        assert await _admin(session, sim, "GET", "/sim/faults") == (200, [])

        status, traders = await _admin(session, sim, "POST", "/sim/traders", {"action": "step", "count": 3})
        assert status == 200 and traders["actions"] >= 3 and traders["paused"] is False
        status, flushed = await _admin(session, sim, "POST", "/sim/flush")
        assert status == 200 and isinstance(flushed["sent"], int)
        status, ticked = await _admin(session, sim, "POST", "/sim/tick")
        assert status == 200 and isinstance(ticked["frames"], int)


async def test_a_venue_without_traders_says_so(venue):
    async with venue.make(clock=ManualClock(START), auto_flush=False) as sim, aiohttp.ClientSession() as session:
        assert (await _admin(session, sim, "POST", "/sim/traders", {"action": "pause"}))[0] == 409


async def test_a_scaled_weight_window_counts_and_tells_alike(venue):
    """Calendar windows of ``weight_window_ms`` on both venues (docs/binance_spot.md section 1.4)."""
    clock = ManualClock(START)
    async with venue.make(clock=clock, auto_flush=False, weight_limit=30, ban_after=100,
                          weight_window_ms=6_000) as sim, aiohttp.ClientSession() as session:
        async with session.get(f"{sim.rest_url}{venue.rest}/exchangeInfo") as resp:
            limits = (await resp.json())["rateLimits"]
        assert limits[0] == {"rateLimitType": "REQUEST_WEIGHT", "interval": "SECOND", "intervalNum": 6, "limit": 30}
        statuses = []
        for _ in range(31):
            async with session.get(f"{sim.rest_url}{venue.rest}/ping") as resp:
                statuses.append((resp.status, resp.headers.get("Retry-After"), resp.headers["X-MBX-USED-WEIGHT-1M"]))
        refused = [s for s in statuses if s[0] == 429]
        assert refused and all(retry == "2" and int(used) > 30 for _, retry, used in refused), statuses
        clock.advance(1_500)                                        # the next window: nothing carries over
        async with session.get(f"{sim.rest_url}{venue.rest}/ping") as resp:
            assert resp.status == 200 and resp.headers["X-MBX-USED-WEIGHT-1M"] == "1"


async def test_order_counts_are_reported_in_the_venue_windows(venue):
    async with venue.make(clock=ManualClock(START), auto_flush=False) as sim, aiohttp.ClientSession() as session:
        key, secret = sim.create_account({"USDT": "100000"} if venue is SPOT else "100000")
        query = _signed(secret, {**venue.order, "timestamp": START})
        async with session.post(yarl.URL(f"{sim.rest_url}{venue.rest}/order?{query}", encoded=True),
                                headers={"X-MBX-APIKEY": key}) as resp:
            assert resp.status == 200, await resp.text()
            counts = {h[len("X-MBX-ORDER-COUNT-"):]: v for h, v in resp.headers.items()
                      if h.startswith("X-MBX-ORDER-COUNT-")}
        assert counts == dict.fromkeys(venue.order_counts, "1")


async def test_response_faults_apply_to_every_method(venue):
    """``lose_response`` scoped to a PUT (the listenKey keep-alive) fires there too: the keep-alive
    takes effect and the connection closes unanswered. (The rule stays until cleared: aiohttp sends
    an idempotent request again, once, when a reused connection closes under it.)"""
    async with venue.make(clock=ManualClock(START), auto_flush=False) as sim, aiohttp.ClientSession() as session:
        key, _ = sim.create_account()
        headers = {"X-MBX-APIKEY": key}
        async with session.post(f"{sim.rest_url}{venue.listen_key}", headers=headers) as resp:
            listen_key = (await resp.json())["listenKey"]
        sim.faults.add("lose_response", endpoint=f"PUT {venue.listen_key}", count=None)
        with pytest.raises(aiohttp.ClientError):
            async with session.put(f"{sim.rest_url}{venue.listen_key}?listenKey={listen_key}",
                                   headers=headers) as resp:
                await resp.read()
        assert sim.faults.rules[0].fired >= 1
        sim.faults.clear()
        async with session.put(f"{sim.rest_url}{venue.listen_key}?listenKey={listen_key}", headers=headers) as resp:
            assert resp.status == 200                           # the key is still good


async def test_stream_control_frames_alike(venue):
    """SUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY and the error answers (docs/binance_spot.md 5.2)."""
    async with venue.make(clock=ManualClock(START), auto_flush=False) as sim, aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{sim.ws_url}{venue.stream}") as ws:
            async def ask(request):
                await ws.send_str(orjson.dumps(request).decode() if not isinstance(request, str) else request)
                async with asyncio.timeout(10):
                    return orjson.loads((await ws.receive()).data)
            assert await ask({"method": "SUBSCRIBE", "params": ["btcusdt@depth@100ms"], "id": 1}) == \
                {"result": None, "id": 1}
            assert await ask({"method": "LIST_SUBSCRIPTIONS", "id": 2}) == {"result": ["btcusdt@depth@100ms"], "id": 2}
            assert await ask({"method": "SET_PROPERTY", "params": ["combined", True], "id": 3}) == \
                {"result": None, "id": 3}
            assert await ask({"method": "GET_PROPERTY", "params": ["combined"], "id": 4}) == {"result": True, "id": 4}
            assert (await ask({"method": "SUBSCRIBE", "params": ["nope@depth"], "id": 5}))["code"] == 2
            assert (await ask({"method": "PING", "id": "x" * 37}))["code"] == 2
            assert (await ask("not json"))["code"] == 3
            unknown = await ask({"method": "PING", "id": 6})
            assert unknown["code"] == 2 and "unknown variant `PING`" in unknown["msg"]
