"""Trackers: the connector's view of its orders, order books and account stream."""
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker
from hummingbot_conn.tracking.user_stream_tracker import UserStreamTracker
from hummingbot_conn.tracking.user_stream_tracker_data_source import (
    ConnectionListener, UserStreamOverflowError, UserStreamTrackerDataSource,
)

__all__ = [
    "ClientOrderTracker", "ConnectionListener", "UserStreamOverflowError", "UserStreamTracker",
    "UserStreamTrackerDataSource",
]
