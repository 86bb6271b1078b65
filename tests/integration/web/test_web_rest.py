"""The REST stack against a local aiohttp server on 127.0.0.1 port 0 (real sockets).

The server verifies HMAC signatures over the *raw* received query string and
body (docs/binance_spot.md section 2.6), keeps its own skewable clock, and can answer
429 / 418 / 5xx / slowly, so every path of the REST layer runs for real.
"""
import asyncio
import hashlib
import hmac
import logging
import math
import time
from decimal import Decimal
from urllib.parse import parse_qsl

import aiohttp
import pytest
from aiohttp import web

from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS, binance_web_utils as web_utils
from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth
from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.web import (
    AsyncThrottler,
    ExchangeError,
    ExponentialBackoff,
    IPBannedError,
    LinkedLimitWeightPair,
    NetworkError,
    RateLimit,
    RateLimitExceededError,
    RequestOutcomeUnknownError,
    RequestTimeoutError,
    RESTMethod,
    RESTRequest,
    ServerError,
    TimeSynchronizer,
    WebAssistantsFactory,
)

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


class JumpClock:
    """Virtual time whose sleep jumps the clock at once (exact while one task sleeps at a time)."""

    def __init__(self, start: float = 5000.0) -> None:
        self.now = start
        self.sleeps = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += max(delay, 0.0)
        await asyncio.sleep(0)


class FakeBinance:
    """Enough of Binance's REST rules to check the client's bytes, timing and error handling."""

    def __init__(self) -> None:
        self.skew_ms = 0.0
        self.hits = {}
        self.received = []
        self.used_weight_header = None
        self.always_1021 = False
        self.flaky_left = 0
        self.slow_seconds = 0.0
        self.release = asyncio.Event()      # set at teardown so slow handlers end at once

    def now_ms(self) -> float:
        return time.time() * 1e3 + self.skew_ms

    def _hit(self, name):
        self.hits[name] = self.hits.get(name, 0) + 1

    def _json(self, payload, status=200, headers=None):
        h = dict(headers or {})
        if self.used_weight_header is not None:
            h["x-mbx-used-weight-1m"] = str(self.used_weight_header)
        return web.json_response(payload, status=status, headers=h)

    async def time(self, request):
        self._hit("time")
        return self._json({"serverTime": int(self.now_ms())})

    async def signed(self, request):
        self._hit("signed")
        raw_q = request.rel_url.raw_query_string
        raw_b = (await request.read()).decode("ascii")
        self.received.append((request.method, raw_q, raw_b))
        if request.headers.get("X-MBX-APIKEY") != API_KEY:
            return self._json({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}, 401)

        def strip_sig(s):
            parts = [p for p in s.split("&") if p and not p.startswith("signature=")]
            sig = [p[len("signature="):] for p in s.split("&") if p.startswith("signature=")]
            return "&".join(parts), sig

        q, s1 = strip_sig(raw_q)
        b, s2 = strip_sig(raw_b)
        params = dict(parse_qsl(b))
        params.update(parse_qsl(q))
        if "timestamp" not in params or not (s1 or s2):
            return self._json({"code": -1102, "msg": "Mandatory parameter 'signature' was not sent."}, 400)
        ts = int(params["timestamp"])
        recv_window = float(params.get("recvWindow", 5000))
        server = self.now_ms()
        if self.always_1021 or not (ts < server + 1000 and server - ts <= recv_window):
            return self._json({"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}, 400)
        expected = hmac.new(SECRET.encode(), (q + b).encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, (s1 or s2)[0].lower()):
            return self._json({"code": -1022, "msg": "Signature for this request is not valid."}, 400)
        if params.get("symbol") == "NOPE":
            return self._json({"code": -1121, "msg": "Invalid symbol."}, 400)
        return self._json({"ok": True, "params": params})

    async def public(self, request):
        self._hit("public")
        return self._json({"raw_query": request.rel_url.raw_query_string})

    async def limited(self, request):
        self._hit("limited")
        return self._json({"code": -1003, "msg": "Too much request weight used"}, 429, {"Retry-After": "7"})

    async def too_many_orders(self, request):
        self._hit("toomany")
        return self._json({"code": -1015, "msg": "Too many new orders; current limit is 100 orders per 10 SECOND."},
                          429, {"Retry-After": "9"})

    async def banned(self, request):
        self._hit("banned")
        return self._json({"code": -1003, "msg": "Way too much request weight used; IP banned"}, 418,
                          {"Retry-After": "120"})

    async def flaky(self, request):
        self._hit("flaky")
        if self.flaky_left > 0:
            self.flaky_left -= 1
            return web.Response(status=503, text="<html><body>Service Unavailable</body></html>",
                                content_type="text/html")
        return self._json({"ok": True})

    async def slow(self, request):
        self._hit("slow")
        try:
            await asyncio.wait_for(self.release.wait(), self.slow_seconds)
        except asyncio.TimeoutError:
            pass
        return self._json({"ok": True})


@pytest.fixture
async def server():
    fake = FakeBinance()
    app = web.Application()
    app.router.add_get("/api/v3/time", fake.time)
    for method in ("GET", "POST", "DELETE"):
        app.router.add_route(method, "/api/v3/order", fake.signed)
        app.router.add_route(method, "/api/v3/flaky", fake.flaky)
        app.router.add_route(method, "/api/v3/slow", fake.slow)
    app.router.add_get("/api/v3/public", fake.public)
    app.router.add_get("/api/v3/limited", fake.limited)
    app.router.add_get("/api/v3/banned", fake.banned)
    app.router.add_post("/api/v3/toomany", fake.too_many_orders)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.endpoints = BinanceEndpoints.local(f"127.0.0.1:{port}")
    fake.url = lambda path: fake.endpoints.rest_url(path)
    yield fake
    fake.release.set()
    await runner.cleanup()


def rest_limits(extra=()):
    return list(CONSTANTS.RATE_LIMITS) + [
        RateLimit(path, 5000, 60, linked_limits=[LinkedLimitWeightPair(CONSTANTS.REQUEST_WEIGHT, 1)])
        for path in ("/public", "/limited", "/banned", "/flaky", "/slow")] + list(extra)


def binance_stack(server, clock=None, **kwargs):
    clock = clock or JumpClock()
    throttler = AsyncThrottler(rest_limits(), clock=clock, sleep=clock.sleep)
    sync = TimeSynchronizer()
    auth = BinanceAuth(API_KEY, SECRET, sync)
    factory = web_utils.build_api_factory(throttler=throttler, time_synchronizer=sync, domain=server.endpoints,
                                          auth=auth, sleep=clock.sleep,
                                          rest_backoff=ExponentialBackoff(0.5, 4.0, rng=lambda: 0.0), **kwargs)
    return factory, throttler, sync, clock


async def test_signed_bytes_are_the_sent_bytes_verified_by_the_server(server):
    factory, _, _, _ = binance_stack(server)
    async with factory:
        rest = await factory.get_rest_assistant()
        # ':' '/' '+' ' ' and full-width digits: exactly what yarl would re-normalise or mangle
        params = {"symbol": "１２３４５６", "side": "BUY", "newClientOrderId": "x-MG:a/b+c d",
                  "price": Decimal("0.00010000"), "quantity": Decimal("1E+1")}
        result = await rest.execute_request(server.url("/order"), CONSTANTS.ORDER_PATH_URL, params=params,
                                            method=RESTMethod.POST, is_auth_required=True)
        assert result["ok"] is True
        assert result["params"]["newClientOrderId"] == "x-MG:a/b+c d"
        assert result["params"]["symbol"] == "１２３４５６"
        assert result["params"]["quantity"] == "10"
        method, raw_q, raw_b = server.received[-1]
        assert "newClientOrderId=x-MG%3Aa%2Fb%2Bc%20d" in raw_q and raw_b == ""
        # mixed query + body (docs/binance_spot.md 10.2 layout) and a signed GET
        result = await rest.execute_request(server.url("/order"), CONSTANTS.ORDER_PATH_URL,
                                            params={"symbol": "LTCBTC"}, data={"quantity": "1", "price": "0.1"},
                                            method=RESTMethod.POST, is_auth_required=True)
        assert result["params"]["quantity"] == "1"
        assert server.received[-1][2].startswith("quantity=1&price=0.1&recvWindow=5000&timestamp=")
        result = await rest.execute_request(server.url("/order"), CONSTANTS.ORDER_PATH_URL,
                                            params={"symbol": "LTCBTC", "orderId": 7}, is_auth_required=True)
        assert result["params"]["orderId"] == "7"


async def test_a_wrong_secret_is_rejected_with_typed_error(server):
    throttler = AsyncThrottler(rest_limits())
    auth = BinanceAuth(API_KEY, "not-the-secret", TimeSynchronizer())
    async with WebAssistantsFactory(throttler, auth=auth) as factory:
        rest = await factory.get_rest_assistant()
        with pytest.raises(ExchangeError) as info:
            await rest.execute_request(server.url("/order"), CONSTANTS.ORDER_PATH_URL, params={"symbol": "LTCBTC"},
                                       method=RESTMethod.POST, is_auth_required=True)
    err = info.value
    assert (err.status, err.code, err.msg) == (400, -1022, "Signature for this request is not valid.")
    assert "not-the-secret" not in str(err) and "signature=" not in str(err)


async def test_exchange_error_carries_code_msg_status(server):
    factory, _, _, _ = binance_stack(server)
    async with factory:
        rest = await factory.get_rest_assistant()
        with pytest.raises(ExchangeError) as info:
            await rest.execute_request(server.url("/order"), CONSTANTS.ORDER_PATH_URL, params={"symbol": "NOPE"},
                                       method=RESTMethod.POST, is_auth_required=True)
        assert (info.value.status, info.value.code, info.value.msg) == (400, -1121, "Invalid symbol.")
        assert isinstance(info.value, IOError)           # hummingbot-style `except IOError` still works
        response = await rest.execute_request(server.url("/order"), CONSTANTS.ORDER_PATH_URL,
                                              params={"symbol": "NOPE"}, method=RESTMethod.POST,
                                              is_auth_required=True, return_err=True)
        assert response == {"code": -1121, "msg": "Invalid symbol."}


async def test_time_resync_after_1021_then_one_retry(server):
    factory, _, sync, _ = binance_stack(server)
    async with factory:
        rest = await factory.get_rest_assistant()
        await rest.execute_request(server.url("/order"), CONSTANTS.ORDER_PATH_URL, params={"symbol": "A"},
                                   method=RESTMethod.POST, is_auth_required=True)
        assert server.hits == {"time": 1, "signed": 1}           # synced once before the first signed call
        offset_before = sync.time_offset_ms
        server.skew_ms = 20_000                                  # the exchange's clock jumps 20 s ahead
        result = await rest.execute_request(server.url("/order"), CONSTANTS.ORDER_PATH_URL, params={"symbol": "B"},
                                            method=RESTMethod.POST, is_auth_required=True)
        assert result["params"]["symbol"] == "B"
        assert server.hits == {"time": 1 + 3, "signed": 3}      # rejected, resynced (3 samples), retried once
        # the offset moved by the skew (round-trip error is at most half a local round trip,
        # so the band is wide on purpose: this checks the resync, not the machine's speed)
        assert 10_000 < sync.time_offset_ms - offset_before < 30_000

        server.always_1021 = True                                # a timestamp error that resync cannot fix
        with pytest.raises(ExchangeError) as info:
            await rest.execute_request(server.url("/order"), CONSTANTS.ORDER_PATH_URL, params={"symbol": "C"},
                                       method=RESTMethod.POST, is_auth_required=True)
        assert info.value.code == CONSTANTS.TIMESTAMP_ERROR_CODE
        assert server.hits["signed"] == 3 + 2                    # exactly one retry, no loop


async def test_throttling_exactly_n_per_window_over_real_sockets(server):
    clock = JumpClock()
    throttler = AsyncThrottler([RateLimit("/public", limit=3, time_interval=10)], clock=clock, sleep=clock.sleep)
    admitted = []

    async with WebAssistantsFactory(throttler) as factory:
        rest = await factory.get_rest_assistant()

        async def one(i):
            context = throttler.execute_task("/public")
            async with context:
                admitted.append((clock(), i))
                await rest.call(RESTRequest(RESTMethod.GET, url=server.url("/public"), params={"i": i}))

        await asyncio.gather(*(one(i) for i in range(7)))
    assert [t - 5000.0 for t, _ in admitted] == [0, 0, 0, 10, 10, 10, 20]
    assert [i for _, i in admitted] == list(range(7))
    assert server.hits["public"] == 7


async def test_used_weight_header_corrects_the_pool(server):
    clock = JumpClock()
    factory, throttler, _, _ = binance_stack(server, clock=clock)
    async with factory:
        rest = await factory.get_rest_assistant()
        server.used_weight_header = 5990
        await rest.execute_request(server.url("/public"), "/public")
        assert throttler.used_weight(CONSTANTS.REQUEST_WEIGHT) == 5990
        # 5990 + 20 > 6000: an /exchangeInfo-weight request waits for the minute to reset (Binance
        # counts per calendar minute; the clock is 20 s into one) and the 0.5 s calendar margin,
        # not for a whole minute from now
        await throttler.acquire(CONSTANTS.EXCHANGE_INFO_PATH_URL)
        assert clock() == 5040.5
        assert throttler.used_weight(CONSTANTS.REQUEST_WEIGHT) == 20


async def test_429_pauses_the_limit_and_its_pool_for_retry_after(server):
    clock = JumpClock()
    factory, throttler, _, _ = binance_stack(server, clock=clock)
    async with factory:
        rest = await factory.get_rest_assistant()
        start = clock()
        with pytest.raises(RateLimitExceededError) as info:
            await rest.execute_request(server.url("/limited"), "/limited")
        assert (info.value.status, info.value.code, info.value.retry_after) == (429, -1003, 7.0)
        assert not isinstance(info.value, IPBannedError)
        assert throttler.paused_until(CONSTANTS.REQUEST_WEIGHT) == start + 7.0
        await rest.execute_request(server.url("/public"), "/public")   # shares the pool: waits the pause out
        assert clock() == start + 7.0
        assert server.hits["limited"] == 1                             # a 429 is never retried blindly


async def test_a_too_many_orders_429_holds_placements_only_never_cancels_or_polls(server):
    clock = JumpClock()
    factory, throttler, _, _ = binance_stack(server, clock=clock)
    async with factory:
        rest = await factory.get_rest_assistant()
        start = clock()
        with pytest.raises(RateLimitExceededError) as info:
            await rest.execute_request(server.url("/toomany"), CONSTANTS.ORDER_PATH_URL, method=RESTMethod.POST)
        assert (info.value.code, info.value.retry_after) == (-1015, 9.0)
        assert throttler.paused_until(CONSTANTS.ORDERS) == start + 9.0
        assert throttler.paused_until(CONSTANTS.REQUEST_WEIGHT) == -math.inf
        # a cancel and a poll go at once: the venue limited new orders, not the IP's weight
        assert throttler.try_acquire(CONSTANTS.CANCEL_ORDER_LIMIT_ID)
        await rest.execute_request(server.url("/public"), "/public")
        assert clock() == start
        assert not throttler.try_acquire(CONSTANTS.ORDER_PATH_URL)


async def test_418_is_an_ip_ban_with_its_retry_after(server):
    clock = JumpClock()
    factory, throttler, _, _ = binance_stack(server, clock=clock)
    async with factory:
        rest = await factory.get_rest_assistant()
        with pytest.raises(IPBannedError) as info:
            await rest.execute_request(server.url("/banned"), "/banned")
        assert (info.value.status, info.value.retry_after) == (418, 120.0)
        assert throttler.paused_until("/banned") == clock() + 120.0


async def test_idempotent_get_retries_5xx_with_backoff(server):
    clock = JumpClock()
    factory, _, _, _ = binance_stack(server, clock=clock)
    async with factory:
        rest = await factory.get_rest_assistant()
        server.flaky_left = 2
        assert await rest.execute_request(server.url("/flaky"), "/flaky") == {"ok": True}
        assert server.hits["flaky"] == 3
        assert clock.sleeps == [0.5, 1.0]
        server.flaky_left = 5
        with pytest.raises(ServerError) as info:
            await rest.execute_request(server.url("/flaky"), "/flaky")
        assert info.value.status == 503 and info.value.msg.startswith("N/A")


async def test_order_post_on_5xx_is_outcome_unknown_and_never_resent(server):
    factory, _, _, _ = binance_stack(server)
    async with factory:
        rest = await factory.get_rest_assistant()
        server.flaky_left = 1
        with pytest.raises(RequestOutcomeUnknownError) as info:
            await rest.execute_request(server.url("/flaky"), "/flaky", method=RESTMethod.POST, data={"a": 1})
        assert info.value.status == 503
        assert server.hits["flaky"] == 1


async def test_post_timeout_is_outcome_unknown_get_timeout_is_retried(server):
    factory, _, _, clock = binance_stack(server, request_timeout=0.2, max_retries=1)
    server.slow_seconds = 2.0
    async with factory:
        rest = await factory.get_rest_assistant()
        with pytest.raises(RequestOutcomeUnknownError, match="outcome unknown"):
            await rest.execute_request(server.url("/slow"), "/slow", method=RESTMethod.POST, data={"a": 1})
        assert server.hits["slow"] == 1
        with pytest.raises(RequestTimeoutError):
            await rest.execute_request(server.url("/slow"), "/slow")
        assert server.hits["slow"] == 1 + 2


async def test_connection_refused_is_a_network_error_even_for_post():
    # a port that was free a moment ago: nothing listens, so nothing was sent
    probe = web.AppRunner(web.Application())
    await probe.setup()
    site = web.TCPSite(probe, "127.0.0.1", 0)
    await site.start()
    port = probe.addresses[0][1]
    await probe.cleanup()
    clock = JumpClock()
    throttler = AsyncThrottler(rest_limits(), clock=clock, sleep=clock.sleep)
    async with WebAssistantsFactory(throttler, sleep=clock.sleep, max_retries=1) as factory:
        rest = await factory.get_rest_assistant()
        url = BinanceEndpoints.local(f"127.0.0.1:{port}").rest_url("/flaky")
        with pytest.raises(NetworkError) as info:
            await rest.execute_request(url, "/flaky", method=RESTMethod.POST, data={"a": 1})
        assert not isinstance(info.value, RequestOutcomeUnknownError)
        with pytest.raises(NetworkError):
            await rest.execute_request(url, "/flaky")
        assert len(clock.sleeps) == 1                  # the GET was retried once, the POST never


async def test_closing_one_factory_never_closes_another(server):
    a = WebAssistantsFactory(AsyncThrottler(rest_limits()))
    b = WebAssistantsFactory(AsyncThrottler(rest_limits()))
    rest_a = await a.get_rest_assistant()
    rest_b = await b.get_rest_assistant()
    await rest_a.execute_request(server.url("/public"), "/public")
    await rest_b.execute_request(server.url("/public"), "/public")
    assert a.connections_factory.session is not b.connections_factory.session
    await a.close()
    assert a.connections_factory.session.closed
    assert await rest_b.execute_request(server.url("/public"), "/public", params={"x": 1}) == {"raw_query": "x=1"}
    await b.close()


async def test_server_time_helper_and_unknown_domain(server):
    ms = await web_utils.get_current_server_time(AsyncThrottler(rest_limits()), server.endpoints)
    assert abs(ms - server.now_ms()) < 60_000         # the server's own clock, not the local one
    with pytest.raises(ValueError, match="unknown Binance domain"):
        web_utils.public_rest_url("/time", "moon")


async def test_no_secret_in_logs_or_errors(server, caplog):
    caplog.set_level(logging.DEBUG)
    factory, _, _, _ = binance_stack(server)
    errors = []
    async with factory:
        rest = await factory.get_rest_assistant()
        await rest.execute_request(server.url("/order"), CONSTANTS.ORDER_PATH_URL, params={"symbol": "A"},
                                   method=RESTMethod.POST, is_auth_required=True)
        for path, kwargs in (("/order", dict(params={"symbol": "NOPE"}, is_auth_required=True,
                                             method=RESTMethod.POST)),
                             ("/limited", {}), ("/flaky", dict(method=RESTMethod.POST))):
            server.flaky_left = 1
            try:
                await rest.execute_request(server.url(path), CONSTANTS.ORDER_PATH_URL if path == "/order" else path,
                                           **kwargs)
            except (ExchangeError, RequestOutcomeUnknownError) as exc:
                errors.append(exc)
    assert len(errors) == 3
    texts = [str(e) for e in errors] + [repr(e) for e in errors] + [r.getMessage() for r in caplog.records]
    for text in texts:
        assert SECRET not in text and API_KEY not in text
    assert repr(factory.auth) == "BinanceAuth(api_key='vmPU...8A')"


async def test_every_request_has_a_timeout_by_default(server):
    factory = WebAssistantsFactory(AsyncThrottler(rest_limits()), request_timeout=0.2, max_retries=0)
    server.slow_seconds = 3.0
    async with factory:
        rest = await factory.get_rest_assistant()
        with pytest.raises(RequestTimeoutError):
            await rest.execute_request(server.url("/slow"), "/slow")


async def test_aiohttp_session_is_created_inside_the_loop_and_reused(server):
    factory = WebAssistantsFactory(AsyncThrottler(rest_limits()))
    rest1 = await factory.get_rest_assistant()
    rest2 = await factory.get_rest_assistant()
    assert isinstance(factory.connections_factory.session, aiohttp.ClientSession)
    await rest1.execute_request(server.url("/public"), "/public")
    await rest2.execute_request(server.url("/public"), "/public")
    await factory.close()
