"""Background market activity: seeded random traders around a drifting mid price.

Each ``step`` of one symbol does one of: post a post-only LIMIT order at a few
ticks from the mid (makes depth), send a small MARKET order (prints trades and
fills users' resting orders), or cancel one of its own old orders (keeps the
book from growing forever). The mid follows a random walk scaled by
``volatility`` (relative std-dev per step). Everything comes from one
``random.Random(seed)``, so a seeded run with a manual clock is repeatable.

The decisions are venue-free; how an order reaches the venue is a handful of
hooks (``_place_maker``, ``_place_market``, ``_open_order_count``,
``_open_order_at``, ``_cancel``, ``_moved``) that each venue's subclass gives (``binance/spot/traders.py``,
``binance/usdm/traders.py``): the same decisions on every venue, so the
markets behave alike for the same seed. The engine needs ``specs`` (each an
``InstrumentSpec``, ``specs.py``), ``books`` and ``reference_price(symbol, side)``.
"""
from __future__ import annotations

import asyncio
import contextlib
import random
from decimal import Decimal
from typing import Any

from .errors import SimError


class BackgroundTraders:
    """Market makers and takers on every symbol of a venue's engine (a subclass gives the hooks).

    ``rate`` = actions per second per symbol; ``account`` rests the maker orders and,
    unless ``taker_account`` is given, also sends the MARKET orders.
    """

    def __init__(self, engine: Any, account: Any, *, seed: int = 0, rate: float = 5.0,
                 volatility: float = 0.001, max_orders: int = 200, taker_account: Any = None) -> None:
        if rate < 0 or volatility < 0:
            raise ValueError("rate and volatility must be >= 0")
        self.engine = engine
        self.account = account
        self.taker_account = taker_account if taker_account is not None else account
        self.rate = rate
        self.volatility = volatility
        self.max_orders = max_orders
        self._rng = random.Random(seed)
        self.mid = {s: spec.initial_price for s, spec in engine.specs.items()}
        self._task: asyncio.Task | None = None
        self.paused = False
        self.actions = 0

    # -- the venue (each venue's subclass) ---------------------------------------------------
    def _place_maker(self, symbol: str, side: str, qty: Decimal, price: Decimal) -> None:
        """Rest a post-only order of ``self.account``; raise SimError to skip it."""
        raise NotImplementedError

    def _place_market(self, symbol: str, side: str, qty: Decimal) -> None:
        """Send a market order of ``self.taker_account``; raise SimError to skip it."""
        raise NotImplementedError

    def _open_order_count(self, symbol: str) -> int:
        """How many orders ``self.account`` has open on ``symbol`` (O(1): ``MatchingCore``'s index)."""
        return self.engine.open_order_count(self.account, symbol)

    def _open_order_at(self, symbol: str, position: int) -> Any:
        """``self.account``'s ``position``-th oldest open order of ``symbol`` (with ``order_id``)."""
        return self.engine.open_order_at(self.account, symbol, position)

    def _cancel(self, symbol: str, order_id: int) -> None:
        raise NotImplementedError

    def _moved(self, symbol: str) -> None:
        """The mid of ``symbol`` moved (a venue with a mark price follows it here)."""

    # -- the decisions ------------------------------------------------------------------------
    def seed_books(self, levels: int = 10) -> None:
        """Put ``levels`` price levels on each side of every symbol (a book to trade against)."""
        for symbol in self.engine.specs:
            self._moved(symbol)
            for i in range(1, levels + 1):
                for side in ("BUY", "SELL"):
                    self._post(symbol, side, i)

    def _post(self, symbol: str, side: str, ticks_away: int) -> None:
        spec = self.engine.specs[symbol]
        mid = self.mid[symbol]
        # distance in ticks grows with the mid so wide-tick symbols keep a sane spread
        tick_span = max(spec.tick_size, (mid * Decimal("0.0002")).quantize(spec.tick_size))
        offset = tick_span * ticks_away
        price = mid - offset if side == "BUY" else mid + offset
        price = max(spec.tick_size, (price // spec.tick_size) * spec.tick_size)
        notional = spec.min_notional * Decimal(self._rng.randint(2, 20))
        qty = spec.floor_to_step(notional / price)
        qty = max(qty, spec.min_qty)
        if side == "SELL":
            best_bid = self.engine.books[symbol].best_bid()
            if best_bid is not None and price <= best_bid.price:
                price = best_bid.price + spec.tick_size
        else:
            best_ask = self.engine.books[symbol].best_ask()
            if best_ask is not None and price >= best_ask.price:
                price = best_ask.price - spec.tick_size
        if price <= 0:
            return
        try:
            self._place_maker(symbol, side, qty, price)
        except SimError:
            return  # a filter edge (e.g. notional) at an extreme price: skip this action

    def step(self, symbol: str | None = None) -> None:
        """One action on ``symbol`` (or every symbol). Deterministic given the seed."""
        for sym in ([symbol] if symbol else list(self.engine.specs)):
            self.actions += 1
            spec = self.engine.specs[sym]
            drift = Decimal(str(self._rng.gauss(0, self.volatility)))
            self.mid[sym] = max(spec.tick_size * 10, self.mid[sym] * (1 + drift))
            self._moved(sym)
            roll = self._rng.random()
            # counted and picked through the engine's index: a step costs the same with 10 or
            # 10,000 orders open (listing them made every step O(open orders of all symbols))
            mine = self._open_order_count(sym)
            if roll < 0.2 and mine or mine > self.max_orders:
                victim = self._open_order_at(sym, self._rng.randrange(mine) if roll < 0.2 else 0)
                self._cancel(sym, victim.order_id)
            elif roll < 0.35:
                side = self._rng.choice(("BUY", "SELL"))
                ref = self.engine.reference_price(sym, side) or self.mid[sym]
                qty = max(spec.min_qty, spec.floor_to_step(spec.min_notional * 2 / ref))
                try:
                    self._place_market(sym, side, qty)
                except SimError:
                    continue
            else:
                self._post(sym, self._rng.choice(("BUY", "SELL")), self._rng.randint(1, 10))

    # -- running on the clock -------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None and self.rate > 0:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    async def _run(self) -> None:
        interval = 1.0 / self.rate
        while True:
            await asyncio.sleep(interval)
            if not self.paused:
                self.step()
