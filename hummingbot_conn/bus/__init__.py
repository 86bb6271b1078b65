"""One market-data feed for many bots over NATS (docs/bus.md).

* ``BookFeed``: runs a venue's data source and tracker once and publishes each pair's book
  changes, snapshots on request and a heartbeat (``hbconn feed`` runs one);
* ``NatsOrderBookDataSource``: a data source fed by that feed, for any ``OrderBookTracker``.

The bus needs ``nats-py`` (``pip install 'hummingbot-conn[nats]'``); importing this package
does not, only connecting does.
"""
from hummingbot_conn.bus.data_source import NatsOrderBookDataSource
from hummingbot_conn.bus.feed import BookFeed, FeedTracker
from hummingbot_conn.bus.wire import BusMessageError, Subjects

__all__ = ["BookFeed", "BusMessageError", "FeedTracker", "NatsOrderBookDataSource", "Subjects"]
