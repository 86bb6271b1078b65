"""The web layer against the simulated exchange (an independent Binance peer on 127.0.0.1).

The simulator shares no code with the connector side: it verifies signatures,
enforces recvWindow, reports used weight and injects faults on its own terms.
"""
import asyncio

import pytest

from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS, binance_web_utils as web_utils
from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth
from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.sim.binance.spot.server import SimulatedExchange
from hummingbot_conn.web import (
    ExponentialBackoff,
    RateLimitExceededError,
    RequestOutcomeUnknownError,
    RESTMethod,
    TimeSynchronizer,
    WSJSONRequest,
)


@pytest.fixture
async def sim():
    async with SimulatedExchange(seed=3, auto_flush=False) as exchange:
        yield exchange


def stack(sim, key, secret, **kwargs):
    endpoints = BinanceEndpoints(rest=sim.rest_url, stream=sim.ws_url, ws_api=sim.ws_url)
    throttler = web_utils.create_throttler()
    sync = TimeSynchronizer()
    auth = BinanceAuth(key, secret, sync)
    factory = web_utils.build_api_factory(throttler=throttler, time_synchronizer=sync, domain=endpoints,
                                          auth=auth, **kwargs)
    return factory, throttler, sync, auth, endpoints


async def _place(rest, endpoints, client_id, price="100"):
    return await rest.execute_request(
        endpoints.rest_url(CONSTANTS.ORDER_PATH_URL), CONSTANTS.ORDER_PATH_URL, method=RESTMethod.POST,
        is_auth_required=True,
        data={"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1",
              "price": price, "newClientOrderId": client_id})


async def test_signed_requests_accepted_by_the_simulator(sim):
    key, secret = sim.create_account({"USDT": "10000"})
    factory, throttler, _, _, endpoints = stack(sim, key, secret)
    async with factory:
        rest = await factory.get_rest_assistant()
        account = await rest.execute_request(endpoints.rest_url(CONSTANTS.ACCOUNTS_PATH_URL),
                                             CONSTANTS.ACCOUNTS_PATH_URL, is_auth_required=True)
        assert {b["asset"]: b["free"] for b in account["balances"]}["USDT"].startswith("10000")
        client_id = "x-MG43PCSN:a/b_c.d-1"                 # ':' and '/' are legal and re-normalisable
        placed = await _place(rest, endpoints, client_id)
        assert placed["clientOrderId"] == client_id
        status = await rest.execute_request(endpoints.rest_url(CONSTANTS.ORDER_PATH_URL), CONSTANTS.ORDER_PATH_URL,
                                            params={"symbol": "BTCUSDT", "origClientOrderId": client_id},
                                            is_auth_required=True)
        assert status["status"] == "NEW"
        cancelled = await rest.execute_request(endpoints.rest_url(CONSTANTS.ORDER_PATH_URL),
                                               CONSTANTS.ORDER_PATH_URL, method=RESTMethod.DELETE,
                                               params={"symbol": "BTCUSDT", "origClientOrderId": client_id},
                                               is_auth_required=True)
        assert cancelled["status"] == "CANCELED"
        # the simulator's X-MBX-USED-WEIGHT-1M became our pool count
        assert throttler.used_weight(CONSTANTS.REQUEST_WEIGHT) >= 20


async def test_clock_skew_triggers_resync_and_one_retry(sim):
    key, secret = sim.create_account({"USDT": "10000"})
    factory, _, sync, _, endpoints = stack(sim, key, secret)
    async with factory:
        rest = await factory.get_rest_assistant()
        await rest.execute_request(endpoints.rest_url(CONSTANTS.ACCOUNTS_PATH_URL), CONSTANTS.ACCOUNTS_PATH_URL,
                                   is_auth_required=True)
        before = sync.time_offset_ms
        sim.faults.add("skew_clock", ms=30_000)
        await rest.execute_request(endpoints.rest_url(CONSTANTS.ACCOUNTS_PATH_URL), CONSTANTS.ACCOUNTS_PATH_URL,
                                   is_auth_required=True)
        assert 20_000 < sync.time_offset_ms - before < 40_000     # moved by the 30 s skew


async def test_simulated_429_pauses_the_pool(sim):
    key, secret = sim.create_account({"USDT": "10000"})
    factory, throttler, _, _, endpoints = stack(sim, key, secret)
    async with factory:
        rest = await factory.get_rest_assistant()
        sim.faults.add("http_429", endpoint="/api/v3/account")
        with pytest.raises(RateLimitExceededError) as info:
            await rest.execute_request(endpoints.rest_url(CONSTANTS.ACCOUNTS_PATH_URL),
                                       CONSTANTS.ACCOUNTS_PATH_URL, is_auth_required=True)
        assert (info.value.status, info.value.code, info.value.retry_after) == (429, -1003, 1.0)
        assert throttler.paused_until(CONSTANTS.REQUEST_WEIGHT) > 0


async def test_lost_order_response_is_outcome_unknown_and_the_order_exists(sim):
    key, secret = sim.create_account({"USDT": "10000"})
    factory, _, _, _, endpoints = stack(sim, key, secret)
    async with factory:
        rest = await factory.get_rest_assistant()
        sim.faults.add("lose_response", endpoint="POST /api/v3/order")
        with pytest.raises(RequestOutcomeUnknownError):
            await _place(rest, endpoints, "lost-1")
        status = await rest.execute_request(endpoints.rest_url(CONSTANTS.ORDER_PATH_URL), CONSTANTS.ORDER_PATH_URL,
                                            params={"symbol": "BTCUSDT", "origClientOrderId": "lost-1"},
                                            is_auth_required=True)
        assert status["status"] == "NEW"                     # it did take effect: reconcile, never resend
        sim.faults.add("http_error", endpoint="POST /api/v3/order", status=503)
        with pytest.raises(RequestOutcomeUnknownError) as info:
            await _place(rest, endpoints, "five-oh-three")
        assert info.value.status == 503 and info.value.code == -1001


async def test_user_stream_subscription_survives_socket_close(sim):
    key, secret = sim.create_account({"USDT": "10000"})
    delays = []

    async def sleep(delay):
        delays.append(delay)
        await asyncio.sleep(0)

    factory, _, _, auth, endpoints = stack(sim, key, secret, sleep=sleep,
                                           ws_backoff=ExponentialBackoff(0.5, 8.0, rng=lambda: 0.0))
    subscriptions = []

    async def subscribe(ws):
        await ws.send(WSJSONRequest({"id": f"sub-{len(subscriptions)}",
                                     "method": CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD,
                                     "params": auth.generate_ws_subscribe_params()},
                                    throttler_limit_id=CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD))
        subscriptions.append(ws.reconnect_count)

    async with factory:
        ws = await factory.get_ws_assistant(on_reconnected=subscribe)
        await ws.connect(endpoints.ws_api_url(), ping_timeout=5)
        await subscribe(ws)
        answers = []
        async for response in ws.iter_messages():
            data = response.data
            if isinstance(data, dict) and data.get("status") == 200:
                answers.append(data["id"])
                if len(answers) == 1:
                    sim.faults.add("close_user_sockets")
                else:
                    break
        await ws.disconnect()
    assert answers == ["sub-0", "sub-1"]
    assert subscriptions == [0, 1] and delays == [0.5]
