"""``SimulatedFuturesExchange``: a Binance USDⓈ-M futures venue on one aiohttp server.

    async with SimulatedFuturesExchange(clock=ManualClock(), auto_flush=False) as sim:
        key, secret = sim.create_account("10000")
        sim.place_liquidity("BTCUSDT", "SELL", "60000", "5")     # resting orders of a house account
        ... sim.rest_url + "/fapi/v1/...", sim.ws_url + "/public/stream", "/market/stream",
            sim.ws_url + "/private/ws?listenKey=..." ...
        sim.set_mark_price("BTCUSDT", "61000"); sim.tick()       # streams, funding, listenKey expiry

It reuses the spot simulator's order book, request verifier, parameter
validation, weight limiter, order counter, clocks and fault injector; it
imports nothing of the spot venue's engine or servers. ``tick()`` (run by the
background loop when ``auto_flush``) settles funding that fell due, expires
listenKeys, and pushes depth diffs and mark prices.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from decimal import Decimal

import orjson
from aiohttp import web

from ..clock import SystemClock
from ..connection_guard import ConnectionGuard, GuardedTCPSite, answer, read_body
from ..errors import SimError
from ..faults import FaultInjector
from ..ratelimit import OrderCounter, WeightLimiter
from .engine import EIGHT_HOURS_MS, FuturesEngine
from .listen_keys import ListenKeys
from .margin import FuturesAccount, FuturesAccountRegistry
from .rest import FuturesRestApi
from .specs import FuturesSymbolSpec, default_futures_symbols, plain
from .streams import QUEUE_LIMIT, FuturesStreams
from .traders import TRADER_WALLET, FuturesBackgroundTraders

log = logging.getLogger(__name__)


class SimulatedFuturesExchange:
    """A Binance USDⓈ-M futures venue on 127.0.0.1 (docs/binance_usdm_futures.md).

    ``funding_interval_ms``: funding schedule (8 h like the live default; tests use seconds).
    ``id_stride``: published depth ids advance this much per book change (pu chaining, not U == pu + 1).
    ``route_streams``: stream paths deliver only the streams the venue routes there.
    ``traders``: None (no background activity) or ``{"rate": actions/s per contract, "volatility":
    relative step std-dev, "seed_levels": levels per side placed at start}``, the spot venue's
    settings (``sim/futures/traders.py``); ``seed`` makes their actions repeatable.

    Protection against hostile clients, the spot simulator's (``sim/connection_guard.py``,
    ``sim/outbox.py``; docs/contracts.md, Contract 3): ``max_connections`` sockets at once
    (None: 1000 or what the descriptor limit allows), ``header_timeout`` and ``body_timeout``
    seconds to receive a request's headers / body (408 after the latter), ``max_body_size``
    bytes per body (413 beyond), ``queue_limit`` frames waiting for a stream client that
    does not read before it is disconnected.
    """

    def __init__(self, *, seed: int = 0, symbols: list[FuturesSymbolSpec] | None = None, traders: dict | None = None,
                 clock=None, host: str = "127.0.0.1",
                 port: int = 0, weight_limit: int = 2400, ban_after: int = 5, orders_per_10s: int = 300,
                 heartbeat: float = 20.0, funding_interval_ms: int = EIGHT_HOURS_MS,
                 funding_rate: Decimal | str = "0.0001", id_stride: int = 3, route_streams: bool = True,
                 stream_interval: float = 0.1, auto_flush: bool = True, max_connections: int | None = None,
                 header_timeout: float = 10.0, body_timeout: float = 10.0, max_body_size: int = 1024 * 1024,
                 queue_limit: int = QUEUE_LIMIT) -> None:
        self.clock = clock if clock is not None else SystemClock()
        self.host, self.port = host, port
        self.accounts = FuturesAccountRegistry()
        self.engine = FuturesEngine(symbols or default_futures_symbols(), self.accounts, self.clock,
                                    funding_interval_ms=funding_interval_ms, funding_rate=funding_rate)
        self.faults = FaultInjector()
        self.guard = ConnectionGuard(max_connections=max_connections, header_timeout=header_timeout)
        self.body_timeout = body_timeout
        self.max_body_size = max_body_size
        self.limiter = WeightLimiter(self.clock, weight_limit, ban_after)
        self.order_counter = OrderCounter(self.clock, orders_per_10s)
        self.streams = FuturesStreams(self.engine, self.faults, heartbeat=heartbeat, id_stride=id_stride,
                                      route_streams=route_streams, queue_limit=queue_limit)
        self.listen_keys = ListenKeys(self.clock, self.streams)
        self.engine.user_listeners.append(self._on_user_event)
        self.rest = FuturesRestApi(self.engine, self.faults, self.limiter, self.order_counter, self.clock,
                                   self.listen_keys, self.depth_snapshot, body_timeout=body_timeout)
        self.stream_interval = stream_interval
        self.auto_flush = auto_flush
        self._house: FuturesAccount | None = None
        self.traders: FuturesBackgroundTraders | None = None
        if traders is not None:
            maker, taker = (self.accounts.create(TRADER_WALLET, maker_rate="0", taker_rate="0") for _ in range(2))
            self.traders = FuturesBackgroundTraders(
                self.engine, maker, taker, seed=seed, rate=float(traders.get("rate", 5.0)),
                volatility=float(traders.get("volatility", 0.001)))
            self.traders.seed_books(int(traders.get("seed_levels", 10)))
        self.faults.actions.update({
            "close_market_sockets": lambda symbol=None: self.streams.close_sockets(symbol),
            "close_user_sockets": lambda: self.streams.close_user_sockets(),
            "mute_user_sockets": lambda: self.streams.mute_user_sockets(),
            "skew_clock": self._skew_clock,
            "restart_ids": lambda symbol=None: self.streams.restart_ids(symbol),
        })
        self.faults.snapshot_source = lambda symbol: self.depth_snapshot(symbol, 1000)
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task | None = None
        self.rest_url = self.ws_url = ""

    # -- lifecycle ----------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=self.max_body_size, middlewares=[self.guard.middleware])
        self.rest.routes(app)
        for route in ("public", "market"):
            app.router.add_get(f"/{route}/ws", self._ws_handler(route, "path"))
            app.router.add_get(f"/{route}/ws/{{stream:.*}}", self._ws_handler(route, "path"))
            app.router.add_get(f"/{route}/stream", self._ws_handler(route, "combined"))
        app.router.add_get("/ws/{stream:.*}", self._ws_handler("public", "path"))
        app.router.add_get("/stream", self._ws_handler("public", "combined"))
        app.router.add_get("/private/ws", self._private_handler)
        app.router.add_post("/sim/faults", self._admin_fault)
        app.router.add_post("/sim/tick", self._admin_tick)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.make_app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        await GuardedTCPSite(self._runner, self.host, self.port, self.guard).start()
        self.port = self._runner.addresses[0][1]
        self.rest_url = f"http://{self.host}:{self.port}"
        self.ws_url = f"ws://{self.host}:{self.port}"
        if self.auto_flush:
            self._ticker = asyncio.ensure_future(self._run_ticker())
        if self.traders is not None:
            self.traders.start()

    async def stop(self) -> None:
        if self.traders is not None:
            await self.traders.stop()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        self.streams.shutdown()
        await asyncio.sleep(0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimulatedFuturesExchange:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def _run_ticker(self) -> None:
        # a fixed schedule, as the spot venue's flusher (sim/streams.py, run_flusher): a late tick is
        # followed by an early one; after a long stall the schedule restarts from now
        loop = asyncio.get_running_loop()
        ticks, due = 0, loop.time()
        while True:
            due += self.stream_interval
            await asyncio.sleep(max(0.0, due - loop.time()))
            if loop.time() - due > 10 * self.stream_interval:
                due = loop.time()
            ticks += 1
            try:
                self.engine.settle_due_funding()
                self.listen_keys.expire()
                self.streams.flush("100ms")
                if ticks % 3 == 0:
                    self.streams.flush("250ms")
                if ticks % 5 == 0:
                    self.streams.flush("500ms")
                if ticks % 10 == 0:
                    self.streams.flush_mark_prices(fast_only=ticks % 30 != 0)
            except Exception:       # a simulator bug must not silence every stream
                log.exception("futures simulator tick failed")

    def tick(self) -> dict[str, int]:
        """One deterministic step (for ``auto_flush=False``): funding, key expiry, every stream."""
        return {"funding": self.engine.settle_due_funding(), "expired_keys": self.listen_keys.expire(),
                "frames": sum(self.streams.flush(c) for c in ("100ms", "250ms", "500ms"))
                + self.streams.flush_mark_prices()}

    # -- API for tests and tools ----------------------------------------------------------------
    def create_account(self, wallet: Decimal | str | int = 0, **kwargs) -> tuple[str, str]:
        """A new account with ``wallet`` USDT; returns (API key, secret). Keywords: maker_rate,
        taker_rate, dual_side, leverage={symbol: n}, api_key, secret."""
        account = self.accounts.create(wallet, **kwargs)
        return account.api_key, account.secret

    def account(self, api_key: str):
        return self.accounts.by_key(api_key)

    def place_liquidity(self, symbol: str, side: str, price: Decimal | str, qty: Decimal | str) -> int:
        """Rest a GTC order of the house account (unbounded margin, no fees); returns its order id."""
        house = self._house
        if house is None:
            house = self._house = self.accounts.create("1000000000000", maker_rate="0", taker_rate="0")
        for s in self.engine.specs:
            house.leverage[s] = self.engine.specs[s].max_leverage
        order, _ = self.engine.place_order(house, symbol, side, "LIMIT", quantity=Decimal(qty),
                                           price=Decimal(price), time_in_force="GTC")
        return order.order_id

    def set_mark_price(self, symbol: str, mark: Decimal | str, index: Decimal | str | None = None) -> None:
        self.engine.set_mark_price(symbol, Decimal(mark), Decimal(index) if index is not None else None)

    def set_funding_rate(self, symbol: str, rate: Decimal | str) -> None:
        self.engine.set_funding_rate(symbol, Decimal(rate))

    def deposit(self, api_key: str, amount: Decimal | str) -> None:
        self.engine.deposit(self.accounts.by_key(api_key), Decimal(amount))

    def depth_snapshot(self, symbol: str, limit: int = 1000) -> dict:
        """The ``GET /fapi/v1/depth`` document (levels best first)."""
        bids, asks = self.engine.books[symbol].depth(limit)
        now = self.clock.now_ms()
        return {"lastUpdateId": self.streams.update_id(symbol), "E": now, "T": now,
                "bids": [[plain(p), plain(q)] for p, q in bids], "asks": [[plain(p), plain(q)] for p, q in asks]}

    def book_levels(self, symbol: str) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
        book = self.engine.books[symbol]
        return ({p: lv.total for p, lv in book.bids.items()}, {p: lv.total for p, lv in book.asks.items()})

    def _skew_clock(self, ms: int) -> None:
        self.clock.skew_ms = ms

    def _on_user_event(self, account_id: int, event: dict) -> None:
        key = self.listen_keys.key_of(account_id)
        if key is not None:
            self.streams.publish_user(key, event)

    # -- handlers ------------------------------------------------------------------------------------
    def _ws_handler(self, route: str, kind: str):
        async def handler(request: web.Request) -> web.WebSocketResponse:
            if kind == "combined":
                names = [n for n in request.query.get("streams", "").split("/") if n]
                if len(names) == 1 and self.listen_keys.account_of(names[0]) is not None:
                    return await self.streams.serve_user(request, names[0], combined=True)
                return await self.streams.serve_market(request, route, names, combined=True)
            name = request.match_info.get("stream", "")
            if name and self.listen_keys.account_of(name) is not None:
                return await self.streams.serve_user(request, name, combined=False)
            return await self.streams.serve_market(request, route, [name] if name else [], combined=False)
        return handler

    async def _private_handler(self, request: web.Request) -> web.StreamResponse:
        key = request.query.get("listenKey", "")
        if self.listen_keys.account_of(key) is None:
            return web.Response(status=400, content_type="application/json",
                                body=orjson.dumps({"code": -1125, "msg": "This listenKey does not exist."}))
        return await self.streams.serve_user(request, key, combined=False)

    async def _admin_fault(self, request: web.Request) -> web.StreamResponse:
        try:
            raw = await read_body(request, self.body_timeout)
        except SimError as err:
            return await answer(request, web.json_response({"error": err.msg}, status=err.http_status))
        try:
            data = orjson.loads(raw or b"{}")
            kind = data.pop("kind")
            fault = self.faults.add(kind, **data)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response({"id": fault.fault_id} if fault is not None else {})

    async def _admin_tick(self, request: web.Request) -> web.Response:
        return web.json_response(self.tick())
