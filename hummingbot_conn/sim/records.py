"""The simulator's order, fill and trade records (plain data, no behaviour beyond derived fields).

They live apart from the engine so that the book (which rests orders), the
report renderers (which turn them into Binance JSON) and the engine (which
mutates them) all depend on this module and not on one another.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Fill", "Order", "Trade"]

ZERO = Decimal(0)


@dataclass(slots=True, eq=False)
class Order:
    symbol: str
    order_id: int
    client_order_id: str
    account_id: int
    side: str
    type: str
    time_in_force: str
    price: Decimal
    orig_qty: Decimal
    orig_quote_qty: Decimal
    stp_mode: str
    time: int
    update_time: int
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    status: str = "NEW"
    working_time: int = -1
    on_book: bool = False
    locked: Decimal = ZERO
    expiry_reason: str | None = None
    prevented_match_id: int | None = None
    prevented_qty: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")


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


@dataclass(slots=True)
class Trade:
    """A public trade (REST /trades, stream @trade)."""
    trade_id: int
    price: Decimal
    qty: Decimal
    time: int
    buyer_is_maker: bool
