"""``hbconn book PAIR [PAIR ...]``: watch live order books through the ``OrderBookTracker``.

Any Binance-compatible venue (``--rest-url`` and ``--stream-url``), or by
default the simulated exchange started in this process with background
traders. The books are kept by the library's tracker with the Binance data
source (snapshot, buffered diffs, gap detection and resync); the view is a
live ladder per pair with its health figures (``hummingbot_conn.live_view``),
or plain lines with ``--no-ui`` and whenever stdout is not a terminal.
Ctrl+C stops it; the last ladder of each pair is printed on the way out.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence
from urllib.parse import urlsplit

from hummingbot_conn.cli_edge import (
    CommandError,
    CommandParser,
    configure_logging,
    port_number,
    positive_float,
    run_command,
    say,
)
from hummingbot_conn.cli_metrics import serve_metrics
from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS, binance_web_utils as web_utils
from hummingbot_conn.exchanges.binance.binance_api_order_book_data_source import (
    BinanceAPIOrderBookDataSource,
    symbol_map_from_exchange_info,
)
from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.live_view import (
    PairFormat,
    RateMeter,
    formats_from_exchange_info,
    health_line,
    health_table,
    ladder_lines,
    ladder_table,
    read_health,
    read_top,
    top_line,
)
from hummingbot_conn.tracking.order_book_tracker import OrderBookTracker

_PROG = "hbconn book"


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


async def _venue_facts(factory, endpoints: BinanceEndpoints) -> tuple[Dict[str, str], Dict[str, PairFormat]]:
    rest = await factory.get_rest_assistant()
    info = await rest.execute_request(endpoints.rest_url(CONSTANTS.EXCHANGE_INFO_PATH_URL),
                                      CONSTANTS.EXCHANGE_INFO_PATH_URL)
    if not isinstance(info, dict) or not isinstance(info.get("symbols"), list):
        raise CommandError(f"{endpoints.rest_url(CONSTANTS.EXCHANGE_INFO_PATH_URL)} did not answer with Binance's "
                           "exchangeInfo", "Check --rest-url: it is the base URL, e.g. https://api.binance.com.")
    return symbol_map_from_exchange_info(info), formats_from_exchange_info(info)


async def watch(endpoints: BinanceEndpoints, wanted: Sequence[str], *, levels: int, duration: Optional[float],
                ui: bool, interval: float, sync_timeout: float, out: Callable[[str], None] = say,
                stop: Optional[asyncio.Event] = None, metrics_port: Optional[int] = None) -> int:
    """Track ``wanted`` pairs at ``endpoints`` until ``duration`` seconds pass or ``stop`` is set; with
    ``metrics_port``, serve the tracker's figures for Prometheus on 127.0.0.1 meanwhile."""
    stop = stop or asyncio.Event()
    factory = web_utils.build_api_factory_without_time_synchronizer_pre_processor(web_utils.create_throttler())
    async with factory:
        symbol_map, formats = await _venue_facts(factory, endpoints)
        pairs = resolve_pairs(wanted, symbol_map)
        pair_to_symbol = {pair: symbol for symbol, pair in symbol_map.items()}
        fmt = {pair: formats.get(pair_to_symbol[pair], PairFormat()) for pair in pairs}
        source = BinanceAPIOrderBookDataSource(pairs, domain=endpoints, api_factory=factory, symbol_map=symbol_map)
        tracker = OrderBookTracker(source, pairs)
        endpoint = await serve_metrics(metrics_port, tracker=tracker, out=out)
        tracker.start()
        meter = RateMeter(time.monotonic)
        try:
            await _wait_synced(tracker, pairs, sync_timeout, stop)
            if ui:
                await _live(tracker, pairs, fmt, meter, levels, duration, stop)
            else:
                await _plain(tracker, pairs, fmt, meter, duration, interval, stop, out)
        finally:
            await tracker.stop()
            await endpoint.close()
        for pair in pairs if not ui else ():    # the live view leaves its last frame on screen
            out("")
            for line in ladder_lines(read_top(pair, tracker.order_books[pair], levels), fmt[pair]):
                out(line)
            out(health_line(read_health(pair, tracker.metrics.pairs[pair], meter)))
    return 0


async def _wait_synced(tracker: OrderBookTracker, pairs: List[str], timeout: float, stop: asyncio.Event) -> None:
    ready = asyncio.ensure_future(tracker.wait_ready())
    stopped = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({ready, stopped}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (ready, stopped):
            task.cancel()
    if ready not in done and stopped not in done:
        waiting = [p for p in pairs if not tracker.is_synced(p)]
        raise CommandError(f"the order books of {', '.join(waiting)} did not sync within {timeout:g} s",
                           "Check --stream-url (the market streams' base, e.g. wss://stream.binance.com:9443) "
                           "or raise --sync-timeout.", status=1)
    failed = tracker.failed_trading_pairs
    if failed:
        pair, error = next(iter(failed.items()))
        raise CommandError(f"the venue refused {pair}: {error}", "Check the pair and the venue.", status=1)


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


async def _live(tracker, pairs, fmt, meter, levels, duration, stop) -> None:
    from rich.columns import Columns
    from rich.console import Group
    from rich.live import Live

    def render():
        ladders = [ladder_table(read_top(pair, tracker.order_books[pair], levels), fmt[pair]) for pair in pairs]
        health = health_table([read_health(pair, tracker.metrics.pairs[pair], meter) for pair in pairs])
        return Group(Columns(ladders, padding=(0, 3)), health, "[dim]Ctrl+C to stop[/dim]")

    end = _deadline(duration)
    with Live(render(), refresh_per_second=4) as live:
        while not stop.is_set() and time.monotonic() < end:
            await _sleep_or_stop(stop, min(0.25, max(0.0, end - time.monotonic())))
            live.update(render())


async def _run(args) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    ui = not args.no_ui and sys.stdout.isatty()
    common = {"levels": args.levels, "duration": args.duration, "ui": ui, "interval": args.interval,
              "sync_timeout": args.sync_timeout, "stop": stop, "metrics_port": args.metrics_port}
    try:
        if args.rest_url:
            endpoints = BinanceEndpoints(rest=args.rest_url, stream=args.stream_url, ws_api=args.stream_url)
            return await watch(endpoints, args.pairs, **common)
        from hummingbot_conn.sim import SimulatedExchange  # only the default venue needs the simulator

        async with SimulatedExchange(seed=args.seed, traders={"rate": 20.0, "volatility": 0.0005,
                                                              "seed_levels": 20}) as sim:
            print(f"simulated exchange on {sim.rest_url} (market streams {sim.ws_url}/ws)", flush=True)
            return await watch(BinanceEndpoints.local(sim.rest_url.split("://", 1)[1]), args.pairs, **common)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        loop.remove_signal_handler(signal.SIGTERM)


def _base_url(text: str) -> str:
    # a user may paste a full REST or stream URL (.../api/v3, .../ws/<stream>, .../stream?streams=...):
    # the endpoints want the base before those paths
    parts = urlsplit(text.strip())
    if not parts.scheme or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a URL (for example https://api.binance.com)")
    path = parts.path
    for marker in ("/api/", "/ws", "/stream"):
        if marker in path:
            path = path[:path.index(marker)]
    return f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = CommandParser(
        _PROG,
        "Watch live order books, kept by the library's OrderBookTracker (REST snapshot plus depth\n"
        "diffs, gaps caught and resynced), with health figures: diffs per second, apply latency\n"
        "p50 / p99, gaps, resyncs, reconnects. By default the books of the simulated exchange,\n"
        "started in this process; --rest-url and --stream-url watch any Binance-compatible venue.\n"
        "Ctrl+C to stop.")
    parser.add_argument("pairs", nargs="+", metavar="PAIR", help="trading pairs: BTC-USDT, ETHBTC, ...")
    parser.add_argument("--rest-url", type=_base_url, default=None,
                        help="REST base URL of the venue, e.g. https://api.binance.com (default: the simulator)")
    parser.add_argument("--stream-url", type=_base_url, default=None,
                        help="market streams base URL, e.g. wss://stream.binance.com:9443 (with --rest-url)")
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
        return asyncio.run(_run(args))

    return run_command(_PROG, body, args.verbose)
