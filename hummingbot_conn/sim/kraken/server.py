"""``KrakenSimulatedExchange``: Kraken spot on the kernel's server (engine, REST, WS v2 public and private).

    async with KrakenSimulatedExchange(seed=1, traders={"rate": 5}) as sim:
        key, secret = sim.create_account({"USD": "10000", "BTC": "1"})
        ... sim.rest_url, sim.ws_url, sim.ws_auth_url ...

One aiohttp server on ``host:port`` (port 0 = a free port): REST at the bare
``rest_url`` (``/0/public/...``, ``/0/private/...``), the public WS v2 at
``ws_url`` (``ws://HOST:PORT/v2``), the private one at ``ws_auth_url``
(``ws://HOST:PORT/ws-auth/v2``), the admin API under ``/sim`` (``kernel/admin.py``).
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from aiohttp import web

from ..kernel.ratelimit import WeightLimiter
from ..kernel.server import SimServer
from .accounts import KrakenAccounts
from .engine import KrakenEngine
from .errors import KRAKEN_ERRORS
from .faults import KrakenFaults
from .pairs import KrakenPair, asset_key, default_pairs
from .private import Tokens
from .ratelimit import KrakenLimits
from .rest import KrakenRest
from .traders import KrakenBackgroundTraders
from .ws_private import KrakenPrivateWs
from .ws_public import KrakenPublicHub

__all__ = ["KrakenSimulatedExchange"]

#: background steps between two heartbeats on the public sockets (1 s at the default 0.1 s step)
HEARTBEAT_TICKS = 10


class KrakenSimulatedExchange(SimServer):
    """A Kraken-compatible spot exchange on 127.0.0.1 (docs/kraken_spot.md; sim/README.md).

    ``symbols``: the pairs (``KrakenPair``; default BTC/USD and ETH/USD, ``default_pairs()``).
    ``traders``: None (no background activity) or ``{"rate": actions/s per pair, "volatility":
    relative step std-dev, "seed_levels": levels per side placed at start}``.
    ``clock``: ``ManualClock`` for tests (the counters decay on it). ``tier``: the rate-limit
    tier of every key, ``starter`` / ``intermediate`` / ``pro`` (``ratelimit.py``).
    ``stream_interval``: seconds between background steps (book, trade, ticker flushes).
    """

    def __init__(self, *, seed: int = 0, traders: dict | None = None, symbols: list[KrakenPair] | None = None,
                 clock=None, host: str = "127.0.0.1", port: int = 0, tier: str = "intermediate",
                 heartbeat: float = 20.0, stream_interval: float = 0.1, auto_flush: bool = True,
                 max_connections: int | None = None, header_timeout: float = 10.0, body_timeout: float = 10.0,
                 max_body_size: int = 1024 * 1024) -> None:
        super().__init__(errors=KRAKEN_ERRORS, clock=clock, host=host, port=port, stream_interval=stream_interval,
                         auto_flush=auto_flush, max_connections=max_connections, header_timeout=header_timeout,
                         body_timeout=body_timeout, max_body_size=max_body_size)
        self.faults = KrakenFaults()
        self.accounts = KrakenAccounts()
        self.engine: KrakenEngine = KrakenEngine(symbols or default_pairs(), self.accounts, self.clock, seed=seed)
        # Kraken publishes no per-IP weight for REST; the kernel's limiter only guards against floods
        self.limiter = WeightLimiter(self.clock, 100_000, errors=KRAKEN_ERRORS)
        self.limits = KrakenLimits(self.clock, tier)
        self.tokens = Tokens(self.clock)
        self.rest: KrakenRest = KrakenRest(self.engine, self.limits, self.tokens, clock=self.clock,
                                           limiter=self.limiter, faults=self.faults, body_timeout=body_timeout)
        self.streams: KrakenPublicHub = KrakenPublicHub(self.engine, self.faults, self.clock, heartbeat=heartbeat)
        self.private_ws = KrakenPrivateWs(self.engine, self.streams, self.tokens, self.rest.private, self.clock,
                                          faults=self.faults)
        if traders is not None:
            assets = {a: "1000000000" for s in self.engine.specs.values() for a in (s.base_asset, s.quote_asset)}
            maker = self.accounts.create(assets, fee_free=True)
            taker = self.accounts.create(assets, fee_free=True)
            self.traders = KrakenBackgroundTraders(
                self.engine, maker, seed=seed, rate=float(traders.get("rate", 5.0)),
                volatility=float(traders.get("volatility", 0.001)), taker_account=taker)
            self.traders.seed_books(int(traders.get("seed_levels", 10)))
        self.wire_faults(snapshot_limit=500)
        self.ws_auth_url = ""

    # -- the kernel's hooks ----------------------------------------------------------------------------
    def add_stream_routes(self, app: web.Application) -> None:
        async def public(request: web.Request) -> web.StreamResponse:
            return await self.streams.serve(request, [], combined=False)
        app.router.add_get("/v2", public)
        app.router.add_get("/ws-auth/v2", self.private_ws.handle)

    def on_started(self, base: str) -> None:
        super().on_started(base)
        self.ws_url = f"ws://{base}/v2"
        self.ws_auth_url = f"ws://{base}/ws-auth/v2"

    def on_tick(self, n: int) -> None:
        self.streams.flush()
        if n % HEARTBEAT_TICKS == 0:
            self.streams.heartbeat_all()

    def tick(self) -> dict[str, int]:
        return {"frames": self.flush_streams()}

    def flush_streams(self) -> int:
        return self.streams.flush()

    def depth_snapshot(self, symbol: str, limit: int = 500) -> dict:
        bids, asks = self.engine.books[symbol].depth(limit)
        return {"bids": bids, "asks": asks}

    def restart_ids(self, symbol: str | None = None) -> None:
        """Kraken's book has no ids: a restart is a flush (the checksum carries the integrity)."""
        self.streams.flush()

    def admin_account(self, balances: dict) -> tuple[str, str]:
        return self.create_account(balances)

    def admin_deposit(self, account: Any, asset: str, amount: Decimal) -> None:
        self.engine.deposit(account, asset_key(asset), amount)

    # -- API for tests and tools --------------------------------------------------------------------------
    def create_account(self, balances: Mapping[str, Decimal | str | int] | None = None, *,
                       api_key: str | None = None, api_secret: str | None = None,
                       secret: str | None = None) -> tuple[str, str]:
        """A new account with ``balances`` (asset names as Kraken writes any of them: ``BTC``, ``XBT``,
        ``XXBT``); returns (API key, base64 secret). Raises ValueError for a bad amount or secret."""
        account = self.accounts.create(balances, api_key=api_key, secret=api_secret or secret)
        return account.api_key, account.secret

    def book_levels(self, symbol: str) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
        """Every level of ``symbol`` (``BTC/USD``, or any name REST accepts): ({bid: qty}, {ask: qty})."""
        return super().book_levels(self.engine.pair(symbol).symbol)

    def place_liquidity(self, symbol: str, side: str, price: Decimal | str, qty: Decimal | str) -> str:
        """Rest a post-only limit order of a fee-free house account; returns its txid."""
        house = getattr(self, "_house", None)
        if house is None:
            assets = {a: "1000000000000" for s in self.engine.specs.values() for a in (s.base_asset, s.quote_asset)}
            house = self._house = self.accounts.create(assets, fee_free=True)
        spec = self.engine.pair(symbol)
        order = self.engine.place(house, spec, side.upper(), "LIMIT", Decimal(str(qty)), Decimal(str(price)),
                                  post_only=True)
        assert order is not None
        return order.txid
