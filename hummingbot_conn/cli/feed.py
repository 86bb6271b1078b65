"""``hbconn feed``: one process keeps a venue's books and publishes them on NATS for any number of bots.

    hbconn feed --venue binance --pairs BTC-USDT,ETH-USDT --nats nats://127.0.0.1:4222

The venue's own data source and tracker run once here (``bus.BookFeed``); each
bot reads the books with ``bus.NatsOrderBookDataSource`` (docs/bus.md).  Without
``--rest-url`` / ``--stream-url`` the feed connects to the venue's simulator,
started in this process with background traders (a local try); with them, to
any venue of that kind.  Runs until Ctrl+C (or SIGTERM), printing a health
line every ``--interval`` seconds.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import List, Optional, Sequence
from urllib.parse import urlsplit

from hummingbot_conn.cli import event_loop
from hummingbot_conn.cli.book import TRADERS, _base_url, resolve_pairs
from hummingbot_conn.cli.edge import (
    CommandError,
    CommandParser,
    alternatives,
    configure_logging,
    positive_float,
    run_command,
    say,
)
from hummingbot_conn.cli.probes import probe_rest, probe_stream
from hummingbot_conn.cli.venues import VENUES, Venue, venue_named, venues_for

_PROG = "hbconn feed"


def _venue(text: str) -> Venue:
    try:
        return venue_named(text, "feed")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _pairs(text: str) -> List[str]:
    pairs = [p.strip() for p in text.split(",") if p.strip()]
    if not pairs:
        raise argparse.ArgumentTypeError("give at least one pair, comma-separated: BTC-USDT,ETH-USDT")
    return pairs


def _nats_url(text: str) -> str:
    if "://" not in text:
        from hummingbot_conn.bus._nats import redact_url

        # a refused URL may still hold a password: never echo it whole
        raise argparse.ArgumentTypeError(f"{redact_url(text)!r} is not a NATS URL (for example nats://127.0.0.1:4222)")
    return text.strip()


def no_server_hint(nats_url: str) -> str:
    """The next step when nothing answers at ``nats_url``: on this machine, the command that starts
    a server on that URL's address and port (the nats extra's ``nats-server``); elsewhere, a check."""
    parts = urlsplit(nats_url)
    try:
        port = parts.port or 4222
    except ValueError:          # a port that is not a number: the URL itself is what to fix
        return "Fix --nats: for example nats://127.0.0.1:4222."
    host = parts.hostname or "127.0.0.1"
    if host in ("127.0.0.1", "localhost", "::1", "0.0.0.0"):
        return f"Start one (nats-server -a {host} -p {port}, from the nats extra) or fix --nats."
    return f"Check that a NATS server runs at {host}:{port} and is reachable from here, or fix --nats."


async def serve(venue: Venue, endpoints, wanted: Sequence[str], nats_url: str, *, interval: float,
                stop: asyncio.Event, ready_out=say) -> int:
    """Publish ``wanted`` pairs of ``venue`` at ``endpoints`` on ``nats_url`` until ``stop`` is set."""
    from hummingbot_conn.bus import BookFeed
    from hummingbot_conn.bus._nats import redact_url

    factory = venue.factory()
    async with factory:
        info = await probe_rest(venue, factory, endpoints)
        symbol_map = venue.symbol_map(info)
        pairs = resolve_pairs(wanted, symbol_map)
        await probe_stream(venue, factory, endpoints)
        feed = BookFeed(nats_url, venue.name, venue.data_source(pairs, endpoints, factory, symbol_map), pairs)
        try:
            await feed.start()
        except ConnectionError as err:
            raise CommandError(str(err), no_server_hint(nats_url), status=1) from None
        ready_out(f"feed: publishing {venue.name} {', '.join(pairs)} on {redact_url(nats_url)} "
                  f"(subjects {feed.subjects.prefix}.book.{venue.name}.<pair>)")
        try:
            while not stop.is_set():
                with contextlib.suppress(asyncio.TimeoutError):
                    async with asyncio.timeout(interval):
                        await stop.wait()
                total = feed.tracker.metrics.total
                synced = sum(1 for p in pairs if feed.tracker.is_synced(p))
                ready_out(f"feed: {synced}/{len(pairs)} books synced, {total.diffs_applied} diffs, "
                          f"{total.gaps} venue gaps, {total.resyncs} resyncs, {feed.stats['published']} published, "
                          f"{feed.stats['snapshots_served']} snapshots served, "
                          f"{feed.stats['publish_errors']} publish errors")
        finally:
            await feed.stop()
    return 0


async def _run(args) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    venue: Venue = args.venue
    try:
        if args.rest_url:
            return await serve(venue, venue.endpoints(args.rest_url, args.stream_url), args.pairs, args.nats,
                               interval=args.interval, stop=stop)
        async with venue.simulator(args.seed, TRADERS) as sim:
            say(f"simulated {venue.name} exchange on {sim.rest_url}")
            return await serve(venue, venue.endpoints_of(sim), args.pairs, args.nats, interval=args.interval,
                               stop=stop)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        loop.remove_signal_handler(signal.SIGTERM)


def main(argv: Optional[Sequence[str]] = None) -> int:
    venues = [VENUES[name] for name in venues_for("feed")]
    parser = CommandParser(
        _PROG,
        "Keep a venue's order books once and publish them on NATS for any number of bots\n"
        "(bus.NatsOrderBookDataSource reads them; docs/bus.md). Without --rest-url and\n"
        "--stream-url it connects to the venue's simulator, started in this process with\n"
        "background traders (a local try); with them, to that venue, e.g. "
        + " or ".join(f"{v.rest_example} and {v.stream_example} ({v.name})" for v in venues)
        + ".\nNeeds a NATS server (the nats extra installs one: nats-server). Ctrl+C to stop.")
    parser.add_argument("--venue", type=_venue, default=VENUES["binance"], metavar="VENUE",
                        help=f"the market, by hummingbot's connector name: {alternatives(v.name for v in venues)} "
                             "(default: binance)")
    parser.add_argument("--pairs", type=_pairs, required=True, help="comma-separated pairs: BTC-USDT,ETH-USDT")
    parser.add_argument("--nats", type=_nats_url, required=True, help="the NATS server: nats://127.0.0.1:4222")
    parser.add_argument("--rest-url", type=_base_url, default=None,
                        help="REST base URL of the venue (default: the simulator)")
    parser.add_argument("--stream-url", type=_base_url, default=None, help="market streams base URL (with --rest-url)")
    parser.add_argument("--interval", type=positive_float, default=10.0, help="seconds between health lines")
    parser.add_argument("--seed", type=int, default=7, help="seed of the simulated market")
    args = parser.parse_args(argv)
    if (args.rest_url is None) != (args.stream_url is None):
        parser.error("--rest-url and --stream-url go together: give both, or neither for the simulator")

    def body() -> int:
        configure_logging(args.verbose)
        try:
            import nats  # noqa: F401 - only to say what is missing before anything starts
        except ImportError:
            raise CommandError("hbconn feed needs nats-py", "pip install 'hummingbot-conn[nats]'") from None
        return event_loop.run(_run(args))

    return run_command(_PROG, body, args.verbose)
