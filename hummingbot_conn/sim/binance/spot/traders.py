"""Background traders on Binance spot: the kernel's decisions (``kernel/traders.py``) as spot orders.

Resting orders are LIMIT_MAKER (the spot post-only), market orders MARKET by
quantity; one fee-free account does both (spot's default self-trade
prevention mode is NONE, so its market orders may take its own quotes).
"""
from __future__ import annotations

from decimal import Decimal

from ...kernel.traders import BackgroundTraders

__all__ = ["SpotBackgroundTraders"]


class SpotBackgroundTraders(BackgroundTraders):
    """Seeded makers and takers on every symbol of a spot ``MatchingEngine``."""

    def _place_maker(self, symbol: str, side: str, qty: Decimal, price: Decimal) -> None:
        self.engine.place_order(self.account, symbol, side, "LIMIT_MAKER", quantity=qty, price=price)

    def _place_market(self, symbol: str, side: str, qty: Decimal) -> None:
        self.engine.place_order(self.taker_account, symbol, side, "MARKET", quantity=qty)

    def _cancel(self, symbol: str, order_id: int) -> None:
        self.engine.cancel_order(self.account, symbol, order_id)
