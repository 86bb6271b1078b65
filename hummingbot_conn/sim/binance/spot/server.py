"""``SimulatedExchange``: Binance spot on the kernel's server (engine, accounts, REST, streams, WS API).

    async with SimulatedExchange(seed=1) as sim:
        key, secret = sim.create_account({"USDT": "10000"})
        ... sim.rest_url, sim.ws_url, sim.ws_api_url ...

Everything listens on ``host:port`` (port 0 = a free port). Admin endpoints
under ``/sim`` (faults, accounts, traders, flush, tick) expose the in-process
API over HTTP (``kernel/admin.py``).
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from aiohttp import web

from ...kernel.clock import ManualClock, SystemClock
from ...kernel.ratelimit import WeightLimiter
from ...kernel.server import SimServer
from ..errors import BINANCE_ERRORS
from ..listen_keys import ListenKeys
from ..rest import order_counter
from .accounts import AccountRegistry
from .engine import MatchingEngine
from .filters import SymbolSpec, default_symbols
from .market_data import depth_snapshot, ticker_24h
from .rest import RestApi
from .streams import MarketStreams
from .traders import SpotBackgroundTraders
from .ws_api import REPLY_QUEUE_LIMIT, UserStreams
from .ws_orders import WsOrderMethods

__all__ = ["SimulatedExchange", "ManualClock", "SystemClock"]


class SimulatedExchange(SimServer):
    """A Binance-compatible spot exchange on 127.0.0.1.

    ``traders``: None (no background activity) or a dict ``{"rate": actions/s per symbol,
    "volatility": relative step std-dev, "seed_levels": levels per side placed at start}``.
    ``clock``: any object with ``now_ms()`` and ``skew_ms`` (``ManualClock`` for tests).
    ``stream_interval``: seconds between 100 ms depth flushes (the 1000 ms cadence is 10x).
    ``weight_limit`` per ``weight_window_ms`` (a calendar window, a whole number of seconds;
    a minute by default, shorter to scale a rate-limit test down), ``ban_after`` requests
    after a 429 before a 418, ``orders_per_10s``: the limits (see ``kernel/ratelimit.py``).

    Protection against hostile clients (see ``kernel/connection_guard.py``): ``max_connections``
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
        super().__init__(errors=BINANCE_ERRORS, clock=clock, host=host, port=port, stream_interval=stream_interval,
                         auto_flush=auto_flush, max_connections=max_connections, header_timeout=header_timeout,
                         body_timeout=body_timeout, max_body_size=max_body_size)
        self.accounts = AccountRegistry()
        self.engine: MatchingEngine = MatchingEngine(symbols or default_symbols(), self.accounts, self.clock, seed=seed)
        self.limiter = WeightLimiter(self.clock, weight_limit, ban_after, window_ms=weight_window_ms,
                                     errors=BINANCE_ERRORS)
        self.order_counter = order_counter(self.clock, [("10S", orders_per_10s), ("1D", 200_000)])
        self.streams: MarketStreams = MarketStreams(self.engine, self.faults, heartbeat=heartbeat)
        # legacy listenKeys never expire here (the venue's 60 minutes were never enforced)
        self.listen_keys = ListenKeys(self.clock, self.streams, validity_ms=None)
        if legacy_listen_key:
            self.streams.listen_keys = self.listen_keys
        self.user_streams = UserStreams(self.engine, self.accounts, self.limiter, self.streams, self.listen_keys,
                                        heartbeat=heartbeat, legacy=legacy_listen_key,
                                        reply_queue_limit=reply_queue_limit)
        self.rest: RestApi = RestApi(engine=self.engine, clock=self.clock, limiter=self.limiter,
                            order_counter=self.order_counter, faults=self.faults, listen_keys=self.listen_keys,
                            legacy=legacy_listen_key, body_timeout=body_timeout)
        self.user_streams.orders = WsOrderMethods(self.rest, self.limiter, self.order_counter, self.faults,
                                                  self.clock.now_ms)
        self._traders_cfg = traders
        if traders is not None:
            trader_account = self.accounts.create(
                {a: "1000000000" for s in self.engine.specs.values() for a in (s.base_asset, s.quote_asset)},
                maker_rate="0", taker_rate="0")
            self.traders = SpotBackgroundTraders(
                self.engine, trader_account, seed=seed, rate=float(traders.get("rate", 5.0)),
                volatility=float(traders.get("volatility", 0.001)))
            self.traders.seed_books(int(traders.get("seed_levels", 10)))
        self.wire_faults(snapshot_limit=5000)
        self.ws_api_url = ""

    # -- the kernel's hooks ----------------------------------------------------------------------
    def add_stream_routes(self, app: web.Application) -> None:
        app.router.add_get("/ws/{stream:.*}", self.streams.handler("", combined=False))
        app.router.add_get("/ws", self.streams.handler("", combined=False))   # no stream yet: SUBSCRIBE later (5.2)
        app.router.add_get("/stream", self.streams.handler("", combined=True))
        app.router.add_get("/ws-api/v3", self.user_streams.handle_ws_api)

    def on_started(self, base: str) -> None:
        super().on_started(base)
        self.ws_api_url = f"ws://{base}/ws-api/v3"

    def on_tick(self, n: int) -> None:
        self.streams.flush_tick(n, 10)

    def tick(self) -> dict[str, int]:
        return {"frames": self.flush_streams()}

    def flush_streams(self) -> int:
        return self.streams.flush("100ms") + self.streams.flush("1000ms")

    def restart_ids(self, symbol: str | None = None) -> None:
        self.streams.restart_ids(symbol)

    def close_user_sockets(self) -> int:
        return self.user_streams.close_sockets()

    def mute_user_sockets(self) -> int:
        return self.user_streams.mute_sockets()

    def shutdown(self) -> None:
        self.streams.shutdown()
        self.user_streams.shutdown()

    def admin_account(self, balances: dict) -> tuple[str, str]:
        return self.create_account(balances)

    def admin_deposit(self, account: Any, asset: str, amount: Decimal) -> None:
        self.engine.deposit(account, asset, amount)

    # -- API for tests and tools -------------------------------------------------------------
    def create_account(self, balances: Mapping[str, Decimal | str | int] | None = None, *,
                       api_key: str | None = None, secret: str | None = None,
                       maker_rate: Decimal | str = "0.001", taker_rate: Decimal | str = "0.001") -> tuple[str, str]:
        """A new account with ``balances``; returns its (API key, secret)."""
        account = self.accounts.create(balances, api_key=api_key, secret=secret,
                                       maker_rate=maker_rate, taker_rate=taker_rate)
        return account.api_key, account.secret

    def depth_snapshot(self, symbol: str, limit: int = 5000) -> dict:
        """The ``GET /api/v3/depth`` document (levels best first, 8-decimal strings)."""
        return depth_snapshot(self.engine, symbol, limit)

    def ticker_24h(self, symbol: str, now: int) -> dict:
        """The ``GET /api/v3/ticker/24hr`` document of ``symbol`` at ``now`` (ms)."""
        return ticker_24h(self.engine, symbol, now)
