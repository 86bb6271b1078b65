"""``hbconn replay``: replay a recording through the connector on virtual time, serve it, or export it.

    hbconn replay FILE                       # replay; the last line is "digest: <64 hex>"
    hbconn replay --serve FILE [--port N] [--speed X]     # serve its market data over real sockets
    hbconn replay --parquet DIR FILE         # its book updates and trades as Parquet files

``replay`` builds the recorded venue's connector on the recorded URLs with the
recording as its transport and a virtual clock, re-issues the recorded order
calls, runs to the end of the recording and prints health figures, whether the
order events equal the recorded ones, and the digest of the end state (books,
orders, balances: ``hummingbot_conn.recording.digest``).  The same file always
gives the same digest.  A progress bar is drawn on a terminal for long files.

Exit status: 0 when the file replayed to its end; 1 when the replay stopped at a
request the recording does not hold, when the file is truncated or damaged (what
it holds is replayed and the place it ended is said), or when the file is not a
readable recording (one sentence).
"""
from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Callable, Iterator, Optional, Sequence

from hummingbot_conn.cli.edge import (
    CommandError,
    CommandParser,
    configure_logging,
    port_number,
    positive_float,
    run_command,
    say,
)
from hummingbot_conn.recording import RecordingError
from hummingbot_conn.recording.replay import ReplayResult, load_recording, replay_loaded

_PROG = "hbconn replay"
PROGRESS_MIN_RECORDS = 50_000       # a file this long gets a progress bar on a terminal


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Optional[Callable[[float], None]]]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("replaying"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task("replay", total=1.0)
        yield lambda fraction: bar.update(task, completed=fraction)


def report_lines(result: ReplayResult) -> list:
    """The replay's figures as lines, the digest last."""
    lines = []
    rate = result.frames / result.wall_seconds if result.wall_seconds > 0 else 0.0
    lines.append(f"replayed {result.records} records: {result.frames} frames, {result.requests} requests answered "
                 f"in {result.virtual_seconds:.1f} s of session time, {result.wall_seconds:.2f} s of ours "
                 f"({rate:,.0f} frames/s)")
    for pair, h in result.health.items():
        lines.append(f"book {pair}: {h['diffs_applied']} diffs applied, {h['trades']} trades, {h['gaps']} gaps, "
                     f"{h['resyncs']} resyncs, {h['snapshots_applied']} snapshots, "
                     f"{h['stream_interruptions']} stream interruptions")
    orders = result.state.get("orders", [])
    fills = sum(len(o["fills"]) for o in orders)
    lines.append(f"orders: {len(orders)} tracked, {fills} fills; balances: {len(result.state.get('balances', []))} "
                 "assets")
    if result.unused_requests:
        lines.append(f"{result.unused_requests} recorded requests were not asked for by the replay (the strategy's "
                     "own reads, or made after the last recorded activity)")
    if result.gaps:
        lines.append(f"the recording lost {result.gaps} records while it was made (its writer's queue was full)")
    match = result.events_match
    if match is True:
        lines.append(f"events: {len(result.events)}, the same as recorded")
    elif match is False:
        lines.append(f"events: {len(result.events)}, NOT the same as recorded ({result.first_event_difference()})")
    else:
        lines.append(f"events: {len(result.events)} (the recording holds none to compare with)")
    if result.miss:
        lines.append(f"stopped: {result.miss}.")
    if result.truncated:
        lines.append(result.truncated)
    lines.append(f"digest: {result.digest}")
    return lines


def _replay(path: str) -> int:
    loaded = load_recording(path)
    h = loaded.header
    say(f"replaying {path}: {h.venue} {', '.join(h.pairs)}, recorded by hummingbot_conn {h.library}, "
        f"{loaded.records} records")
    with _progress(sys.stdout.isatty() and loaded.records >= PROGRESS_MIN_RECORDS) as progress:
        result = replay_loaded(loaded, progress)
    for line in report_lines(result):
        say(line)
    return 0 if result.reached_end and not result.truncated else 1


def _serve(path: str, port: int, speed: float) -> int:
    from hummingbot_conn.cli import event_loop
    from hummingbot_conn.recording.serve import serve_until_stopped

    return event_loop.run(serve_until_stopped(path, port, speed, say))


def _parquet(path: str, directory: str) -> int:
    from hummingbot_conn.recording.parquet import ResearchExtraMissing, export_parquet

    try:
        written = export_parquet(path, directory)
    except ResearchExtraMissing as err:
        raise CommandError(str(err), "pip install 'hummingbot-conn[research]'", status=1) from None
    for name, rows in written.items():
        say(f"wrote {os.path.join(directory, name)}: {rows} rows")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = CommandParser(
        _PROG,
        "Replay a recording (hbconn record, hbconn demo --record) through the library's connector on\n"
        "virtual time and print health figures and the digest of the end state (books, orders,\n"
        "balances) as the last line. --serve serves its market data over real sockets instead, in the\n"
        "recorded venue's protocol; --parquet writes its book updates and trades as Parquet files.")
    parser.add_argument("file", metavar="FILE", help="the recording (.hbrec.zst)")
    parser.add_argument("--serve", action="store_true", help="serve the recorded market data on 127.0.0.1")
    parser.add_argument("--port", type=port_number, default=0, help="with --serve: the port (0: a free one)")
    parser.add_argument("--speed", type=positive_float, default=1.0,
                        help="with --serve: the pace, a multiple of the recorded one (2: twice as fast)")
    parser.add_argument("--parquet", metavar="DIR", default=None,
                        help="write book_updates.parquet and trades.parquet into DIR (needs the research extra)")
    args = parser.parse_args(argv)

    def body() -> Any:
        configure_logging(args.verbose)
        try:
            if args.serve:
                return _serve(args.file, args.port, args.speed)
            if args.parquet is not None:
                return _parquet(args.file, args.parquet)
            return _replay(args.file)
        except RecordingError as err:
            raise CommandError(str(err).rstrip("."), status=1) from None

    return run_command(_PROG, body, args.verbose)
