"""One feed for many bots over NATS (``bus_scale.py``; docs/bus.md, "Measured").

Under ``make bench`` (benchmarks enabled): one run of 100 pairs of the
simulator's busiest traders with 1, 8 and 32 consumer processes, 8 s each,
each consumer taking all pairs with one wildcard subscription;
its figures go to ``extra_info["figures"]`` (RESULTS.md prints them under the
group).  In CI (benchmarks disabled) a smoke run: 3 pairs, 1 consumer, 1 s.
The time of the run itself is no figure of interest (it is start-up, syncs
and the measuring windows), so the group has no target.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nats", reason="the bus benchmark needs the nats extra")

_SCRIPT = Path(__file__).resolve().parent / "bus_scale.py"


def _ms(value):
    return f"{value:.2f} ms"


def test_bench_bus_scale(benchmark, tmp_path):
    benchmark.group = "bus: one feed, 100 pairs, 1 / 8 / 32 consumer processes (loopback NATS)"
    benchmark.extra_info["impl"] = "hbconn"
    # every consumer takes every pair: one wildcard subscription each (docs/bus.md, "Latency")
    args = ["--pairs", "100", "--consumers", "1,8,32", "--seconds", "8"] if benchmark.enabled else \
        ["--pairs", "3", "--consumers", "1", "--seconds", "1"]
    args.append("--subscribe-all")
    out = tmp_path / "bus.json"
    state = {}

    def run():
        state["done"] = subprocess.run([sys.executable, str(_SCRIPT), *args, "--json", str(out)],
                                       capture_output=True, text=True, timeout=1800)

    benchmark.pedantic(run, rounds=1, iterations=1)
    done = state["done"]
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    venue = result["venue"]
    assert venue["feed_sockets"] == 1 and venue["feed_snapshots"] >= result["pairs"]
    figures = {}
    for r in result["rounds"]:
        assert r["diffs_applied"] > 0 and r["feed_cpu"] > 0
        n = r["consumers"]
        figures[f"{n} consumer{'s' if n > 1 else ''}"] = (
            f"feed CPU {100 * r['feed_cpu']:.0f}%, consumer CPU median {100 * r['consumer_cpu_median']:.0f}% "
            f"(max {100 * r['consumer_cpu_max']:.0f}%); venue frame -> consumer's book p50 "
            f"{_ms(r['latency_p50_ms'])}, p99 {_ms(r['latency_p99_ms'])} (feed's own book: p50 "
            f"{_ms(r['feed_latency_p50_ms'])}, p99 {_ms(r['feed_latency_p99_ms'])}); the feed published "
            f"{r['published_per_s']:.0f} msg/s, the consumers applied {r['diffs_applied']} diffs in all "
            f"({r['diffs_applied'] / n / result['seconds']:.0f}/s each), {r['gaps']} gaps, {r['resyncs']} "
            f"resyncs; venue: 1 feed = {venue['feed_sockets']} socket, "
            f"REST weight {venue['feed_weight']}; {n} bots directly = {n * venue['direct_sockets_per_bot']} "
            f"sockets, REST weight {n * venue['direct_weight_per_bot']}")
    benchmark.extra_info["figures"] = figures
