"""Tick to trade: from a depth frame leaving the venue to the order it causes reaching the venue.

    python benchmarks/tick_to_trade.py --orders 200            # every side, under uvloop and asyncio
    python benchmarks/tick_to_trade.py --orders 50 --loops asyncio --sides hbconn

The venue is the spot simulator in ANOTHER process (``benchmarks/tick_venue.py``:
``SimulatedExchange`` on 127.0.0.1, a free port, background traders and a bid
that walks the spread so the best bid changes every 100 ms frame), so the
clients' process holds only the clients.  The venue stamps, on the system-wide
monotonic clock (``hummingbot_conn.sim.kernel.trace``, ``/sim/trace``), when each
depth frame leaves (handed to its socket) and when each order request reaches
it.  A client (``benchmarks/tick_sides.py``: our ``BinanceExchange``, and a raw
aiohttp client as the floor) places an order on each change of the best bid
and records which frame caused it and when it saw the change (same clock).
Per order:

* tick to trade = order arrives - frame leaves (both read by the venue);
* in = client saw the change - frame leaves (loopback, socket read, decode, book);
* out = order arrives - client saw the change (strategy, order path, loopback).

Method: every side runs in blocks (``--rounds``) under every loop: each block
connects the side on a fresh event loop, places ``--warmup`` unmeasured
orders, starts the trace, places its share of the orders, reads the trace and
disconnects.  Every round runs one block of each (loop, side) in a shuffled
order (seeded), so a busy minute of this shared machine hits every side and
loop alike.  Only one client is
connected at a time, so each depth frame went to exactly one socket.  The first
order of a block may come from a frame sent before the trace started: one
order per block is placed in reserve and an order whose frame is not in the
trace is dropped (one at most, else the block fails).

Sides: ``hbconn`` (our ``BinanceExchange``), ``aiohttp_raw`` (the floor) and
``hummingbot`` (hummingbot's own ``BinanceExchange`` from the benchmark peers,
built on first use).  ``benchmarks/test_bench_tick_to_trade.py`` runs this
under pytest-benchmark (``make bench``; the hummingbot side when peers are on)
and hands the figures to report.py.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

import aiohttp

from hummingbot_conn.cli import event_loop


def _sibling(name: str):
    # benchmarks/ is not a package: tick_sides.py is loaded from its path
    module = sys.modules.get(f"_hbconn_bench_{name}")
    if module is None:
        spec = importlib.util.spec_from_file_location(f"_hbconn_bench_{name}", Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


sides = _sibling("tick_sides")

#: seconds between two orders of a side.  The venue allows 100 orders / 10 s; hummingbot's
#: throttler also counts every cancel against that limit (POST and DELETE /order share one
#: limit id), so an order and its cancel take two: 250 ms keeps every side's throttler idle,
#: and the latencies are the order path's, not a wait for the rate-limit window
SPACING = 0.25
WARMUP = 5
SEED = 22


@dataclass
class Venue:
    """The simulator process (benchmarks/tick_venue.py): its port, account and event loop."""

    proc: subprocess.Popen
    info: "sides.VenueInfo"
    loop: str

    @classmethod
    def start(cls, seed: int = SEED, busy_poll: bool = False) -> "Venue":
        env = {**os.environ, event_loop.BUSY_POLL_ENV: "1" if busy_poll else "0"}
        proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("tick_venue.py")), "--seed", str(seed)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = proc.stdout.readline() if proc.stdout is not None else ""
        if not line:
            proc.wait(10)
            raise RuntimeError(f"the simulator did not start: {proc.stderr.read() if proc.stderr else ''}")
        info = json.loads(line)
        return cls(proc, sides.VenueInfo(info["host_port"], info["api_key"], info["api_secret"]), info["loop"])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()


@dataclass
class Block:
    """One block of one side: per-order latencies (ns) and the client's CPU over it."""

    total: list[int]
    inbound: list[int]
    outbound: list[int]
    cpu_s: float
    frames: int
    dropped: int


@dataclass
class SideResult:
    impl: str
    loop: str
    blocks: list[Block] = field(default_factory=list)

    def values(self, name: str) -> list[int]:
        return [v for block in self.blocks for v in getattr(block, name)]

    @property
    def cpu_per_order_us(self) -> float:
        """The clients' process CPU over the measured orders (their frames, orders, cancels) per order."""
        orders = sum(len(b.total) + b.dropped for b in self.blocks)
        return sum(b.cpu_s for b in self.blocks) / orders * 1e6 if orders else float("nan")

    @property
    def frames_per_order(self) -> float:
        orders = sum(len(b.total) + b.dropped for b in self.blocks)
        return sum(b.frames for b in self.blocks) / orders if orders else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * q // 100) - 1))]


def join(placed: Sequence["sides.Placed"], trace: dict, wanted: int, impl: str) -> Block:
    """Per-order latencies from the side's records and the venue's trace (see the module doc)."""
    frames: dict[int, list[dict]] = {}
    for frame in trace["depth_frames"]:
        frames.setdefault(frame["update_id"], []).append(frame)
    arrivals = {o["client_order_id"]: o["t_ns"] for o in trace["orders"] if o["status"] == 200}
    if trace["overflowed"]:
        raise RuntimeError("the venue's trace overflowed: read it more often")
    total, inbound, outbound, dropped = [], [], [], 0
    for order in placed:
        sent = frames.get(order.update_id, [])
        if len(sent) > 1:
            raise RuntimeError(f"{impl}: depth frame {order.update_id} went to {len(sent)} sockets; "
                               "only one client may be connected while it is measured")
        if order.client_order_id not in arrivals:
            raise RuntimeError(f"{impl}: the venue has no accepted order {order.client_order_id}")
        if not sent:
            dropped += 1                  # its frame left before the trace started
            continue
        left, arrived = sent[0]["t_ns"], arrivals[order.client_order_id]
        if not left <= order.seen_ns <= arrived:
            raise RuntimeError(f"{impl}: stamps out of order for {order.client_order_id}: frame left {left}, "
                               f"seen {order.seen_ns}, order arrived {arrived} (not one clock?)")
        total.append(arrived - left)
        inbound.append(order.seen_ns - left)
        outbound.append(arrived - order.seen_ns)
    if dropped > 1 or len(total) < wanted:
        raise RuntimeError(f"{impl}: {dropped} orders came from frames sent before the trace started")
    return Block(total[:wanted], inbound[:wanted], outbound[:wanted], 0.0, len(trace["depth_frames"]), dropped)


async def _block(venue: Venue, impl: str, orders: int, warmup: int, spacing: float,
                 busy_poll: bool = False) -> Block:
    side = sides.SIDES[impl](venue.info, spacing)
    admin = aiohttp.ClientSession(f"http://{venue.info.host_port}")
    spinner = asyncio.ensure_future(event_loop.busy_poll()) if busy_poll else None
    try:
        await side.start()
        if warmup:
            await side.trade(warmup)
        async with admin.post("/sim/trace") as resp:
            resp.raise_for_status()
        cpu = time.process_time()
        placed = await side.trade(orders + 1)
        cpu = time.process_time() - cpu
        async with admin.get("/sim/trace") as resp:
            trace = await resp.json()
        async with admin.delete("/sim/trace") as resp:
            resp.raise_for_status()
    finally:
        await side.stop()
        await admin.close()
        if spinner is not None:
            spinner.cancel()
            await asyncio.gather(spinner, return_exceptions=True)
    block = join(placed, trace, orders, impl)
    block.cpu_s = cpu
    return block


def use_peers() -> None:
    """Build the benchmark peers if needed and put them on ``sys.path`` (after the installed packages).

    The same cache and checks as the ``peers`` fixture (benchmarks/conftest.py): the ``hummingbot``
    imported must be the cache's build of the pinned sdist."""
    builder = _peer_builder()
    builder.ensure_built()
    for entry in builder.PATH_ENTRIES:
        if str(entry) not in sys.path:
            sys.path.append(str(entry))
    importlib.invalidate_caches()
    origin = Path(importlib.import_module("hummingbot").__file__ or "")
    if not origin.is_relative_to(builder.CACHE):
        raise RuntimeError(f"hummingbot resolved to {origin}, not to the peer cache {builder.CACHE}")


def _peer_builder():
    module = sys.modules.get("_hbconn_bench_build_peers")
    if module is None:
        spec = importlib.util.spec_from_file_location("_hbconn_bench_build_peers",
                                                      Path(__file__).parent / "peers" / "build_peers.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


def loop_factories() -> dict[str, Optional[Callable[[], asyncio.AbstractEventLoop]]]:
    """The loops to run the clients on: uvloop (when the commands would choose it) and asyncio's standard loop."""
    chosen = event_loop.choose()
    loops: dict[str, Optional[Callable[[], asyncio.AbstractEventLoop]]] = {}
    if chosen.name == "uvloop":
        loops["uvloop"] = chosen.factory
    loops["asyncio"] = None
    return loops


def _open_orders(venue: Venue) -> list:
    async def query() -> list:
        query = sides.signed(venue.info.api_secret.encode(),
                             f"symbol={sides.SYMBOL}&timestamp={int(time.time() * 1000)}")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{venue.info.rest}/api/v3/openOrders?{query}",
                                   headers={"X-MBX-APIKEY": venue.info.api_key}) as resp:
                return await resp.json()
    return event_loop.run(query())


def run(orders: int, *, rounds: int = 4, warmup: int = WARMUP, loops: Optional[Sequence[str]] = None,
        impls: Sequence[str] = ("hbconn", "aiohttp_raw", "hummingbot"), spacing: float = SPACING, seed: int = SEED,
        busy_poll: bool = False,
        say: Callable[[str], None] = print) -> tuple[dict[tuple[str, str], SideResult], str]:
    """Measure ``orders`` orders per side per loop; returns ({(loop, impl): SideResult}, the venue's loop).

    ``busy_poll``: the venue's loop and every client's busy poll (``event_loop.busy_poll``): each
    keeps a core at 100 %, and a frame or an order waits for no wake-up of a sleeping thread."""
    factories = loop_factories()
    names = list(loops) if loops is not None else list(factories)
    unknown = [n for n in names if n not in factories] + [i for i in impls if i not in sides.SIDES]
    if unknown:
        raise ValueError(f"not available here: {unknown} (loops: {list(factories)}, sides: {list(sides.SIDES)})")
    if any(impl in sides.PEER_SIDES for impl in impls):
        use_peers()
    rounds = max(1, min(rounds, orders))
    results = {(loop, impl): SideResult(impl, loop) for loop in names for impl in impls}
    rng = random.Random(seed)
    venue = Venue.start(seed, busy_poll)
    try:
        say(f"venue: simulator pid {venue.proc.pid} on {venue.info.host_port} ({venue.loop})")
        for index in range(rounds):
            share = orders // rounds + (1 if index < orders % rounds else 0)
            order = [(loop, impl) for loop in names for impl in impls]
            rng.shuffle(order)          # sides and loops alike: a quiet or busy minute is shared
            for loop, impl in order:
                with asyncio.Runner(loop_factory=factories[loop]) as runner:
                    block = runner.run(_block(venue, impl, share, warmup, spacing, busy_poll))
                results[(loop, impl)].blocks.append(block)
                say(f"round {index + 1}/{rounds} {loop:7} {impl:12} {share} orders, "
                    f"p50 {statistics.median(block.total) / 1e6:.3f} ms")
        left = _open_orders(venue)
        if left:
            raise RuntimeError(f"{len(left)} orders were left open on the venue")
    finally:
        venue.stop()
    return results, venue.loop


def summary(result: SideResult) -> dict[str, float]:
    """p50 / p99 / max of tick to trade, p50 of in and out (ms), client CPU per order (us), depth frames per order."""
    total = result.values("total")
    return {"orders": len(total), "p50": statistics.median(total) / 1e6, "p99": percentile(total, 99) / 1e6,
            "max": max(total) / 1e6, "in_p50": statistics.median(result.values("inbound")) / 1e6,
            "out_p50": statistics.median(result.values("outbound")) / 1e6, "cpu_us": result.cpu_per_order_us,
            "frames": result.frames_per_order}


def table(results: dict[tuple[str, str], SideResult]) -> str:
    lines = ["| loop | side | orders | p50 ms | p99 ms | max ms | in p50 ms | out p50 ms | CPU/order us "
             "| frames/order |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for (loop, impl), result in results.items():
        s = summary(result)
        lines.append(f"| {loop} | {impl} | {s['orders']} | {s['p50']:.3f} | {s['p99']:.3f} | {s['max']:.3f} "
                     f"| {s['in_p50']:.3f} | {s['out_p50']:.3f} | {s['cpu_us']:.0f} | {s['frames']:.1f} |")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--orders", type=int, default=200, help="measured orders per side and loop")
    parser.add_argument("--rounds", type=int, default=4, help="blocks per side and loop (interleaved)")
    parser.add_argument("--warmup", type=int, default=WARMUP, help="unmeasured orders at the start of each block")
    parser.add_argument("--loops", default=None,
                        help="comma-separated: uvloop, asyncio (default: both, uvloop when installed)")
    parser.add_argument("--busy-poll", action="store_true",
                        help="the venue and the clients busy poll (a core each at 100 %%; README, 'Busy polling')")
    parser.add_argument("--sides", default=",".join(sides.SIDES),
                        help="comma-separated sides; hummingbot needs the benchmark peers, built on first use "
                             "(benchmarks/peers/build_peers.py: its PyPI sdist, compiled)")
    args = parser.parse_args(argv)
    if args.orders < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("--orders and --rounds must be 1 or more, --warmup 0 or more")
    loops = args.loops.split(",") if args.loops else None
    results, venue_loop = run(args.orders, rounds=args.rounds, warmup=args.warmup, loops=loops,
                              impls=args.sides.split(","), busy_poll=args.busy_poll)
    print(f"\ntick to trade, simulator in another process on loopback (venue loop: {venue_loop})\n")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
