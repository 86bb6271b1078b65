"""The WebSocket assistant against a local aiohttp server on 127.0.0.1 port 0.

Drops, refusals, silence, pings and throttled sends happen on real sockets;
only the reconnect back-off sleep and the throttler clock are virtual (the
delays are recorded, not waited), so no test depends on wall-clock speed.
"""
import asyncio
import hashlib
import hmac

import aiohttp
import pytest
from aiohttp import web
from support import until

from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS
from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth
from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.web import (
    AsyncThrottler,
    ExponentialBackoff,
    RateLimit,
    UnknownLimitError,
    WebAssistantsFactory,
    WSDisconnectedError,
    WSJSONRequest,
    WSPlainTextRequest,
    WSSilentError,
)

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


class RecordingSleep:
    """Back-off sleep that records the delays and yields once instead of waiting."""

    def __init__(self) -> None:
        self.delays = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


class FakeStreams:
    def __init__(self) -> None:
        self.connections = 0
        self.refuse_next = 0
        self.drop_after_hello = set()       # connection numbers to drop abruptly after "hello"
        self.silent = set()                 # connection numbers that never send nor read
        self.received = []
        self.pongs = []
        self.release = asyncio.Event()

    async def stream(self, request):
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return web.Response(status=503, text="busy")
        self.connections += 1
        conn = self.connections
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        if conn in self.silent:
            await self.release.wait()        # neither reads (so no pong) nor writes
            return ws
        await ws.send_json({"hello": conn})
        if conn in self.drop_after_hello:
            request.transport.abort()        # no close frame: a dropped TCP connection
            return ws
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.received.append((conn, msg.data))
                if msg.data == "close-me":
                    await ws.close()
                    break
                await ws.send_json({"echo": msg.data, "conn": conn})
        return ws

    async def pinger(self, request):
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        await ws.ping(b"are-you-there")
        msg = await ws.receive()
        if msg.type == aiohttp.WSMsgType.PONG:
            self.pongs.append(msg.data)
        await ws.send_str("after-ping")
        async for _ in ws:      # read until the client closes (completes the close handshake)
            pass
        return ws

    async def quiet(self, request):
        # answers pings (autoping, reading) but sends data only after a while
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        reader = asyncio.ensure_future(ws.receive())
        await asyncio.sleep(0.6)
        await ws.send_str("finally")
        await self.release.wait()
        reader.cancel()
        return ws

    async def ws_api(self, request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            req = msg.json()
            params = dict(req["params"])
            signature = params.pop("signature")
            payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
            expected = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
            if req["method"] == CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD and params["apiKey"] == API_KEY \
                    and hmac.compare_digest(expected, signature):
                await ws.send_json({"id": req["id"], "status": 200, "result": {"subscriptionId": 0}})
            else:
                await ws.send_json({"id": req["id"], "status": 400,
                                    "error": {"code": -1022, "msg": "Signature for this request is not valid."}})
        return ws


@pytest.fixture
async def server():
    fake = FakeStreams()
    app = web.Application()
    app.router.add_get("/ws", fake.stream)
    app.router.add_get("/pinger", fake.pinger)
    app.router.add_get("/quiet", fake.quiet)
    app.router.add_get("/ws-api/v3", fake.ws_api)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.base = f"ws://127.0.0.1:{runner.addresses[0][1]}"
    yield fake
    fake.release.set()
    await runner.cleanup()


def make_factory(sleep, throttler=None, rng=lambda: 0.0):
    return WebAssistantsFactory(throttler or AsyncThrottler([RateLimit("ws", 1000, 1)]), sleep=sleep,
                                ws_backoff=ExponentialBackoff(initial=0.5, maximum=8.0, rng=rng))


async def test_reconnects_after_the_server_drops_the_socket_and_notifies_owner(server):
    sleep = RecordingSleep()
    server.drop_after_hello = {1}
    resubscribed = []

    async def on_reconnected(ws):
        resubscribed.append(ws.reconnect_count)
        await ws.subscribe(WSPlainTextRequest("subscribe"))

    async with make_factory(sleep) as factory:
        ws = await factory.get_ws_assistant(on_reconnected=on_reconnected)
        await ws.connect(f"{server.base}/ws", ping_timeout=None)
        got = []
        async for response in ws.iter_messages():
            got.append(response.data)
            if len(got) == 3:
                break
        await ws.disconnect()
    assert got == [{"hello": 1}, {"hello": 2}, {"echo": "subscribe", "conn": 2}]
    assert resubscribed == [1]
    assert sleep.delays == [0.5]                      # always a pause before reconnecting


async def test_refusing_server_gets_capped_exponential_backoff_not_a_tight_loop(server):
    sleep = RecordingSleep()
    server.drop_after_hello = {1}
    async with make_factory(sleep) as factory:
        ws = await factory.get_ws_assistant()
        await ws.connect(f"{server.base}/ws", ping_timeout=None)
        assert (await ws.receive()).data == {"hello": 1}
        server.refuse_next = 5
        response = await ws.iter_messages().__anext__()
        await ws.disconnect()
    assert response.data == {"hello": 2}
    assert sleep.delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]   # 5 refusals, then success; capped at 8


async def test_jitter_only_shortens_and_attempts_can_be_bounded(server):
    sleep = RecordingSleep()
    server.drop_after_hello = {1}
    async with make_factory(sleep, rng=lambda: 0.999) as factory:
        ws = await factory.get_ws_assistant(max_reconnect_attempts=3)
        await ws.connect(f"{server.base}/ws", ping_timeout=None)
        await ws.receive()
        server.refuse_next = 10
        with pytest.raises(WSDisconnectedError, match="gave up .* after 3 attempts"):
            await ws.iter_messages().__anext__()
    assert len(sleep.delays) == 3
    for delay, base in zip(sleep.delays, (0.5, 1.0, 2.0)):
        assert base * 0.7 <= delay <= base                   # 30% jitter at most, never above the base


async def test_receive_without_iter_raises_typed_disconnect(server):
    async with make_factory(RecordingSleep()) as factory:
        ws = await factory.get_ws_assistant()
        await ws.connect(f"{server.base}/ws", ping_timeout=None)
        await ws.receive()
        await ws.send(WSPlainTextRequest("close-me"))
        with pytest.raises(WSDisconnectedError, match="closed by the server"):
            await ws.receive()
        assert not ws.connected
        with pytest.raises(WSDisconnectedError, match="not connected"):
            await ws.send(WSPlainTextRequest("x"))


async def test_silent_socket_is_detected_and_replaced(server):
    sleep = RecordingSleep()
    server.silent = {1}
    async with make_factory(sleep) as factory:
        ws = await factory.get_ws_assistant()
        await ws.connect(f"{server.base}/ws", ping_timeout=0.05, message_timeout=0.3)
        with pytest.raises(WSSilentError):
            await ws.receive()
        ws2 = await factory.get_ws_assistant()
        await ws2.connect(f"{server.base}/ws", ping_timeout=0.05, message_timeout=0.3)
        assert (await ws2.receive()).data == {"hello": 2}
        await ws2.disconnect()
        # the same through iter_messages: silent -> reconnect -> data
        server.silent = {3}
        ws3 = await factory.get_ws_assistant()
        await ws3.connect(f"{server.base}/ws", ping_timeout=0.05, message_timeout=0.3)
        first = await ws3.iter_messages().__anext__()
        assert first.data == {"hello": 4} and ws3.reconnect_count == 1
        await ws3.disconnect()


async def test_an_unanswered_ping_ends_a_silent_socket_long_before_the_message_timeout(server):
    """pong_timeout: open, mute, deaf (no pong). Our pings repeat every 0.05 s while the
    first one waits: its deadline must hold, not slide with each new ping."""
    server.silent = {1}
    async with make_factory(RecordingSleep()) as factory:
        ws = await factory.get_ws_assistant()
        await ws.connect(f"{server.base}/ws", ping_timeout=0.05, pong_timeout=0.2, message_timeout=600)
        with pytest.raises(WSSilentError, match="to a ping within 0.2s"):
            async with asyncio.timeout(10):      # a guard: the message timeout alone would take 600 s
                await ws.receive()
        assert not ws.connected


async def test_a_pong_within_the_deadline_keeps_a_quiet_socket(server):
    async with make_factory(RecordingSleep()) as factory:
        ws = await factory.get_ws_assistant()
        await ws.connect(f"{server.base}/quiet", ping_timeout=0.05, pong_timeout=0.2, message_timeout=0.3)
        assert (await ws.receive()).data == "finally"
        assert ws.reconnect_count == 0
        await ws.disconnect()


@pytest.mark.parametrize("bad", [0, -1.0])
async def test_pong_timeout_must_be_positive(server, bad):
    async with make_factory(RecordingSleep()) as factory:
        ws = await factory.get_ws_assistant()
        with pytest.raises(ValueError, match="pong_timeout"):
            await ws.connect(f"{server.base}/ws", pong_timeout=bad)


async def test_server_pings_are_answered(server):
    async with make_factory(RecordingSleep()) as factory:
        ws = await factory.get_ws_assistant()
        await ws.connect(f"{server.base}/pinger", ping_timeout=None)
        assert (await ws.receive()).data == "after-ping"
        await ws.disconnect()
    assert server.pongs == [b"are-you-there"]


@pytest.mark.parametrize("error", [ConnectionResetError("Cannot write to closing transport"),
                                   RuntimeError("the writer is closed"), aiohttp.ClientConnectionError("reset")])
async def test_a_pong_that_cannot_be_written_is_a_dropped_socket(server, monkeypatch, error):
    """Answering a server's ping on a socket that just dropped raises in aiohttp (a reset, a closing
    transport): it is a ``WSDisconnectedError`` like any drop, so every reader reconnects rather
    than ending on an error it does not expect."""
    async def failing_pong(self, message=b""):
        raise error

    monkeypatch.setattr(aiohttp.ClientWebSocketResponse, "pong", failing_pong)
    async with make_factory(RecordingSleep()) as factory:
        ws = await factory.get_ws_assistant()
        await ws.connect(f"{server.base}/pinger", ping_timeout=None)
        with pytest.raises(WSDisconnectedError, match="answering a ping"):
            async with asyncio.timeout(10):
                await ws.receive()
        assert not ws.connected


async def test_idle_pings_keep_a_quiet_but_live_socket_open(server):
    async with make_factory(RecordingSleep()) as factory:
        ws = await factory.get_ws_assistant()
        # silent after 0.3 s without frames, but the server stays quiet for 0.6 s:
        # our pings every 0.05 s draw pongs that prove it alive
        await ws.connect(f"{server.base}/quiet", ping_timeout=0.05, message_timeout=0.3)
        assert (await ws.receive()).data == "finally"
        assert ws.reconnect_count == 0
        await ws.disconnect()


async def test_disconnect_ends_iteration_without_reconnecting(server):
    sleep = RecordingSleep()
    async with make_factory(sleep) as factory:
        ws = await factory.get_ws_assistant()
        await ws.connect(f"{server.base}/ws", ping_timeout=None)
        seen = []

        async def consume():
            async for response in ws.iter_messages():
                seen.append(response.data)

        task = asyncio.ensure_future(consume())
        await until(lambda: bool(seen))
        await ws.disconnect()
        async with asyncio.timeout(5):
            await task
    assert seen == [{"hello": 1}] and sleep.delays == []


async def test_ws_sends_are_throttled(server):
    class Clock:
        now = 100.0

        def __call__(self):
            return self.now

        async def sleep(self, delay):
            self.now += delay
            await asyncio.sleep(0)

    clock = Clock()
    throttler = AsyncThrottler([RateLimit("ws-subscribe", limit=2, time_interval=10)], clock=clock,
                               sleep=clock.sleep)
    async with make_factory(RecordingSleep(), throttler=throttler) as factory:
        ws = await factory.get_ws_assistant()
        await ws.connect(f"{server.base}/ws", ping_timeout=None)
        await ws.receive()
        sent_at = []
        for i in range(3):
            await ws.send(WSJSONRequest({"i": i}, throttler_limit_id="ws-subscribe"))
            sent_at.append(clock())
        echoes = [(await ws.receive()).data for _ in range(3)]
        await ws.disconnect()
    assert sent_at == [100.0, 100.0, 110.0]
    assert [e["echo"] for e in echoes] == ['{"i":0}', '{"i":1}', '{"i":2}']


async def test_user_data_stream_subscription_signed_and_verified_by_server(server):
    auth = BinanceAuth(API_KEY, SECRET, lambda: 1747385641.636)
    endpoints = BinanceEndpoints(rest="http://unused", stream=server.base, ws_api=server.base)
    async with make_factory(RecordingSleep()) as factory:
        ws = await factory.get_ws_assistant()
        await ws.connect(endpoints.ws_api_url(), ping_timeout=None)
        await ws.send(WSJSONRequest({"id": "a1", "method": CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD,
                                     "params": auth.generate_ws_subscribe_params()}))
        assert (await ws.receive()).data == {"id": "a1", "status": 200, "result": {"subscriptionId": 0}}
        # the generic path: ws_authenticate signs any WS-API request marked is_auth_required
        wsa = await WebAssistantsFactory(factory.throttler, auth=auth).get_ws_assistant()
        await ws.disconnect()
        await wsa.connect(endpoints.ws_api_url(), ping_timeout=None)
        await wsa.send(WSJSONRequest({"id": "a2", "method": CONSTANTS.WS_USER_STREAM_SUBSCRIBE_METHOD,
                                      "params": {}}, is_auth_required=True))
        assert (await wsa.receive()).data["status"] == 200
        await wsa.disconnect()


async def test_connection_attempts_are_throttled(server):
    class Clock:
        now = 0.0

        def __call__(self):
            return self.now

        async def sleep(self, delay):
            self.now += delay
            await asyncio.sleep(0)

    clock = Clock()
    throttler = AsyncThrottler([RateLimit("ws-connect", limit=2, time_interval=100)], clock=clock, sleep=clock.sleep)
    server.drop_after_hello = {1, 2}
    async with make_factory(RecordingSleep(), throttler=throttler) as factory:
        with pytest.raises(UnknownLimitError):
            await factory.get_ws_assistant(connect_limit_id="missing")
        ws = await factory.get_ws_assistant(connect_limit_id="ws-connect")
        await ws.connect(f"{server.base}/ws", ping_timeout=None)
        hellos = []
        async for response in ws.iter_messages():
            hellos.append((response.data["hello"], clock()))
            if len(hellos) == 3:
                break
        await ws.disconnect()
    # two attempts per 100 s: the third connection waits for the window
    assert hellos == [(1, 0.0), (2, 0.0), (3, 100.0)]
