"""The venues ``hbconn book`` can watch, by hummingbot's connector names: ``binance`` and ``binance_perpetual``.

A :class:`BookVenue` holds what differs between them: how URLs become the
connector's endpoints, the exchangeInfo request, which symbols are tradable,
the order book data source, which socket carries the depth diffs, and the
simulator that stands in for the venue when no URL is given (started with
background traders). Everything else (the tracker, the view, the checks) is
the same for every venue.

Which part failed is named by :func:`probe_rest` and :func:`probe_stream`: the
REST API (exchangeInfo) and the depth stream are tried one after the other
before any book is tracked, so a dead URL is reported as that URL, never as a
refused pair.
"""
from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Dict, Iterator, Mapping, Optional, Sequence

import aiohttp

from hummingbot_conn.cli_edge import CommandError
from hummingbot_conn.exchanges.binance import binance_constants as SPOT, binance_web_utils as spot_web
from hummingbot_conn.exchanges.binance.binance_api_order_book_data_source import (
    BinanceAPIOrderBookDataSource,
    symbol_map_from_exchange_info,
)
from hummingbot_conn.exchanges.binance_perpetual import (
    binance_perpetual_constants as PERP,
    binance_perpetual_web_utils as perp_web,
)
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_api_order_book_data_source import (
    BinancePerpetualAPIOrderBookDataSource,
)
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource
from hummingbot_conn.web.errors import ExchangeError
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = ["BookVenue", "VENUES", "venue_named", "probe_rest", "probe_stream"]

#: seconds a probe may take to connect (the tracker's own connections use the same bound)
PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class BookVenue:
    """One venue's facts for ``hbconn book`` (see the module doc)."""

    name: str                           # hummingbot's connector name
    title: str
    rest_example: str                   # the live venue's URLs, for the help and the hints
    stream_example: str
    exchange_info_path: str             # also the throttler's limit id
    endpoints: Callable[[str, str], Any]        # (REST base, stream base) -> endpoints
    local: Callable[[str], Any]                 # "127.0.0.1:PORT" -> endpoints of a simulator
    factory: Callable[[], WebAssistantsFactory]
    symbol_map: Callable[[Mapping[str, Any]], Dict[str, str]]
    data_source: Callable[[Sequence[str], Any, WebAssistantsFactory, Dict[str, str]], OrderBookTrackerDataSource]
    depth_stream_url: Callable[[Any], str]      # the socket the data source opens for depth diffs

    def rest_url(self, endpoints: Any) -> str:
        return endpoints.rest_url(self.exchange_info_path)

    @contextlib.asynccontextmanager
    async def simulator(self, seed: int) -> AsyncIterator[Any]:
        """This venue's simulator with background traders, started on a free port of 127.0.0.1."""
        # imported here: only a run without URLs needs the simulator
        from hummingbot_conn.sim import SimulatedExchange
        from hummingbot_conn.sim.futures import SimulatedFuturesExchange

        traders = {"rate": 20.0, "volatility": 0.0005, "seed_levels": 20}
        cls = SimulatedFuturesExchange if self.name == "binance_perpetual" else SimulatedExchange
        async with cls(seed=seed, traders=traders) as sim:
            yield sim


def _perp_symbol_map(info: Mapping[str, Any]) -> Dict[str, str]:
    # the data source's own filter: tradable perpetuals (delivery contracts share base and quote names)
    return {s["symbol"]: f"{s['baseAsset']}-{s['quoteAsset']}" for s in info.get("symbols", ())
            if isinstance(s, dict) and perp_web.is_exchange_information_valid(s)}


VENUES: Dict[str, BookVenue] = {
    "binance": BookVenue(
        "binance", "Binance spot", "https://api.binance.com", "wss://stream.binance.com:9443",
        SPOT.EXCHANGE_INFO_PATH_URL,
        endpoints=lambda rest, stream: SPOT.BinanceEndpoints(rest=rest, stream=stream, ws_api=stream),
        local=SPOT.BinanceEndpoints.local,
        factory=lambda: spot_web.build_api_factory_without_time_synchronizer_pre_processor(
            spot_web.create_throttler()),
        symbol_map=symbol_map_from_exchange_info,
        data_source=lambda pairs, endpoints, factory, symbols: BinanceAPIOrderBookDataSource(
            pairs, domain=endpoints, api_factory=factory, symbol_map=symbols),
        depth_stream_url=lambda endpoints: endpoints.stream_url()),
    "binance_perpetual": BookVenue(
        "binance_perpetual", "Binance USDⓈ-M perpetuals", "https://fapi.binance.com", "wss://fstream.binance.com",
        PERP.EXCHANGE_INFO_URL,
        endpoints=lambda rest, stream: PERP.BinancePerpetualEndpoints(rest=rest, stream=stream),
        local=PERP.BinancePerpetualEndpoints.local,
        factory=lambda: WebAssistantsFactory(throttler=perp_web.create_throttler(),
                                             used_weight_headers=PERP.USED_WEIGHT_HEADERS),
        symbol_map=_perp_symbol_map,
        data_source=lambda pairs, endpoints, factory, symbols: BinancePerpetualAPIOrderBookDataSource(
            pairs, domain=endpoints, api_factory=factory, symbol_map=symbols),
        depth_stream_url=lambda endpoints: f"{endpoints.stream.rstrip('/')}/public/ws"),
}


def venue_named(text: str) -> BookVenue:
    """``"binance"``, ``"binance_perpetual"`` (a dash is read as ``_``); ``ValueError`` names the known ones."""
    venue = VENUES.get(text.strip().lower().replace("-", "_"))
    if venue is None:
        raise ValueError(f"unknown venue {text!r}; choose {' or '.join(VENUES)}")
    return venue


async def probe_rest(venue: BookVenue, factory: WebAssistantsFactory, endpoints: Any) -> Dict[str, Any]:
    """The venue's exchangeInfo document; ``CommandError`` naming the REST URL when it cannot be had."""
    url = venue.rest_url(endpoints)
    hint = f"Check --rest-url: the REST base URL, e.g. {venue.rest_example}."
    rest = await factory.get_rest_assistant()
    try:
        info = await rest.execute_request(url, venue.exchange_info_path)
    except OSError as err:      # the web layer's errors are OSErrors (web/errors.py)
        raise CommandError(f"the REST API failed: {url}: {_reason(err)}", hint, status=1) from err
    if not isinstance(info, dict) or not isinstance(info.get("symbols"), list):
        raise CommandError(f"the REST API failed: {url} did not answer with an exchangeInfo document", hint,
                           status=1)
    return info


async def probe_stream(venue: BookVenue, factory: WebAssistantsFactory, endpoints: Any,
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
