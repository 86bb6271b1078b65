"""One pair's book kept in sync: buffer, snapshot, replay, live diffs, resync.

The procedure is Binance's (docs/binance_spot.md section 6) stated for any
venue, on the compiled ``OrderBook``'s sequencing (docs/contracts.md,
"Contract 1: order book sequencing"):

1. While the book is not synced, diffs are buffered (the stream is already
   open: the tracker starts a sync only once the subscription is live).
2. A REST snapshot is fetched.  It must cover everything the pair already
   moved past: at least ``U - 1`` of the oldest buffered diff, at least the
   last id the book applied before it lost sync (a snapshot never steps the
   book back), at least the newest diff dropped from a full buffer.  An
   older snapshot is counted (``snapshots_stale``) and fetched again after a
   short back-off; it is never applied.
3. The snapshot is applied and the buffer replayed through ``apply_diffs``:
   diffs it covers come back ``STALE`` and are dropped, the rest apply.  A
   ``GAP`` inside the buffer (a diff lost before the snapshot) keeps the
   diffs from there on and goes back to 2.
4. Live diffs are applied as they arrive; a ``GAP`` puts this pair (only)
   back to 1 with the offending diff as the first buffered one.
5. A synced book must never be provably behind its stream (docs/contracts.md,
   "Contract 1: order book sequencing", the tracker's rule).  ``STALE`` is
   normal for a moment (a duplicate, diffs in flight when a snapshot was
   taken), so this pair goes back to 1 when its ``STALE`` diffs show more:

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

A venue's stream is in id order, so the buffer is replayed sorted by id (a
diff delivered late still applies) and a diff that arrived *before* others it
claims to follow, yet does not fit, is out of the stream's order: a corrupt
frame, dropped (``diffs_refused``) rather than let its ids decide which
snapshot is new enough, which would stall the resync for good.
"""
from __future__ import annotations

import asyncio
import logging
import operator
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Any, Awaitable, Callable, Deque, List, Optional, Tuple

from hummingbot_conn.core.order_book import DiffResult, OrderBook
from hummingbot_conn.core.order_book_message import OrderBookMessage
from hummingbot_conn.tracking.order_book_tracker_metrics import OrderBookPairMetrics
from hummingbot_conn.web.backoff import ExponentialBackoff

__all__ = ["OrderBookPairSync", "OrderBookSyncEvent", "OrderBookTrackerEvent", "SyncState"]

_log = logging.getLogger(__name__)

_APPLIED = DiffResult.APPLIED
_STALE = DiffResult.STALE
_GAP = DiffResult.GAP
_ID_END = 2 ** 63       # the book's ids are int64 (docs/contracts.md, "Contract 1: order book sequencing")

# (bids, asks, update_id, first_update_id, received_at, arrival number)
_Diff = Tuple[Any, Any, int, int, float, int]


def _refused_ids(update_id: Any, first_update_id: Any) -> bool:
    """True for ids the book refuses whatever its state: integers out of int64 or negative,
    ``first_update_id > update_id``, bools.  Other types (numpy integers, integral floats) are
    left to the book's own check at replay."""
    if type(update_id) is bool or type(first_update_id) is bool:
        return True
    try:
        last, first = operator.index(update_id), operator.index(first_update_id)
    except TypeError:
        return False
    return not (0 <= last < _ID_END and -1 <= first <= last)


def _update_id_of(diff: _Diff) -> int:
    return diff[2]


class OrderBookTrackerEvent(Enum):
    """Tags of the tracker's own events (``OrderBookTracker.add_listener``)."""
    BookOutOfSync = 911
    BookResynced = 912


@dataclass(frozen=True, slots=True)
class OrderBookSyncEvent:
    """A pair's book lost sync (``reason``: ``"gap"``, ``"stream_interrupted"``,
    ``"ids_backwards"``, ``"stale_diffs"``: ``order_book_sync.py``, step 5) or
    became synced (``reason``: ``"initial"`` for its first sync, else what
    had broken it).  ``update_id``: the book's last applied id at that moment;
    ``timestamp``: the tracker's clock."""
    trading_pair: str
    timestamp: float
    reason: str
    update_id: int


class SyncState(Enum):
    SYNCING = 1
    SYNCED = 2
    CLOSED = 3


_SYNCED = SyncState.SYNCED      # module constants: the hot path skips the Enum class lookups
_SYNCING = SyncState.SYNCING

# why a pair resynced -> its counter in OrderBookPairMetrics
RESYNC_COUNTERS = {"gap": "resyncs_gap", "stream_interrupted": "resyncs_stream_interrupted",
                   "ids_backwards": "resyncs_ids_backwards", "stale_diffs": "resyncs_stale_diffs"}


class OrderBookPairSync:
    """The sync state machine of one pair (used by ``OrderBookTracker``)."""

    def __init__(self, trading_pair: str, book: OrderBook, metrics: OrderBookPairMetrics, *,
                 fetch_snapshot: Callable[[str], Awaitable[OrderBookMessage]],
                 notify: Callable[[OrderBookTrackerEvent, OrderBookSyncEvent], None],
                 clock: Callable[[], float], sleep: Callable[[float], Awaitable[None]],
                 max_buffered: int = 1000, retry_backoff: Optional[ExponentialBackoff] = None,
                 stale_limit: float = 5.0) -> None:
        if max_buffered < 1:
            raise ValueError("max_buffered must be >= 1")
        if not stale_limit > 0:
            raise ValueError("stale_limit must be > 0 (seconds)")
        self.trading_pair = trading_pair
        self.book = book
        self.metrics = metrics
        self.state = SyncState.SYNCING
        self.ever_synced = False
        self.synced_event = asyncio.Event()
        self._fetch = fetch_snapshot
        self._notify = notify
        self._clock = clock
        self._sleep = sleep
        self._max_buffered = max_buffered
        self._backoff = retry_backoff or ExponentialBackoff(initial=0.05, maximum=5.0)
        self._buffer: Deque[_Diff] = deque()
        self._arrivals = 0          # numbers the buffered diffs in arrival order
        self._floor = -1            # the snapshot must be at least this new
        self._floor_since: Optional[float] = None     # when a snapshot was first refused for the floor alone
        self._stale_limit = stale_limit
        # the current run of STALE diffs (step 5): the book's last id when it began (None: no run),
        # when it began (tracker clock) and the latest STALE id received
        self._run_uid: Any = None
        self._run_started = 0.0
        self._run_last: Any = -1
        self._reason = "initial"
        self._task: Optional[asyncio.Task] = None
        self._waiters: List[asyncio.Future] = []

    # ------------------------------------------------------------ live diffs
    def on_diff(self, bids: Any, asks: Any, update_id: int, first_update_id: int, received_at: float) -> None:
        """Apply (synced) or buffer (syncing) one diff.  Never blocks, never raises for bad rows."""
        state = self.state
        if state is _SYNCED:
            try:
                result = self.book.apply_diffs(bids, asks, update_id, first_update_id)
            except (ValueError, TypeError, OverflowError) as exc:
                # the book is unchanged; the lost update shows as a gap on the next diff
                self.metrics.diffs_refused += 1
                _log.warning("%s: diff %d refused by the book: %s", self.trading_pair, update_id, exc)
                return
            metrics = self.metrics
            if result is _APPLIED:
                metrics.diffs_applied += 1
                metrics.latency.add(self._clock() - received_at)
            elif result is _STALE:
                metrics.diffs_stale += 1
                reason = self._behind(update_id)
                if reason is not None:
                    # the book's last id is what went wrong: it sets no floor
                    self._resync_from(reason, False, (bids, asks, update_id, first_update_id, received_at))
            else:       # GAP (or a book someone else unsynced)
                if result is _GAP:
                    metrics.gaps += 1
                self._resync_from("gap", True, (bids, asks, update_id, first_update_id, received_at))
        elif state is _SYNCING:
            # ids the book would refuse never enter the buffer: they would set what the
            # snapshot must cover (_required_snapshot_id) and stall the resync on a bad frame
            if _refused_ids(update_id, first_update_id):
                self.metrics.diffs_refused += 1
                _log.warning("%s: diff refused while syncing: ids U=%.40r u=%.40r", self.trading_pair,
                             first_update_id, update_id)
                return
            self._arrivals += 1
            buffer = self._buffer
            buffer.append((bids, asks, update_id, first_update_id, received_at, self._arrivals))
            if len(buffer) > self._max_buffered:
                dropped = buffer.popleft()
                # bounded by the next diff's id: a corrupt far-future id must not become the floor
                self._floor = max(self._floor, min(dropped[2], buffer[0][2] - 1))
                self.metrics.buffer_overflows += 1

    def _resync_from(self, reason: str, trust_book: bool, diff: Tuple[Any, Any, Any, Any, float]) -> None:
        """Lose sync for ``reason`` and resync, ``diff`` (the one that showed it) first in the buffer."""
        self._lose_sync(reason, trust_book)
        self._arrivals += 1
        self._buffer.append((*diff, self._arrivals))
        self.start()

    def _behind(self, update_id: Any) -> Optional[str]:
        """Judge a STALE diff (step 5): None while that is normal, else why the book is provably behind."""
        book = self.book
        last = book.last_diff_uid
        now = self._clock()
        if self._run_uid != last:
            # the first STALE diff since the book last changed.  The previous diff of the stream
            # is the book's last one when a diff set it; after a snapshot it is unknown (diffs in
            # flight when the snapshot was taken are older than it, and that is normal)
            previous = last if book.snapshot_uid != last else -1
            self._run_uid, self._run_started = last, now
        else:
            previous = self._run_last
        self._run_last = update_id
        if update_id < previous:
            self.metrics.ids_backwards += 1
            _log.warning("%s: diff %r is below the previous diff %r of its stream: resyncing",
                         self.trading_pair, update_id, previous)
            return "ids_backwards"
        if now - self._run_started > self._stale_limit:
            self.metrics.stale_runs += 1
            _log.warning("%s: diffs stale for %.3gs (the book is at %r, the stream at %r): resyncing",
                         self.trading_pair, now - self._run_started, last, update_id)
            return "stale_diffs"
        return None

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    # ------------------------------------------------------------ sync control
    def start(self) -> None:
        """Start fetching a snapshot unless one is on its way (the stream must be live)."""
        if self.state is SyncState.SYNCING and (self._task is None or self._task.done()):
            self._task = asyncio.ensure_future(self._sync())

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
        # the diffs held so far are superseded: the snapshot must be newer than all of them
        # (those in the stream's order: a corrupt far-future id must not become the floor)
        self._floor = max(self._floor, self._credible_newest_id())
        self._floor_since = None
        self._buffer.clear()

    def close(self) -> None:
        self.state = SyncState.CLOSED
        self._buffer.clear()
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
            self._floor = max(self._floor, book.last_diff_uid)
        self._floor_since = None
        book.mark_unsynced()
        self.state = SyncState.SYNCING
        self.synced_event.clear()
        self._reason = reason
        self._notify(OrderBookTrackerEvent.BookOutOfSync,
                     OrderBookSyncEvent(self.trading_pair, self._clock(), reason, book.last_diff_uid))

    # ------------------------------------------------------------ snapshot + replay
    def _required_snapshot_id(self) -> int:
        """The oldest snapshot that may be applied: the floor, and the first id of the oldest
        buffered diff minus one (the buffer is replayed in id order, see ``_replay``)."""
        return max(self._floor, self._buffer_requirement())

    def _buffer_requirement(self) -> int:
        oldest = min((diff[3] for diff in self._buffer if diff[3] >= 0), default=-1)
        return oldest - 1 if oldest >= 0 else -1

    def _floor_outlived(self, update_id: Any) -> bool:
        """True when a snapshot below the floor (and only the floor) is to be applied all the same:
        the venue's snapshots have stayed below it for longer than ``stale_limit`` and no diff of
        its stream reached it (step 5)."""
        if update_id < self._buffer_requirement():
            return False        # the buffer needs a newer one: nothing to do with the floor
        if self._credible_newest_id() >= self._floor:
            # the stream is past the floor: the snapshots lag behind it (a slow replica), wait
            self._floor_since = None
            return False
        now = self._clock()
        if self._floor_since is None:
            self._floor_since = now
            return False
        if now - self._floor_since <= self._stale_limit:
            return False
        self.metrics.ids_backwards += 1
        _log.warning("%s: the venue's snapshots stayed below id %r for %.3gs (its ids restarted): "
                     "applying snapshot %r", self.trading_pair, self._floor, now - self._floor_since, update_id)
        self._floor = -1
        self._floor_since = None
        return True

    def _credible_newest_id(self) -> int:
        """The newest ``update_id`` among buffered diffs no later arrival contradicts (one whose
        first id lies beyond a diff that arrived after it is out of the stream's order)."""
        newest = -1
        later_min: Any = None
        for diff in reversed(self._buffer):
            update_id, first_update_id = diff[2], diff[3]
            start = first_update_id if first_update_id >= 0 else update_id
            if later_min is None or start <= later_min:
                newest = max(newest, update_id)
            later_min = update_id if later_min is None else min(later_min, update_id)
        return newest

    async def _sync(self) -> None:
        attempt = 0
        while self.state is SyncState.SYNCING:
            try:
                snapshot = await self._fetch(self.trading_pair)
                update_id = snapshot.update_id
                content = snapshot.content
                bids, asks = content["bids"], content["asks"]
            except asyncio.CancelledError:
                raise
            except Exception as exc:        # noqa: BLE001 - network, venue or format: retry with back-off
                self.metrics.snapshot_errors += 1
                _log.warning("%s: snapshot failed (%s: %s); retrying", self.trading_pair, type(exc).__name__, exc)
                await self._sleep(self._backoff.delay(attempt))
                attempt += 1
                continue
            if self.state is not SyncState.SYNCING:
                return
            if update_id < self._required_snapshot_id() and not self._floor_outlived(update_id):
                self.metrics.snapshots_stale += 1
                # expected (a snapshot server lagging its stream): counted, DEBUG (issue 21's log rule)
                _log.debug("%s: snapshot %d older than the book needs (%d); fetching again",
                          self.trading_pair, update_id, self._required_snapshot_id())
                await self._sleep(self._backoff.delay(attempt))
                attempt += 1
                continue
            try:
                # a resync snapshot replaces the book whatever its ids: what is new enough was judged above
                self.book.apply_snapshot(bids, asks, update_id, True)
            except Exception as exc:        # noqa: BLE001 - the book is unchanged; this task must not die
                # (rows from a data source may raise anything while read: the pair would stay unsynced)
                self.metrics.snapshot_errors += 1
                _log.warning("%s: snapshot %d refused by the book: %s", self.trading_pair, update_id, exc)
                await self._sleep(self._backoff.delay(attempt))
                attempt += 1
                continue
            self.metrics.snapshots_applied += 1
            if self._replay():
                self._synced()
                return
            attempt = 0     # a gap inside the buffer: a newer snapshot is needed, fetch it at once

    def _replay(self) -> bool:
        """Replay the buffer over the fresh snapshot; False on a gap (buffer kept from it)."""
        buffer = self._buffer
        if len(buffer) > 1 and all(type(diff[2]) is int for diff in buffer):
            buffer = self._buffer = deque(sorted(buffer, key=_update_id_of))
        book = self.book
        metrics = self.metrics
        clock = self._clock
        latest_arrival = 0          # the latest arrival number of the diffs consumed so far
        while buffer:
            bids, asks, update_id, first_update_id, received_at, arrival = buffer[0]
            try:
                result = book.apply_diffs(bids, asks, update_id, first_update_id)
            except Exception as exc:        # noqa: BLE001 - as for the snapshot: refuse it, keep syncing
                metrics.diffs_refused += 1
                _log.warning("%s: buffered diff %d refused by the book: %s", self.trading_pair, update_id, exc)
                buffer.popleft()
                continue
            if result is _GAP:
                if arrival < latest_arrival:
                    # diffs that came after it fitted the book before it: not in the stream's order
                    metrics.diffs_refused += 1
                    _log.warning("%s: buffered diff U=%r u=%r is out of the stream's order: dropped",
                                 self.trading_pair, first_update_id, update_id)
                    buffer.popleft()
                    continue
                metrics.gaps += 1
                self._floor = max(self._floor, book.last_diff_uid)
                self._floor_since = None
                return False
            latest_arrival = max(latest_arrival, arrival)
            buffer.popleft()
            if result is _APPLIED:
                metrics.diffs_applied += 1
                metrics.latency.add(clock() - received_at)
            else:
                metrics.diffs_stale += 1
        return True

    def _synced(self) -> None:
        self.state = SyncState.SYNCED
        self._floor = -1
        self._floor_since = None
        self._run_uid = None
        if self.ever_synced:
            self.metrics.resyncs += 1
            counter = RESYNC_COUNTERS.get(self._reason)
            if counter is not None:
                setattr(self.metrics, counter, getattr(self.metrics, counter) + 1)
        self.ever_synced = True
        self.synced_event.set()
        self._wake_waiters()
        self._notify(OrderBookTrackerEvent.BookResynced,
                     OrderBookSyncEvent(self.trading_pair, self._clock(), self._reason, self.book.last_diff_uid))

    # ------------------------------------------------------------ safeguard
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
            self._run_uid = None
        except Exception as exc:        # noqa: BLE001 - the safeguard loop goes on with the other pairs
            self.metrics.snapshot_errors += 1
            _log.warning("%s: safeguard snapshot refused: %s", self.trading_pair, exc)
            return False
        self.metrics.safeguard_snapshots += 1
        return True
