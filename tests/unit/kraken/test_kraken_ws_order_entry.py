"""``KrakenWSOrderEntry``'s socket loop against connections that fail in every way a transport can
(docs/kraken_spot.md section 10): whatever ends a read, the loop reconnects; the order socket is never
lost for good while the connector runs.  Its frames and how an answer names its request.  The
lifecycle it shares with Binance's: tests/unit/web/test_ws_order_socket.py."""
from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from support.sockets import READ_ERRORS, ScriptedConnection, check_a_read_error_reconnects

from hummingbot_conn.exchanges.kraken.ws_order_entry import KrakenWSOrderEntry
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.rate_limit import RateLimit


@pytest.mark.parametrize("error", [e for e, _ in READ_ERRORS], ids=[i for _, i in READ_ERRORS])
async def test_a_read_ended_by_any_transport_error_reconnects_and_closes_the_old_socket(error):
    async def token() -> str:
        return "token"

    def make(factory: Any) -> KrakenWSOrderEntry:
        return KrakenWSOrderEntry("ws://127.0.0.1:1/v2", token, factory, AsyncThrottler([]),
                                  backoff=ExponentialBackoff(initial=0.001, maximum=0.001, jitter=0.0))

    await check_a_read_error_reconnects(make, error)


async def test_an_answer_is_matched_by_an_integer_req_id_only():
    """``req_id`` 1.0 or true would find request 1 in a dict: they are dropped and counted; a frame
    without one (a heartbeat, a status) is ignored (docs/kraken_spot.md section 10)."""
    connection = ScriptedConnection()

    async def factory() -> ScriptedConnection:
        return connection

    async def token() -> str:
        return "token"

    entry = KrakenWSOrderEntry("ws://127.0.0.1:1/v2", token, factory,  # type: ignore[arg-type]
                               AsyncThrottler([RateLimit("AddOrder", 100, 1.0)]), request_timeout=30.0)
    task = asyncio.get_running_loop().create_task(entry.run())
    try:
        await entry.wait_up()
        request = asyncio.ensure_future(entry.request("add_order", b'"symbol":"BTC/USD"', "AddOrder"))
        async with asyncio.timeout(10):
            while not connection.written and not request.done():
                await asyncio.sleep(0.001)
        assert orjson.loads(connection.written[0]) == {"method": "add_order", "req_id": 1,
                                                       "params": {"symbol": "BTC/USD", "token": "token"}}
        for frame in (b'{"method": "add_order", "req_id": 1.0, "success": true}',
                      b'{"method": "add_order", "req_id": true, "success": true}',
                      b'{"channel": "heartbeat"}'):
            connection.feed(frame)
        connection.feed(b'{"method": "add_order", "req_id": 1, "success": true, "result": {"order_id": "O1"}}')
        assert await request == {"order_id": "O1"}
        assert entry.dropped_frames == 2 and entry.frames_received == 4
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
