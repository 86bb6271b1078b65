"""Venue-side timestamps for latency measurements: when each depth frame leaves, when each order arrives.

A tick-to-trade benchmark (benchmarks/tick_to_trade.py) measures from the
moment a depth frame leaves the venue to the moment the order it causes
reaches the venue.  Both instants are on the venue's side of the loopback, so
they are read here, on the system-wide monotonic clock
(``CLOCK_MONOTONIC``, :func:`now_ns`): a client process on the same machine
reads the same clock and can place its own instants between them.

Admin routes (the simulator's ``/sim`` control API, a test tool):

* ``POST /sim/trace`` -> ``{"enabled": true}``: forget earlier records and start recording;
* ``DELETE /sim/trace`` -> ``{"enabled": false}``: stop recording and forget;
* ``GET /sim/trace`` -> ``{"clock": "CLOCK_MONOTONIC", "enabled": bool, "overflowed": bool,
  "depth_frames": [{"t_ns", "socket", "peer_port", "symbol", "first_update_id", "update_id"}, ...],
  "orders": [{"t_ns", "path", "status", "client_order_id"}, ...]}``, oldest first.

``depth_frames``: one record per depth diff frame per socket, ``t_ns`` read just
before the frame is handed to the socket (``outbox.write_loop``); ``socket``
numbers the server's sockets in the order they opened, ``peer_port`` is the
client's port.  ``orders``: one record per ``POST .../order`` answered by the
venue, ``t_ns`` read when the request reaches the application (its headers and
body parsed by aiohttp), ``client_order_id`` from the answer (None when the
order was refused).  At most ``limit`` records of each kind are kept (the
oldest go first; ``overflowed`` says so).

Off (the default), the cost is a context-variable set per request and one
attribute test per frame.  Records are kept as sent and parsed only when read.
"""
from __future__ import annotations

import contextvars
import time
from collections import deque
from typing import Any, Awaitable, Callable

import orjson
from aiohttp import web

__all__ = ["Trace", "TRACE_KEY", "install", "current", "now_ns", "CLOCK_NAME"]

if hasattr(time, "clock_gettime_ns"):
    CLOCK_NAME = "CLOCK_MONOTONIC"

    def now_ns() -> int:
        """The system-wide monotonic clock in ns: every process of the machine reads the same one."""
        return time.clock_gettime_ns(time.CLOCK_MONOTONIC)
else:  # Windows: no clock_gettime; monotonic_ns is QueryPerformanceCounter, also machine-wide
    CLOCK_NAME = "monotonic_ns"
    now_ns = time.monotonic_ns

#: records of each kind kept at most (a 100 ms depth stream fills it in hours, not minutes)
LIMIT = 200_000


class Trace:
    """The records of one simulator (see the module doc); ``enabled`` switches recording."""

    def __init__(self, limit: int = LIMIT) -> None:
        if limit < 1:
            raise ValueError("a trace limit must be >= 1")
        self.enabled = False
        self.limit = limit
        self._frames: deque[tuple[int, int, int, str]] = deque(maxlen=limit)
        self._orders: deque[tuple[int, str, int, bytes]] = deque(maxlen=limit)
        self._sockets = 0
        self._overflowed = False

    def start(self) -> None:
        self.clear()
        self.enabled = True

    def stop(self) -> None:
        self.enabled = False
        self.clear()

    def clear(self) -> None:
        self._frames.clear()
        self._orders.clear()
        self._overflowed = False

    def socket_opened(self, transport: Any) -> tuple[int, int]:
        """(serial, client port) of a server socket that starts writing frames."""
        self._sockets += 1
        peer = transport.get_extra_info("peername") if transport is not None else None
        return self._sockets, (peer[1] if isinstance(peer, tuple) and len(peer) >= 2 else 0)

    def frame_sent(self, socket: tuple[int, int], text: str) -> None:
        """Stamp a frame about to be written to ``socket`` (call only while ``enabled``)."""
        if len(self._frames) == self.limit:
            self._overflowed = True
        self._frames.append((now_ns(), socket[0], socket[1], text))

    def order_answered(self, t_ns: int, path: str, response: web.StreamResponse) -> None:
        """Record an order request that reached the application at ``t_ns`` and its answer."""
        if len(self._orders) == self.limit:
            self._overflowed = True
        body = response.body if isinstance(response, web.Response) else None
        self._orders.append((t_ns, path, response.status, body if isinstance(body, bytes) else b""))

    def report(self) -> dict:
        """The ``GET /sim/trace`` document (see the module doc)."""
        frames = []
        for t_ns, serial, port, text in list(self._frames):
            data = _json(text)
            if isinstance(data, dict) and isinstance(data.get("data"), dict):
                data = data["data"]                       # a combined stream's {"stream", "data"}
            if isinstance(data, dict) and data.get("e") == "depthUpdate":
                frames.append({"t_ns": t_ns, "socket": serial, "peer_port": port, "symbol": data.get("s"),
                               "first_update_id": data.get("U"), "update_id": data.get("u")})
        orders = []
        for t_ns, path, status, body in list(self._orders):
            answer = _json(body)
            client_id = answer.get("clientOrderId") if isinstance(answer, dict) else None
            orders.append({"t_ns": t_ns, "path": path, "status": status, "client_order_id": client_id})
        return {"clock": CLOCK_NAME, "enabled": self.enabled, "overflowed": self._overflowed,
                "depth_frames": frames, "orders": orders}


def _json(raw: str | bytes) -> Any:
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None


TRACE_KEY = web.AppKey("hbconn_sim_trace", Trace)
# the trace of the application serving the current request: a socket's writer task is
# started inside its upgrade request, so it inherits this (outbox.write_loop reads it)
_CURRENT: contextvars.ContextVar[Trace | None] = contextvars.ContextVar("hbconn_sim_trace", default=None)


def current() -> Trace | None:
    """The trace of the simulator serving the running request (None outside one, or where none is installed)."""
    return _CURRENT.get()


@web.middleware
async def _middleware(request: web.Request,
                      handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    trace = request.app[TRACE_KEY]
    _CURRENT.set(trace)
    if not trace.enabled or request.method != "POST" or not request.path.endswith("/order"):
        return await handler(request)
    t_ns = now_ns()
    response = await handler(request)
    trace.order_answered(t_ns, request.path, response)
    return response


def install(app: web.Application) -> Trace:
    """Give ``app`` a (disabled) trace: its middleware, first of all, and the ``/sim/trace`` routes."""
    trace = app[TRACE_KEY] = Trace()
    app.middlewares.insert(0, _middleware)

    def _answer(data: dict) -> web.Response:
        return web.Response(body=orjson.dumps(data), content_type="application/json")

    async def get(request: web.Request) -> web.Response:
        return _answer(trace.report())

    async def start(request: web.Request) -> web.Response:
        trace.start()
        return _answer({"enabled": True})

    async def stop(request: web.Request) -> web.Response:
        trace.stop()
        return _answer({"enabled": False})

    app.router.add_get("/sim/trace", get)
    app.router.add_post("/sim/trace", start)
    app.router.add_delete("/sim/trace", stop)
    return trace
