"""Cross-margin accounts: one USDT wallet, positions per (symbol, position side), leverage per symbol.

Amounts are exact ``Decimal``. The bookkeeping follows the venue's published
definitions (docs/binance_usdm_futures.md section 7):

* unrealised PnL of a position = amount * (mark price - entry price), with a
  negative amount for shorts;
* position initial margin = |amount| * mark / leverage; open-order initial
  margin = remaining quantity * price / leverage for orders that would add to
  a position;
* available balance = wallet + total unrealised PnL - position initial margin
  - open-order initial margin (cross margin);
* a fill that adds to a position moves the entry price to the
  quantity-weighted average; a fill that reduces it realises
  closed quantity * (fill price - entry) * sign(amount) into the wallet.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ...kernel.accounts import AccountRegistryBase

ZERO = Decimal(0)


@dataclass
class FuturesPosition:
    """One position. ``side`` is BOTH (one-way mode) or LONG / SHORT (hedge mode)."""

    symbol: str
    side: str
    amount: Decimal = ZERO          # signed: < 0 is short (SHORT positions are always <= 0)
    entry_price: Decimal = ZERO
    realized: Decimal = ZERO        # accumulated realised PnL before fees ("cr")
    update_time: int = 0

    def unrealized(self, mark: Decimal) -> Decimal:
        return self.amount * (mark - self.entry_price) if self.amount else ZERO

    def apply_fill(self, signed_qty: Decimal, price: Decimal) -> Decimal:
        """Add a signed fill; returns the realised PnL of the part that reduced the position."""
        amount = self.amount
        if amount == ZERO or (amount > ZERO) == (signed_qty > ZERO):
            total = abs(amount) + abs(signed_qty)
            self.entry_price = (abs(amount) * self.entry_price + abs(signed_qty) * price) / total
            self.amount = amount + signed_qty
            return ZERO
        closed = min(abs(signed_qty), abs(amount))
        realized = closed * (price - self.entry_price) * (1 if amount > ZERO else -1)
        self.amount = amount + signed_qty
        if self.amount == ZERO:
            self.entry_price = ZERO
        elif (self.amount > ZERO) != (amount > ZERO):
            self.entry_price = price     # flipped through zero: the rest opens at the fill price
        self.realized += realized
        return realized


@dataclass
class FuturesAccount:
    """A USDⓈ-M account. ``maker_rate`` / ``taker_rate`` are fractions (0.0002 = 2 bps)."""

    account_id: int
    api_key: str
    secret: str
    asset: str = "USDT"
    wallet: Decimal = ZERO
    maker_rate: Decimal = Decimal("0.0002")
    taker_rate: Decimal = Decimal("0.0005")
    dual_side: bool = False
    leverage: dict[str, int] = field(default_factory=dict)
    positions: dict[tuple[str, str], FuturesPosition] = field(default_factory=dict)
    update_time: int = 0
    # symbols / position sides touched by the current engine step (for ACCOUNT_UPDATE)
    touched: set[tuple[str, str]] = field(default_factory=set)
    wallet_touched: bool = False

    def position(self, symbol: str, side: str) -> FuturesPosition:
        pos = self.positions.get((symbol, side))
        if pos is None:
            pos = self.positions[(symbol, side)] = FuturesPosition(symbol, side)
        return pos

    def has_position(self, symbol: str | None = None) -> bool:
        return any(p.amount != ZERO for (s, _), p in self.positions.items() if symbol is None or s == symbol)

    def credit(self, amount: Decimal) -> None:
        self.wallet += amount
        self.wallet_touched = True


class FuturesAccountRegistry(AccountRegistryBase[FuturesAccount]):
    """All USDⓈ-M accounts, by id and by API key."""

    def create(self, wallet: Decimal | str | int = 0, *, asset: str = "USDT", api_key: str | None = None,
               secret: str | None = None, maker_rate: Decimal | str = "0.0002",
               taker_rate: Decimal | str = "0.0005", dual_side: bool = False,
               leverage: Mapping[str, int] | None = None, now: int = 0) -> FuturesAccount:
        """A new account with ``wallet`` of ``asset``; raises ValueError for a negative or non-finite one.

        ``now`` (ms) is when the wallet was funded: a funded account's ``updateTime`` is the time its
        balance last changed (docs/binance_usdm_futures.md section 5), never 0, which clients read as
        "no balance" (an unfunded one keeps 0 until its first change)."""
        value = Decimal(wallet)
        if not value.is_finite() or value < 0:
            raise ValueError(f"bad starting wallet balance: {wallet!r}")
        account_id, key, secret = self._credentials(api_key, secret)
        return self._add(FuturesAccount(account_id, key, secret, asset, value, Decimal(maker_rate),
                                        Decimal(taker_rate), dual_side, dict(leverage or {}),
                                        update_time=now if value else 0))
