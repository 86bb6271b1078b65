"""The diffs one pair holds while it resyncs, and which snapshot may be applied over them.

Part of the sync procedure of ``order_book_sync.py`` (steps 2, 3 and 5 there;
docs/contracts.md, "Contract 1: order book sequencing"): the bounded buffer
(oldest dropped first when full, the snapshot must then cover it), the floor
a snapshot must reach (the book's last id after a gap or a dropped stream: a
snapshot never steps a book back; it expires when the venue's snapshots stay
below it for longer than the stale limit while no diff reaches it), and the
replay of the buffer over a fresh snapshot in id order, with the diffs that
came out of the stream's order told apart from true gaps.

A buffered diff is the tuple ``_Diff``: its rows, the ids the sequence rule
gives the book (``book_integrity.py``; -1 when absent), the venue's checksum
(or None), when it was read, and its arrival number.
"""
from __future__ import annotations

import logging
from collections import deque
from typing import Any, Callable, Deque, Optional, Tuple

from hummingbot_conn.core.order_book import DiffResult, OrderBook
from hummingbot_conn.tracking.book_integrity import diff_start
from hummingbot_conn.tracking.order_book_tracker_metrics import OrderBookPairMetrics

__all__ = ["ResyncBuffer"]

_log = logging.getLogger(__name__)

_APPLIED = DiffResult.APPLIED
_GAP = DiffResult.GAP

# (bids, asks, update_id, first_update_id, prev_update_id, checksum, received_at, arrival number)
_Diff = Tuple[Any, Any, Any, Any, Any, Any, float, int]
_UID, _FIRST, _PREV = 2, 3, 4


def _update_id_of(diff: _Diff) -> Any:
    return diff[_UID]


def _start_of(diff: _Diff) -> Any:
    return diff_start(diff[_FIRST], diff[_PREV])


class ResyncBuffer:
    """One pair's held diffs and snapshot floor (module docstring).  ``max_buffered`` >= 1 diffs;
    ``stale_limit``: seconds on ``clock`` after which a floor no snapshot reaches expires."""

    def __init__(self, trading_pair: str, metrics: OrderBookPairMetrics, clock: Callable[[], float], *,
                 max_buffered: int, stale_limit: float) -> None:
        if max_buffered < 1:
            raise ValueError("max_buffered must be >= 1")
        self.trading_pair = trading_pair
        self.metrics = metrics
        self._clock = clock
        self._max = max_buffered
        self._stale_limit = stale_limit
        self.diffs: Deque[_Diff] = deque()
        self._arrivals = 0          # numbers the held diffs in arrival order
        self.floor: Any = -1        # the snapshot must be at least this new
        self._floor_since: Optional[float] = None     # when a snapshot was first refused for the floor alone

    def __len__(self) -> int:
        return len(self.diffs)

    def hold(self, bids: Any, asks: Any, update_id: Any, first_update_id: Any, prev_update_id: Any,
             checksum: Any, received_at: float) -> None:
        """Append a diff; when full, the oldest is dropped and the snapshot must then cover it."""
        self._arrivals += 1
        diffs = self.diffs
        diffs.append((bids, asks, update_id, first_update_id, prev_update_id, checksum, received_at,
                      self._arrivals))
        if len(diffs) > self._max:
            dropped = diffs.popleft()
            # bounded by the next diff's id: a corrupt far-future id must not become the floor
            self.floor = max(self.floor, min(dropped[_UID], diffs[0][_UID] - 1))
            self.metrics.buffer_overflows += 1

    def clear(self) -> None:
        self.diffs.clear()

    def raise_floor(self, update_id: Any) -> None:
        self.floor = max(self.floor, update_id)
        self._floor_since = None

    def reset_floor(self) -> None:
        self.floor = -1
        self._floor_since = None

    # ------------------------------------------------------------ which snapshot is new enough
    def required_snapshot_id(self) -> Any:
        """The oldest snapshot that may be applied: the floor, and the first id of the oldest
        held diff minus one (the buffer is replayed in id order, see ``replay``)."""
        return max(self.floor, self.requirement())

    def requirement(self) -> Any:
        oldest = min((start for start in map(_start_of, self.diffs) if start >= 0), default=-1)
        return oldest - 1 if oldest >= 0 else -1

    def accepts(self, update_id: Any) -> bool:
        """True when a snapshot of ``update_id`` may be applied over what is held."""
        return update_id >= self.required_snapshot_id() or self._floor_outlived(update_id)

    def _floor_outlived(self, update_id: Any) -> bool:
        """True when a snapshot below the floor (and only the floor) is to be applied all the same:
        the venue's snapshots have stayed below it for longer than the stale limit and no diff of
        its stream reached it (``order_book_sync.py``, step 5)."""
        if update_id < self.requirement():
            return False        # the buffer needs a newer one: nothing to do with the floor
        if self.credible_newest_id() >= self.floor:
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
                     "applying snapshot %r", self.trading_pair, self.floor, now - self._floor_since, update_id)
        self.reset_floor()
        return True

    def credible_newest_id(self) -> Any:
        """The newest ``update_id`` among held diffs no later arrival contradicts (one whose first
        id lies beyond a diff that arrived after it is out of the stream's order)."""
        newest: Any = -1
        later_min: Any = None
        for diff in reversed(self.diffs):
            update_id = diff[_UID]
            start = _start_of(diff)
            if start < 0:
                start = update_id
            if later_min is None or start <= later_min:
                newest = max(newest, update_id)
            later_min = update_id if later_min is None else min(later_min, update_id)
        return newest

    # ------------------------------------------------------------ replay
    def replay(self, book: OrderBook) -> Tuple[bool, Any]:
        """Replay what is held over ``book`` (just given a snapshot), in id order.  Returns (True, the
        checksum of the last diff applied or None) when done, (False, None) on a gap: the diffs from
        the gap on stay held and the floor is the book's last id."""
        diffs = self.diffs
        if len(diffs) > 1 and all(type(diff[_UID]) is int for diff in diffs):
            diffs = self.diffs = deque(sorted(diffs, key=_update_id_of))
        metrics = self.metrics
        clock = self._clock
        latest_arrival = 0          # the latest arrival number of the diffs consumed so far
        last_checksum: Any = None
        while diffs:
            bids, asks, update_id, first_update_id, prev_update_id, checksum, received_at, arrival = diffs[0]
            try:
                result = book.apply_diffs(bids, asks, update_id, first_update_id, prev_update_id)
            except Exception as exc:        # noqa: BLE001 - as for the snapshot: refuse it, keep syncing
                metrics.diffs_refused += 1
                _log.warning("%s: buffered diff %.40r refused by the book: %s", self.trading_pair, update_id, exc)
                diffs.popleft()
                continue
            if result is _GAP:
                if arrival < latest_arrival:
                    # diffs that came after it fitted the book before it: not in the stream's order
                    metrics.diffs_refused += 1
                    _log.warning("%s: buffered diff U=%r u=%r pu=%r is out of the stream's order: dropped",
                                 self.trading_pair, first_update_id, update_id, prev_update_id)
                    diffs.popleft()
                    continue
                metrics.gaps += 1
                self.raise_floor(book.last_diff_uid)
                return False, None
            latest_arrival = max(latest_arrival, arrival)
            diffs.popleft()
            if result is _APPLIED:
                metrics.diffs_applied += 1
                metrics.latency.add(clock() - received_at)
                last_checksum = checksum
            else:
                metrics.diffs_stale += 1
        return True, last_checksum
