"""Step 5 of the sync procedure (``order_book_sync.py``): when ``STALE`` diffs prove a synced book behind.

``STALE`` is normal for a moment (a duplicate, diffs in flight when a snapshot
was taken).  A run of them shows more (docs/contracts.md, "Contract 1: order
book sequencing", the tracker's rule) when

* a diff's ``update_id`` is below the previous diff's on the stream
  (``"ids_backwards"``): the venue restarted its ids, or the book took a
  far-future id that froze it;
* the run lasts longer than ``stale_limit`` seconds of the tracker's clock
  (``"stale_diffs"``): the book's ids ran ahead of the venue's.
"""
import logging
from typing import Any, Callable, Optional

from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.tracking.order_book_tracker_metrics import OrderBookPairMetrics

__all__ = ["StaleDiffs"]

_log = logging.getLogger(__name__)


class StaleDiffs:
    """The current run of ``STALE`` diffs of one pair, judged diff by diff (see the module).

    ``clock``: the tracker's (seconds); ``stale_limit``: seconds, > 0 (checked by the caller).
    Each finding is counted in ``metrics`` (``ids_backwards``, ``stale_runs``) and logged.
    """

    __slots__ = ("_trading_pair", "_metrics", "_clock", "_stale_limit", "_run_uid", "_run_started", "_run_last")

    def __init__(self, trading_pair: str, metrics: OrderBookPairMetrics, clock: Callable[[], float],
                 stale_limit: float) -> None:
        self._trading_pair = trading_pair
        self._metrics = metrics
        self._clock = clock
        self._stale_limit = stale_limit
        # the book's last id when the run began (None: no run), when it began (tracker clock)
        # and the latest STALE id received
        self._run_uid: Any = None
        self._run_started = 0.0
        self._run_last: Any = -1

    def reset(self) -> None:
        """The book was replaced or synced: the next ``STALE`` diff begins a new run."""
        self._run_uid = None

    def judge(self, book: OrderBook, update_id: Any) -> Optional[str]:
        """A ``STALE`` diff ``update_id`` of ``book``: None while that is normal, else why the book is
        provably behind (``"ids_backwards"`` or ``"stale_diffs"``)."""
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
            self._metrics.ids_backwards += 1
            _log.warning("%s: diff %r is below the previous diff %r of its stream: resyncing",
                         self._trading_pair, update_id, previous)
            return "ids_backwards"
        if now - self._run_started > self._stale_limit:
            self._metrics.stale_runs += 1
            _log.warning("%s: diffs stale for %.3gs (the book is at %r, the stream at %r): resyncing",
                         self._trading_pair, now - self._run_started, last, update_id)
            return "stale_diffs"
        return None
