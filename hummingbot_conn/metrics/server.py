"""``start_metrics_server``: the Prometheus endpoint, served by aiohttp on the bot's own event loop.

Served on the loop (not a thread) so each scrape reads the figures where they
live, between two of the bot's callbacks: nothing changes under the reader,
and no lock sits on the hot path.  A scrape costs the loop the time to format
the figures (about 1 ms for a connector trading three pairs, docs/metrics.md).
"""
from __future__ import annotations

from typing import Optional

from aiohttp import web
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import REGISTRY, CollectorRegistry

__all__ = ["MetricsServer", "start_metrics_server"]


class MetricsServer:
    """A running endpoint: ``url`` (``http://addr:port/metrics``), ``port`` (the bound one when 0 was asked),
    ``await close()`` to stop it."""

    def __init__(self, runner: web.AppRunner, addr: str, port: int) -> None:
        self._runner = runner
        self.addr = addr
        self.port = port

    @property
    def url(self) -> str:
        host = f"[{self.addr}]" if ":" in self.addr else self.addr
        return f"http://{host}:{self.port}/metrics"

    async def close(self) -> None:
        """Stop serving (idempotent)."""
        await self._runner.cleanup()

    async def __aenter__(self) -> "MetricsServer":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def start_metrics_server(port: int = 0, addr: str = "127.0.0.1", *,
                               registry: Optional[CollectorRegistry] = None) -> MetricsServer:
    """Serve ``registry`` (default ``prometheus_client.REGISTRY``, where ``register_*`` put the figures) at
    ``http://addr:port/metrics`` on the running event loop, in Prometheus' text format (OpenMetrics when the
    scraper asks for it).

    ``port`` 0 binds a free port (``MetricsServer.port`` tells which).  ``addr`` defaults to loopback: the
    figures name the bot's pairs and venues, so exposing them further is the caller's explicit choice.
    Raises ``ValueError`` for a port outside 0..65535 and ``OSError`` when the address cannot be bound
    (e.g. the port is taken)."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an int in 0..65535, got {port!r}")
    served = REGISTRY if registry is None else registry

    async def metrics(request: web.Request) -> web.Response:
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encoder(served), headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, addr, port)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    # the port bound (port 0 asked for a free one); an IPv6 address is (host, port, flow, scope)
    bound = runner.addresses[0][1] if runner.addresses else port
    return MetricsServer(runner, addr, bound)
