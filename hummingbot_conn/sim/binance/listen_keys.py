"""listenKeys of Binance user-data streams: USDⓈ-M's (docs/binance_usdm_futures.md section 8) and
spot's legacy ones (docs/binance_spot.md 3.13, removed from the live venue on 2026-02-20).

One key per account, handed out by ``POST .../listenKey``; asking again returns
the same key (and extends it). With ``validity_ms`` a key expires that long
after it was last created or kept alive: :meth:`ListenKeys.expire` sends
``listenKeyExpired`` on its sockets and closes them. Without it (spot's legacy
keys) a key lives until deleted. The sockets are the hub's user-data sockets,
keyed by the listenKey.
"""
from __future__ import annotations

import secrets

import orjson

from ..kernel.hub import StreamHub
from .errors import SimError

LISTEN_KEY_VALIDITY_MS = 60 * 60 * 1000


def _not_found() -> SimError:
    return SimError(-1125, "This listenKey does not exist.")


class ListenKeys:
    """The listenKeys of one venue; ``hub`` carries their sockets."""

    def __init__(self, clock, hub: StreamHub, validity_ms: int | None = LISTEN_KEY_VALIDITY_MS) -> None:
        self.clock = clock
        self.hub = hub
        self.validity_ms = validity_ms
        self.keys: dict[str, tuple[int, int | None]] = {}     # key -> (account id, expiry ms or None)

    def _expiry(self) -> int | None:
        return None if self.validity_ms is None else self.clock.now_ms() + self.validity_ms

    def key_of(self, account_id: int) -> str | None:
        for key, (acc, _) in self.keys.items():
            if acc == account_id:
                return key
        return None

    def account_of(self, key: str) -> int | None:
        entry = self.keys.get(key)
        return entry[0] if entry is not None else None

    def create(self, account_id: int) -> str:
        """The account's key (a new one, or the one it has, kept alive)."""
        key = self.key_of(account_id) or secrets.token_urlsafe(48)[:64].replace("-", "a").replace("_", "b")
        self.keys[key] = (account_id, self._expiry())
        return key

    def _owned(self, account_id: int, key: str | None) -> str:
        """``key`` (or, when None, the account's key) if it belongs to the account; else -1125."""
        found = self.key_of(account_id) if key is None else key
        if found is None or self.account_of(found) != account_id:
            raise _not_found()
        return found

    def keepalive(self, account_id: int, key: str | None = None) -> str:
        """Extend the account's key (``key``, when the venue names it in the request)."""
        found = self._owned(account_id, key)
        self.keys[found] = (account_id, self._expiry())
        return found

    def delete(self, account_id: int, key: str | None = None) -> None:
        """End the account's key and close its sockets."""
        found = self._owned(account_id, key)
        del self.keys[found]
        self.hub.close_user_sockets(found)

    def expire(self) -> int:
        """Send ``listenKeyExpired`` and close the sockets of every key past its validity."""
        now = self.clock.now_ms()
        gone = [k for k, (_, expiry) in self.keys.items() if expiry is not None and expiry <= now]
        for key in gone:
            del self.keys[key]
            self.hub.publish_user(key, orjson.dumps({"e": "listenKeyExpired", "E": now, "listenKey": key}))
            self.hub.close_user_sockets(key)
        return len(gone)
