"""The server every venue runs on: one aiohttp application behind the connection guard, its lifecycle,
the fixed-schedule background step, the fault actions and the admin API.

A venue's server subclasses :class:`SimServer`; its ``__init__`` calls
``super().__init__`` (clock, guard, faults), then builds its engine,
``limiter``, ``rest`` (a ``RestPipeline``), ``streams`` (a
``StreamHub``) and ``traders``, and calls :meth:`wire_faults`.
It gives :meth:`add_stream_routes` (its WebSocket paths), :meth:`on_tick`
(what each background step does), :meth:`tick`, :meth:`flush_streams`,
:meth:`admin_account`, :meth:`admin_deposit`, and may extend :meth:`shutdown`
and :meth:`on_started` (its URLs).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Self

from aiohttp import web

from . import admin
from .clock import SystemClock
from .connection_guard import ConnectionGuard, GuardedTCPSite
from .errors import ErrorTable
from .faults import FaultInjector
from .hub import StreamHub
from .rest import RestPipeline
from .traders import BackgroundTraders

__all__ = ["SimServer", "run_on_schedule"]

log = logging.getLogger(__name__)


async def run_on_schedule(interval: float, step: Callable[[int], object]) -> None:
    """Call ``step(n)`` for n = 1, 2, ... every ``interval`` seconds, until cancelled.

    The steps keep to a fixed schedule (a venue's cadence does not depend on its clients): a
    step that ran late is followed by an early one. After a long stall (a suspended process) the
    schedule restarts from now instead of bursting to catch up. A failing step is logged and the
    schedule goes on: a simulator bug must not silence every stream.
    """
    loop = asyncio.get_running_loop()
    ticks, due = 0, loop.time()
    while True:
        due += interval
        await asyncio.sleep(max(0.0, due - loop.time()))
        if loop.time() - due > 10 * interval:
            due = loop.time()
        ticks += 1
        try:
            step(ticks)
        except Exception:
            log.exception("simulator step failed")


class SimServer:
    """A venue on ``host:port`` (port 0 = a free port), started by ``start()`` / ``async with``.

    Protection against hostile clients (``connection_guard.py``, ``outbox.py``; docs/contracts.md,
    Contract 3): ``max_connections`` sockets at once (None: 1000 or what the descriptor limit
    allows), ``header_timeout`` and ``body_timeout`` seconds to receive a request's headers / body
    (408 after the latter), ``max_body_size`` bytes per body (413 beyond).
    ``stream_interval``: seconds between background steps (:meth:`on_tick`), run when ``auto_flush``.
    """

    rest: RestPipeline
    streams: StreamHub
    engine: Any

    def __init__(self, *, errors: ErrorTable, clock=None, host: str = "127.0.0.1", port: int = 0,
                 stream_interval: float = 0.1, auto_flush: bool = True, max_connections: int | None = None,
                 header_timeout: float = 10.0, body_timeout: float = 10.0,
                 max_body_size: int = 1024 * 1024) -> None:
        self.errors = errors
        self.clock = clock if clock is not None else SystemClock()
        self.host, self.port = host, port
        self.faults = FaultInjector()
        self.guard = ConnectionGuard(max_connections=max_connections, header_timeout=header_timeout)
        self.body_timeout = body_timeout
        self.max_body_size = max_body_size
        self.stream_interval = stream_interval
        self.auto_flush = auto_flush
        self.traders: BackgroundTraders | None = None
        self._runner: web.AppRunner | None = None
        self._background: asyncio.Task | None = None
        self.rest_url = self.ws_url = ""

    def wire_faults(self, snapshot_limit: int) -> None:
        """Connect the fault actions to this venue (call once ``streams`` exists).

        ``snapshot_limit``: levels of the depth document a ``stale_snapshot`` rule captures.
        """
        self.faults.actions.update({
            "close_market_sockets": lambda symbol=None: self.streams.close_sockets(symbol),
            "close_user_sockets": self.close_user_sockets,
            "mute_user_sockets": self.mute_user_sockets,
            "skew_clock": self._skew_clock,
            "restart_ids": self.restart_ids,
        })
        self.faults.snapshot_source = lambda symbol: self.depth_snapshot(symbol, snapshot_limit)

    # -- the venue's part -------------------------------------------------------------------------
    def add_stream_routes(self, app: web.Application) -> None:
        """Register the venue's WebSocket paths."""
        raise NotImplementedError

    def on_tick(self, n: int) -> None:
        """The ``n``-th background step (every ``stream_interval`` seconds)."""
        raise NotImplementedError

    def tick(self) -> dict[str, int]:
        """One deterministic step for ``auto_flush=False``: everything due, every stream; counts done."""
        raise NotImplementedError

    def flush_streams(self) -> int:
        """Send every pending stream frame now; returns the frames sent."""
        raise NotImplementedError

    def depth_snapshot(self, symbol: str, limit: int) -> dict:
        """The venue's depth snapshot document of ``symbol`` (``limit`` levels a side)."""
        raise NotImplementedError

    def restart_ids(self, symbol: str | None = None) -> None:
        """Fault action ``restart_ids``: pending diffs go out, then the update ids start again from 0."""
        raise NotImplementedError

    def close_user_sockets(self) -> int:
        """Fault action ``close_user_sockets``: every user-data socket closes."""
        return self.streams.close_user_sockets()

    def mute_user_sockets(self) -> int:
        """Fault action ``mute_user_sockets``: every user-data socket stays open but goes silent."""
        return self.streams.mute_user_sockets()

    def admin_account(self, balances: dict) -> tuple[str, str]:
        """``POST /sim/accounts``: a new account from ``balances``; returns (API key, secret)."""
        raise NotImplementedError

    def admin_deposit(self, account: Any, asset: str, amount: Decimal) -> None:
        """``POST /sim/deposit``: credit ``amount`` of ``asset`` to ``account``."""
        raise NotImplementedError

    def on_started(self, base: str) -> None:
        """The venue listens on ``base`` (``host:port``): set the URLs."""
        self.rest_url = f"http://{base}"
        self.ws_url = f"ws://{base}"

    def shutdown(self) -> None:
        """Planned stop: close every socket (after the venue's farewell frames)."""
        self.streams.shutdown()

    # -- lifecycle ----------------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_size, middlewares=[self.guard.middleware])
        self.rest.routes(app)
        self.add_stream_routes(app)
        admin.add_routes(app, self)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.make_app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        await GuardedTCPSite(self._runner, self.host, self.port, self.guard).start()
        self.port = self._runner.addresses[0][1]
        self.on_started(f"{self.host}:{self.port}")
        if self.auto_flush:
            self._background = asyncio.ensure_future(self.run_background())
        if self.traders is not None:
            self.traders.start()

    def run_background(self) -> Awaitable[None]:
        """The background steps on their fixed schedule (see :func:`run_on_schedule`)."""
        return run_on_schedule(self.stream_interval, self.on_tick)

    async def stop(self) -> None:
        if self.traders is not None:
            await self.traders.stop()
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._background
            self._background = None
        self.shutdown()
        # let the writers put the shutdown frames on the wire before the sockets go
        await asyncio.sleep(0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # -- API for tests and tools ------------------------------------------------------------------------
    def account(self, api_key: str) -> Any:
        """The account of ``api_key``, or None."""
        return self.engine.accounts.by_key(api_key)

    def book_levels(self, symbol: str) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
        """Every aggregated level of the engine's book: ({bid price: qty}, {ask price: qty})."""
        book = self.engine.books[symbol]
        return ({p: lv.total for p, lv in book.bids.items()}, {p: lv.total for p, lv in book.asks.items()})

    def _skew_clock(self, ms: int) -> None:
        self.clock.skew_ms = ms
