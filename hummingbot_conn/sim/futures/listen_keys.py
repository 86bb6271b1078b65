"""listenKeys of the futures user data stream (docs/binance_usdm_futures.md section 8)."""
from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from ..errors import SimError

if TYPE_CHECKING:
    from .streams import FuturesStreams

LISTEN_KEY_VALIDITY_MS = 60 * 60 * 1000


class ListenKeys:
    """One listenKey per account, valid 60 minutes; POST / PUT extend it, DELETE ends it."""

    def __init__(self, clock, streams: FuturesStreams, validity_ms: int = LISTEN_KEY_VALIDITY_MS) -> None:
        self.clock = clock
        self.streams = streams
        self.validity_ms = validity_ms
        self.keys: dict[str, tuple[int, int]] = {}     # key -> (account id, expiry ms)

    def key_of(self, account_id: int) -> str | None:
        for key, (acc, _) in self.keys.items():
            if acc == account_id:
                return key
        return None

    def account_of(self, key: str) -> int | None:
        entry = self.keys.get(key)
        return entry[0] if entry is not None else None

    def create(self, account_id: int) -> str:
        key = self.key_of(account_id) or secrets.token_urlsafe(48)[:64].replace("-", "a").replace("_", "b")
        self.keys[key] = (account_id, self.clock.now_ms() + self.validity_ms)
        return key

    def keepalive(self, account_id: int) -> str:
        key = self.key_of(account_id)
        if key is None:
            raise SimError(-1125, "This listenKey does not exist.")
        self.keys[key] = (account_id, self.clock.now_ms() + self.validity_ms)
        return key

    def delete(self, account_id: int) -> None:
        key = self.key_of(account_id)
        if key is None:
            raise SimError(-1125, "This listenKey does not exist.")
        del self.keys[key]
        self.streams.close_user_sockets(key)

    def expire(self) -> int:
        """Send ``listenKeyExpired`` and close the sockets of every key past its validity."""
        now = self.clock.now_ms()
        gone = [k for k, (_, expiry) in self.keys.items() if expiry <= now]
        for key in gone:
            del self.keys[key]
            self.streams.publish_user(key, {"e": "listenKeyExpired", "E": now, "listenKey": key})
            self.streams.close_user_sockets(key)
        return len(gone)
