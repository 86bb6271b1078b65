"""``Position``: one open perpetual position (hummingbot's record, same names).

``amount`` is signed in the exchange's convention (negative for a short in
one-way mode and for SHORT positions in hedge mode); prices and PnL are quote
units. Values are exact ``Decimal``; a non-finite value is refused with
``ValueError`` so a malformed exchange message cannot plant NaN in the state.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from hummingbot_conn.common import PositionSide


def _finite(name: str, value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise TypeError(f"Position.{name} must be a Decimal, got {type(value).__name__}")
    out = Decimal(value)
    if not out.is_finite():
        raise ValueError(f"Position.{name} must be finite, got {value!r}")
    return out


class Position:
    """``Position(trading_pair, position_side, unrealized_pnl, entry_price, amount, leverage)``."""

    __slots__ = ("_trading_pair", "_position_side", "_unrealized_pnl", "_entry_price", "_amount", "_leverage")

    def __init__(self, trading_pair: str, position_side: PositionSide, unrealized_pnl: Decimal,
                 entry_price: Decimal, amount: Decimal, leverage: Decimal) -> None:
        if not isinstance(position_side, PositionSide):
            raise TypeError(f"position_side must be a PositionSide, got {position_side!r}")
        self._trading_pair = trading_pair
        self._position_side = position_side
        self._unrealized_pnl = _finite("unrealized_pnl", unrealized_pnl)
        self._entry_price = _finite("entry_price", entry_price)
        self._amount = _finite("amount", amount)
        self._leverage = _finite("leverage", leverage)

    def __repr__(self) -> str:
        return (f"Position( trading_pair={self._trading_pair}, position_side={self._position_side},"
                f" unrealized_pnl={self._unrealized_pnl}, entry_price={self._entry_price},"
                f" amount={self._amount}, leverage={self._leverage})")

    def __eq__(self, other) -> bool:
        if not isinstance(other, Position):
            return NotImplemented
        return (self._trading_pair, self._position_side, self._unrealized_pnl, self._entry_price,
                self._amount, self._leverage) == (other._trading_pair, other._position_side,
                                                   other._unrealized_pnl, other._entry_price,
                                                   other._amount, other._leverage)

    __hash__ = None  # type: ignore[assignment]  # mutable through update_position

    @property
    def trading_pair(self) -> str:
        return self._trading_pair

    @property
    def position_side(self) -> PositionSide:
        return self._position_side

    @property
    def unrealized_pnl(self) -> Decimal:
        return self._unrealized_pnl

    @property
    def entry_price(self) -> Decimal:
        return self._entry_price

    @property
    def amount(self) -> Decimal:
        return self._amount

    @property
    def leverage(self) -> Decimal:
        return self._leverage

    def update_position(self, position_side: Optional[PositionSide] = None,
                        unrealized_pnl: Optional[Decimal] = None, entry_price: Optional[Decimal] = None,
                        amount: Optional[Decimal] = None, leverage: Optional[Decimal] = None) -> None:
        """Replace every field given (``None`` keeps the current value). All values are checked
        before any is stored, so a bad value changes nothing."""
        if position_side is not None and not isinstance(position_side, PositionSide):
            raise TypeError(f"position_side must be a PositionSide, got {position_side!r}")
        new = {name: _finite(name, value) for name, value in (
            ("unrealized_pnl", unrealized_pnl), ("entry_price", entry_price), ("amount", amount),
            ("leverage", leverage)) if value is not None}
        if position_side is not None:
            self._position_side = position_side
        for name, value in new.items():
            setattr(self, "_" + name, value)
