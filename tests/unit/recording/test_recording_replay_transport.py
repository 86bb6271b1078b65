"""The replay transport: requests matched without their volatile parameters, recorded answers and
latencies on virtual time, a request the recording lacks refused precisely, WebSocket ids mapped."""
import asyncio

import orjson
import pytest

from hummingbot_conn.recording.replay_transport import ReplayMiss, ReplayTransport, request_key
from hummingbot_conn.recording.virtual_time import VirtualTimeLoop
from hummingbot_conn.web.data_types import RESTMethod, RESTRequest, WSJSONRequest
from hummingbot_conn.web.errors import WSDisconnectedError

URL = "http://127.0.0.1:9/api/v3/order"


def _run(coro_factory, start: float = 100.0):
    loop = VirtualTimeLoop(start, 1_765_000_000.0)
    try:
        return loop.run_until_complete(coro_factory(loop))
    finally:
        loop.close()


def test_the_key_leaves_out_timestamps_signatures_and_secrets_and_sorts_the_rest():
    a = request_key("POST", URL, "symbol=BTCUSDT&side=BUY&timestamp=1&signature=abc")
    b = request_key("POST", URL, "side=BUY&symbol=BTCUSDT&timestamp=2&recvWindow=5000&signature=def")
    assert a == b
    assert request_key("POST", URL, "symbol=BTCUSDT&side=SELL&timestamp=1") != a
    assert request_key("GET", URL + "?apiKey=xyz", None) == request_key("GET", URL + "?apiKey=REDACTED", None)


def _transport() -> ReplayTransport:
    t = ReplayTransport()
    for rec in [
        {"k": "req", "t": 100.0, "c": 1, "m": "GET", "u": URL + "?symbol=BTCUSDT&timestamp=5&signature=REDACTED"},
        {"k": "resp", "t": 100.25, "c": 1, "s": 200, "h": {"X-MBX-USED-WEIGHT-1M": "4"}, "b": '{"status":"NEW"}'},
        {"k": "req", "t": 101.0, "c": 2, "m": "GET", "u": URL + "?symbol=BTCUSDT&timestamp=6&signature=REDACTED"},
        {"k": "err", "t": 103.0, "c": 2, "e": "TimeoutError", "msg": ""},
        {"k": "open", "t": 100.0, "c": 3, "u": "ws://127.0.0.1:9/ws-api/v3"},
        {"k": "opened", "t": 100.1, "c": 3},
        {"k": "out", "t": 100.2, "c": 3, "d": '{"id":"rec-uuid","method":"userDataStream.subscribe"}'},
        {"k": "in", "t": 100.3, "c": 3, "d": '{"id":"rec-uuid","status":200,"result":{}}'},
        {"k": "in", "t": 102.0, "c": 3, "d": '{"event":{"e":"executionReport"}}'},
        {"k": "close", "t": 104.0, "c": 3, "by": "remote", "e": "WSDisconnectedError", "msg": "closed (1006)"},
    ]:
        t.add(rec)
    return t


def test_requests_get_their_recorded_answers_in_order_with_their_latency_then_a_precise_refusal():
    async def scenario(loop):
        transport = _transport()
        transport.attach()
        conn = transport.rest_connection(None)
        request = RESTRequest(method=RESTMethod.GET, url=URL, params={"symbol": "BTCUSDT", "timestamp": 99})
        t0 = loop.time()
        first = await conn.call(request)
        assert (first.status, first.body, first.headers["x-mbx-used-weight-1m"]) == (200, b'{"status":"NEW"}', "4")
        assert loop.time() - t0 == pytest.approx(0.25)
        with pytest.raises(asyncio.TimeoutError):
            await conn.call(request)
        with pytest.raises(ReplayMiss) as info:
            await conn.call(request)
        assert transport.stopped.is_set()
        return str(info.value), transport.miss

    message, miss = _run(scenario)
    assert message == miss
    assert "the connector asked GET http://127.0.0.1:9/api/v3/order symbol=BTCUSDT" in message
    assert "does not hold that request (2 recorded GET" in message


def test_a_websocket_answer_waits_for_its_request_and_carries_the_connectors_own_id():
    async def scenario(loop):
        transport = _transport()
        transport.attach()
        ws = transport.ws_connection(None)
        await ws.connect("ws://127.0.0.1:9/ws-api/v3")
        receiving = loop.create_task(ws.receive())
        await asyncio.sleep(5)             # the recorded answer's time passes: still held, nothing was sent
        assert not receiving.done()
        await ws.send(WSJSONRequest(payload={"id": "live-uuid", "method": "userDataStream.subscribe"}))
        answer = await receiving
        event = await ws.receive()
        with pytest.raises(WSDisconnectedError, match="closed"):
            await ws.receive()
        return answer.data, event.data, loop.time()

    answer, event, now = _run(scenario)
    assert answer == {"id": "live-uuid", "status": 200, "result": {}}
    assert event == {"event": {"e": "executionReport"}}
    assert now == pytest.approx(105.1)       # the answer came at 105.1; the rest was already due


def test_a_websocket_the_recording_does_not_hold_is_refused():
    async def scenario(loop):
        transport = _transport()
        transport.attach()
        with pytest.raises(ReplayMiss, match="opened a WebSocket to ws://127.0.0.1:9/ws and the recording"):
            await transport.ws_connection(None).connect("ws://127.0.0.1:9/ws")

    _run(scenario)
    _ = orjson
