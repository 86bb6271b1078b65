"""``hbconn record``: record a venue's market data, through the library's connector, to one file.

    hbconn record --venue binance --pairs BTC-USDT,ETH-USDT --duration 60 -o btc.hbrec.zst
    hbconn record --venue binance --pairs BTC-USDT --rest-url https://api.binance.com \\
                  --stream-url wss://stream.binance.com:9443 -o live.hbrec.zst

No keys are needed: the venue's connector runs without trading (books, trading
rules and symbols only) and every byte it sends and receives is recorded
(``hummingbot_conn.recording``, docs/recording.md).  Without ``--rest-url`` the
embedded simulator of the venue is started (with its background traders) and
recorded: a recording to try the workflow on, with no network.  ``hbconn replay
FILE`` replays the file; ``hbconn replay --serve FILE`` serves it to other clients.

Exit status 0 when the recording was written with nothing lost, 1 when records were
lost (the writer's queue was full: the file says where), 130 after Ctrl+C (the file is
still closed properly).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from typing import Any, Callable, List, Optional, Sequence

from hummingbot_conn.cli import event_loop
from hummingbot_conn.cli.book import _base_url
from hummingbot_conn.cli.demo.run import parse_pairs, start_connector
from hummingbot_conn.cli.edge import (
    CommandError,
    CommandParser,
    alternatives,
    configure_logging,
    non_negative_float,
    run_command,
    say,
)
from hummingbot_conn.cli.venues import VENUES, Venue
from hummingbot_conn.recording import Recorder, endpoints_options
from hummingbot_conn.recording.venues import REPLAY_VENUES

_PROG = "hbconn record"
TRADERS = {"rate": 20.0, "volatility": 0.0003, "seed_levels": 20}


def _venue(text: str) -> Venue:
    venue = VENUES.get(text.strip().lower().replace("-", "_"))
    if venue is None or venue.name not in REPLAY_VENUES:
        raise argparse.ArgumentTypeError(f"unknown venue {text!r}; choose {alternatives(REPLAY_VENUES)}")
    return venue


def _pairs_as_given(text: str) -> List[str]:
    pairs = [p.strip().upper().replace("/", "-") for p in text.split(",") if p.strip()]
    bad = [p for p in pairs if p.count("-") != 1]
    if bad or not pairs:
        raise CommandError(f"pairs are BASE-QUOTE, not {', '.join(bad) or '(none given)'}",
                           "Pass them as --pairs BTC-USDT,ETH-USDT.")
    return list(dict.fromkeys(pairs))


async def record_session(venue: Venue, endpoints: Any, pairs: Sequence[str], path: str, duration: Optional[float],
                         stop: asyncio.Event, out: Callable[[str], None] = say) -> int:
    """Record ``venue``'s connector on ``endpoints`` without trading until ``duration`` s or ``stop``."""
    build = REPLAY_VENUES[venue.name].build
    try:
        recorder = Recorder(path, venue.name, pairs, {"endpoints": endpoints_options(endpoints),
                                                      "trading_required": False})
    except OSError as err:
        raise CommandError(f"cannot write {path}: {err.strerror or err}") from None
    with recorder.capture():
        connector = build(pairs, endpoints_options(endpoints), False)
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await start_connector(connector)
        out(f"recording {venue.name} {', '.join(pairs)} to {path}" +
            (f" for {duration:g} s" if duration is not None else " until Ctrl+C"))
        next_line = 1.0
        while not stop.is_set():
            elapsed = loop.time() - started
            if duration is not None and elapsed >= duration:
                break
            wait = 1.0 if duration is None else min(1.0, max(0.0, duration - elapsed))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await stop.wait()
            if loop.time() - started >= next_line:
                s = recorder.stats
                out(f"[{loop.time() - started:5.1f}s] {s['records']} records, queue {recorder._writer.depth}, "
                    f"lost {s['lost']}")
                next_line += 1.0
    finally:
        await connector.stop_network()
        stats = await recorder.aclose()
    size = os.path.getsize(path)
    out(f"recorded {stats['records']} records on {stats['connections']} connections in "
        f"{loop.time() - started:.1f} s to {path} ({size / 1024:.1f} KiB); lost {stats['lost']}")
    if stats["lost"]:
        out(f"the writer's queue filled {stats['full_episodes']} time(s): the file marks each gap")
        return 1
    return 130 if stop.is_set() else 0


async def _main(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        venue: Venue = args.venue
        if args.rest_url:
            pairs = _pairs_as_given(args.pairs)
            endpoints = venue.endpoints(args.rest_url, args.stream_url or args.rest_url)
            return await record_session(venue, endpoints, pairs, args.output, args.duration, stop)
        pairs = parse_pairs(args.pairs, venue)
        specs = [s for s in venue.simulator_symbols() if f"{s.base_asset}-{s.quote_asset}" in pairs]
        async with venue.simulator(args.seed, TRADERS, specs) as sim:
            say(f"no --rest-url: recording the embedded simulated {venue.name} exchange on {sim.rest_url}")
            return await record_session(venue, venue.endpoints_of(sim), pairs, args.output, args.duration, stop)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        loop.remove_signal_handler(signal.SIGTERM)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = CommandParser(
        _PROG,
        "Record a venue's market data as the library's connector receives it: every WebSocket frame,\n"
        "every REST request and answer, with their local times, into one zstd-compressed file.\n"
        "No keys needed. Without --rest-url the embedded simulator is started and recorded.\n"
        "Replay it with 'hbconn replay FILE'.")
    parser.add_argument("--venue", type=_venue, default="binance", metavar="VENUE",
                        help=f"the market, by hummingbot's connector name: {alternatives(REPLAY_VENUES)}")
    parser.add_argument("--pairs", default="BTC-USDT", help="comma-separated trading pairs (BTC-USDT,ETH-USDT)")
    parser.add_argument("--rest-url", type=_base_url, default=None,
                        help="the venue's REST base (https://api.binance.com); default: the embedded simulator")
    parser.add_argument("--stream-url", type=_base_url, default=None,
                        help="the venue's stream base (wss://stream.binance.com:9443), with --rest-url")
    parser.add_argument("--duration", type=non_negative_float, default=None,
                        help="seconds to record (default: until Ctrl+C)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulated market (without --rest-url)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="the recording to write (.hbrec.zst by convention; overwritten)")
    args = parser.parse_args(argv)

    def body() -> int:
        configure_logging(args.verbose)
        if args.stream_url and not args.rest_url:
            raise CommandError("--stream-url needs --rest-url", "Pass both, or neither for the simulator.")
        return event_loop.run(_main(args))

    return run_command(_PROG, body, args.verbose)
