"""The ``nats-py`` client, imported on first use with a one-sentence hint when it is missing.

The bus is an option for scale (docs/bus.md): without it installed the rest of
the library works as before, and only a caller that asks for the bus is told
to install the ``nats`` extra.
"""
from __future__ import annotations

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


async def connect(url: str, *, name: str, **callbacks: Any) -> Any:
    """A connected client (``nats.aio.client.Client``) that reconnects for ever, quickly.

    ``callbacks``: ``disconnected_cb``, ``reconnected_cb``, ``error_cb`` ... passed through.  Raises what
    ``nats.connect`` raises when the first connection fails (``OSError``, ``nats.errors.NoServersError``)."""
    nats = nats_module()
    # reconnects without end and at a short pace: a book out of sync while the server is away is
    # counted and repaired, but only once the client is back (docs/bus.md, "Faults")
    return await nats.connect(url, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.2,
                              allow_reconnect=True, connect_timeout=2, **callbacks)
