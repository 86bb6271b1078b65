"""Trackers: the connector's view of its orders, order books and account stream."""
from hummingbot_conn.tracking.book_integrity import BookIntegrity, SequenceRule, SyncPoint
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker
from hummingbot_conn.tracking.client_order_tracker_metrics import ClientOrderTrackerMetrics
from hummingbot_conn.tracking.order_book_sync import OrderBookSyncEvent, OrderBookTrackerEvent
from hummingbot_conn.tracking.order_book_tracker import OrderBookTracker
from hummingbot_conn.tracking.order_book_tracker_data_source import (
    OrderBookMessageSink,
    OrderBookTrackerDataSource,
    SubscriptionError,
    UnknownTradingPairError,
)
from hummingbot_conn.tracking.order_book_tracker_metrics import (
    LatencyStats,
    OrderBookPairMetrics,
    OrderBookTrackerMetrics,
)
from hummingbot_conn.tracking.user_stream_tracker import UserStreamTracker
from hummingbot_conn.tracking.user_stream_tracker_data_source import (
    ConnectionListener,
    UserStreamOverflowError,
    UserStreamTrackerDataSource,
)

__all__ = [
    "BookIntegrity", "SequenceRule", "SyncPoint",
    "ClientOrderTracker", "ClientOrderTrackerMetrics", "ConnectionListener", "LatencyStats", "OrderBookMessageSink",
    "OrderBookPairMetrics", "OrderBookSyncEvent", "OrderBookTracker", "OrderBookTrackerDataSource",
    "OrderBookTrackerEvent", "OrderBookTrackerMetrics", "SubscriptionError", "UnknownTradingPairError",
    "UserStreamOverflowError", "UserStreamTracker", "UserStreamTrackerDataSource",
]
