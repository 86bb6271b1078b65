"""The futures venue's records: orders, fills, public trades and income rows (plain data)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(slots=True, eq=False)
class FuturesOrder:
    symbol: str
    order_id: int
    client_order_id: str
    account_id: int
    side: str
    position_side: str
    type: str
    time_in_force: str
    price: Decimal
    orig_qty: Decimal
    reduce_only: bool
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

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO


@dataclass(slots=True)
class FuturesFill:
    trade_id: int
    order_id: int
    side: str
    position_side: str
    price: Decimal
    qty: Decimal
    commission: Decimal
    realized: Decimal
    is_maker: bool
    time: int


@dataclass(slots=True)
class FuturesTrade:
    trade_id: int
    price: Decimal
    qty: Decimal
    time: int
    buyer_is_maker: bool


@dataclass(slots=True)
class Income:
    symbol: str
    income_type: str
    income: Decimal
    asset: str
    time: int
    tran_id: int
    trade_id: str = ""
    info: str = ""
