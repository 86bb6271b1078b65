"""The ``nats-py`` client, imported on first use with a one-sentence hint when it is missing.

The bus is an option for scale (docs/bus.md): without it installed the rest of
the library works as before, and only a caller that asks for the bus is told
to install the ``nats`` extra.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any

__all__ = ["NATS_HINT", "connect", "nats_module"]

NATS_HINT = "the market-data bus needs nats-py: pip install 'hummingbot-conn[nats]'"


def nats_module() -> Any:
    """The ``nats`` package; ``ImportError`` naming the extra when it is not installed."""
    try:
        import nats
    except ImportError as exc:      # pragma: no cover - depends on the environment
        raise ImportError(NATS_HINT) from exc
    return nats


async def connect(url: str, *, name: str, first_timeout: float = 5.0, **callbacks: Any) -> Any:
    """A connected client (``nats.aio.client.Client``) that, once connected, reconnects for ever, quickly.

    ``callbacks``: ``disconnected_cb``, ``reconnected_cb``, ``error_cb`` ... passed through.  Raises
    ``ConnectionError`` naming ``url`` when no server answers within ``first_timeout`` seconds (the
    client would otherwise keep trying its first connection for ever)."""
    nats = nats_module()
    client = nats.NATS()
    try:
        async with asyncio.timeout(first_timeout):
            # reconnects without end and at a short pace: a book out of sync while the server is away
            # is counted and repaired, but only once the client is back (docs/bus.md, "Gap recovery")
            await client.connect(url, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.2,
                                 allow_reconnect=True, connect_timeout=2, **callbacks)
    except (TimeoutError, OSError, nats.errors.Error) as exc:
        with contextlib.suppress(Exception):
            await client.close()
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else f"nothing within {first_timeout:g} s"
        raise ConnectionError(f"no NATS server answers at {url} ({reason})") from None
    return client
