"""``hbconn book PAIR [PAIR ...]``: watch live order books through the ``OrderBookTracker``.

``--venue`` names the market by hummingbot's connector name: ``binance``
(spot, the default) or ``binance_perpetual`` (USDⓈ-M perpetuals); see
``cli/venues.py``. Any venue of that kind (``--rest-url`` and
``--stream-url``), or by default that venue's simulator started in this
process with background traders. Before tracking, the REST API and then the
depth stream are tried, so a dead URL is named as such. The books are kept
by the library's tracker with the venue's data source (snapshot, buffered
diffs, gap detection and resync); the view is a
live ladder per pair with its health figures (``hummingbot_conn.cli.live_view``),
or plain lines with ``--no-ui`` and whenever stdout is not a terminal.
Ctrl+C stops it; the last ladder of each pair is printed on the way out.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence
from urllib.parse import urlsplit

from hummingbot_conn.cli import event_loop
from hummingbot_conn.cli.edge import (
    CommandError,
    CommandParser,
    alternatives,
    configure_logging,
    port_number,
    positive_float,
    run_command,
    say,
)
from hummingbot_conn.cli.live_view import (
    PairFormat,
    RateMeter,
    health_line,
    ladder_lines,
    read_health,
    read_top,
    sample_diffs,
    top_line,
)
from hummingbot_conn.cli.metrics_port import require_metrics, serve_metrics
from hummingbot_conn.cli.probes import probe_rest, probe_stream
from hummingbot_conn.cli.venues import VENUES, Venue, venue_named, venues_for
from hummingbot_conn.tracking.order_book_tracker import OrderBookTracker

_PROG = "hbconn book"
SAMPLE_EVERY = 0.25         # seconds between looks at the tracker's counters (and live view frames)
#: the simulator's background traders when no URL is given: a market that moves, on a few levels
TRADERS = {"rate": 20.0, "volatility": 0.0005, "seed_levels": 20}


def resolve_pairs(wanted: Sequence[str], symbol_map: Dict[str, str]) -> List[str]:
    """User spellings (``BTC-USDT``, ``btcusdt``, ``BTC/USDT``) -> trading pairs the venue lists.

    Raises ``CommandError`` naming the unknown ones and the known pairs.
    """
    by_key: Dict[str, str] = {}
    for symbol, pair in symbol_map.items():
        by_key[symbol.upper()] = pair
        by_key[pair.replace("-", "").upper()] = pair
    out: List[str] = []
    unknown: List[str] = []
    for text in wanted:
        key = text.strip().upper().replace("-", "").replace("/", "").replace("_", "")
        found = by_key.get(key)
        if found is None:
            unknown.append(text)
        elif found not in out:
            out.append(found)
    if unknown:
        known = sorted(symbol_map.values())
        listed = ", ".join(known[:30]) + (f" and {len(known) - 30} more" if len(known) > 30 else "")
        raise CommandError(f"unknown pair{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}",
                           f"The venue lists {listed}.")
    return out


class LinesAbove:
    """Says the lines printed before a live view, each cut to ``width`` columns, and counts them.

    A line printed above a live view pushes it down: wrapped, or one row too many, it scrolled the
    view's top rows off a 24-line terminal. Cut to the width, each takes one row, and the view is laid
    out for the rows left (``count`` fewer)."""

    def __init__(self, width: int, out: Callable[[str], None] = say) -> None:
        self.width, self.count, self._out = max(1, width), 0, out

    def __call__(self, line: str) -> None:
        self._out(line if len(line) <= self.width else line[:self.width - 1] + "…")
        self.count += 1


async def watch(venue: Venue, endpoints, wanted: Sequence[str], *, levels: int, duration: Optional[float],
                ui: bool, interval: float, sync_timeout: float, out: Callable[[str], None] = say,
                stop: Optional[asyncio.Event] = None, metrics_port: Optional[int] = None,
                console: Optional[Any] = None) -> int:
    """Track ``wanted`` pairs of ``venue`` at ``endpoints`` until ``duration`` seconds pass or ``stop`` is set;
    with ``metrics_port``, serve the tracker's figures for Prometheus on 127.0.0.1 meanwhile.

    ``ui``: a live view on ``console`` (a rich ``Console``; None: the terminal's), laid out for the rows
    that ``out`` left when it is a :class:`LinesAbove`.
    ``CommandError`` names the part that failed: the REST API, an unknown pair, the depth stream, a book.
    """
    stop = stop or asyncio.Event()
    factory = venue.factory()
    async with factory:
        info = await probe_rest(venue, factory, endpoints)
        symbol_map, formats = venue.symbol_map(info), venue.formats(info)
        pairs = resolve_pairs(wanted, symbol_map)
        await probe_stream(venue, factory, endpoints)
        pair_to_symbol = {pair: symbol for symbol, pair in symbol_map.items()}
        fmt = {pair: formats.get(pair_to_symbol[pair], PairFormat()) for pair in pairs}
        tracker = OrderBookTracker(venue.data_source(pairs, endpoints, factory, symbol_map), pairs)
        endpoint = await serve_metrics(metrics_port, tracker=tracker, out=out)
        tracker.start()
        meter = RateMeter(time.monotonic)
        sampler = asyncio.ensure_future(_sample(tracker, meter))
        try:
            await _wait_synced(tracker, pairs, sync_timeout, stop, venue.depth_stream_url(endpoints))
            if ui:
                above = out.count if isinstance(out, LinesAbove) else 0
                await _live(tracker, pairs, fmt, meter, levels, duration, stop, console, above)
            else:
                await _plain(tracker, pairs, fmt, meter, duration, interval, stop, out)
        finally:
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
            await tracker.stop()
            await endpoint.close()
        for pair in pairs if not ui else ():    # the live view leaves its last frame on screen
            out("")
            for line in ladder_lines(read_top(pair, tracker.order_books[pair], levels), fmt[pair]):
                out(line)
            out(health_line(read_health(pair, tracker.metrics.pairs[pair], meter)))
    return 0


async def _wait_synced(tracker: OrderBookTracker, pairs: List[str], timeout: float, stop: asyncio.Event,
                       stream_url: str) -> None:
    ready = asyncio.ensure_future(tracker.wait_ready())
    stopped = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({ready, stopped}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (ready, stopped):
            task.cancel()
    failed = tracker.failed_trading_pairs
    if failed:
        # the stream answered the probe: what failed is this pair's subscription on it
        pair, error = next(iter(failed.items()))
        raise CommandError(f"the market stream {stream_url} did not take {pair}: {error}",
                           "Check that the venue streams this pair.", status=1)
    if ready not in done and stopped not in done:
        waiting = [p for p in pairs if not tracker.is_synced(p)]
        metrics = tracker.metrics.pairs
        snapshots_failed = [p for p in waiting if p in metrics and metrics[p].snapshot_errors]
        if snapshots_failed:
            raise CommandError(f"the REST depth snapshots of {', '.join(snapshots_failed)} failed, so the books did "
                               f"not sync within {timeout:g} s", "Run again with --verbose to see the answers.",
                               status=1)
        raise CommandError(f"the order books of {', '.join(waiting)} did not sync within {timeout:g} s (no usable "
                           f"depth diffs from {stream_url})", "Raise --sync-timeout, or check --stream-url.", status=1)


async def _sample(tracker: OrderBookTracker, meter: RateMeter) -> None:
    # one cadence for every view: the figures a screen prints do not depend on how often it is drawn
    while True:
        sample_diffs(meter, tracker.metrics.pairs)
        await asyncio.sleep(SAMPLE_EVERY)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


def _deadline(duration: Optional[float]) -> float:
    return float("inf") if duration is None else time.monotonic() + duration


async def _plain(tracker, pairs, fmt, meter, duration, interval, stop, out) -> None:
    end = _deadline(duration)
    while not stop.is_set() and time.monotonic() < end:
        await _sleep_or_stop(stop, min(interval, max(0.0, end - time.monotonic())))
        for pair in pairs:
            out(top_line(read_top(pair, tracker.order_books[pair], 1), fmt[pair]))
            out("  " + health_line(read_health(pair, tracker.metrics.pairs[pair], meter)))


async def _live(tracker, pairs, fmt, meter, levels, duration, stop, console=None, above: int = 0) -> None:
    from rich.live import Live

    from hummingbot_conn.cli import book_screen

    def show(live: Live) -> None:
        # drawn on this task only (no refresh thread), laid out for the terminal's size at each frame,
        # in the rows the lines printed above it left
        width, height = live.console.size
        tops = [read_top(pair, tracker.order_books[pair], levels) for pair in pairs]
        health = [read_health(pair, tracker.metrics.pairs[pair], meter) for pair in pairs]
        live.update(book_screen.render(tops, fmt, health, levels, width, max(2, height - above)), refresh=True)

    end = _deadline(duration)
    with Live(console=console, auto_refresh=False) as live:
        show(live)
        while not stop.is_set() and time.monotonic() < end:
            await _sleep_or_stop(stop, min(SAMPLE_EVERY, max(0.0, end - time.monotonic())))
            show(live)


async def _run(args) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    ui = not args.no_ui and sys.stdout.isatty()
    # before a live view, each line keeps to one row of the terminal (LinesAbove)
    tell = LinesAbove(shutil.get_terminal_size().columns) if ui else say
    common = {"levels": args.levels, "duration": args.duration, "ui": ui, "interval": args.interval,
              "sync_timeout": args.sync_timeout, "stop": stop, "metrics_port": args.metrics_port, "out": tell}
    venue: Venue = args.venue
    try:
        if args.rest_url:
            return await watch(venue, venue.endpoints(args.rest_url, args.stream_url), args.pairs, **common)
        async with venue.simulator(args.seed, TRADERS) as sim:
            endpoints = venue.endpoints_of(sim)
            tell(f"simulated {venue.name} exchange on {sim.rest_url} (depth stream "
                 f"{venue.depth_stream_url(endpoints)})")
            return await watch(venue, endpoints, args.pairs, **common)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        loop.remove_signal_handler(signal.SIGTERM)


#: where a pasted URL's venue path begins: spot REST / streams, futures REST / stream routes
_PATH_MARKERS = ("/api/", "/fapi/", "/ws", "/stream", "/public/", "/market/", "/private/")


def _base_url(text: str) -> str:
    # a user may paste a full REST or stream URL (.../api/v3, .../fapi/v1, .../ws/<stream>,
    # .../public/ws/<stream>, .../stream?streams=...): the endpoints want the base before those paths
    parts = urlsplit(text.strip())
    if not parts.scheme or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a URL (for example https://api.binance.com)")
    path = parts.path + "/"
    cut = min((path.index(m) for m in _PATH_MARKERS if m in path), default=len(path))
    return f"{parts.scheme}://{parts.netloc}{path[:cut].rstrip('/')}"


def _venue(text: str) -> Venue:
    try:
        return venue_named(text, "book")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = CommandParser(
        _PROG,
        "Watch live order books, kept by the library's OrderBookTracker (REST snapshot plus depth\n"
        "diffs, gaps caught and resynced), with health figures: diffs per second, apply latency\n"
        "p50 / p99, gaps, resyncs, reconnects. By default the books of the venue's simulator,\n"
        "started in this process with background traders; --rest-url and --stream-url watch any\n"
        "venue of that kind. Ctrl+C to stop.")
    parser.add_argument("pairs", nargs="+", metavar="PAIR", help="trading pairs: BTC-USDT, ETHBTC, ...")
    venues = [VENUES[name] for name in venues_for("book")]
    parser.add_argument("--venue", type=_venue, default=VENUES["binance"], metavar="VENUE",
                        help="the market, by hummingbot's connector name: "
                             f"{alternatives(v.name for v in venues)} (default: binance)")
    parser.add_argument("--rest-url", type=_base_url, default=None,
                        help="REST base URL of the venue, e.g. " + " or ".join(
                            f"{v.rest_example} ({v.name})" for v in venues) + " (default: the simulator)")
    parser.add_argument("--stream-url", type=_base_url, default=None,
                        help="market streams base URL, e.g. " + " or ".join(
                            f"{v.stream_example} ({v.name})" for v in venues) + " (with --rest-url)")
    parser.add_argument("--levels", type=int, default=10, help="levels shown per side")
    parser.add_argument("--duration", type=positive_float, default=None,
                        help="stop after this many seconds (default: run until Ctrl+C)")
    parser.add_argument("--interval", type=positive_float, default=1.0,
                        help="seconds between plain lines (--no-ui)")
    parser.add_argument("--sync-timeout", type=positive_float, default=30.0,
                        help="seconds to wait for the first sync of every book")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulated market")
    parser.add_argument("--no-ui", action="store_true",
                        help="plain lines instead of the live view (automatic when stdout is not a terminal)")
    parser.add_argument("--metrics-port", type=port_number, default=None, metavar="PORT",
                        help="serve the health figures for Prometheus at http://127.0.0.1:PORT/metrics "
                             "(0: a free port; needs the metrics extra)")
    args = parser.parse_args(argv)
    if (args.rest_url is None) != (args.stream_url is None):
        parser.error("--rest-url and --stream-url go together: give both, or neither for the simulator")
    if args.levels < 1:
        parser.error("--levels must be 1 or more")

    def body() -> int:
        configure_logging(args.verbose)
        require_metrics(args.metrics_port)      # before the simulator starts and says so
        return event_loop.run(_run(args))

    return run_command(_PROG, body, args.verbose)
