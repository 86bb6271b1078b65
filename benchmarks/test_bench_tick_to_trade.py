"""Tick to trade under pytest-benchmark: benchmarks/tick_to_trade.py's run, one group per event loop.

A depth frame leaves the simulator (another process) -> the order it causes
reaches the simulator, both stamped by the simulator; ours (``BinanceExchange``, orders
over REST and over the WebSocket API) beside a raw aiohttp client doing the same work
over each (the floors) and, when peers
are on, hummingbot's own ``BinanceExchange``, their blocks of orders
interleaved.  One test per loop the clients run on (uvloop when
installed, asyncio's standard loop), both from one run (one simulator, the
blocks of every loop and side interleaved); the table
rows hold every order's latency (min, median = p50) and the figures below the
table give p99, the split into "in" (frame -> strategy) and "out" (strategy ->
venue) and the clients' CPU per order.

A third group, ``busy polling``: the same run for the WebSocket API sides with
the venue's loop and the clients' busy polling (``event_loop.busy_poll``; a
core each at 100 %, no wake-up of a sleeping thread on either side of the
loopback), on the loop the commands choose.

The CI smoke run (``--benchmark-disable``) places a few orders per side and
checks the joins (every stamp found, in order on one clock, no order left open).
"""
import importlib.util
import statistics
import sys
from pathlib import Path

import pytest


def _load():
    name = "_hbconn_bench_tick_to_trade"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("tick_to_trade.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


ttt = _load()
GROUP = "tick to trade (loopback, simulator in another process)"
#: timed (make bench): orders per side, blocks per side, unmeasured orders per block
TIMED = (200, 4, ttt.WARMUP)
SMOKE = (3, 1, 1)


#: (timed, with hummingbot) -> the one run both loops' groups come from
_RUNS: dict = {}


def _run_once(timed: bool, impls: tuple, orders: int, rounds: int, warmup: int, busy_poll: bool = False,
              loops=None):
    # one venue and one run for both loops, their blocks interleaved (tick_to_trade.run): the
    # uvloop and asyncio groups compare like the sides of a group do, on the same minutes
    key = (timed, impls, busy_poll)
    if key not in _RUNS:
        _RUNS[key] = ttt.run(orders, rounds=rounds, warmup=warmup, loops=loops, impls=impls, busy_poll=busy_poll,
                             say=lambda line: None)
    return _RUNS[key]


@pytest.mark.parametrize("loop, busy_poll", [("uvloop", False), ("asyncio", False), ("chosen", True)],
                         ids=["uvloop", "asyncio", "busy_poll"])
def test_bench_tick_to_trade(benchmark, peers, loop, busy_poll):
    if busy_poll:
        loop = next(iter(ttt.loop_factories()))         # the commands' loop: uvloop when installed
    if loop not in ttt.loop_factories():
        pytest.skip(f"{loop} is not in use here (not installed, or HBCONN_LOOP=asyncio)")
    benchmark.group = f"{GROUP}, clients on {loop}" + (", busy polling (venue and clients)" if busy_poll else "")
    orders, rounds, warmup = TIMED if benchmark.enabled else SMOKE
    if busy_poll:
        # the WebSocket API sides: the path whose floor busy polling moves (REST's round trip dominates)
        impls: tuple = ("hbconn_ws", "aiohttp_raw_ws")
    else:
        # orders over REST and over the WebSocket API, each beside its raw floor
        impls = ("hbconn", "hbconn_ws", "aiohttp_raw", "aiohttp_raw_ws")
        if peers is not None:
            peers("hummingbot.connector.exchange.binance.binance_exchange")    # built, on sys.path, from the cache
            impls += ("hummingbot",)
    # the first of the two loop tests runs both loops; pytest-benchmark's own time of it is not used
    results, venue_loop = benchmark.pedantic(
        _run_once, args=(benchmark.enabled, impls, orders, rounds, warmup, busy_poll, [loop] if busy_poll else None),
        rounds=1, iterations=1)
    figures = {}
    for impl in impls:
        result = results[(loop, impl)]
        total = result.values("total")
        assert len(total) == orders
        s = ttt.summary(result)
        figures[impl] = (f"p50 {s['p50']:.3f} ms, p99 {s['p99']:.3f} ms, max {s['max']:.3f} ms over {s['orders']} "
                         f"orders; in (frame leaves -> strategy sees the change) p50 {s['in_p50']:.3f} ms, out "
                         f"(-> order reaches the venue) p50 {s['out_p50']:.3f} ms; client CPU {s['cpu_us']:.0f} us "
                         f"per order ({s['frames']:.1f} depth frames per order)")
    figures["venue"] = (f"the simulator on {venue_loop}, in its own process (background traders, a bid walking "
                        f"the spread); one order per side at most every {ttt.SPACING * 1000:.0f} ms")
    loops = sorted({lp for lp, _ in results})
    benchmark.extra_info["impl"] = "interleaved"
    benchmark.extra_info["figures"] = figures
    benchmark.extra_info["interleaved"] = {
        # report.py: one row per side, min and median of these (seconds per order, ops 1)
        "rounds": {impl: [ns / 1e9 for ns in results[(loop, impl)].values("total")] for impl in impls},
        "ops": dict.fromkeys(impls, 1),
        # the row ratios divide by and the figures hang from (report.py): ours over REST where it runs
        "reference": "hbconn" if "hbconn" in impls else "hbconn_ws",
        "warmup": warmup,
        "order": f"(loop, side) blocks shuffled every round (seed {ttt.SEED})",
        "description": (f"tick to trade per order (ns/op = a depth frame leaves the simulator -> the order it "
                        f"causes reaches the simulator, both stamped there), clients on {loop}: {orders} orders "
                        f"per side in {rounds} blocks per side, one run for the loops {' and '.join(loops)}, every "
                        f"round one block of each (loop, side) in a shuffled order (seed {ttt.SEED}), {warmup} "
                        "unmeasured orders at the start of each block; min = fastest order, median = p50 "
                        "(p99 below)"),
    }
    for impl in impls:      # the joins held (ttt.join raises otherwise); the latencies are positive
        assert statistics.median(results[(loop, impl)].values("total")) > 0
