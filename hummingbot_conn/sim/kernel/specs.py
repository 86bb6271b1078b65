"""What every venue knows of a tradable symbol: its assets, price and quantity grids, and their rules.

A venue's symbol record subclasses :class:`InstrumentSpec` (adding its own
fields and its ``exchangeInfo`` shape). The rules are the same everywhere
(a price on the tick grid within its bounds, a quantity on the step grid
within its bounds, each bound disabled when 0); only the error a venue
answers differs, so :meth:`InstrumentSpec.price_fault` and
:meth:`InstrumentSpec.quantity_fault` name the broken rule and the venue
raises its own error for it. The background traders (``traders.py``) read
``tick_size``, ``step_size``, ``min_qty``, ``min_notional`` and ``initial_price``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["InstrumentSpec", "NOT_POSITIVE", "BELOW_MIN", "ABOVE_MAX", "OFF_GRID"]

ZERO = Decimal(0)
# the broken rule, as price_fault / quantity_fault name it
NOT_POSITIVE, BELOW_MIN, ABOVE_MAX, OFF_GRID = "NOT_POSITIVE", "BELOW_MIN", "ABOVE_MAX", "OFF_GRID"


@dataclass
class InstrumentSpec:
    """One symbol: assets, bounds and grids (exact ``Decimal``), status, and the mid its traders start from."""

    symbol: str
    base_asset: str
    quote_asset: str = "USDT"
    tick_size: Decimal = Decimal("0.01")
    min_price: Decimal = Decimal("0.01")
    max_price: Decimal = Decimal("1000000")
    step_size: Decimal = Decimal("0.00001")
    min_qty: Decimal = Decimal("0.00001")
    max_qty: Decimal = Decimal("9000")
    min_notional: Decimal = Decimal("5")
    status: str = "TRADING"
    # mid price the background traders start from
    initial_price: Decimal = Decimal("100")

    def price_fault(self, price: Decimal) -> str | None:
        """The price rule ``price`` breaks (checked in this order), or None."""
        if price <= ZERO:
            return NOT_POSITIVE
        if self.min_price and price < self.min_price:
            return BELOW_MIN
        if self.max_price and price > self.max_price:
            return ABOVE_MAX
        if self.tick_size and price % self.tick_size != ZERO:
            return OFF_GRID
        return None

    def quantity_fault(self, qty: Decimal, max_qty: Decimal | None = None) -> str | None:
        """The quantity rule ``qty`` breaks (against ``max_qty`` instead of the spec's when given), or None."""
        upper = self.max_qty if max_qty is None else max_qty
        if qty <= ZERO:
            return NOT_POSITIVE
        if self.min_qty and qty < self.min_qty:
            return BELOW_MIN
        if upper and qty > upper:
            return ABOVE_MAX
        if self.step_size and qty % self.step_size != ZERO:
            return OFF_GRID
        return None

    def floor_to_step(self, qty: Decimal) -> Decimal:
        """Round a quantity down to ``step_size`` (a zero step leaves it as is)."""
        if not self.step_size:
            return qty
        return (qty // self.step_size) * self.step_size
