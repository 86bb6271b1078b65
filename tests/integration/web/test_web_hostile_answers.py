"""The web layer never turns 'unknown' into 'rejected', against a real server on 127.0.0.1.

Each route answers one hostile way: a 200 that is not JSON, a body over the
size cap (plain and as a gzip bomb), ``Retry-After: 1e9``, a -1021 whose
resync fails. The client must say "outcome unknown" for an order, never
"rejected"; cap what it reads and how long it obeys; and name both errors.
"""
import gzip

import pytest
from aiohttp import web

from hummingbot_conn.web import (
    AsyncThrottler,
    ConnectionsFactory,
    ExchangeError,
    MalformedResponseError,
    RateLimit,
    RateLimitExceededError,
    RequestOutcomeUnknownError,
    ResponseTooLargeError,
    RESTMethod,
    ThrottleTimeoutError,
    TimeSynchronizer,
    TimeSyncRetry,
    WebAssistantsFactory,
)

LIMIT = "L"
CAP = 64 * 1024


@pytest.fixture
async def base_url():
    big = b"[" + b"1," * (CAP) + b"1]"
    bomb = gzip.compress(b" " * (8 * CAP))          # 512 KiB of spaces in about 1 KiB

    async def not_json(request):
        return web.Response(status=200, text="<html>maintenance</html>", content_type="text/html")

    async def too_big(request):
        return web.Response(status=200, body=big, content_type="application/json")

    async def too_big_chunked(request):
        resp = web.StreamResponse(status=200)
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for _ in range(16):
            await resp.write(b" " * (CAP // 4))
        await resp.write_eof()
        return resp

    async def gzip_bomb(request):
        return web.Response(status=200, body=bomb, headers={"Content-Encoding": "gzip",
                                                            "Content-Type": "application/json"})

    async def redirect(request):
        raise web.HTTPFound("/elsewhere")

    async def retry_after_forever(request):
        return web.json_response({"code": -1003, "msg": "Too many requests."}, status=429,
                                 headers={"Retry-After": "1e9"})

    async def always_1021(request):
        return web.json_response({"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."},
                                 status=400)

    app = web.Application()
    for path, handler in (("/not_json", not_json), ("/too_big", too_big), ("/too_big_chunked", too_big_chunked),
                          ("/gzip_bomb", gzip_bomb), ("/retry_after", retry_after_forever),
                          ("/order_1021", always_1021), ("/redirect", redirect)):
        app.router.add_route("*", path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


def factory(**kwargs):
    throttler = AsyncThrottler([RateLimit(LIMIT, limit=100, time_interval=1)])
    return WebAssistantsFactory(throttler, connections_factory=ConnectionsFactory(max_response_size=CAP),
                                max_retries=0, **kwargs)


async def test_a_200_that_is_not_json_is_outcome_unknown_for_an_order(base_url):
    async with factory() as f:
        rest = await f.get_rest_assistant()
        with pytest.raises(RequestOutcomeUnknownError) as info:
            await rest.execute_request(base_url + "/not_json", LIMIT, method=RESTMethod.POST)
        assert not isinstance(info.value, ExchangeError) and info.value.status == 200
        with pytest.raises(MalformedResponseError):                   # a GET: malformed, not a rejection either
            await rest.execute_request(base_url + "/not_json", LIMIT)
        with pytest.raises(RequestOutcomeUnknownError):               # DELETE is not idempotent by default
            await rest.execute_request(base_url + "/not_json", LIMIT, method=RESTMethod.DELETE, return_err=True)
        with pytest.raises(RequestOutcomeUnknownError) as redirected:  # a redirect is never followed
            await rest.execute_request(base_url + "/redirect", LIMIT, method=RESTMethod.POST)
        assert redirected.value.status == 302 and "/elsewhere" in str(redirected.value)
        response = await rest.execute_request_and_get_response(base_url + "/redirect", LIMIT)
        assert response.status == 302                                 # a GET gets the answer itself


@pytest.mark.parametrize("path", ["/too_big", "/too_big_chunked", "/gzip_bomb"])
async def test_answers_over_the_cap_raise_a_clear_error(base_url, path):
    async with factory() as f:
        rest = await f.get_rest_assistant()
        with pytest.raises(ResponseTooLargeError) as info:
            await rest.execute_request(base_url + path, LIMIT)
        assert info.value.limit == CAP and str(CAP) in str(info.value)
        with pytest.raises(RequestOutcomeUnknownError) as unknown:
            await rest.execute_request(base_url + path, LIMIT, method=RESTMethod.POST)
        assert isinstance(unknown.value.__cause__, ResponseTooLargeError)


async def test_retry_after_is_capped_and_the_callers_timeout_bounds_the_wait(base_url):
    async with factory(max_retry_after=30.0) as f:
        rest = await f.get_rest_assistant()
        with pytest.raises(RateLimitExceededError) as info:
            await rest.execute_request(base_url + "/retry_after", LIMIT)
        assert info.value.retry_after == 30.0
        loop_now = f.throttler._clock()
        assert f.throttler.paused_until(LIMIT) <= loop_now + 30.0
        # the limit is paused for 30 s; a call with a 0.2 s timeout gives up, sending nothing
        with pytest.raises(ThrottleTimeoutError):
            await rest.execute_request(base_url + "/not_json", LIMIT, method=RESTMethod.POST, timeout=0.2)
    async with factory() as f:                                          # the default cap: 3 days
        rest = await f.get_rest_assistant()
        with pytest.raises(RateLimitExceededError) as info:
            await rest.execute_request(base_url + "/retry_after", LIMIT)
        assert info.value.retry_after == 3 * 86_400


async def test_a_failed_resync_after_1021_names_both(base_url):
    async def time_provider():
        raise ConnectionRefusedError("time endpoint unreachable")

    sync = TimeSynchronizer()
    retry = TimeSyncRetry(sync, time_provider, lambda e: e.code == -1021, samples=1)
    async with factory(time_sync_retry=retry) as f:
        rest = await f.get_rest_assistant()
        with pytest.raises(ExchangeError) as info:
            await rest.execute_request(base_url + "/order_1021", LIMIT, method=RESTMethod.POST)
        text = str(info.value)
        assert info.value.code == -1021 and "recvWindow" in text
        assert "time endpoint unreachable" in text and "ConnectionRefusedError" in text
        assert isinstance(info.value.__cause__, ConnectionRefusedError)


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), True])
def test_caps_must_be_positive(bad):
    with pytest.raises(ValueError):
        ConnectionsFactory(max_response_size=bad)
    throttler = AsyncThrottler([RateLimit(LIMIT, limit=1, time_interval=1)])
    with pytest.raises(ValueError):
        WebAssistantsFactory(throttler, max_retry_after=bad)
