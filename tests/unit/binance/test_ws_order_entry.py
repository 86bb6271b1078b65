"""BinanceWSOrderEntry without a network: signing (docs/binance_spot.md 10.3), answers, rate limits.

The socket is a stand-in that takes frames; answers are handed to the request's future as the
reader would.  End to end against the simulator: tests/integration/connector/test_ws_order_entry.py.
"""
import asyncio
from typing import Any, List

import orjson
import pytest
from support.sockets import READ_ERRORS, check_a_read_error_reconnects

from hummingbot_conn.exchanges.binance._common.auth import BinanceAuth
from hummingbot_conn.exchanges.binance.spot import constants as CONSTANTS
from hummingbot_conn.exchanges.binance.spot.ws_order_entry import BinanceWSOrderEntry, WSOrderEntryUnavailable
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.errors import (
    ExchangeError,
    IPBannedError,
    RateLimitExceededError,
    RequestOutcomeUnknownError,
    WSDisconnectedError,
)

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
NOW_MS = 1765000000000


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Socket:
    def __init__(self) -> None:
        self.frames: List[dict] = []

    def can_write_now(self) -> bool:
        return True

    def write_text_now(self, payload: bytes) -> bool:
        self.frames.append(orjson.loads(payload))
        return True

    async def disconnect(self) -> None:
        return None


def make_entry(clock: Clock) -> tuple:
    throttler = AsyncThrottler(CONSTANTS.RATE_LIMITS, clock=clock, calendar_clock=lambda: NOW_MS / 1e3)
    auth = BinanceAuth(API_KEY, SECRET, lambda: NOW_MS / 1e3)
    entry = BinanceWSOrderEntry("ws://127.0.0.1:9/ws-api/v3", auth, throttler, None,  # type: ignore[arg-type]
                                rate_limit_pools=CONSTANTS.WS_RATE_LIMIT_POOLS, pause_scopes=CONSTANTS.PAUSE_SCOPES)
    socket = Socket()
    entry._connection = socket
    entry._up = True
    return entry, socket, throttler


async def answered(entry: BinanceWSOrderEntry, socket: Socket, answer: Any, method: str = "order.place") -> Any:
    """Send one request, answer it with ``answer`` (the request's id filled in), return its result."""
    task = asyncio.ensure_future(entry.request(method, {"symbol": "BTCUSDT", "newClientOrderId": "c1"}))
    await asyncio.sleep(0)
    request_id = socket.frames[-1]["id"]
    if isinstance(answer, dict):
        answer = dict(answer, id=request_id)
        entry._pending[request_id].set_result(answer)
    else:
        entry._pending[request_id].set_exception(answer)
    return await task


@pytest.mark.parametrize("params, recv_window, timestamp, signature", [
    ({"price": "52000.00", "quantity": "0.01000000", "side": "SELL", "symbol": "BTCUSDT", "timeInForce": "GTC",
      "type": "LIMIT"}, 100, 1645423376532, "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"),
    ({"symbol": "１２３４５６", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1.00000000",
      "price": "0.10000000"}, 5000, 1645423376532,
     "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd"),
])
def test_sign_ws_params_matches_the_documented_vectors(params, recv_window, timestamp, signature):
    auth = BinanceAuth(API_KEY, SECRET, lambda: timestamp / 1e3, recv_window_ms=recv_window)
    signed = auth.sign_ws_params(dict(params, signature="stale"))
    assert signed["signature"] == signature
    assert signed["apiKey"] == API_KEY and signed["timestamp"] == timestamp and signed["recvWindow"] == recv_window
    # signing again (a -1021 resend drops the timestamp first) gives the same text for the same time
    assert auth.sign_ws_params(signed)["signature"] == signature


async def test_a_200_answer_returns_its_result_and_its_counts_correct_the_pools():
    clock = Clock()
    entry, socket, throttler = make_entry(clock)
    rate_limits = [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000,
                    "count": 2500},
                   {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100, "count": 40},
                   {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000, "count": 900}]
    result = await answered(entry, socket, {"status": 200, "result": {"orderId": 7}, "rateLimits": rate_limits})
    assert result == {"orderId": 7}
    assert (throttler.used_weight("REQUEST_WEIGHT"), throttler.used_weight("ORDERS"),
            throttler.used_weight("ORDERS_24HR")) == (2500, 40, 900)
    params = socket.frames[0]["params"]
    assert socket.frames[0]["method"] == "order.place" and params["apiKey"] == API_KEY
    assert len(params["signature"]) == 64


@pytest.mark.parametrize("rate_limits", [
    None, "x", [1, None, "a"], [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                                 "count": c} for c in (True, -1, 1.5, "9", None)],
    [{"rateLimitType": "RAW", "interval": "MINUTE", "intervalNum": 1, "count": 5}],
])
async def test_unreadable_rate_limits_are_ignored_and_the_answer_still_counts(rate_limits):
    entry, socket, throttler = make_entry(Clock())
    assert await answered(entry, socket, {"status": 200, "result": {"orderId": 1}, "rateLimits": rate_limits}) \
        == {"orderId": 1}
    assert throttler.used_weight("REQUEST_WEIGHT") == 1        # our own charge of the request, nothing else


@pytest.mark.parametrize("code, paused, free", [
    (-1003, ("REQUEST_WEIGHT", "order.place"), ("ORDERS",)),
    (-1015, ("ORDERS", "ORDERS_24HR", "order.place"), ("REQUEST_WEIGHT", "order.cancel")),
])
async def test_a_429_pauses_what_its_code_concerns_until_retry_after(code, paused, free):
    clock = Clock()
    entry, socket, throttler = make_entry(clock)
    answer = {"status": 429, "error": {"code": code, "msg": "Too many", "data": {
        "serverTime": NOW_MS, "retryAfter": NOW_MS + 2500}}}
    with pytest.raises(RateLimitExceededError) as error:
        await answered(entry, socket, answer)
    assert error.value.retry_after == 2.5 and error.value.code == code
    for limit_id in paused:
        assert throttler.paused_until(limit_id) == clock.now + 2.5, limit_id
    for limit_id in free:
        assert throttler.paused_until(limit_id) <= clock.now, limit_id


@pytest.mark.parametrize("data", [None, {}, {"retryAfter": "soon"}, {"retryAfter": True}])
async def test_a_ban_without_a_readable_retry_after_pauses_a_whole_window(data):
    clock = Clock()
    entry, socket, throttler = make_entry(clock)
    with pytest.raises(IPBannedError) as error:
        await answered(entry, socket, {"status": 418, "error": {"code": -1003, "msg": "banned", "data": data}})
    assert error.value.retry_after == 60.0 and throttler.paused_until("REQUEST_WEIGHT") == clock.now + 60.0


@pytest.mark.parametrize("answer, kind, code", [
    ({"status": 400, "error": {"code": -2010, "msg": "Account has insufficient balance"}}, ExchangeError, -2010),
    ({"status": 400, "error": "not an object"}, ExchangeError, None),
    ({"status": "400", "error": {"code": True, "msg": 5}}, ExchangeError, None),
    ({"status": 503, "error": {"code": -1000, "msg": "unknown"}}, RequestOutcomeUnknownError, -1000),
    ({"error": {"code": -1007, "msg": "Timeout waiting for response from backend server."}}, ExchangeError, -1007),
])
async def test_refusals_become_typed_errors_with_binances_code(answer, kind, code):
    entry, socket, _ = make_entry(Clock())
    with pytest.raises(kind) as error:
        await answered(entry, socket, answer)
    assert type(error.value) is kind and error.value.code == code


async def test_a_socket_lost_before_the_answer_is_an_unknown_outcome_for_an_order_and_a_drop_for_a_query():
    entry, socket, _ = make_entry(Clock())
    with pytest.raises(RequestOutcomeUnknownError):
        await answered(entry, socket, WSDisconnectedError("closed"))
    task = asyncio.ensure_future(entry.request("order.status", {"symbol": "BTCUSDT"}, outcome_matters=False))
    await asyncio.sleep(0)
    entry._went_down("closed")
    with pytest.raises(WSDisconnectedError):
        await task
    assert entry._pending == {} and not entry.up


async def test_nothing_is_sent_while_the_socket_is_down():
    entry, socket, throttler = make_entry(Clock())
    entry._up = False
    assert entry.send_now("order.place", {"symbol": "BTCUSDT"}) is None
    with pytest.raises(WSOrderEntryUnavailable):
        await entry.request("order.place", {"symbol": "BTCUSDT"})
    assert socket.frames == [] and throttler.used_weight("REQUEST_WEIGHT") == 0


@pytest.mark.parametrize("error", [e for e, _ in READ_ERRORS], ids=[i for _, i in READ_ERRORS])
async def test_a_read_ended_by_any_transport_error_reconnects_and_closes_the_old_socket(error):
    """Whatever ends a read, the socket loop reconnects: orders are never left on REST for good
    (docs/binance_spot.md 7.6) and the failed socket is closed, not leaked."""
    def make(factory: Any) -> BinanceWSOrderEntry:
        throttler = AsyncThrottler(CONSTANTS.RATE_LIMITS, clock=Clock(), calendar_clock=lambda: NOW_MS / 1e3)
        return BinanceWSOrderEntry("ws://127.0.0.1:9/ws-api/v3", BinanceAuth(API_KEY, SECRET, lambda: NOW_MS / 1e3),
                                   throttler, factory, rate_limit_pools=CONSTANTS.WS_RATE_LIMIT_POOLS,
                                   pause_scopes=CONSTANTS.PAUSE_SCOPES,
                                   backoff=ExponentialBackoff(initial=0.001, maximum=0.001, jitter=0.0))

    await check_a_read_error_reconnects(make, error)
