"""Trackers: the connector's view of its orders, order books and (from other modules) the user stream."""
from hummingbot_conn.tracking.order_book_sync import OrderBookSyncEvent, OrderBookTrackerEvent
from hummingbot_conn.tracking.order_book_tracker import OrderBookTracker
from hummingbot_conn.tracking.order_book_tracker_data_source import (
    OrderBookMessageSink, OrderBookTrackerDataSource, SubscriptionError, UnknownTradingPairError,
)
from hummingbot_conn.tracking.order_book_tracker_metrics import (
    LatencyStats, OrderBookPairMetrics, OrderBookTrackerMetrics,
)

__all__ = [
    "LatencyStats", "OrderBookMessageSink", "OrderBookPairMetrics", "OrderBookSyncEvent", "OrderBookTracker",
    "OrderBookTrackerDataSource", "OrderBookTrackerEvent", "OrderBookTrackerMetrics", "SubscriptionError",
    "UnknownTradingPairError",
]
