"""Watching a bot from outside: its health figures as Prometheus metrics (docs/metrics.md).

Three lines in a bot, inside the event loop that runs its connector::

    from hummingbot_conn.metrics import register_connector, start_metrics_server
    register_connector(connector)                       # books, orders, rate limits, user stream, reconcile
    server = await start_metrics_server(9464)           # http://127.0.0.1:9464/metrics; await server.close()

``register_tracker(tracker, venue)`` exports an ``OrderBookTracker`` alone.
The figures are read when Prometheus scrapes, never per frame: the trackers
and the connector keep counting as they always do.

Needs the ``metrics`` extra, which brings ``prometheus-client``: ``pip install
'.[metrics]'`` from a clone of the repository (or ``pip install
'hummingbot-conn[metrics]'`` where the package comes from an index); importing
``hummingbot_conn`` itself never does.
"""
try:
    import prometheus_client  # noqa: F401 - only to name the extra when it is missing
except ImportError as exc:  # pragma: no cover - exercised by a subprocess test
    raise ImportError(
        "hummingbot_conn.metrics needs the prometheus-client package: install the metrics extra, "
        "pip install '.[metrics]' from a clone of the repository "
        "(or pip install 'hummingbot-conn[metrics]' where the package comes from an index)") from exc

from hummingbot_conn.metrics.figures import CATALOG, MetricSpec
from hummingbot_conn.metrics.prometheus import (
    HbconnCollector,
    collector_for,
    register_connector,
    register_tracker,
    unregister,
)
from hummingbot_conn.metrics.server import MetricsServer, start_metrics_server

__all__ = [
    "CATALOG", "HbconnCollector", "MetricSpec", "MetricsServer", "collector_for", "register_connector",
    "register_tracker", "start_metrics_server", "unregister",
]
