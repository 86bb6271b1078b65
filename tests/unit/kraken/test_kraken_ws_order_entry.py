"""``KrakenWSOrderEntry``'s socket loop against connections that fail in every way a transport can
(docs/kraken_spot.md section 10): whatever ends a read, the loop reconnects; the order socket is never
lost for good while the connector runs."""
from __future__ import annotations

import asyncio
from typing import List

import aiohttp
import pytest
from support.sockets import FailingConnection

from hummingbot_conn.exchanges.kraken.ws_order_entry import KrakenWSOrderEntry
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.backoff import ExponentialBackoff
from hummingbot_conn.web.errors import WSDisconnectedError


@pytest.mark.parametrize("error", [
    WSDisconnectedError("closed by the server"),
    ConnectionResetError("reset while answering a ping"),
    aiohttp.ClientPayloadError("a broken frame"),
    RuntimeError("the transport is closing"),
], ids=["ws-disconnected", "connection-reset", "client-error", "runtime-error"])
async def test_a_read_ended_by_any_transport_error_reconnects_and_closes_the_old_socket(error):
    connections: List[FailingConnection] = []

    async def factory() -> FailingConnection:
        connections.append(FailingConnection(error if not connections else None))
        return connections[-1]

    async def token() -> str:
        return "token"

    entry = KrakenWSOrderEntry("ws://127.0.0.1:1/v2", token, factory, AsyncThrottler([]),  # type: ignore[arg-type]
                               backoff=ExponentialBackoff(initial=0.001, maximum=0.001, jitter=0.0))
    task = asyncio.get_running_loop().create_task(entry.run())
    try:
        async with asyncio.timeout(10):
            while entry.connect_count < 2 and not task.done():
                await asyncio.sleep(0.001)
        assert not task.done(), task.exception()
        assert entry.up and entry.connect_count == 2
        assert connections[0].disconnected.is_set()         # the failed socket is closed, not leaked
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert not entry.up and connections[1].disconnected.is_set()
