"""The USDⓈ-M venue's records: orders, fills and income rows (plain data).

The fields every venue shares, and the public trade, are the kernel's
(``kernel/records.py``); ``FuturesTrade`` is that trade.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ...kernel.records import BookOrder, Trade

__all__ = ["FuturesOrder", "FuturesFill", "FuturesTrade", "Income"]

ZERO = Decimal(0)
FuturesTrade = Trade


@dataclass(slots=True, eq=False, kw_only=True)
class FuturesOrder(BookOrder):
    """A futures order: the kernel's fields, its position side and reduce-only flag."""
    position_side: str = "BOTH"
    reduce_only: bool = False

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
class Income:
    symbol: str
    income_type: str
    income: Decimal
    asset: str
    time: int
    tran_id: int
    trade_id: str = ""
    info: str = ""
