"""``SimulatedFuturesExchange``: Binance USDⓈ-M futures on the kernel's server.

    async with SimulatedFuturesExchange(clock=ManualClock(), auto_flush=False) as sim:
        key, secret = sim.create_account("10000")
        sim.place_liquidity("BTCUSDT", "SELL", "60000", "5")     # resting orders of a house account
        ... sim.rest_url + "/fapi/v1/...", sim.ws_url + "/public/stream", "/market/stream",
            sim.ws_url + "/private/ws?listenKey=..." ...
        sim.set_mark_price("BTCUSDT", "61000"); sim.tick()       # streams, funding, listenKey expiry

The kernel (``sim/kernel``) gives it what the spot venue has too: the
price-time book and order registry, the REST pipeline, the stream hub, the
weight limiter and order counter (calendar windows), clocks, faults, the
connection guard and the admin API; ``sim/binance`` the signing rule,
parameters, error codes, stream control frames and listenKeys. ``tick()``
(run by the background loop when ``auto_flush``) settles funding that fell
due, expires listenKeys, and pushes depth diffs and mark prices.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from ...kernel.ratelimit import WeightLimiter
from ...kernel.server import SimServer
from ..errors import BINANCE_ERRORS
from ..listen_keys import ListenKeys
from ..rest import order_counter
from .engine import EIGHT_HOURS_MS, FuturesEngine
from .margin import FuturesAccount, FuturesAccountRegistry
from .rest import FuturesRestApi
from .specs import FuturesSymbolSpec, default_futures_symbols, plain
from .streams import CADENCES, QUEUE_LIMIT, FuturesStreams
from .traders import TRADER_WALLET, FuturesBackgroundTraders

__all__ = ["SimulatedFuturesExchange"]


class SimulatedFuturesExchange(SimServer):
    """A Binance USDⓈ-M futures venue on 127.0.0.1 (docs/binance_usdm_futures.md).

    ``funding_interval_ms``: funding schedule (8 h like the live default; tests use seconds).
    ``id_stride``: published depth ids advance this much per book change (pu chaining, not U == pu + 1).
    ``route_streams``: stream paths deliver only the streams the venue routes there.
    ``traders``: None (no background activity) or ``{"rate": actions/s per contract, "volatility":
    relative step std-dev, "seed_levels": levels per side placed at start}``, the spot venue's
    settings (``binance/usdm/traders.py``); ``seed`` makes their actions repeatable.
    ``weight_limit`` per ``weight_window_ms`` (a calendar window, a whole number of seconds; a
    minute by default, shorter to scale a rate-limit test down), ``ban_after`` requests after a 429
    before a 418, ``orders_per_minute`` / ``orders_per_10s``: the limits (``kernel/ratelimit.py``).

    Protection against hostile clients, the kernel's (``kernel/connection_guard.py``,
    ``kernel/outbox.py``; docs/contracts.md, Contract 3): ``max_connections`` sockets at once
    (None: 1000 or what the descriptor limit allows), ``header_timeout`` and ``body_timeout``
    seconds to receive a request's headers / body (408 after the latter), ``max_body_size``
    bytes per body (413 beyond), ``queue_limit`` frames waiting for a stream client that
    does not read before it is disconnected.
    """

    def __init__(self, *, seed: int = 0, symbols: list[FuturesSymbolSpec] | None = None, traders: dict | None = None,
                 clock=None, host: str = "127.0.0.1",
                 port: int = 0, weight_limit: int = 2400, ban_after: int = 5, orders_per_10s: int = 300,
                 orders_per_minute: int = 1200, weight_window_ms: int = 60_000,
                 heartbeat: float = 20.0, funding_interval_ms: int = EIGHT_HOURS_MS,
                 funding_rate: Decimal | str = "0.0001", id_stride: int = 3, route_streams: bool = True,
                 stream_interval: float = 0.1, auto_flush: bool = True, max_connections: int | None = None,
                 header_timeout: float = 10.0, body_timeout: float = 10.0, max_body_size: int = 1024 * 1024,
                 queue_limit: int = QUEUE_LIMIT) -> None:
        super().__init__(errors=BINANCE_ERRORS, clock=clock, host=host, port=port, stream_interval=stream_interval,
                         auto_flush=auto_flush, max_connections=max_connections, header_timeout=header_timeout,
                         body_timeout=body_timeout, max_body_size=max_body_size)
        self.accounts = FuturesAccountRegistry()
        self.engine: FuturesEngine = FuturesEngine(symbols or default_futures_symbols(), self.accounts, self.clock,
                                    funding_interval_ms=funding_interval_ms, funding_rate=funding_rate)
        self.limiter = WeightLimiter(self.clock, weight_limit, ban_after, window_ms=weight_window_ms,
                                     errors=BINANCE_ERRORS)
        self.order_counter = order_counter(self.clock, [("1M", orders_per_minute), ("10S", orders_per_10s)])
        self.streams: FuturesStreams = FuturesStreams(self.engine, self.faults, heartbeat=heartbeat,
                                                      id_stride=id_stride, route_streams=route_streams,
                                                      queue_limit=queue_limit)
        self.listen_keys = ListenKeys(self.clock, self.streams)
        self.streams.listen_keys = self.listen_keys
        self.engine.user_listeners.append(self._on_user_event)
        self.rest: FuturesRestApi = FuturesRestApi(self.engine, self.faults, self.limiter, self.order_counter,
                                                   self.clock, self.listen_keys, self.depth_snapshot,
                                                   body_timeout=body_timeout)
        self._house: FuturesAccount | None = None
        self.traders: FuturesBackgroundTraders | None = None
        if traders is not None:
            maker, taker = (self.accounts.create(TRADER_WALLET, maker_rate="0", taker_rate="0",
                                                 now=self.clock.now_ms()) for _ in range(2))
            self.traders = FuturesBackgroundTraders(
                self.engine, maker, taker, seed=seed, rate=float(traders.get("rate", 5.0)),
                volatility=float(traders.get("volatility", 0.001)))
            self.traders.seed_books(int(traders.get("seed_levels", 10)))
        self.wire_faults(snapshot_limit=1000)

    # -- the kernel's hooks ------------------------------------------------------------------------
    def add_stream_routes(self, app: web.Application) -> None:
        hub = self.streams
        for route in ("public", "market"):
            app.router.add_get(f"/{route}/ws", hub.handler(route, combined=False))
            app.router.add_get(f"/{route}/ws/{{stream:.*}}", hub.handler(route, combined=False))
            app.router.add_get(f"/{route}/stream", hub.handler(route, combined=True))
        # the legacy paths deliver what /public does (FuturesStreams.delivers) and take a listenKey
        app.router.add_get("/ws", hub.handler("legacy", combined=False))
        app.router.add_get("/ws/{stream:.*}", hub.handler("legacy", combined=False))
        app.router.add_get("/stream", hub.handler("legacy", combined=True))
        app.router.add_get("/private/ws", self._private_handler)
        app.router.add_get("/private/stream", self._private_handler)

    def on_tick(self, n: int) -> None:
        self.engine.settle_due_funding()
        self.listen_keys.expire()
        self.streams.flush("100ms")
        if n % 3 == 0:
            self.streams.flush("250ms")
        if n % 5 == 0:
            self.streams.flush("500ms")
        if n % 10 == 0:
            self.streams.flush_mark_prices(fast_only=n % 30 != 0)

    def tick(self) -> dict[str, int]:
        """One deterministic step (for ``auto_flush=False``): funding, key expiry, every stream."""
        return {"funding": self.engine.settle_due_funding(), "expired_keys": self.listen_keys.expire(),
                "frames": self.flush_streams()}

    def flush_streams(self) -> int:
        return sum(self.streams.flush(c) for c in CADENCES) + self.streams.flush_mark_prices()

    def restart_ids(self, symbol: str | None = None) -> None:
        self.streams.restart_ids(symbol)

    def admin_account(self, balances: dict) -> tuple[str, str]:
        """``POST /sim/accounts``: the account is a margin wallet, so ``balances`` names its asset only."""
        other = sorted(set(balances) - {"USDT"})
        if other:
            raise ValueError(f"a USDⓈ-M account holds a USDT margin wallet only, not {', '.join(other)}")
        return self.create_account(balances.get("USDT", 0))

    def admin_deposit(self, account: Any, asset: str, amount: Decimal) -> None:
        if asset != account.asset:
            raise ValueError(f"a USDⓈ-M account holds {account.asset} only, not {asset}")
        self.engine.deposit(account, amount)

    # -- API for tests and tools ----------------------------------------------------------------
    def create_account(self, wallet: Decimal | str | int = 0, **kwargs) -> tuple[str, str]:
        """A new account with ``wallet`` USDT; returns (API key, secret). Keywords: maker_rate,
        taker_rate, dual_side, leverage={symbol: n}, api_key, secret."""
        account = self.accounts.create(wallet, now=self.clock.now_ms(), **kwargs)
        return account.api_key, account.secret

    def place_liquidity(self, symbol: str, side: str, price: Decimal | str, qty: Decimal | str) -> int:
        """Rest a GTC order of the house account (unbounded margin, no fees); returns its order id."""
        house = self._house
        if house is None:
            house = self._house = self.accounts.create("1000000000000", maker_rate="0", taker_rate="0",
                                                       now=self.clock.now_ms())
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
        """Credit (or debit, when covered) the wallet of ``api_key``'s account; ValueError for an unknown key."""
        account = self.accounts.by_key(api_key)
        if account is None:
            raise ValueError(f"no account has the API key {api_key!r}")
        self.engine.deposit(account, Decimal(amount))

    def depth_snapshot(self, symbol: str, limit: int = 1000) -> dict:
        """The ``GET /fapi/v1/depth`` document (levels best first)."""
        bids, asks = self.engine.books[symbol].depth(limit)
        now = self.clock.now_ms()
        return {"lastUpdateId": self.streams.update_id(symbol), "E": now, "T": now,
                "bids": [[plain(p), plain(q)] for p, q in bids], "asks": [[plain(p), plain(q)] for p, q in asks]}

    # -- user data ----------------------------------------------------------------------------------
    def _on_user_event(self, account_id: int, event: dict) -> None:
        key = self.listen_keys.key_of(account_id)
        if key is not None:
            self.streams.publish_event(key, event)

    async def _private_handler(self, request: web.Request) -> web.StreamResponse:
        key = request.query.get("listenKey")
        combined = request.path == "/private/stream"
        if key is None:
            # no key yet: a socket that SUBSCRIBEs one (FuturesStreams.control), as Binance's SDK does
            return await self.streams.serve(request, [], combined=combined, route="private")
        if self.listen_keys.account_of(key) is None:
            return web.Response(status=400, content_type="application/json",
                                body=orjson.dumps({"code": -1125, "msg": "This listenKey does not exist."}))
        return await self.streams.serve_user(request, key, combined=combined)
