"""``FundingInfo`` / ``FundingInfoUpdate``: a perpetual market's funding state (hummingbot's names).

``index_price`` and ``mark_price`` are quote units, ``rate`` the funding rate
of the next payment as a fraction (0.0001 = 1 bp), ``next_funding_utc_timestamp``
whole seconds since the epoch. ``PerpetualTrading`` treats a published
``FundingInfo`` as a snapshot: an update builds a new object (``updated``)
instead of changing the one readers may hold.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional


def _price(name: str, value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise TypeError(f"FundingInfo.{name} must be a Decimal, got {type(value).__name__}")
    out = Decimal(value)
    if not out.is_finite():
        raise ValueError(f"FundingInfo.{name} must be finite, got {value!r}")
    return out


def _timestamp(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"FundingInfo.next_funding_utc_timestamp must be an int (seconds), got {value!r}")
    return value


class FundingInfo:
    """``FundingInfo(trading_pair, index_price, mark_price, next_funding_utc_timestamp, rate)``."""

    __slots__ = ("_trading_pair", "_index_price", "_mark_price", "_next_funding_utc_timestamp", "_rate")

    def __init__(self, trading_pair: str, index_price: Decimal, mark_price: Decimal,
                 next_funding_utc_timestamp: int, rate: Decimal) -> None:
        self._trading_pair = trading_pair
        self._index_price = _price("index_price", index_price)
        self._mark_price = _price("mark_price", mark_price)
        self._next_funding_utc_timestamp = _timestamp(next_funding_utc_timestamp)
        self._rate = _price("rate", rate)

    def __repr__(self) -> str:
        return (f"FundingInfo(trading_pair={self._trading_pair!r}, index_price={self._index_price}, "
                f"mark_price={self._mark_price}, next_funding_utc_timestamp={self._next_funding_utc_timestamp}, "
                f"rate={self._rate})")

    def __eq__(self, other) -> bool:
        if not isinstance(other, FundingInfo):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable (hummingbot's setters)

    def _key(self) -> tuple:
        return (self._trading_pair, self._index_price, self._mark_price, self._next_funding_utc_timestamp,
                self._rate)

    @property
    def trading_pair(self) -> str:
        return self._trading_pair

    @property
    def index_price(self) -> Decimal:
        return self._index_price

    @index_price.setter
    def index_price(self, value: Decimal) -> None:
        self._index_price = _price("index_price", value)

    @property
    def mark_price(self) -> Decimal:
        return self._mark_price

    @mark_price.setter
    def mark_price(self, value: Decimal) -> None:
        self._mark_price = _price("mark_price", value)

    @property
    def next_funding_utc_timestamp(self) -> int:
        return self._next_funding_utc_timestamp

    @next_funding_utc_timestamp.setter
    def next_funding_utc_timestamp(self, value: int) -> None:
        self._next_funding_utc_timestamp = _timestamp(value)

    @property
    def rate(self) -> Decimal:
        return self._rate

    @rate.setter
    def rate(self, value: Decimal) -> None:
        self._rate = _price("rate", value)

    def updated(self, info_update: FundingInfoUpdate) -> FundingInfo:
        """A new ``FundingInfo`` with every non-None field of ``info_update`` applied (validated)."""
        return FundingInfo(
            self._trading_pair,
            self._index_price if info_update.index_price is None else info_update.index_price,
            self._mark_price if info_update.mark_price is None else info_update.mark_price,
            self._next_funding_utc_timestamp if info_update.next_funding_utc_timestamp is None
            else info_update.next_funding_utc_timestamp,
            self._rate if info_update.rate is None else info_update.rate)

    def update(self, info_update: FundingInfoUpdate) -> None:
        """In place (hummingbot's method): all fields are validated first, so a bad one changes nothing."""
        fresh = self.updated(info_update)
        (self._index_price, self._mark_price, self._next_funding_utc_timestamp, self._rate) = (
            fresh._index_price, fresh._mark_price, fresh._next_funding_utc_timestamp, fresh._rate)


@dataclass(frozen=True, slots=True)
class FundingInfoUpdate:
    """Part of a market's funding state; ``None`` fields are left as they are."""
    trading_pair: str
    index_price: Optional[Decimal] = None
    mark_price: Optional[Decimal] = None
    next_funding_utc_timestamp: Optional[int] = None
    rate: Optional[Decimal] = None
