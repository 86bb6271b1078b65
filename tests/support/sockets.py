"""Fake sockets for code driven without a network: the book tracker's data sources (``IdleSocket``)
and the order sockets of ``web/ws_order_socket.py`` and its venues (``FailingConnection``,
``ScriptedConnection``)."""
import asyncio
from typing import Any, Awaitable, Callable, List, Optional

import aiohttp

from hummingbot_conn.web.data_types import WSResponse
from hummingbot_conn.web.errors import WSDisconnectedError


class IdleSocket:
    """A ``WSAssistant`` stand-in that is connected and never receives anything: the test feeds the
    source's messages itself.  ``send`` accepts any request (a subscription) and sends nothing."""

    reconnect_count = 0
    on_reconnected = None

    async def receive(self) -> Any:
        await asyncio.Event().wait()

    async def disconnect(self) -> None:
        return None

    async def send(self, request: Any) -> None:
        return None


class FailingConnection:
    """A ``WSConnection`` stand-in that connects, then ``receive()`` raises ``error`` (or, with None,
    waits until disconnected).  ``disconnected`` is set once it was closed."""

    def __init__(self, error: Optional[BaseException]) -> None:
        self.error = error
        self.disconnected = asyncio.Event()

    async def connect(self, url: str, **kwargs: Any) -> None:
        self.url = url                  # connecting always works: the failure is in receive()

    async def receive(self) -> Any:
        if self.error is not None:
            raise self.error
        await self.disconnected.wait()
        return None

    async def disconnect(self) -> None:
        self.disconnected.set()


class ScriptedConnection:
    """A ``WSConnection`` stand-in for an order socket: it keeps the frames written to it
    (``written``, bytes), ``receive()`` returns what the test ``feed``s (text or bytes, as a
    ``WSResponse``) and None once disconnected.  ``write_at_once`` False: every frame is left to
    the awaiting coroutine (``send_bytes_as_text``), as a socket with a full buffer does;
    ``fail_writes``: writing raises ``ConnectionResetError``."""

    def __init__(self, *, write_at_once: bool = True, fail_writes: bool = False) -> None:
        self.write_at_once = write_at_once
        self.fail_writes = fail_writes
        self.written: List[bytes] = []
        self.connect_kwargs: dict = {}
        self.disconnected = asyncio.Event()
        self._frames: "asyncio.Queue[Any]" = asyncio.Queue()

    async def connect(self, url: str, **kwargs: Any) -> None:
        self.connect_kwargs = kwargs

    def feed(self, data: Any) -> None:
        self._frames.put_nowait(data)

    async def receive(self) -> Optional[WSResponse]:
        if self.disconnected.is_set():
            return None
        getter = asyncio.ensure_future(self._frames.get())
        closed = asyncio.ensure_future(self.disconnected.wait())
        try:
            await asyncio.wait((getter, closed), return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            if not getter.done():
                getter.cancel()
        return WSResponse(getter.result()) if getter.done() and not getter.cancelled() else None

    def can_write_now(self) -> bool:
        return self.write_at_once and not self.disconnected.is_set()

    def write_text_now(self, payload: bytes) -> bool:
        if self.fail_writes:
            raise ConnectionResetError("reset while writing")
        if not self.write_at_once:
            return False
        self.written.append(payload)
        return True

    async def send_bytes_as_text(self, payload: bytes) -> None:
        if self.fail_writes or self.disconnected.is_set():
            raise WSDisconnectedError("closed while writing")
        self.written.append(payload)

    async def disconnect(self) -> None:
        self.disconnected.set()


#: transport errors that end a read, as a test parametrisation: (error, id)
READ_ERRORS = [
    (WSDisconnectedError("closed by the server"), "ws-disconnected"),
    (ConnectionResetError("reset while answering a ping"), "connection-reset"),
    (aiohttp.ClientPayloadError("a broken frame"), "client-error"),
    (RuntimeError("the transport is closing"), "runtime-error"),
]


async def check_a_read_error_reconnects(make: Callable[[Callable[[], Awaitable[Any]]], Any],
                                        error: BaseException) -> None:
    """Run ``make(connection_factory)``'s ``run()`` (an order socket of web/ws_order_socket.py) where the
    first socket's read raises ``error``: the loop must reconnect, close the failed socket, and close
    the second one when cancelled (AssertionError otherwise)."""
    connections: List[FailingConnection] = []

    async def factory() -> FailingConnection:
        connections.append(FailingConnection(error if not connections else None))
        return connections[-1]

    entry = make(factory)
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


__all__ = ["IdleSocket", "FailingConnection", "ScriptedConnection", "READ_ERRORS", "check_a_read_error_reconnects"]
