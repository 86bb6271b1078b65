"""The one WebSocket hub: sockets, stream subscriptions, routing, per-socket outboxes, user-data sockets.

A venue subclasses :class:`StreamHub` and gives its protocol through hooks:
which stream names exist (:meth:`StreamHub.normalise`), what a subscription
sets in motion (:meth:`StreamHub.subscribe`, e.g. watching a book's diffs),
which path delivers which stream (:meth:`StreamHub.delivers`), how a stream
frame is wrapped on a combined socket (:meth:`StreamHub.wrap`), and how a
client's text frames are answered (:meth:`StreamHub.control`). The hub does
the rest the same way for every venue:

* every socket's frames go through a bounded ``Outbox``:
  publishers never await, and a client that does not read is cut off at
  ``queue_limit`` waiting frames (docs/contracts.md, Contract 3);
* a stream subscribed on a path that does not carry it is accepted and stays
  silent, as on venues that route streams by path;
* user-data sockets are kept by key (a listenKey, a session) and published to
  by key; the venue decides what a key is;
* the fault actions: close the market sockets (of one symbol), close or mute
  the user sockets (of one key); a planned stop sends the venue's farewell frame first.

Market sockets ping their clients every ``heartbeat`` seconds and answer pings
(aiohttp's heartbeat); user-data sockets do their own (``heartbeat.py``), so the
``mute_user_sockets`` fault can silence them.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

import orjson
from aiohttp import WSMsgType, web

from . import heartbeat as beats
from .heartbeat import ServerHeartbeat
from .outbox import Outbox, write_loop

__all__ = ["StreamHub", "Connection", "serve_user_socket", "QUEUE_LIMIT", "MAX_STREAMS"]

QUEUE_LIMIT = 10_000
MAX_STREAMS = 1024


class Connection:
    """One client socket; frames go through a bounded
    :class:`~hummingbot_conn.sim.kernel.outbox.Outbox`, so publishers never await.

    :param combined: frames are wrapped with their stream name (``wrap``)
    :param route: the path family the socket was opened on (the venue's routing)
    :param transport: the socket's transport, aborted when the client is cut off
    :param queue_limit: frames that may wait before a client that does not read is cut off
    :param wrap: ``wrap(stream, payload) -> frame`` for a combined socket
    """

    def __init__(self, ws: web.WebSocketResponse, combined: bool, route: str = "",
                 transport: asyncio.Transport | None = None, queue_limit: int = QUEUE_LIMIT,
                 wrap: Callable[[str, bytes], bytes] | None = None) -> None:
        self.ws: web.WebSocketResponse = ws
        self.combined = combined
        self.route = route
        self.streams: list[str] = []
        self.symbols: set[str] = set()
        self.outbox = Outbox(ws, queue_limit, transport)
        self.heartbeat: ServerHeartbeat | None = None      # user-data sockets only (heartbeat.py)
        self._wrap = wrap

    def send(self, stream: str, payload: bytes) -> None:
        if self.outbox.cut_off:
            return
        if self.combined and self._wrap is not None:
            payload = self._wrap(stream, payload)
        self.outbox.put(payload.decode())

    def reply(self, payload: Any) -> None:
        """Send a JSON answer to the client (not a stream frame: never wrapped)."""
        self.outbox.put(orjson.dumps(payload).decode())

    def close(self) -> None:
        self.outbox.close()

    def mute(self) -> None:
        """The ``mute_user_sockets`` fault: open, but no frame, no ping, no pong from now on."""
        self.outbox.mute()
        if self.heartbeat is not None:
            self.heartbeat.muted = True


async def serve_user_socket(conn: Connection, interval: float | None,
                            on_text: Callable[[str], None] | None = None,
                            on_close: Callable[[], None] | None = None) -> None:
    """Serve a prepared user-data socket until it closes: the server's heartbeat (``heartbeat.py``),
    the writer of its outbox, and each text frame to ``on_text`` unless the socket is muted (a muted
    socket neither reads nor answers). ``on_close`` runs first when the socket ends."""
    beat, beating = beats.start(conn.ws, interval)
    conn.heartbeat = beat
    writer = asyncio.ensure_future(write_loop(conn.outbox))
    try:
        async for msg in conn.ws:
            if await beat.frame(msg):
                continue
            if msg.type == WSMsgType.TEXT:
                if on_text is not None and not conn.outbox.muted:
                    on_text(msg.data)
            elif msg.type == WSMsgType.ERROR:
                break
    finally:
        if on_close is not None:
            on_close()
        conn.close()
        await beats.stop(beating)
        await writer


class StreamHub:
    """Sockets and subscriptions of one venue's streams (see the module doc for the hooks).

    :param heartbeat: seconds between server pings
    :param queue_limit: frames that may wait for one socket before its client is cut off
    :param max_streams: streams one socket may carry
    """

    def __init__(self, *, heartbeat: float = 20.0, queue_limit: int = QUEUE_LIMIT,
                 max_streams: int = MAX_STREAMS) -> None:
        if queue_limit < 1 or max_streams < 1:
            raise ValueError("queue_limit and max_streams must be >= 1")
        self.heartbeat = heartbeat
        self.queue_limit = queue_limit
        self.max_streams = max_streams
        self.connections: set[Connection] = set()
        self.subscribers: dict[str, set[Connection]] = {}
        self.user_connections: dict[str, set[Connection]] = {}     # key -> sockets

    # -- the venue's protocol -----------------------------------------------------------------
    def normalise(self, name: str) -> str | None:
        """The canonical name of stream ``name``, or None when the venue has no such stream."""
        return name

    def symbol_of(self, stream: str) -> str | None:
        """The symbol a (normalised) stream carries, for closing the sockets of one symbol."""
        return None

    def delivers(self, route: str, stream: str) -> bool:
        """Whether sockets opened on ``route`` carry ``stream`` (venues that route by path)."""
        return True

    def wrap(self, stream: str, payload: bytes) -> bytes:
        """A frame of ``stream`` on a combined socket."""
        return payload

    def control(self, conn: Connection, text: str) -> Any:
        """The answer (JSON) to a client's text frame on a market socket; None: no answer."""
        return None

    def watch(self, stream: str) -> None:
        """A first subscriber of ``stream`` arrived (start gathering what it needs)."""

    def farewell(self, conn: Connection) -> None:
        """A planned stop: what ``conn`` is sent before it closes."""

    def opened(self, conn: Connection) -> None:
        """A new market socket, before its first frame is read (a venue's greeting, e.g. a status frame)."""

    # -- subscriptions ------------------------------------------------------------------------------
    def subscribe(self, conn: Connection, name: str) -> bool:
        """Add stream ``name`` to ``conn``; False (nothing changed) when the venue has no such stream."""
        stream = self.normalise(name)
        if stream is None:
            return False
        if stream in conn.streams:
            return True
        conn.streams.append(stream)
        symbol = self.symbol_of(stream)
        if symbol is not None:
            conn.symbols.add(symbol)
        if self.delivers(conn.route, stream):
            self.subscribers.setdefault(stream, set()).add(conn)
            self.watch(stream)
        return True

    def unsubscribe(self, conn: Connection, name: str) -> None:
        stream = self.normalise(name) or name
        if stream in conn.streams:
            conn.streams.remove(stream)
        self.subscribers.get(stream, set()).discard(conn)

    def publish(self, stream: str, payload: bytes) -> int:
        """Send ``payload`` to every subscriber of ``stream``; returns the frames sent."""
        subs = self.subscribers.get(stream)
        if not subs:
            return 0
        for conn in subs:
            conn.send(stream, payload)
        return len(subs)

    def publish_user(self, key: str, payload: bytes) -> int:
        """Send ``payload`` to every user-data socket of ``key``."""
        conns = self.user_connections.get(key, ())
        for conn in conns:
            conn.send(key, payload)
        return len(conns)

    # -- serving ---------------------------------------------------------------------------------------
    async def serve(self, request: web.Request, names: list[str], *, combined: bool,
                    route: str = "") -> web.WebSocketResponse:
        """A market socket carrying ``names`` (unknown ones ignored); its text frames go to ``control``."""
        ws = web.WebSocketResponse(heartbeat=self.heartbeat, autoping=True)
        await ws.prepare(request)
        conn = Connection(ws, combined, route, request.transport, self.queue_limit, self.wrap)
        self.connections.add(conn)
        self.opened(conn)
        for name in names[:self.max_streams]:
            self.subscribe(conn, name)
        writer = asyncio.ensure_future(write_loop(conn.outbox))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    answer = self.control(conn, msg.data)
                    if answer is not None:
                        conn.reply(answer)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.connections.discard(conn)
            for stream in list(conn.streams):
                self.unsubscribe(conn, stream)
            conn.close()
            await writer
        return ws

    async def serve_user(self, request: web.Request, key: str, *, combined: bool) -> web.WebSocketResponse:
        """A user-data socket of ``key``: it carries what :meth:`publish_user` sends to that key."""
        ws = beats.response()
        await ws.prepare(request)
        conn = Connection(ws, combined, "private", request.transport, self.queue_limit, self.wrap)
        self.user_connections.setdefault(key, set()).add(conn)
        await serve_user_socket(conn, self.heartbeat,
                                on_close=lambda: self.user_connections.get(key, set()).discard(conn))
        return ws

    # -- fault actions and stop -------------------------------------------------------------------------
    def close_sockets(self, symbol: str | None = None) -> int:
        """Close every market socket (or those that subscribed to ``symbol``); returns how many."""
        conns = [c for c in self.connections if symbol is None or symbol in c.symbols]
        for conn in conns:
            conn.close()
        return len(conns)

    def close_user_sockets(self, key: str | None = None) -> int:
        """Close every user-data socket (or those of ``key``); returns how many."""
        conns = [c for k, s in self.user_connections.items() if key is None or k == key for c in s]
        for conn in conns:
            conn.close()
        return len(conns)

    def mute_user_sockets(self, key: str | None = None) -> int:
        """Every user-data socket (or those of ``key``) stays open but goes silent; returns how many."""
        conns = [c for k, s in self.user_connections.items() if key is None or k == key for c in s]
        for conn in conns:
            conn.mute()
        return len(conns)

    def shutdown(self) -> None:
        """Planned stop: each market socket gets the venue's farewell, then every socket closes."""
        for conn in list(self.connections):
            self.farewell(conn)
            conn.close()
        self.close_user_sockets()
