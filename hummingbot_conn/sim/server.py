"""``SimulatedExchange``: wires engine, accounts, REST, streams, WS API and faults on one aiohttp server.

    async with SimulatedExchange(seed=1) as sim:
        key, secret = sim.create_account({"USDT": "10000"})
        ... sim.rest_url, sim.ws_url, sim.ws_api_url ...

Everything listens on ``host:port`` (port 0 = a free port). Admin endpoints
under ``/sim`` (faults, accounts, traders) expose the in-process API over HTTP.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from decimal import Decimal

from aiohttp import web

from . import admin
from .accounts import AccountRegistry
from .clock import ManualClock, SystemClock
from .connection_guard import ConnectionGuard, GuardedTCPSite
from .engine import MatchingEngine
from .faults import FaultInjector
from .filters import SymbolSpec, default_symbols
from .market_data import depth_snapshot, ticker_24h
from .ratelimit import OrderCounter, WeightLimiter
from .rest import RestApi
from .streams import MarketStreams
from .traders import BackgroundTraders
from .ws_api import REPLY_QUEUE_LIMIT, UserStreams


class SimulatedExchange:
    """A Binance-compatible exchange on 127.0.0.1.

    ``traders``: None (no background activity) or a dict ``{"rate": actions/s per symbol,
    "volatility": relative step std-dev, "seed_levels": levels per side placed at start}``.
    ``clock``: any object with ``now_ms()`` and ``skew_ms`` (``ManualClock`` for tests).
    ``stream_interval``: seconds between 100 ms depth flushes (the 1000 ms cadence is 10x).
    ``weight_limit`` per ``weight_window_ms`` (a calendar window, a whole number of seconds;
    a minute by default, shorter to scale a rate-limit test down), ``ban_after`` requests
    after a 429 before a 418, ``orders_per_10s``: the limits (see ``ratelimit``).

    Protection against hostile clients (see ``connection_guard``): ``max_connections``
    sockets at once (None: 1000 or what the descriptor limit allows), ``header_timeout``
    and ``body_timeout`` seconds to receive a request's headers / body, ``max_body_size``
    bytes per body (413 beyond), ``reply_queue_limit`` frames waiting for a WS-API client
    that does not read before it is disconnected.
    """

    def __init__(self, *, seed: int = 0, symbols: list[SymbolSpec] | None = None,
                 traders: dict | None = None, clock=None, host: str = "127.0.0.1", port: int = 0,
                 weight_limit: int = 6000, ban_after: int = 5, orders_per_10s: int = 100,
                 weight_window_ms: int = 60_000,
                 heartbeat: float = 20.0, stream_interval: float = 0.1, legacy_listen_key: bool = True,
                 auto_flush: bool = True, max_connections: int | None = None, header_timeout: float = 10.0,
                 body_timeout: float = 10.0, max_body_size: int = 1024 * 1024,
                 reply_queue_limit: int = REPLY_QUEUE_LIMIT) -> None:
        self.clock = clock if clock is not None else SystemClock()
        self.host, self.port = host, port
        self.accounts = AccountRegistry()
        self.engine = MatchingEngine(symbols or default_symbols(), self.accounts, self.clock, seed=seed)
        self.faults = FaultInjector()
        self.limiter = WeightLimiter(self.clock, weight_limit, ban_after, window_ms=weight_window_ms)
        self.order_counter = OrderCounter(self.clock, orders_per_10s)
        self.user_streams = UserStreams(self.engine, self.accounts, self.limiter, heartbeat=heartbeat,
                                        legacy=legacy_listen_key, reply_queue_limit=reply_queue_limit)
        self.guard = ConnectionGuard(max_connections=max_connections, header_timeout=header_timeout)
        self.body_timeout = body_timeout
        self.max_body_size = max_body_size
        self.streams = MarketStreams(self.engine, self.faults, heartbeat=heartbeat,
                                     user_streams=self.user_streams)
        self.rest = RestApi(engine=self.engine, accounts=self.accounts, clock=self.clock, limiter=self.limiter,
                            order_counter=self.order_counter, faults=self.faults, user_streams=self.user_streams,
                            body_timeout=body_timeout)
        self.stream_interval = stream_interval
        self.auto_flush = auto_flush
        self.traders: BackgroundTraders | None = None
        self._traders_cfg = traders
        if traders is not None:
            trader_account = self.accounts.create(
                {a: "1000000000" for s in self.engine.specs.values() for a in (s.base_asset, s.quote_asset)},
                maker_rate="0", taker_rate="0")
            self.traders = BackgroundTraders(
                self.engine, trader_account, seed=seed, rate=float(traders.get("rate", 5.0)),
                volatility=float(traders.get("volatility", 0.001)))
            self.traders.seed_books(int(traders.get("seed_levels", 10)))
        self.faults.actions.update({
            "close_market_sockets": lambda symbol=None: self.streams.close_sockets(symbol),
            "close_user_sockets": lambda: self.user_streams.close_sockets(),
            "mute_user_sockets": lambda: self.user_streams.mute_sockets(),
            "skew_clock": self._skew_clock,
            "restart_ids": lambda symbol=None: self.streams.restart_ids(symbol),
        })
        self.faults.snapshot_source = lambda symbol: self.depth_snapshot(symbol, 5000)
        self._runner: web.AppRunner | None = None
        self._flusher: asyncio.Task | None = None
        self.rest_url = self.ws_url = self.ws_api_url = ""

    # -- lifecycle ----------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_size, middlewares=[self.guard.middleware])
        self.rest.routes(app)
        app.router.add_get("/ws/{stream:.*}", self.streams.handle_raw)
        app.router.add_get("/ws", self.streams.handle_raw)      # no stream yet: SUBSCRIBE later (5.2)
        app.router.add_get("/stream", self.streams.handle_combined)
        app.router.add_get("/ws-api/v3", self.user_streams.handle_ws_api)
        admin.add_routes(app, faults=self.faults, accounts=self.accounts, engine=self.engine,
                         streams=self.streams, traders=self.traders, body_timeout=self.body_timeout)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.make_app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        await GuardedTCPSite(self._runner, self.host, self.port, self.guard).start()
        self.port = self._runner.addresses[0][1]
        base = f"{self.host}:{self.port}"
        self.rest_url = f"http://{base}"
        self.ws_url = f"ws://{base}"
        self.ws_api_url = f"ws://{base}/ws-api/v3"
        if self.auto_flush:
            self._flusher = asyncio.ensure_future(self.streams.run_flusher(self.stream_interval, 10))
        if self.traders is not None:
            self.traders.start()

    async def stop(self) -> None:
        if self.traders is not None:
            await self.traders.stop()
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        self.streams.shutdown()
        self.user_streams.shutdown()
        # let the writers put the shutdown frames on the wire before the sockets go
        await asyncio.sleep(0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimulatedExchange:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # -- API for tests and tools -------------------------------------------------------------
    def create_account(self, balances: Mapping[str, Decimal | str | int] | None = None, *,
                       api_key: str | None = None, secret: str | None = None,
                       maker_rate: Decimal | str = "0.001", taker_rate: Decimal | str = "0.001") -> tuple[str, str]:
        """A new account with ``balances``; returns its (API key, secret)."""
        account = self.accounts.create(balances, api_key=api_key, secret=secret,
                                       maker_rate=maker_rate, taker_rate=taker_rate)
        return account.api_key, account.secret

    def account(self, api_key: str):
        return self.accounts.by_key(api_key)

    def depth_snapshot(self, symbol: str, limit: int = 5000) -> dict:
        """The ``GET /api/v3/depth`` document (levels best first, 8-decimal strings)."""
        return depth_snapshot(self.engine, symbol, limit)

    def book_levels(self, symbol: str) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
        """Every aggregated level of the engine's book: ({bid price: qty}, {ask price: qty})."""
        book = self.engine.books[symbol]
        return ({p: lv.total for p, lv in book.bids.items()}, {p: lv.total for p, lv in book.asks.items()})

    def ticker_24h(self, symbol: str, now: int) -> dict:
        """The ``GET /api/v3/ticker/24hr`` document of ``symbol`` at ``now`` (ms)."""
        return ticker_24h(self.engine, symbol, now)

    def _skew_clock(self, ms: int) -> None:
        self.clock.skew_ms = ms


__all__ = ["SimulatedExchange", "ManualClock", "SystemClock"]
