"""The probes of ``hbconn book``: before any book is tracked, which part of a venue answers.

The REST API (exchangeInfo) and then the depth stream are tried one after the
other, so a dead URL is reported as that URL (:class:`CommandError` with the
reason in words and the option to check), never as a refused pair or a book
that does not sync. What to ask of each venue comes from its
:class:`~hummingbot_conn.cli.venues.Venue`.
"""
from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from typing import Any, Dict, Iterator, Optional

import aiohttp

from hummingbot_conn.cli.edge import CommandError
from hummingbot_conn.cli.venues import Venue
from hummingbot_conn.web.errors import ExchangeError
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = ["PROBE_TIMEOUT", "probe_rest", "probe_stream"]

#: seconds a probe may take to connect (the tracker's own connections use the same bound)
PROBE_TIMEOUT = 10.0


async def probe_rest(venue: Venue, factory: WebAssistantsFactory, endpoints: Any) -> Dict[str, Any]:
    """The venue's exchangeInfo document; ``CommandError`` naming the REST URL when it cannot be had."""
    url = venue.rest_url(endpoints)
    hint = f"Check --rest-url: the REST base URL, e.g. {venue.rest_example}."
    rest = await factory.get_rest_assistant()
    try:
        info = await rest.execute_request(url, venue.exchange_info_path)
    except OSError as err:      # the web layer's errors are OSErrors (web/errors.py)
        raise CommandError(f"the REST API failed: {url}: {_reason(err)}", hint, status=1) from err
    if not venue.document_ok(info):
        raise CommandError(f"the REST API failed: {url} did not answer with an exchangeInfo document", hint,
                           status=1)
    return info


async def probe_stream(venue: Venue, factory: WebAssistantsFactory, endpoints: Any,
                       timeout: float = PROBE_TIMEOUT) -> None:
    """Open and close the depth socket the data source will open; ``CommandError`` naming its URL on failure."""
    url = venue.depth_stream_url(endpoints)
    ws = await factory.get_ws_assistant()
    try:
        async with asyncio.timeout(timeout):
            await ws.connect(url, ping_timeout=None)
    except (OSError, aiohttp.ClientError, asyncio.TimeoutError) as err:
        raise CommandError(f"the market stream failed: {url}: {_reason(err)}",
                           f"Check --stream-url: the market streams' base URL, e.g. {venue.stream_example} "
                           "(the REST API answered).", status=1) from err
    finally:
        with contextlib.suppress(Exception):        # a half-open socket must not hide the probe's verdict
            await ws.disconnect()


def _reason(err: BaseException) -> str:
    """What went wrong, in words (the URL is said by the caller)."""
    if isinstance(err, (asyncio.TimeoutError, TimeoutError)):
        return "no answer in time"
    if isinstance(err, aiohttp.WSServerHandshakeError):
        return f"not a WebSocket endpoint (HTTP {err.status})"
    if isinstance(err, ExchangeError):
        return f"HTTP {err.status}" + (f", code {err.code}" if err.code is not None else "") + f": {err.msg}"
    for cause in _chain(err):
        os_error = getattr(cause, "os_error", cause)        # aiohttp wraps the socket's error
        if isinstance(os_error, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(os_error, OSError) and os_error.errno == errno.ECONNREFUSED:
            return "connection refused (nothing listens there)"
        if isinstance(os_error, OSError) and os_error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return "the host is unreachable"
    text = str(err) or type(err).__name__
    # the REST layer's errors begin with "METHOD URL: ", which the caller says already
    method, _, rest = text.partition(" ")
    if method.isupper() and ": " in rest:
        text = rest.split(": ", 1)[1]
    return text


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: set = set()
    current: Optional[BaseException] = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
