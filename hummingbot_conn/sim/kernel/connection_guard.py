"""What keeps the simulator's HTTP server up under hostile clients (docs/contracts.md, Contract 3).

* **Connection limit.** At most ``max_connections`` sockets are served at
  once; further ones are closed as soon as they are accepted, so the process
  never runs out of file descriptors (which made asyncio log a traceback per
  refused ``accept``). Reaching the limit is logged once per overload
  episode, and the end of the episode once, never per connection.
* **Header read timeout.** A request's headers must arrive within
  ``header_timeout`` seconds of its first byte (or of the connection opening):
  half-sent requests cannot hold slots for long. Idle keep-alive sockets are
  closed by aiohttp's own ``keepalive_timeout``.
* **Body read timeout and size cap** (:func:`read_body`): a body shorter than
  its ``Content-Length`` is answered 408 after ``body_timeout`` seconds, one
  larger than the application's ``client_max_size`` 413, both worded by the
  venue's error table, then the connection is closed (:func:`answer`); no traceback.

``GuardedTCPSite`` is an ``aiohttp.web.TCPSite`` whose connections go
through a :class:`ConnectionGuard`; any venue of the simulator can use it.
"""
from __future__ import annotations

import asyncio
import logging
import resource

from aiohttp import web

from .errors import ErrorTable

__all__ = ["ConnectionGuard", "GuardedTCPSite", "read_body", "answer", "default_max_connections", "CLOSE_AFTER"]

log = logging.getLogger(__name__)
CLOSE_AFTER = frozenset((408, 413))   # answers after which the connection is closed
_FD_RESERVE = 64        # descriptors kept for the rest of the process (files, the listening socket ...)


def default_max_connections(wanted: int = 1000) -> int:
    """``wanted``, lowered to what the process's descriptor limit can serve (each socket is one)."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):   # pragma: no cover - platforms without the limit
        return wanted
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, soft - _FD_RESERVE))


class _GuardedProtocol(asyncio.Protocol):
    """Forwards everything to aiohttp's protocol; refuses over the limit; times out slow headers."""

    __slots__ = ("guard", "inner", "transport", "refused", "busy", "timer")

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self.guard = guard
        self.inner = inner
        self.transport: asyncio.Transport | None = None
        self.refused = False
        self.busy = False
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if not self.guard._admit(self):
            self.refused = True
            transport.abort()  # type: ignore[attr-defined]
            return
        self._arm()
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if not self.busy and self.timer is None:
            self._arm()        # the first bytes of the next request
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return None if self.refused else self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.refused:
            return
        self._disarm()
        self.guard._release(self)
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if not self.refused:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if not self.refused:
            self.inner.resume_writing()

    # -- header timeout ---------------------------------------------------------------
    def _arm(self) -> None:
        self._disarm()
        self.timer = asyncio.get_running_loop().call_later(self.guard.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _expired(self) -> None:
        self.timer = None
        if not self.busy and self.transport is not None:
            self.guard.header_timeouts += 1
            self.transport.abort()

    def request_started(self) -> None:
        self.busy = True
        self._disarm()

    def request_done(self) -> None:
        self.busy = False


class ConnectionGuard:
    """Connection limit and header read timeout of one listening socket.

    :param max_connections: sockets served at once (default: 1000, or less if the
        descriptor limit is lower)
    :param header_timeout: seconds for a request's headers to arrive
    Counters for tests and operators: ``open``, ``refused``, ``header_timeouts``.
    """

    def __init__(self, *, max_connections: int | None = None, header_timeout: float = 10.0) -> None:
        if max_connections is None:
            max_connections = default_max_connections()
        if max_connections < 1 or not header_timeout > 0:
            raise ValueError("max_connections must be >= 1 and header_timeout > 0")
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self.open = 0
        self.refused = 0
        self.header_timeouts = 0
        self.overloaded = False
        self._by_transport: dict[asyncio.BaseTransport, _GuardedProtocol] = {}

    def wrap(self, inner: asyncio.Protocol) -> asyncio.Protocol:
        return _GuardedProtocol(self, inner)

    def _admit(self, conn: _GuardedProtocol) -> bool:
        if self.open >= self.max_connections:
            self.refused += 1
            if not self.overloaded:
                self.overloaded = True
                log.warning("connection limit reached (%d open): refusing new connections until some close "
                            "(logged once per overload)", self.open)
            return False
        self.open += 1
        assert conn.transport is not None
        self._by_transport[conn.transport] = conn
        return True

    def _release(self, conn: _GuardedProtocol) -> None:
        self.open -= 1
        if conn.transport is not None:
            self._by_transport.pop(conn.transport, None)
        if self.overloaded and self.open < self.max_connections:
            self.overloaded = False
            log.warning("connection overload over: %d connections were refused in all", self.refused)

    @web.middleware
    async def middleware(self, request: web.Request, handler):
        """Marks the connection busy while a request is handled (its headers have arrived)."""
        conn = self._by_transport.get(request.transport) if request.transport is not None else None
        if conn is not None:
            conn.request_started()
        try:
            return await handler(request)
        finally:
            if conn is not None:
                conn.request_done()


class GuardedTCPSite(web.TCPSite):
    """``web.TCPSite`` whose accepted connections pass through ``guard``."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, guard: ConnectionGuard) -> None:
        super().__init__(runner, host, port)
        self._guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        guard = self._guard
        self._server = await asyncio.get_running_loop().create_server(
            lambda: guard.wrap(server()), self._host, self._port, backlog=self._backlog)
        self._bound_port = self._server.sockets[0].getsockname()[1] if self._server.sockets else self._port


async def read_body(request: web.Request, timeout: float, errors: ErrorTable) -> bytes:
    """The whole body within ``timeout`` seconds and the application's size cap.

    :raises SimError: the venue's ``body_timeout`` (408) or ``body_too_large`` (413)
    """
    if not request.can_read_body:
        return b""
    try:
        async with asyncio.timeout(timeout):
            return await request.read()
    except asyncio.TimeoutError:
        raise errors.body_timeout(timeout) from None
    except web.HTTPRequestEntityTooLarge:
        raise errors.body_too_large(request.client_max_size) from None


async def answer(request: web.Request, response: web.Response) -> web.StreamResponse:
    """Send ``response``; after a 408 / 413 also close the connection.

    The rest of such a body is not waited for (aiohttp would otherwise linger
    reading it for up to 10 s, and a slow sender would keep its slot).
    """
    if response.status not in CLOSE_AFTER:
        return response
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    if request.transport is not None:
        request.transport.close()     # flushes the answer, then closes
    return response
