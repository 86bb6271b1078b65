"""Binance spot's order and fill records (plain data, no behaviour beyond derived fields).

They live apart from the engine so that the report renderers (which turn them
into Binance JSON) and the engine (which mutates them) both depend on this
module and not on one another. The fields every venue shares (and the public
:class:`Trade`) are the kernel's (``kernel/records.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ...kernel.records import BookOrder, Trade

__all__ = ["Fill", "Order", "Trade"]

ZERO = Decimal(0)


@dataclass(slots=True, eq=False, kw_only=True)
class Order(BookOrder):
    """A spot order: the kernel's fields, then quote-quantity, STP and the funds it holds locked."""
    orig_quote_qty: Decimal = ZERO
    stp_mode: str = "NONE"
    working_time: int = -1
    locked: Decimal = ZERO
    expiry_reason: str | None = None
    prevented_match_id: int | None = None
    prevented_qty: Decimal = ZERO


@dataclass(slots=True)
class Fill:
    """One side of a trade, as its order sees it."""
    trade_id: int
    order_id: int
    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    is_maker: bool
    is_buyer: bool
    time: int
