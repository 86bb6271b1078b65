"""Binance spot accounts: API keys, balances (free / locked) and commission rates.

Balances are exact ``Decimal``. An order locks what it may spend when it is
accepted (quote for a BUY, base for a SELL); each fill moves locked funds to
the counterparty and credits the received asset minus commission; a cancel
or expiry unlocks the rest. ``changed`` collects the assets an operation
touched so one ``outboundAccountPosition`` can list them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ...kernel.accounts import AccountRegistryBase
from ..errors import INSUFFICIENT_BALANCE, new_order_rejected

ZERO = Decimal(0)


@dataclass
class Balance:
    free: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass
class Account:
    """One trading account. ``maker_rate`` / ``taker_rate`` are fractions (0.001 = 10 bps)."""

    account_id: int
    api_key: str
    secret: str
    maker_rate: Decimal = Decimal("0.001")
    taker_rate: Decimal = Decimal("0.001")
    balances: dict[str, Balance] = field(default_factory=dict)
    update_time: int = 0
    changed: set[str] = field(default_factory=set)

    def balance(self, asset: str) -> Balance:
        bal = self.balances.get(asset)
        if bal is None:
            bal = self.balances[asset] = Balance()
        return bal

    def free(self, asset: str) -> Decimal:
        bal = self.balances.get(asset)
        return bal.free if bal is not None else ZERO

    def lock(self, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from free to locked, or reject with -2010 insufficient balance."""
        bal = self.balance(asset)
        if amount > bal.free:
            raise new_order_rejected(INSUFFICIENT_BALANCE)
        bal.free -= amount
        bal.locked += amount
        self.changed.add(asset)

    def unlock(self, asset: str, amount: Decimal) -> None:
        bal = self.balance(asset)
        bal.locked -= amount
        bal.free += amount
        self.changed.add(asset)

    def spend_locked(self, asset: str, amount: Decimal) -> None:
        bal = self.balance(asset)
        bal.locked -= amount
        self.changed.add(asset)

    def spend_free(self, asset: str, amount: Decimal) -> None:
        bal = self.balance(asset)
        bal.free -= amount
        self.changed.add(asset)

    def credit(self, asset: str, amount: Decimal) -> None:
        self.balance(asset).free += amount
        self.changed.add(asset)

    def to_json(self, omit_zero: bool = False) -> dict:
        def bps(rate: Decimal) -> int:
            return int(rate * 10000)
        balances = []
        for asset in sorted(self.balances):
            bal = self.balances[asset]
            if omit_zero and not bal.free and not bal.locked:
                continue
            balances.append({"asset": asset, "free": f"{bal.free:.8f}", "locked": f"{bal.locked:.8f}"})
        return {
            "makerCommission": bps(self.maker_rate), "takerCommission": bps(self.taker_rate),
            "buyerCommission": 0, "sellerCommission": 0,
            "commissionRates": {"maker": f"{self.maker_rate:.8f}", "taker": f"{self.taker_rate:.8f}",
                                "buyer": "0.00000000", "seller": "0.00000000"},
            "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
            "requireSelfTradePrevention": False, "preventSor": False,
            "updateTime": self.update_time, "accountType": "SPOT",
            "balances": balances, "permissions": ["SPOT"], "uid": self.account_id,
        }


class AccountRegistry(AccountRegistryBase[Account]):
    """All spot accounts, by id and by API key."""

    def create(self, balances: Mapping[str, Decimal | str | int] | None = None, *,
               api_key: str | None = None, secret: str | None = None,
               maker_rate: Decimal | str = "0.001", taker_rate: Decimal | str = "0.001") -> Account:
        """A new account holding ``balances`` (free); raises ValueError for a negative or non-finite one."""
        account_id, key, secret = self._credentials(api_key, secret)
        account = Account(account_id, key, secret, Decimal(maker_rate), Decimal(taker_rate))
        for asset, amount in (balances or {}).items():
            value = Decimal(amount)
            if not value.is_finite() or value < 0:
                raise ValueError(f"bad starting balance for {asset}: {amount!r}")
            account.balance(asset).free = value
        return self._add(account)
