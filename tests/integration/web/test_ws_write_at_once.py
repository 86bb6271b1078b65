"""``WSConnection.connect(..., write_at_once=True)``: a frame reaches the kernel inside the call.

uvloop keeps a small write in its buffer until the end of the loop turn; an order written inside
``buy()`` then waited for whatever else that turn ran (about 150 us measured in tick to trade).
Under both loops, with ``write_at_once`` the transport's buffer is empty the moment
``write_text_now`` returns, and the server receives every frame in order; without it, under uvloop,
the frame is still in the buffer (the case the option exists for).
"""
from __future__ import annotations

import asyncio

import aiohttp
import pytest
from support.ws_server import serve_ws

from hummingbot_conn.web.connections import WSConnection

uvloop = pytest.importorskip("uvloop")      # in the test extra: CI runs both loops

LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


async def _buffered_after_write(write_at_once: bool, frames: int = 50) -> tuple[list[int], list[str], bool]:
    received: list[str] = []
    runner, url = await serve_ws(received)
    session = aiohttp.ClientSession()
    try:
        connection = WSConnection(session)
        await connection.connect(url, ping_timeout=None, write_at_once=write_at_once)
        transport = connection._ws._writer.transport            # type: ignore[union-attr]
        buffered = []
        for i in range(frames):
            assert connection.write_text_now(f'{{"n":{i}}}'.encode())
            buffered.append(transport.get_write_buffer_size())   # read before any loop turn
        async with asyncio.timeout(10):
            while len(received) < frames:
                await asyncio.sleep(0.001)
        at_once = connection.writes_at_once
        await connection.disconnect()
        assert connection.writes_at_once is False        # the socket it described is gone
        return buffered, received, at_once
    finally:
        await session.close()
        await runner.cleanup()


@pytest.mark.parametrize("loop", list(LOOPS))
def test_with_write_at_once_every_frame_is_in_the_kernel_when_the_call_returns(loop: str) -> None:
    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        buffered, received, at_once = runner.run(_buffered_after_write(True))
    assert at_once is True
    assert buffered == [0] * 50
    assert received == [f'{{"n":{i}}}' for i in range(50)]      # all of them, in order


def test_without_it_uvloop_holds_the_frame_until_the_turn_ends() -> None:
    # the behaviour the option exists for: if uvloop ever writes at once by itself, this says so
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        buffered, received, at_once = runner.run(_buffered_after_write(False))
    assert at_once is False
    assert all(size > 0 for size in buffered)
    assert received == [f'{{"n":{i}}}' for i in range(50)]


def test_flow_control_still_holds_for_a_write_the_kernel_does_not_take_whole() -> None:
    # a frame larger than the socket's send buffer: the rest stays buffered, the protocol pauses,
    # can_write_now() says no (the caller awaits the coroutine path), and everything arrives
    async def run() -> tuple[bool, bool, int]:
        received: list[str] = []
        runner, url = await serve_ws(received)
        session = aiohttp.ClientSession()
        try:
            connection = WSConnection(session)
            await connection.connect(url, ping_timeout=None, write_at_once=True, max_msg_size=64 * 1024 * 1024)
            big = b'"' + b"x" * (8 * 1024 * 1024) + b'"'
            assert connection.write_text_now(big)
            paused = not connection.can_write_now()
            await connection.send_bytes_as_text(b'"after"')           # waits for the drain, then goes
            async with asyncio.timeout(30):
                while len(received) < 2:
                    await asyncio.sleep(0.005)
            await connection.disconnect()
            return paused, received[1] == '"after"', len(received[0])
        finally:
            await session.close()
            await runner.cleanup()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        paused, in_order, size = runner.run(run())
    assert paused
    assert in_order
    assert size == 8 * 1024 * 1024 + 2
