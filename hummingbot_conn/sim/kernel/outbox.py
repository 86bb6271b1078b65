"""A bounded queue of outgoing WebSocket frames, one per client socket.

Publishers (the engine's listeners, the request handlers) never await: they
put a frame and return. A writer task drains the queue onto the socket. A
client that does not read makes the socket's send buffer fill, the writer
block, and the queue grow; at ``limit`` frames the client is cut off: the
queue is emptied and the connection aborted (not closed politely, which
would wait on the same full buffer), so its memory is returned at once.
The live exchange also disconnects consumers that fall too far behind.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque

from aiohttp import web

__all__ = ["Outbox", "write_loop"]

log = logging.getLogger(__name__)


class Outbox:
    """Frames waiting for one socket. ``put`` never blocks; ``None`` in the queue ends the writer.

    :param ws: the server-side socket
    :param limit: frames that may wait before the client is cut off
    :param transport: the socket's transport (``request.transport``), aborted on a cut-off
    """

    def __init__(self, ws: web.WebSocketResponse, limit: int, transport: asyncio.Transport | None = None) -> None:
        if limit < 1:
            raise ValueError("an outbox limit must be >= 1")
        self.ws = ws
        self.transport = transport
        self.limit = limit
        self.cut_off = False
        self.muted = False
        self._frames: deque[str | None] = deque()
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._frames)

    def put(self, text: str) -> bool:
        """Queue one text frame; False (and the client cut off) when ``limit`` frames already wait.

        A muted outbox drops the frame (True: nothing is wrong with the client)."""
        if self.cut_off:
            return False
        if self.muted:
            return True
        if len(self._frames) >= self.limit:
            self._cut_off()
            return False
        self._frames.append(text)
        self._ready.set()
        return True

    def mute(self) -> None:
        """Drop every frame from now on and those still waiting (the ``mute_user_sockets`` fault)."""
        self.muted = True
        ending = None in self._frames
        self._frames.clear()
        if ending:
            self._frames.append(None)

    def close(self) -> None:
        """End the writer after the frames already queued (a polite close)."""
        self._frames.append(None)
        self._ready.set()

    def _cut_off(self) -> None:
        self.cut_off = True
        self._frames.clear()
        self._frames.append(None)
        self._ready.set()
        log.info("cutting off a WebSocket client that does not read (%d frames waiting)", self.limit)
        if self.transport is not None:
            self.transport.abort()       # fails the writer's pending send at once

    async def get(self) -> str | None:
        while not self._frames:
            self._ready.clear()
            await self._ready.wait()
        return self._frames.popleft()


async def write_loop(outbox: Outbox) -> None:
    """Drain ``outbox`` onto its socket until ``None``, a send failure or a cut-off."""
    ws = outbox.ws
    while True:
        text = await outbox.get()
        if text is None or ws.closed or outbox.cut_off:
            break
        try:
            await ws.send_str(text)
        except (ConnectionError, RuntimeError):
            break
    if not ws.closed and not outbox.cut_off:
        await ws.close()
