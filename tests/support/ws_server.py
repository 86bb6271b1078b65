"""A WebSocket server on 127.0.0.1 (a free port) that records the text frames it reads: the peer of
the ``write_at_once`` tests (tests/integration/web/test_ws_write_at_once*.py)."""
from __future__ import annotations

import asyncio
from typing import Any, Callable, List, Optional, Tuple

import aiohttp
from aiohttp import web

__all__ = ["serve_ws"]


async def serve_ws(received: List[str], gate: Optional[asyncio.Event] = None, abort_after: Optional[int] = None,
                   on_open: Optional[Callable[[web.WebSocketResponse], Any]] = None) -> Tuple[web.AppRunner, str]:
    """Serve ``/ws``: each text frame read is appended to ``received``; ``gate``: nothing is read
    until it is set (a stalled reader); ``abort_after``: the socket is reset after that many frames;
    ``on_open``: awaited with the socket once it is open.  Pings are not answered by aiohttp
    (``autoping=False``), so a test sees them.  Returns (runner to clean up, the URL)."""
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=64 * 1024 * 1024, autoping=False)
        await ws.prepare(request)
        if on_open is not None:
            await on_open(ws)
        if gate is not None:
            await gate.wait()
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                received.append(msg.data)
                if abort_after is not None and len(received) >= abort_after:
                    request.transport.abort()   # type: ignore[union-attr]   # a reset, mid-stream
                    break
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]    # type: ignore[union-attr]
    return runner, f"ws://127.0.0.1:{port}/ws"
