"""``write_at_once`` under a reader that stalls, a peer that drops the socket mid-stream and a server's
pings, on both loops: frames written at once and frames that had to wait arrive whole and in order,
what waits in our buffer stays bounded (flow control), a dropped socket is an error the order
entries catch (never a hang), and pings are answered.  The basic cases are in test_ws_write_at_once.py.
"""
from __future__ import annotations

import asyncio
from typing import List, Optional

import aiohttp
import pytest
from aiohttp import web
from support.ws_server import serve_ws

from hummingbot_conn.web.connections import WSConnection
from hummingbot_conn.web.errors import WSDisconnectedError

uvloop = pytest.importorskip("uvloop")

LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}
FRAMES, SIZE = 400, 64 * 1024          # 25 MiB: more than the kernel's buffers take from a stalled reader


def _frame(i: int) -> bytes:
    return b'"%d:' % i + b"x" * SIZE + b'"'


async def _write_all(connection: WSConnection, counts: dict) -> None:
    # as the order entries do: at once while the socket takes it, else the coroutine that waits
    transport = connection._ws._writer.transport        # type: ignore[union-attr]
    for i in range(FRAMES):
        if connection.can_write_now():
            assert connection.write_text_now(_frame(i))
            counts["at_once"] += 1
        else:
            await connection.send_bytes_as_text(_frame(i))
            counts["waited"] += 1
        counts["most_buffered"] = max(counts["most_buffered"], transport.get_write_buffer_size())


@pytest.mark.parametrize("loop", list(LOOPS))
def test_a_stalled_reader_pauses_the_writer_and_every_frame_arrives_in_order(loop: str) -> None:
    async def run() -> tuple[dict, List[str], bool]:
        received: List[str] = []
        gate = asyncio.Event()
        runner, url = await serve_ws(received, gate)
        session = aiohttp.ClientSession()
        try:
            connection = WSConnection(session)
            await connection.connect(url, ping_timeout=None, write_at_once=True)
            counts = {"at_once": 0, "waited": 0, "most_buffered": 0}
            writer = asyncio.ensure_future(_write_all(connection, counts))
            async with asyncio.timeout(30):
                while not counts["waited"]:          # the kernel's buffers are full: the writer waits
                    await asyncio.sleep(0.01)
            stalled = not writer.done() and not connection.can_write_now()
            gate.set()
            async with asyncio.timeout(60):
                await writer
                while len(received) < FRAMES:
                    await asyncio.sleep(0.01)
            await connection.disconnect()
            return counts, received, stalled
        finally:
            await session.close()
            await runner.cleanup()

    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        counts, received, stalled = runner.run(run())
    assert stalled and counts["at_once"] > 0 and counts["waited"] > 0
    assert [int(r[1:r.index(":")]) for r in received] == list(range(FRAMES))
    assert all(len(r) == SIZE + len(str(i)) + 3 for i, r in enumerate(received))
    # what waits in our buffer: about aiohttp's 64 KiB drain limit plus the frames over it, never
    # the 25 MiB the writer had to send
    assert counts["most_buffered"] < 2 * 1024 * 1024


@pytest.mark.parametrize("loop", list(LOOPS))
def test_a_socket_reset_mid_stream_is_an_error_of_the_write_never_a_hang(loop: str) -> None:
    async def run() -> tuple[Optional[BaseException], bool, Optional[BaseException]]:
        received: List[str] = []
        gate = asyncio.Event()
        runner, url = await serve_ws(received, gate, abort_after=5)
        session = aiohttp.ClientSession()
        try:
            connection = WSConnection(session)
            await connection.connect(url, ping_timeout=None, write_at_once=True)
            counts = {"at_once": 0, "waited": 0, "most_buffered": 0}
            writer = asyncio.ensure_future(_write_all(connection, counts))
            await asyncio.sleep(0.05)
            gate.set()
            async with asyncio.timeout(30):
                write_error = await asyncio.gather(writer, return_exceptions=True)
            receive_error: Optional[BaseException] = None
            try:
                async with asyncio.timeout(30):
                    await connection.receive()
            except WSDisconnectedError as exc:
                receive_error = exc
            can_write = connection.can_write_now()
            await connection.disconnect()
            return write_error[0], can_write, receive_error
        finally:
            await session.close()
            await runner.cleanup()

    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        write_error, can_write, receive_error = runner.run(run())
    # the classes ws_order_entry catches around a write (the request's outcome is then unknown)
    assert isinstance(write_error, (ConnectionError, RuntimeError, aiohttp.ClientError, WSDisconnectedError))
    assert not can_write
    assert receive_error is not None


@pytest.mark.parametrize("loop", list(LOOPS))
def test_the_servers_pings_are_answered_under_write_at_once(loop: str) -> None:
    async def run() -> tuple[List[bytes], List[str]]:
        received: List[str] = []
        pongs: List[bytes] = []
        gate = asyncio.Event()

        async def ping_then_read(ws: web.WebSocketResponse) -> None:
            await ws.ping(b"p1")
            msg = await ws.receive()
            if msg.type is aiohttp.WSMsgType.PONG:
                pongs.append(msg.data)
            gate.set()

        runner, url = await serve_ws(received, gate, on_open=ping_then_read)
        session = aiohttp.ClientSession()
        try:
            connection = WSConnection(session)
            await connection.connect(url, ping_timeout=None, write_at_once=True)
            reader = asyncio.ensure_future(connection.receive())
            async with asyncio.timeout(10):
                while not pongs:
                    await asyncio.sleep(0.005)
            assert connection.write_text_now(b'"after the pong"')
            async with asyncio.timeout(10):
                while not received:
                    await asyncio.sleep(0.005)
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
            await connection.disconnect()
            return pongs, received
        finally:
            await session.close()
            await runner.cleanup()

    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        pongs, received = runner.run(run())
    assert pongs == [b"p1"] and received == ['"after the pong"']
