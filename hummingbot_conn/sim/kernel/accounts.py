"""Accounts by id and by API key, whatever a venue's account holds.

A venue's registry subclasses :class:`AccountRegistryBase` and builds its own
account record (balances, a margin wallet ...) in ``create``; the record
needs ``account_id``, ``api_key`` and ``secret``. Keys and secrets are random
64-hex-digit strings unless given.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

__all__ = ["AccountRegistryBase", "KeyedAccount"]


class KeyedAccount(Protocol):
    """What the registry reads of a venue's account record."""
    account_id: int
    api_key: str
    secret: str


AccountT = TypeVar("AccountT", bound=KeyedAccount)


class AccountRegistryBase(Generic[AccountT]):
    """All accounts of a venue, by id (1, 2, ...) and by API key."""

    def __init__(self) -> None:
        self._by_id: dict[int, AccountT] = {}
        self._by_key: dict[str, AccountT] = {}

    def _credentials(self, api_key: str | None, secret: str | None) -> tuple[int, str, str]:
        """(next account id, API key, secret) for a new account.

        :raises ValueError: ``api_key`` is already registered
        """
        key = api_key or secrets.token_hex(32)
        if key in self._by_key:
            raise ValueError("API key already registered")
        return len(self._by_id) + 1, key, secret or secrets.token_hex(32)

    def _add(self, account: AccountT) -> AccountT:
        self._by_id[account.account_id] = account
        self._by_key[account.api_key] = account
        return account

    def by_key(self, api_key: str) -> AccountT | None:
        return self._by_key.get(api_key)

    def by_id(self, account_id: int) -> AccountT:
        return self._by_id[account_id]

    def __iter__(self) -> Iterator[AccountT]:
        return iter(self._by_id.values())
