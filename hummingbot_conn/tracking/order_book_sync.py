"""One pair's book kept in sync: buffer, snapshot, replay, live diffs, resync.

Its events and states are in ``order_book_sync_events.py`` (importable from here as well).

The procedure is Binance's (docs/binance_spot.md section 6) stated for any
venue, on the compiled ``OrderBook``'s sequencing (docs/contracts.md,
"Contract 1: order book sequencing"), under the data source's declared
sequence rule and sync point (``book_integrity.py``, ``sync_points.py``):

1. While the book is not synced, diffs are buffered (the stream is already
   open: the tracker starts a sync only once the subscription is live).
2. A snapshot is fetched (a stream sync point instead applies the one the
   venue sends on the stream, drops what was buffered before it, and
   resyncs a pair by subscribing it again).  It must cover everything the
   pair moved past: at least ``U - 1`` of the oldest buffered diff, the last
   id the book applied before it lost sync (a snapshot never steps the book
   back), the newest diff dropped from a full buffer.  An older snapshot is
   counted (``snapshots_stale``), fetched again after a back-off, never applied.
3. The snapshot is applied and the buffer replayed through ``apply_diffs``:
   diffs it covers come back ``STALE`` and are dropped, the rest apply.  A
   ``GAP`` inside the buffer (a diff lost before the snapshot) keeps the
   diffs from there on and goes back to 2.
4. Live diffs are applied as they arrive; a ``GAP`` puts this pair (only)
   back to 1 with the offending diff as the first buffered one.  So does a
   checksum that does not match the book after a diff (``"checksum"``:
   counted in ``checksum_mismatches``), for a source that declares one; after
   a replay only the last replayed diff's checksum is judged (the diffs a
   snapshot already covered may not match on their own).
5. A synced book must never be provably behind its stream (docs/contracts.md,
   "Contract 1: order book sequencing", the tracker's rule).  ``STALE`` is
   normal for a moment (a duplicate, diffs in flight when a snapshot was
   taken), so this pair goes back to 1 when its ``STALE`` diffs show more
   (judged by ``stale_diffs.py``):

   * ``"ids_backwards"``: a diff's ``update_id`` is below the previous diff's
     on the stream (the book's last id when a diff set it): the venue
     restarted its ids, or the book took a far-future id that froze it;
   * ``"stale_diffs"``: its diffs stay ``STALE`` for longer than
     ``stale_limit`` seconds (a few of the venue's cadences, on the tracker's
     clock): the book's ids ran ahead of the venue's (a far-future snapshot).

   The floor of step 2 is then not set from the book (its last id is what
   went wrong) and the snapshot replaces the book whatever its ids.  The floor
   itself expires: a venue whose snapshots stay below it for longer than
   ``stale_limit``, while no diff of its stream reaches it, restarted its ids
   (or the floor came from a bad id), and the next snapshot is applied.

The buffer is bounded (``max_buffered``).  Policy when full: the oldest diff
is dropped and the snapshot must then cover it (step 2), so an overflow costs
at most a newer snapshot, never a silently wrong book; it is counted in
``buffer_overflows``.

Under the ``ARRIVAL`` rule the diffs are numbered here as they arrive
(``book_integrity.py``), so the same machinery serves a venue without ids.

A venue's stream is in id order, so the buffer is replayed sorted by id (a
diff delivered late still applies) and a diff that arrived *before* others it
claims to follow, yet does not fit, is out of the stream's order: a corrupt
frame, dropped (``diffs_refused``) rather than let its ids decide which
snapshot is new enough, which would stall the resync for good.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, List, Optional

from hummingbot_conn.core.book_checksum import BookChecksum
from hummingbot_conn.core.order_book import DiffResult, OrderBook
from hummingbot_conn.core.order_book_message import OrderBookMessage
from hummingbot_conn.tracking.book_integrity import BookIntegrity, SequenceRule, refused_ids
from hummingbot_conn.tracking.order_book_sync_events import (
    RESYNC_COUNTERS,
    OrderBookSyncEvent,
    OrderBookTrackerEvent,
    SyncState,
)
from hummingbot_conn.tracking.order_book_tracker_metrics import OrderBookPairMetrics
from hummingbot_conn.tracking.resync_buffer import ResyncBuffer
from hummingbot_conn.tracking.stale_diffs import StaleDiffs
from hummingbot_conn.tracking.sync_points import RestSnapshotSync, SyncProcedure
from hummingbot_conn.web.backoff import ExponentialBackoff

__all__ = ["OrderBookPairSync", "OrderBookSyncEvent", "OrderBookTrackerEvent", "SyncState"]

_log = logging.getLogger(__name__)

_APPLIED = DiffResult.APPLIED
_STALE = DiffResult.STALE
_GAP = DiffResult.GAP
_CONTIGUOUS = SequenceRule.CONTIGUOUS
_CHAINED = SequenceRule.CHAINED
_ARRIVAL = SequenceRule.ARRIVAL


_SYNCED = SyncState.SYNCED      # module constants: the hot path skips the Enum class lookups
_SYNCING = SyncState.SYNCING

class OrderBookPairSync:
    """The sync state machine of one pair (used by ``OrderBookTracker``).

    ``procedure``: the pair's sync point (``sync_points.py``; by default a
    REST snapshot from ``fetch_snapshot``); ``integrity``: the data source's
    declaration (``book_integrity.py``); ``checksum_source``: returns the
    pair's ``BookChecksum`` (None: no checksum), asked again at every sync
    point so a venue's new precision is taken up."""

    def __init__(self, trading_pair: str, book: OrderBook, metrics: OrderBookPairMetrics, *,
                 notify: Callable[[OrderBookTrackerEvent, OrderBookSyncEvent], None],
                 clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]],
                 fetch_snapshot: Optional[Callable[[str], Awaitable[OrderBookMessage]]] = None,
                 procedure: Optional[SyncProcedure] = None, integrity: Optional[BookIntegrity] = None,
                 checksum_source: Optional[Callable[[], Optional[BookChecksum]]] = None,
                 max_buffered: int = 1000, retry_backoff: Optional[ExponentialBackoff] = None,
                 stale_limit: float = 5.0) -> None:
        if not stale_limit > 0:
            raise ValueError("stale_limit must be > 0 (seconds)")
        if procedure is None:
            if fetch_snapshot is None:
                raise ValueError("give the pair's sync point: procedure, or fetch_snapshot for a REST snapshot")
            procedure = RestSnapshotSync(fetch_snapshot)
        self.trading_pair = trading_pair
        self.book = book
        self.metrics = metrics
        self.state = SyncState.SYNCING
        self.ever_synced = False
        self.synced_event = asyncio.Event()
        self.wakeup = asyncio.Event()       # set when synced, or when a resync is asked of a running procedure
        self.procedure = procedure
        self.integrity = integrity or BookIntegrity()
        self._rule = self.integrity.sequence
        self._checksum_required = self.integrity.checksum is not None
        self._checksum_source = checksum_source
        self._checksum: Optional[BookChecksum] = None
        self._unverified_logged = False
        self._notify = notify
        self._clock = clock
        self._sleep = sleep
        self._backoff = retry_backoff or ExponentialBackoff(initial=0.05, maximum=5.0)
        self._held = ResyncBuffer(trading_pair, metrics, clock, max_buffered=max_buffered, stale_limit=stale_limit)
        self._seq = 0               # ARRIVAL rule: the local number of the last diff received
        self._stale = StaleDiffs(trading_pair, metrics, clock, stale_limit)     # step 5's judge
        self._reason = "initial"
        self._task: Optional[asyncio.Task] = None
        self._request_pending = False
        self._waiters: List[asyncio.Future] = []

    # ------------------------------------------------------------ live diffs
    def on_diff(self, bids: Any, asks: Any, update_id: Any, first_update_id: Any, received_at: float,
                prev_update_id: Any = -1, checksum: Any = None) -> None:
        """Apply (synced) or buffer (syncing) one diff.  Never blocks, never raises for bad rows.

        The ids are read as the sequence rule says (``book_integrity.py``): the book is given only
        the one its rule reads, a diff without it is refused, and under ``ARRIVAL`` the ids passed
        are replaced by the pair's arrival number."""
        rule = self._rule
        if rule is _CONTIGUOUS:
            if first_update_id == -1:
                return self._refuse_unsequenced("first_update_id", update_id)
            prev_update_id = -1
        elif rule is _CHAINED:
            if prev_update_id == -1:
                return self._refuse_unsequenced("prev_update_id", update_id)
            first_update_id = -1
        elif rule is _ARRIVAL:
            # numbered before any refusal: a diff lost here shows as a gap at the next one
            self._seq += 1
            update_id = first_update_id = self._seq
            prev_update_id = -1
        if checksum is None and self._checksum_required:
            return self._refuse_unsequenced("checksum", update_id)
        state = self.state
        if state is _SYNCED:
            try:
                result = self.book.apply_diffs(bids, asks, update_id, first_update_id, prev_update_id)
            except (ValueError, TypeError, OverflowError) as exc:
                return self.refused_by_book(update_id, exc)
            if result is not _APPLIED:
                return self.not_applied(result, bids, asks, update_id, first_update_id, prev_update_id,
                                        received_at, checksum)
            metrics = self.metrics
            metrics.diffs_applied += 1
            metrics.latency.add(self._clock() - received_at)
            if checksum is None:
                return
            # the common case inline: the checksum matches; anything else (no rendering yet, a
            # mismatch, a checksum that cannot be judged) is judged and counted by the method
            rendering = self._checksum
            try:
                if rendering is not None and rendering.matches(self.book, checksum):
                    return
            except (TypeError, OverflowError):
                pass        # not judged here: _checksum_mismatch judges it and counts it
            self.checksum_failed(bids, asks, update_id, first_update_id, prev_update_id, received_at, checksum)
        elif state is _SYNCING:
            # ids the book would refuse never enter the buffer: they would set what the
            # snapshot must cover (the floor) and stall the resync on a bad frame
            if refused_ids(update_id, first_update_id, prev_update_id):
                self.metrics.diffs_refused += 1
                _log.warning("%s: diff refused while syncing: ids U=%.40r u=%.40r pu=%.40r", self.trading_pair,
                             first_update_id, update_id, prev_update_id)
                return
            self._held.hold(bids, asks, update_id, first_update_id, prev_update_id, checksum, received_at)

    # The outcomes of a synced diff other than "applied, checksum matched", shared by ``on_diff`` and a
    # data source's compiled fast path (exchanges/kraken/_kraken_book.apply_book_update), which
    # numbers and applies the diff as ``on_diff`` does and hands every other outcome to these.
    def refused_by_book(self, update_id: Any, exc: BaseException) -> None:
        """The book refused the diff's rows (it is unchanged); the lost update shows as a gap on the next diff."""
        self.metrics.diffs_refused += 1
        _log.warning("%s: diff %.40r refused by the book: %s", self.trading_pair, update_id, exc)

    def not_applied(self, result: DiffResult, bids: Any, asks: Any, update_id: Any, first_update_id: Any,
                    prev_update_id: Any, received_at: float, checksum: Any) -> None:
        """A synced book answered ``STALE``, ``GAP`` or ``UNSYNCED`` (steps 4 and 5)."""
        if result is _STALE:
            self.metrics.diffs_stale += 1
            behind = self._stale.judge(self.book, update_id)
            if behind is None:
                return
            reason, trust_book = behind, False      # the book's last id is what went wrong: no floor
        else:       # GAP (or a book someone else unsynced)
            if result is _GAP:
                self.metrics.gaps += 1
            reason, trust_book = "gap", True
        self._resync_from(reason, trust_book, bids, asks, update_id, first_update_id, prev_update_id,
                          received_at, checksum)

    def checksum_failed(self, bids: Any, asks: Any, update_id: Any, first_update_id: Any, prev_update_id: Any,
                        received_at: float, checksum: Any) -> None:
        """The applied diff's checksum did not match at once: judged and counted here (step 4)."""
        if self._checksum_mismatch(checksum):
            self._resync_from("checksum", False, bids, asks, update_id, first_update_id, prev_update_id,
                              received_at, checksum)

    def _resync_from(self, reason: str, trust_book: bool, bids: Any, asks: Any, update_id: Any,
                     first_update_id: Any, prev_update_id: Any, received_at: float, checksum: Any) -> None:
        """Lose sync and resync, the diff that showed it first in the buffer."""
        self._lose_sync(reason, trust_book)
        self._held.hold(bids, asks, update_id, first_update_id, prev_update_id, checksum, received_at)
        self.start(request=True)

    def _refuse_unsequenced(self, missing: str, update_id: Any) -> None:
        """A diff without what the data source's declaration needs: refused, never applied unchecked."""
        self.metrics.diffs_refused += 1
        declared = "a checksum" if missing == "checksum" else \
            f"the {self._rule.name if self._rule is not None else ''} sequence rule"
        _log.warning("%s: diff %.40r refused: the data source declares %s and the diff carries no %s",
                     self.trading_pair, update_id, declared, missing)

    def _checksum_mismatch(self, expected: Any) -> bool:
        """True when the book does not give the venue's checksum (step 4).  A checksum that cannot be
        judged (not an int, a level too large to render exactly) is counted in ``checksums_unverified``
        and is no proof the book is behind."""
        checksum = self._checksum
        if checksum is None:
            return False
        try:
            if checksum.matches(self.book, expected):
                return False
        except (TypeError, OverflowError) as exc:
            self.metrics.checksums_unverified += 1
            if not self._unverified_logged:
                self._unverified_logged = True
                _log.warning("%s: checksum %.40r cannot be judged (%s); counted in checksums_unverified",
                             self.trading_pair, expected, exc)
            return False
        self.metrics.checksum_mismatches += 1
        _log.warning("%s: the book's checksum is not the venue's %.40r at id %r: resyncing", self.trading_pair,
                     expected, self.book.last_diff_uid)
        return True

    @property
    def buffered(self) -> int:
        return len(self._held)

    def _required_snapshot_id(self) -> Any:
        """The oldest snapshot that may be applied now (``ResyncBuffer.required_snapshot_id``)."""
        return self._held.required_snapshot_id()

    # ------------------------------------------------------------ sync control
    @property
    def state_is_syncing(self) -> bool:
        return self.state is _SYNCING

    def arrival_mark(self) -> int:
        """The local number of the last diff received (what an ``ARRIVAL`` REST snapshot is stamped with)."""
        return self._seq

    @property
    def request_pending(self) -> bool:
        return self._request_pending

    def take_request(self) -> bool:
        """True once after ``start(request=True)`` found the procedure already running."""
        pending, self._request_pending = self._request_pending, False
        return pending

    async def back_off(self, attempt: int) -> None:
        await self._sleep(self._backoff.delay(attempt))

    def start(self, request: bool = False) -> None:
        """Run the sync point's procedure unless it runs already (the stream must be live).
        ``request``: ask the venue for a new sync point (a resync), not only wait for one."""
        if self.state is not SyncState.SYNCING:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self.procedure.run(self, request))
        elif request:
            self._request_pending = True
            self.wakeup.set()

    def interrupt(self) -> None:
        """The stream carrying this pair broke: out of sync until resubscribed and resynced."""
        if self.state is SyncState.CLOSED:
            return
        self.metrics.stream_interruptions += 1
        if self.state is SyncState.SYNCED:
            self._lose_sync("stream_interrupted")
        elif self._task is not None:
            self._task.cancel()         # its buffer misses what the broken socket lost
            self._task = None
        self._request_pending = False   # the reconnect subscribes the pair again
        # the diffs held so far are superseded: the snapshot must be newer than all of them
        # (those in the stream's order: a corrupt far-future id must not become the floor)
        self._held.raise_floor(self._held.credible_newest_id())
        self._held.clear()

    def close(self) -> None:
        self.state = SyncState.CLOSED
        self._held.clear()
        if self._task is not None:
            self._task.cancel()
        self._wake_waiters()

    async def wait_synced(self) -> None:
        """Return once the book is synced; ``RuntimeError`` if the pair is closed first
        (removed, or the tracker stopped), so no caller waits for a sync that cannot come."""
        while True:
            if self.state is _SYNCED:
                return
            if self.state is SyncState.CLOSED:
                raise RuntimeError(f"{self.trading_pair} is no longer tracked (removed, or the tracker "
                                   f"stopped) before its book synced")
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _wake_waiters(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_closed(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    def _lose_sync(self, reason: str, trust_book: bool = True) -> None:
        """Out of sync for ``reason``; ``trust_book``: the book's last id becomes the floor."""
        book = self.book
        if trust_book:
            self._held.raise_floor(book.last_diff_uid)
        else:
            self._held.raise_floor(-1)      # (restarts the floor's expiry clock)
        book.mark_unsynced()
        self.state = SyncState.SYNCING
        self.synced_event.clear()
        self._reason = reason
        self._notify(OrderBookTrackerEvent.BookOutOfSync,
                     OrderBookSyncEvent(self.trading_pair, self._clock(), reason, book.last_diff_uid))

    def _synced(self) -> None:
        self.state = SyncState.SYNCED
        self._held.reset_floor()
        self._stale.reset()
        self._request_pending = False
        if self.ever_synced:
            self.metrics.resyncs += 1
            counter = RESYNC_COUNTERS.get(self._reason)
            if counter is not None:
                setattr(self.metrics, counter, getattr(self.metrics, counter) + 1)
        self.ever_synced = True
        self.synced_event.set()
        self.wakeup.set()
        self._wake_waiters()
        self._notify(OrderBookTrackerEvent.BookResynced,
                     OrderBookSyncEvent(self.trading_pair, self._clock(), self._reason, self.book.last_diff_uid))

    # ------------------------------------------------------------ sync points
    def apply_rest_snapshot(self, bids: Any, asks: Any, update_id: Any, checksum: Any, mark: int) -> str:
        """Judge, apply and replay a fetched snapshot (steps 2 and 3); ``mark``: the arrival number
        when it was requested (``ARRIVAL`` stamps the snapshot with it).  Returns ``"synced"``,
        ``"stale"`` (older than the book needs: fetch again after a back-off), ``"refused"`` (the
        book refused its rows: likewise), ``"checksum"`` (the book does not give the checksum of
        the last diff replayed, or of the snapshot when none applied: likewise) or
        ``"replay_failed"`` (a gap inside the buffer: fetch a newer one at once)."""
        if self._rule is _ARRIVAL:
            update_id = mark
        held = self._held
        if not held.accepts(update_id):
            self.metrics.snapshots_stale += 1
            # expected (a snapshot server lagging its stream): counted, DEBUG (issue 21's log rule)
            _log.debug("%s: snapshot %.40r older than the book needs (%r); fetching again",
                       self.trading_pair, update_id, held.required_snapshot_id())
            return "stale"
        if not self._apply_sync_point(bids, asks, update_id):
            return "refused"
        done, last_checksum = held.replay(self.book)
        if not done:
            return "replay_failed"
        expected = checksum if last_checksum is None else last_checksum
        if expected is not None and self._checksum_mismatch(expected):
            # the diffs replayed are gone from the buffer: the next snapshot must cover them
            self.book.mark_unsynced()
            held.raise_floor(self.book.last_diff_uid)
            return "checksum"
        self._synced()
        return "synced"

    def _apply_sync_point(self, bids: Any, asks: Any, update_id: Any) -> bool:
        """Replace the book whatever its ids (what is new enough was judged by the caller) and take up
        the pair's checksum rendering; False (counted, logged) if the book or the source refused."""
        try:
            checksum = self._checksum_source() if self._checksum_source is not None else None
            # a resync snapshot replaces the book whatever its ids (docs/contracts.md, Contract 1)
            self.book.apply_snapshot(bids, asks, update_id, True)
        except Exception as exc:        # noqa: BLE001 - the book is unchanged; this task must not die
            # (rows from a data source may raise anything while read: the pair would stay unsynced)
            self.metrics.snapshot_errors += 1
            _log.warning("%s: snapshot %.40r refused: %s: %s", self.trading_pair, update_id, type(exc).__name__, exc)
            return False
        self._checksum = checksum
        self.metrics.snapshots_applied += 1
        return True

    def on_stream_snapshot(self, bids: Any, asks: Any, update_id: Any, received_at: float,
                           checksum: Any = None) -> None:
        """A snapshot the venue sent on the stream (a ``STREAM_SNAPSHOT`` sync point): it replaces the
        book whatever its ids, the diffs held before it are dropped (it covers them: they came
        earlier on the same stream) and the book is synced; also while synced (a venue may reset a
        book with a new snapshot).  Never raises: a snapshot the book refuses, or whose checksum the
        book does not give, is counted and the pair is subscribed again."""
        if self.state is SyncState.CLOSED:
            return
        if self._rule is _ARRIVAL:
            self._seq += 1
            update_id = self._seq
        was_synced = self.state is _SYNCED
        if not self._apply_sync_point(bids, asks, update_id):
            if was_synced:      # the venue moved to a book this one could not take
                self._lose_sync("gap", False)
            self.start(request=True)
            return
        self._held.clear()
        self._held.reset_floor()
        self._stale.reset()
        if checksum is not None and self._checksum_mismatch(checksum):
            if was_synced:
                self._lose_sync("checksum", False)
            else:
                self.book.mark_unsynced()
            self.start(request=True)
            return
        if not was_synced:
            self._synced()

    def apply_safeguard_snapshot(self, snapshot: OrderBookMessage) -> bool:
        """A periodic refresh: applied only to a synced book it does not step back."""
        if self.state is not SyncState.SYNCED:
            return False
        try:
            if snapshot.update_id < self.book.last_diff_uid:
                self.metrics.snapshots_stale += 1
                return False
            content = snapshot.content
            self.book.apply_snapshot(content["bids"], content["asks"], snapshot.update_id)
            self._stale.reset()
        except Exception as exc:        # noqa: BLE001 - the safeguard loop goes on with the other pairs
            self.metrics.snapshot_errors += 1
            _log.warning("%s: safeguard snapshot refused: %s", self.trading_pair, exc)
            return False
        self.metrics.safeguard_snapshots += 1
        return True
