"""The ``nats-py`` client, imported on first use with a one-sentence hint when it is missing.

The bus is an option for scale (docs/bus.md): without it installed the rest of
the library works as before, and only a caller that asks for the bus is told
to install the ``nats`` extra.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

__all__ = ["NATS_HINT", "DIRECT_WRITE_LIMIT", "connect", "nats_module", "publish_now", "redact_url"]

# bytes the socket may hold unsent before publish_now leaves a message to the client's own
# buffered path (which waits for the socket to drain): a stalled server never grows memory here
DIRECT_WRITE_LIMIT = 1 << 20

NATS_HINT = "the market-data bus needs nats-py: pip install 'hummingbot-conn[nats]'"


def nats_module() -> Any:
    """The ``nats`` package; ``ImportError`` naming the extra when it is not installed."""
    try:
        import nats
    except ImportError as exc:      # pragma: no cover - depends on the environment
        raise ImportError(NATS_HINT) from exc
    return nats


def redact_url(url: str) -> str:
    """``url`` fit to print: a user name kept, a password or token replaced by ``***``
    (``nats://feed:secret@host:4222`` -> ``nats://feed:***@host:4222``; docs/bus.md, "Who may publish").

    Every URL of a comma-separated list is redacted, with or without its scheme (``nats-py`` takes
    ``feed:secret@host:4222``), and the user information ends at the last ``@`` of the URL: a
    password may hold ``/``, ``?``, ``#`` or ``@``, and over-redacting a path is harmless."""
    return ",".join(_redact_one(part) for part in _URL_START.split(url))


# a "," that starts another URL of a list (a "," inside a password is followed by no scheme)
_URL_START = re.compile(r",(?=[A-Za-z][A-Za-z0-9+.-]*://)")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _redact_one(url: str) -> str:
    scheme = _SCHEME.match(url)
    head = scheme.group(0) if scheme else ""
    userinfo, at, hostport = url[len(head):].rpartition("@")
    if not at:
        return url
    user, colon, _secret = userinfo.partition(":")
    shown = f"{user}:***" if colon else "***"      # a lone token is the secret itself
    return f"{head}{shown}@{hostport}"


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
        raise ConnectionError(f"no NATS server answers at {redact_url(url)} ({reason})") from None
    return client


def publish_now(client: Any, subject: str, payload: bytes) -> bool:
    """Write ``PUB subject payload`` to ``client``'s socket in this step of the event loop; ``False``
    (nothing written) when that is not safe, and the caller publishes through the client as usual.

    Why: ``nats-py`` queues every publish for a flusher task that runs only when the publishing
    task yields.  A feed that reads a burst of venue frames without yielding (aiohttp hands
    buffered frames over without a loop turn) would hold every message of the burst until the
    last frame is done: the first pair waits for the hundredth (docs/bus.md, "Latency").

    Safe means: connected over plain TCP, nothing of the client's own still waiting to be written
    (a message written here never overtakes one published before it), the socket's unsent bytes
    under ``DIRECT_WRITE_LIMIT`` and the payload within the server's limit.  ``subject`` must be a
    valid subject (``wire.Subjects`` makes them).  The client's ``out_msgs`` / ``out_bytes``
    figures count the message as its own ``publish`` would."""
    transport = getattr(client, "_transport", None)
    writer = getattr(transport, "_io_writer", None)
    if (writer is None or type(transport).__name__ != "TcpTransport" or not client.is_connected
            or client.is_draining or getattr(client, "_pending_data_size", 1) != 0
            or len(payload) > client.max_payload):
        return False
    sock = writer.transport
    if sock is None or sock.is_closing() or sock.get_write_buffer_size() > DIRECT_WRITE_LIMIT:
        return False
    writer.write(b"PUB %s %d\r\n%s\r\n" % (subject.encode(), len(payload), payload))
    client.stats["out_msgs"] += 1
    client.stats["out_bytes"] += len(payload)
    return True
