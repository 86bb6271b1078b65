"""``WSOrderSocket`` (web/ws_order_socket.py), the order-socket lifecycle the Binance and Kraken
WebSocket order entries share: connect and reconnect, answers matched to their requests, drops,
the silent-socket give-up.  A minimal venue drives the base; the venue entries are driven where
the lifecycle used to differ between them (a failure to connect of any kind is retried)."""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator, Awaitable, Callable, List, Optional

import orjson
import pytest
from support.sockets import READ_ERRORS, ScriptedConnection, check_a_read_error_reconnects

from hummingbot_conn.exchanges.binance._common.auth import BinanceAuth
from hummingbot_conn.exchanges.binance.spot import constants as BINANCE, ws_order_entry as binance_entry
from hummingbot_conn.exchanges.kraken import ws_order_entry as kraken_entry
from hummingbot_conn.web import ws_order_socket
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.errors import RequestOutcomeUnknownError, WSDisconnectedError
from hummingbot_conn.web.rate_limit import RateLimit
from hummingbot_conn.web.ws_order_socket import WSOrderEntryUnavailable, WSOrderSocket

FAST = dict(initial=0.001, maximum=0.001, jitter=0.0)


class Venue(WSOrderSocket):
    """The smallest venue: ``{"id": n, "method": ..., "params": ...}`` out, ``{"id": n, ...}`` back."""

    LABEL = "the test socket"

    def _answer_id(self, answer: dict) -> Any:
        request_id = answer.get("id")
        if request_id is None:
            return None
        return request_id if type(request_id) is int else ws_order_socket.NO_REQUEST

    async def request(self, method: str, *, outcome_matters: bool = True) -> dict:
        connection, sent_at = await self._admit(method, "ORDERS")
        request_id = next(self._ids)
        payload = orjson.dumps({"id": request_id, "method": method})
        return await self._answer(method, self._write_frame(connection, request_id, payload, sent_at), outcome_matters)


def connections_of(*made: ScriptedConnection) -> tuple:
    """A connection factory handing out ``made`` then fresh ``ScriptedConnection``s, and their list."""
    handed: List[ScriptedConnection] = []

    async def factory() -> ScriptedConnection:
        handed.append(made[len(handed)] if len(handed) < len(made) else ScriptedConnection())
        return handed[-1]
    return factory, handed


def venue(factory: Callable[[], Awaitable[Any]], request_timeout: float = 30.0) -> Venue:
    return Venue("ws://127.0.0.1:9/orders", factory, AsyncThrottler([RateLimit("ORDERS", 1000, 1.0)]),
                 request_timeout=request_timeout, connect_options={"ping_timeout": 5.0},
                 backoff=ExponentialBackoff(**FAST))


async def until(condition: Callable[[], bool], task: "asyncio.Task") -> None:
    async with asyncio.timeout(10):
        while not condition():
            assert not task.done(), task.exception()
            await asyncio.sleep(0.001)


@contextlib.asynccontextmanager
async def running(socket: WSOrderSocket) -> AsyncIterator["asyncio.Task"]:
    """``socket.run()`` in a task, up before the body runs, cancelled after it."""
    task = asyncio.get_running_loop().create_task(socket.run())
    try:
        await until(lambda: socket.up, task)
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def test_the_request_timeout_must_be_positive():
    with pytest.raises(ValueError, match="request_timeout"):
        venue(connections_of()[0], request_timeout=0.0)


async def test_answers_reach_their_request_and_what_answers_nothing_is_dropped_and_counted():
    factory, handed = connections_of()
    socket = venue(factory)
    async with running(socket) as task:
        connection = handed[0]
        assert connection.connect_kwargs == {"ping_timeout": 5.0, "decode_json": False, "write_at_once": True}
        request = asyncio.ensure_future(socket.request("place"))
        await until(lambda: connection.written, task)
        for frame in (b"not json", b"NaN", b"[1, 2]", b'{"event": "heartbeat"}', b'{"id": 99}', b'{"id": 1.0}',
                      b'{"id": true}'):
            connection.feed(frame)
        connection.feed(b'{"id": 1, "result": "placed"}')
        assert await request == {"id": 1, "result": "placed"}
        assert socket.frames_received == 8 and socket.dropped_frames == 6     # the heartbeat is no drop
        assert socket._pending == {}
    assert not socket.up and handed[0].disconnected.is_set()


async def test_a_frame_the_socket_cannot_take_at_once_is_sent_by_the_awaiting_request():
    factory, handed = connections_of(ScriptedConnection(write_at_once=False))
    socket = venue(factory)
    async with running(socket) as task:
        request = asyncio.ensure_future(socket.request("place"))
        await until(lambda: handed[0].written, task)
        handed[0].feed(b'{"id": 1}')
        assert await request == {"id": 1}


@pytest.mark.parametrize("outcome_matters, raised", [(True, RequestOutcomeUnknownError),
                                                      (False, WSDisconnectedError)])
async def test_a_drop_ends_every_waiting_request_and_the_socket_reconnects(outcome_matters, raised):
    factory, handed = connections_of()
    socket = venue(factory)
    async with running(socket) as task:
        requests = [asyncio.ensure_future(socket.request(m, outcome_matters=outcome_matters)) for m in "ab"]
        await until(lambda: len(handed[0].written) == 2, task)
        await handed[0].disconnect()            # the server closes the socket
        for request in requests:
            with pytest.raises(raised):
                await request
        assert socket._pending == {}
        await until(lambda: socket.connect_count == 2 and socket.up, task)


async def test_a_write_that_fails_is_an_unknown_outcome_and_nothing_stays_pending():
    factory, handed = connections_of(ScriptedConnection(fail_writes=True))
    socket = venue(factory)
    async with running(socket):
        with pytest.raises(RequestOutcomeUnknownError, match="failed while sending"):
            await socket.request("place")
        assert socket._pending == {}


async def test_nothing_is_sent_while_the_socket_is_down():
    socket = venue(connections_of()[0])
    with pytest.raises(WSOrderEntryUnavailable, match="the test socket is down"):
        await socket.request("place")


async def test_a_timeout_with_no_frame_since_the_write_gives_the_socket_up_and_a_new_one_opens():
    factory, handed = connections_of()
    socket = venue(factory, request_timeout=0.05)
    async with running(socket) as task:
        with pytest.raises(RequestOutcomeUnknownError, match="no answer within"):
            await socket.request("place")
        assert handed[0].disconnected.is_set()          # given up at once, not at the pings' timeout
        await until(lambda: socket.connect_count == 2 and socket.up, task)


async def test_a_timeout_on_a_socket_that_still_reads_frames_keeps_it():
    factory, handed = connections_of()
    socket = venue(factory, request_timeout=0.05)
    async with running(socket) as task:
        request = asyncio.ensure_future(socket.request("status", outcome_matters=False))
        await until(lambda: handed[0].written, task)
        handed[0].feed(b'{"event": "heartbeat"}')      # the socket lives; only this answer is late
        with pytest.raises(TimeoutError):
            await request
        assert socket.up and not handed[0].disconnected.is_set() and socket.connect_count == 1


def binance(factory: Callable[[], Awaitable[Any]]) -> WSOrderSocket:
    return binance_entry.BinanceWSOrderEntry(
        "ws://127.0.0.1:9/ws-api/v3", BinanceAuth("k", "s", lambda: 1765000000.0), AsyncThrottler(BINANCE.RATE_LIMITS),
        factory, rate_limit_pools=BINANCE.WS_RATE_LIMIT_POOLS, pause_scopes=BINANCE.PAUSE_SCOPES,
        backoff=ExponentialBackoff(**FAST))


def kraken(factory: Callable[[], Awaitable[Any]]) -> WSOrderSocket:
    async def token() -> str:
        return "token"
    return kraken_entry.KrakenWSOrderEntry("ws://127.0.0.1:9/v2", token, factory, AsyncThrottler([]),
                                           backoff=ExponentialBackoff(**FAST))


@pytest.mark.parametrize("make", [venue, binance, kraken], ids=["base", "binance", "kraken"])
@pytest.mark.parametrize("error", [RuntimeError("session closed"), ValueError("bad URL"),
                                   WSDisconnectedError("handshake refused"), ConnectionResetError("reset")],
                         ids=["runtime", "value", "ws-disconnected", "connection-reset"])
async def test_any_failure_to_connect_is_retried_and_orders_come_back_to_the_socket(make, error):
    """A connection attempt that fails in any way is tried again: the loop never ends while the
    connector runs (Binance's caught only aiohttp, OS and timeout errors: anything else ended it,
    leaving orders on REST for good)."""
    attempts: List[Optional[ScriptedConnection]] = []

    async def factory() -> ScriptedConnection:
        attempts.append(None if not attempts else ScriptedConnection())
        if attempts[-1] is None:
            raise error
        return attempts[-1]  # type: ignore[return-value]

    socket = make(factory)
    async with running(socket):
        assert socket.connect_count == 1 and len(attempts) == 2


@pytest.mark.parametrize("error", [e for e, _ in READ_ERRORS], ids=[i for _, i in READ_ERRORS])
async def test_a_read_ended_by_any_transport_error_reconnects_and_closes_the_old_socket(error):
    """Whatever ends a read, the loop reconnects and the failed socket is closed, not leaked (the venues'
    own tests run the same check on their entries)."""
    await check_a_read_error_reconnects(venue, error)


def test_one_unavailable_error_for_every_venue_under_both_old_import_paths():
    assert binance_entry.WSOrderEntryUnavailable is ws_order_socket.WSOrderEntryUnavailable
    assert kraken_entry.WSOrderEntryUnavailable is ws_order_socket.WSOrderEntryUnavailable
    assert issubclass(WSOrderEntryUnavailable, ConnectionError)


def test_a_venue_without_answer_id_fails_at_construction_naming_it():
    class NoIds(WSOrderSocket):
        pass

    async def factory() -> Any:
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="_answer_id"):
        NoIds("ws://127.0.0.1:9/orders", factory, AsyncThrottler([RateLimit("ORDERS", 1000, 1.0)]),
              request_timeout=1.0, connect_options={})
