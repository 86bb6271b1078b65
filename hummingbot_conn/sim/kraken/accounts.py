"""Kraken accounts: balances and funds held by open orders, per asset, with a base64 secret.

``balance`` is the total of an asset, ``hold`` what open orders hold of it
(``BalanceEx``'s ``hold_trade``); available = balance - hold. Kraken issues
secrets as base64 of 64 random bytes (the key of the HMAC-SHA512 signature,
docs/kraken_spot.md, section 5); the API key is 56 base64 characters.
"""
from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from decimal import Decimal

from ..kernel.accounts import AccountRegistryBase
from .pairs import asset_decimals, asset_key

__all__ = ["KrakenAccount", "KrakenAccounts"]

ZERO = Decimal(0)


class KrakenAccount:
    """One account: ``balance`` / ``hold`` by asset (WS v2 names), its last nonce, its fee rates."""

    def __init__(self, account_id: int, api_key: str, secret: str, balances: Mapping[str, Decimal],
                 fee_free: bool = False) -> None:
        self.account_id = account_id
        self.api_key = api_key
        self.secret = secret
        self.balance: dict[str, Decimal] = dict(balances)
        self.hold: dict[str, Decimal] = {}
        self.last_nonce = 0
        self.fee_free = fee_free

    def available(self, asset: str) -> Decimal:
        return self.balance.get(asset, ZERO) - self.hold.get(asset, ZERO)

    def add_hold(self, asset: str, amount: Decimal) -> None:
        self.hold[asset] = self.hold.get(asset, ZERO) + amount

    def credit(self, asset: str, amount: Decimal) -> None:
        self.balance[asset] = self.balance.get(asset, ZERO) + amount


class KrakenAccounts(AccountRegistryBase[KrakenAccount]):
    """Every account of the venue, by id and by API key."""

    def create(self, balances: Mapping[str, Decimal | str | int] | None = None, *, api_key: str | None = None,
               secret: str | None = None, fee_free: bool = False) -> KrakenAccount:
        """A new account; asset names may be any of Kraken's (``XBT``, ``XXBT``, ``BTC``).

        :raises ValueError: a negative or non-finite amount, a secret that is not base64, a key in use
        """
        amounts: dict[str, Decimal] = {}
        for name, amount in (balances or {}).items():
            value = Decimal(str(amount))
            if not value.is_finite() or value < 0:
                raise ValueError(f"balance of {name} must be a finite amount >= 0, got {amount!r}")
            asset = asset_key(str(name))
            if -value.as_tuple().exponent > asset_decimals(asset):  # type: ignore[operator]
                raise ValueError(f"{asset} has {asset_decimals(asset)} decimals; {amount!r} has more")
            amounts[asset] = amounts.get(asset, ZERO) + value
        if secret is not None:
            try:
                base64.b64decode(secret, validate=True)
            except ValueError:
                raise ValueError("a Kraken API secret is base64 text") from None
        key = api_key or base64.b64encode(secrets.token_bytes(42)).decode()
        account_id, key, _ = self._credentials(key, "unused")
        secret = secret or base64.b64encode(secrets.token_bytes(64)).decode()
        return self._add(KrakenAccount(account_id, key, secret, amounts, fee_free))
