"""Where a pair's book gets the snapshot it (re)syncs from: a REST snapshot, or one sent on the stream.

A sync point is a procedure the pair's ``OrderBookPairSync`` runs while it is
out of sync (docs/contracts.md, "Contract 1: order book sequencing",
"Sequence rules and sync points").  The data source declares which one its
venue uses (``OrderBookTrackerDataSource.SYNC_POINT``); the tracker builds
the procedure from that declaration and never asks which venue it serves.

* ``RestSnapshotSync``: fetch a snapshot (the data source's
  ``_order_book_snapshot``), judge whether it is new enough, apply it and
  replay the buffered diffs (``OrderBookPairSync.apply_rest_snapshot``);
  errors and snapshots too old are retried with back-off.  Binance's
  procedure (docs/binance_spot.md section 6).
* ``StreamSnapshotSync``: the venue sends the pair's snapshot on the stream
  when the pair is subscribed (Kraken, OKX, Bybit); the snapshot is applied
  as it arrives (``OrderBookPairSync.on_stream_snapshot``).  The first sync
  waits for the subscription's own snapshot; a resync of one pair
  unsubscribes and subscribes that pair again on its connection
  (``OrderBookTrackerDataSource.resubscribe_trading_pair``), the other pairs
  untouched.  No snapshot within ``snapshot_timeout`` seconds: counted
  (``snapshot_errors``) and the pair is subscribed again; a snapshot refused,
  or whose checksum the book does not give, asks again; every request after
  the first of a round waits the back-off first.
"""
from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any, Awaitable, Callable, Protocol

from hummingbot_conn.core.order_book_message import OrderBookMessage
from hummingbot_conn.tracking.book_integrity import SyncPoint
from hummingbot_conn.tracking.order_book_tracker_metrics import OrderBookPairMetrics

__all__ = ["PairSync", "RestSnapshotSync", "StreamSnapshotSync", "SyncProcedure", "build_procedure"]

_log = logging.getLogger(__name__)


class PairSync(Protocol):
    """What a procedure reads and calls of the pair it syncs (``OrderBookPairSync``)."""

    trading_pair: str
    metrics: OrderBookPairMetrics
    wakeup: asyncio.Event

    @property
    def state_is_syncing(self) -> bool: ...

    @property
    def request_pending(self) -> bool: ...

    def arrival_mark(self) -> int: ...

    def take_request(self) -> bool: ...

    async def back_off(self, attempt: int) -> None: ...

    def apply_rest_snapshot(self, bids: Any, asks: Any, update_id: Any, checksum: Any, mark: int) -> str: ...


class SyncProcedure(ABC):
    """How one pair gets back in sync; ``run`` returns once it is synced (or closed).

    ``streams_snapshots``: a SNAPSHOT message on the stream is this pair's
    sync point (else it is a safeguard refresh); ``safeguard``: the tracker's
    periodic REST refresh applies to it."""

    streams_snapshots = False
    safeguard = False

    @abstractmethod
    async def run(self, sync: PairSync, request: bool) -> None:
        """Bring ``sync`` to SYNCED; ``request``: the venue must be asked for a new sync point (a
        resync), not only waited for (the subscription that started the pair brings its own)."""


class RestSnapshotSync(SyncProcedure):
    """A snapshot fetched over REST by ``fetch(trading_pair)`` (a SNAPSHOT ``OrderBookMessage``)."""

    safeguard = True

    def __init__(self, fetch: Callable[[str], Awaitable[OrderBookMessage]]) -> None:
        self.fetch = fetch

    async def run(self, sync: PairSync, request: bool) -> None:
        attempt = 0
        while sync.state_is_syncing:
            mark = sync.arrival_mark()      # ARRIVAL rule: the last diff received before the request
            try:
                snapshot = await self.fetch(sync.trading_pair)
                update_id = snapshot.update_id
                content = snapshot.content
                bids, asks = content["bids"], content["asks"]
                checksum = content.get("checksum")
            except asyncio.CancelledError:
                raise
            except Exception as exc:        # noqa: BLE001 - network, venue or format: retry with back-off
                sync.metrics.snapshot_errors += 1
                _log.warning("%s: snapshot failed (%s: %s); retrying", sync.trading_pair, type(exc).__name__, exc)
                await sync.back_off(attempt)
                attempt += 1
                continue
            if not sync.state_is_syncing:
                return
            outcome = sync.apply_rest_snapshot(bids, asks, update_id, checksum, mark)
            if outcome == "synced":
                return
            if outcome == "replay_failed":
                attempt = 0     # a gap or a checksum mismatch inside the buffer: fetch a newer one at once
                continue
            await sync.back_off(attempt)      # too old, or refused by the book
            attempt += 1


class StreamSnapshotSync(SyncProcedure):
    """A snapshot sent on the stream at subscribe time; ``resubscribe(trading_pair)`` asks for another
    (unsubscribe and subscribe that pair only); ``snapshot_timeout``: seconds to wait for it."""

    streams_snapshots = True

    def __init__(self, resubscribe: Callable[[str], Awaitable[None]], snapshot_timeout: float = 10.0) -> None:
        if not snapshot_timeout > 0:
            raise ValueError("snapshot_timeout must be > 0 (seconds)")
        self.resubscribe = resubscribe
        self.snapshot_timeout = snapshot_timeout

    async def run(self, sync: PairSync, request: bool) -> None:
        attempt = 0         # failed rounds so far: the first request goes at once, the next back off
        while sync.state_is_syncing:
            if request or sync.take_request():
                if attempt:
                    await sync.back_off(attempt - 1)
                attempt += 1
                try:
                    await self.resubscribe(sync.trading_pair)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:        # noqa: BLE001 - a refused or broken subscription: try again
                    sync.metrics.snapshot_errors += 1
                    _log.warning("%s: resubscribing for a snapshot failed (%s: %s); retrying", sync.trading_pair,
                                 type(exc).__name__, exc)
                    request = True
                    continue
            request = False
            sync.wakeup.clear()
            if not sync.state_is_syncing or sync.request_pending:
                continue        # synced, or asked again, while the subscription was sent
            try:
                async with asyncio.timeout(self.snapshot_timeout):
                    await sync.wakeup.wait()
            except TimeoutError:
                sync.metrics.snapshot_errors += 1
                _log.warning("%s: no snapshot on the stream within %gs; subscribing the pair again",
                             sync.trading_pair, self.snapshot_timeout)
                request = True


def build_procedure(sync_point: SyncPoint, *, fetch: Callable[[str], Awaitable[OrderBookMessage]],
                    resubscribe: Callable[[str], Awaitable[None]], snapshot_timeout: float) -> SyncProcedure:
    """The procedure of a declared ``SyncPoint`` (``book_integrity.py``), from the data source's hooks."""
    if sync_point is SyncPoint.STREAM_SNAPSHOT:
        return StreamSnapshotSync(resubscribe, snapshot_timeout)
    if sync_point is SyncPoint.REST_SNAPSHOT:
        return RestSnapshotSync(fetch)
    raise ValueError(f"unknown sync point {sync_point!r}")
