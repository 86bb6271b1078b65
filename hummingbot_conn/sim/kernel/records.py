"""The records every venue's engine keeps alike: an order on the book, a public trade.

A venue's order record subclasses :class:`BookOrder` with its own fields
(keyword-only, so the common ones stay positional); the book, the order
registry and the matching walk (``matching.py``) read only these.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["BookOrder", "Trade"]

ZERO = Decimal(0)


@dataclass(slots=True, eq=False)
class BookOrder:
    """One order of one account: what it asked for and how much of it has traded.

    ``side`` is ``"BUY"`` / ``"SELL"``; amounts are exact ``Decimal``; times are ms.
    """
    symbol: str
    order_id: int
    client_order_id: str
    account_id: int
    side: str
    type: str
    time_in_force: str
    price: Decimal
    orig_qty: Decimal
    time: int
    update_time: int
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    status: str = "NEW"
    on_book: bool = False

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")


@dataclass(slots=True)
class Trade:
    """A public trade (a venue's trade streams and recent-trades endpoint)."""
    trade_id: int
    price: Decimal
    qty: Decimal
    time: int
    buyer_is_maker: bool
