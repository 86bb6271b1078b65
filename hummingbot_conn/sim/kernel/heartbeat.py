"""Server pings of the user-data sockets, run by the simulator so a fault can silence them.

aiohttp's own heartbeat and automatic pongs cannot be paused on a live socket, so
the user-data sockets (the hub's, ``hub.py``, and any a venue serves itself, such
as Binance spot's WebSocket API) are opened with ``heartbeat=None, autoping=False`` and this class
does the same job, the way Binance does it (docs/binance_spot.md section 5.1):

* every frame from the client (data, ping, pong) is a sign of life;
* after ``interval`` seconds without one the server pings; when nothing comes back
  within ``interval / 2`` the socket is closed (a client that stopped answering);
* a ping from the client is answered with a pong echoing its payload.

``mute()`` (the ``mute_user_sockets`` fault) stops all of it while the socket
stays open: no ping, no pong, no close, and the connection's outbox drops every
frame (events and request answers alike).  A client sees a socket that says
nothing and answers nothing, like one whose route died silently; it must notice
by itself and reconnect.  A new socket is not muted.
"""
from __future__ import annotations

import asyncio
import contextlib

from aiohttp import WSCloseCode, WSMessage, WSMsgType, web


def response() -> web.WebSocketResponse:
    """A user-data socket: its pings and pongs are this module's job, not aiohttp's."""
    return web.WebSocketResponse(heartbeat=None, autoping=False)


class ServerHeartbeat:
    """The server side of ping / pong for one socket; ``run()`` is its task."""

    def __init__(self, ws: web.WebSocketResponse, interval: float | None) -> None:
        self.ws = ws
        self.interval = interval
        self.muted = False
        self._last_seen = asyncio.get_running_loop().time()

    async def frame(self, msg: WSMessage) -> bool:
        """Note a frame from the client and answer its ping (unless muted).

        True when the frame was a ping or a pong: nothing else is to be done with it.
        """
        self._last_seen = asyncio.get_running_loop().time()
        if msg.type is WSMsgType.PING:
            if not self.muted:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.pong(msg.data)
            return True
        return msg.type is WSMsgType.PONG

    async def run(self) -> None:
        """Ping an idle client; close one that does not answer; stop when the socket closes."""
        if not self.interval:
            return
        loop = asyncio.get_running_loop()
        while not self.ws.closed:
            idle = loop.time() - self._last_seen
            if self.muted or idle < self.interval:
                await asyncio.sleep(self.interval - idle if idle < self.interval else self.interval)
                continue
            sent = loop.time()
            try:
                await self.ws.ping()
            except (ConnectionError, RuntimeError):
                return
            await asyncio.sleep(self.interval / 2)
            if self._last_seen < sent and not self.muted and not self.ws.closed:
                await self.ws.close(code=WSCloseCode.GOING_AWAY, message=b"no pong")
                return


def start(ws: web.WebSocketResponse, interval: float | None) -> tuple[ServerHeartbeat, asyncio.Task]:
    """A heartbeat for ``ws`` and its running task (end it with ``stop``)."""
    beat = ServerHeartbeat(ws, interval)
    return beat, asyncio.ensure_future(beat.run())


async def stop(task: asyncio.Task) -> None:
    """End a heartbeat task (the socket's handler is leaving)."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
