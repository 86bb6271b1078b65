"""``--metrics-port`` of ``hbconn book`` and ``hbconn demo``: their figures served for Prometheus while they run.

Kept apart from ``hummingbot_conn.metrics`` because that package cannot be
imported without ``prometheus-client``; here its absence becomes one sentence
naming the extra to install.
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional

from hummingbot_conn.cli.edge import CommandError, say

__all__ = ["MetricsEndpoint", "serve_metrics", "require_metrics", "INSTALL_HINT"]

#: how to get the ``metrics`` extra, from a clone (no wheel is published yet) or from a package index
INSTALL_HINT = ("pip install '.[metrics]' from a clone of the repository "
                "(or pip install 'hummingbot-conn[metrics]' where the package comes from an index)")


class MetricsEndpoint:
    """What ``serve_metrics`` started: ``url`` (None when nothing is served) and ``close()``."""

    def __init__(self, server: Any = None, watched: Optional[List[Any]] = None, unregister: Any = None) -> None:
        self._server = server
        self._watched = watched or []
        self._unregister = unregister
        self.url: Optional[str] = None if server is None else server.url

    async def close(self) -> None:
        """Stop exporting and serving (idempotent)."""
        watched, self._watched = self._watched, []
        for obj in watched:
            self._unregister(obj)
        if self._server is not None:
            server, self._server = self._server, None
            await server.close()


def require_metrics(port: Optional[int]) -> None:
    """Raise ``CommandError`` naming the extra to install when ``port`` is given and ``prometheus-client``
    is missing; a command calls it before it starts anything (nothing printed, nothing to stop)."""
    if port is None:
        return
    try:
        from hummingbot_conn import metrics  # noqa: F401 - only to learn whether it imports
    except ImportError:
        raise CommandError("--metrics-port needs the prometheus-client package",
                           f"Install the metrics extra: {INSTALL_HINT}.") from None


async def serve_metrics(port: Optional[int], *, tracker: Any = None, connector: Any = None,
                        venue: str = "binance", out: Callable[[str], None] = say) -> MetricsEndpoint:
    """Serve the figures of ``tracker`` (under ``venue``) and / or ``connector`` at ``http://127.0.0.1:port/metrics``
    until ``close()`` (``port`` 0: a free one; None: nothing is served).  Prints the URL.

    Raises ``CommandError`` when ``prometheus-client`` is missing; ``OSError`` when the port is taken."""
    if port is None:
        return MetricsEndpoint()
    require_metrics(port)
    from hummingbot_conn import metrics

    server = await metrics.start_metrics_server(port)
    endpoint = MetricsEndpoint(server, [], metrics.unregister)
    try:
        if tracker is not None:
            metrics.register_tracker(tracker, venue)
            endpoint._watched.append(tracker)
        if connector is not None:
            metrics.register_connector(connector)
            endpoint._watched.append(connector)
    except BaseException:
        await endpoint.close()
        raise
    out(f"metrics on {endpoint.url}")
    return endpoint
