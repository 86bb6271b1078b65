"""What a pair's sync procedure tells the tracker's listeners, and the states it moves through.

Split from ``order_book_sync.py`` (the procedure itself); importable from there and from
``hummingbot_conn.tracking`` as before.
"""
from dataclasses import dataclass
from enum import Enum

__all__ = ["OrderBookSyncEvent", "OrderBookTrackerEvent", "RESYNC_COUNTERS", "SyncState"]


class OrderBookTrackerEvent(Enum):
    """Tags of the tracker's own events (``OrderBookTracker.add_listener``)."""
    BookOutOfSync = 911
    BookResynced = 912


@dataclass(frozen=True, slots=True)
class OrderBookSyncEvent:
    """A pair's book lost sync (``reason``: ``"gap"``, ``"stream_interrupted"``,
    ``"ids_backwards"``, ``"stale_diffs"``: ``order_book_sync.py``, step 5;
    ``"checksum"``: step 4) or became synced (``reason``: ``"initial"`` for its
    first sync, else what had broken it).  ``update_id``: the book's last
    applied id at that moment; ``timestamp``: the tracker's clock."""
    trading_pair: str
    timestamp: float
    reason: str
    update_id: int


class SyncState(Enum):
    SYNCING = 1
    SYNCED = 2
    CLOSED = 3


# why a pair resynced -> its counter in OrderBookPairMetrics
RESYNC_COUNTERS = {"gap": "resyncs_gap", "stream_interrupted": "resyncs_stream_interrupted",
                   "ids_backwards": "resyncs_ids_backwards", "stale_diffs": "resyncs_stale_diffs",
                   "checksum": "resyncs_checksum"}
