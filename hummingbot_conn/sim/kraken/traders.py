"""Background traders on Kraken: the kernel's decisions (``kernel/traders.py``) as Kraken orders.

Resting orders are post-only limits of one fee-free account, market orders
come from a second one (Kraken's default self-trade prevention would cancel
a taker that meets its own account's order).
"""
from __future__ import annotations

from decimal import Decimal

from ..kernel.traders import BackgroundTraders

__all__ = ["KrakenBackgroundTraders"]


class KrakenBackgroundTraders(BackgroundTraders):
    """Seeded makers and takers on every pair of a ``KrakenEngine``."""

    def _place_maker(self, symbol: str, side: str, qty: Decimal, price: Decimal) -> None:
        spec = self.engine.specs[symbol]
        self.engine.place(self.account, spec, side, "LIMIT", max(qty, spec.ordermin), price, post_only=True)

    def _place_market(self, symbol: str, side: str, qty: Decimal) -> None:
        spec = self.engine.specs[symbol]
        self.engine.place(self.taker_account, spec, side, "MARKET", max(qty, spec.ordermin))

    def _cancel(self, symbol: str, order_id: int) -> None:
        order = self.engine.orders.get((symbol, order_id))
        if order is not None:
            self.engine.cancel(self.account, [order])
