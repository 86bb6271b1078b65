"""The simulator's depth feed with background traders on N symbols, over time (run as a script).

    python benchmarks/sim_traders_feed.py [--symbols 100] [--seconds 150] [--window 10] [--rate 5]

Why: the simulator is the judge of every end-to-end benchmark, and its
background traders act on every symbol ``rate`` times a second.  If a
trader's step costs more as the open orders pile up (up to ``max_orders`` per
symbol), the venue's feed slows down over the run and the benchmark measures
the judge.  This runs the spot simulator with traders on ``--symbols``
symbols in a process of its own (``--serve``), subscribes to every symbol's
``@depth@100ms`` stream on one combined socket from this process, and prints
the depth frames per second received in each ``--window`` seconds; the venue
process prints its traders' actions and open orders when it stops.

A steady feed keeps the same frames/s from the first window to the last.  The
ceiling is ``min(rate, 10)`` frames/s per symbol: a symbol's diff goes out
every 100 ms when its book changed, and each trader action changes it at most
once.  Figures: benchmarks/README.md, "The simulator's feed over time".
"""
from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import aiohttp

from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.sim.binance.spot.filters import SymbolSpec


def _symbols(n: int) -> list[SymbolSpec]:
    return [SymbolSpec(f"C{i:03d}USDT", f"C{i:03d}", "USDT", initial_price=Decimal(100 + i)) for i in range(n)]


async def _serve(args: argparse.Namespace) -> None:
    symbols = _symbols(args.symbols)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with SimulatedExchange(seed=args.seed, symbols=symbols, traders={"rate": args.rate}) as sim:
        print(f"READY {sim.port}", flush=True)
        await stop.wait()
        traders = sim.traders
        open_orders = sum(sim.engine.open_order_count(traders.account, s.symbol) for s in symbols) \
            if hasattr(sim.engine, "open_order_count") else len(sim.engine.open_orders(traders.account))
        print(json.dumps({"trader_actions": traders.actions, "open_orders": open_orders}), flush=True)


async def _count(port: int, symbols: list[str], seconds: float, window: float) -> list[float]:
    streams = "/".join(f"{s.lower()}@depth@100ms" for s in symbols)
    rates: list[float] = []
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"http://127.0.0.1:{port}/stream?streams={streams}", max_msg_size=0) as ws:
            start = time.monotonic()
            window_end = start + window
            frames = 0
            while len(rates) < int(seconds // window):
                try:
                    async with asyncio.timeout(max(0.0, window_end - time.monotonic())):
                        msg = await ws.receive()
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        raise RuntimeError(f"the feed closed: {msg.type}")
                    if '"depthUpdate"' in msg.data:
                        frames += 1
                except TimeoutError:
                    pass
                now = time.monotonic()
                if now >= window_end:
                    rates.append(frames / (now - (window_end - window)))
                    print(f"  {now - start:6.0f} s: {rates[-1]:7.1f} depth frames/s", flush=True)
                    frames = 0
                    window_end += window
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=150.0)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=5.0, help="trader actions per second per symbol")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--serve", action="store_true", help="(internal) be the venue process")
    args = parser.parse_args()
    from hummingbot_conn.cli.event_loop import run  # the loop the harnesses use (uvloop when installed)

    if args.serve:
        run(_serve(args))
        return
    venue = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", "--symbols", str(args.symbols),
                              "--rate", str(args.rate), "--seed", str(args.seed)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert venue.stdout is not None
        line = venue.stdout.readline()
        if not line.startswith("READY "):
            raise SystemExit(f"the venue did not start: {line!r}")
        print(f"{args.symbols} symbols, traders at {args.rate}/s per symbol, frames/s per {args.window:.0f} s window:")
        rates = run(_count(int(line.split()[1]), [s.symbol for s in _symbols(args.symbols)], args.seconds,
                           args.window))
    finally:
        venue.send_signal(signal.SIGTERM)
        out, _ = venue.communicate(timeout=60)
    print(f"first window {rates[0]:.0f} frames/s, last {rates[-1]:.0f}, "
          f"last / first {rates[-1] / rates[0]:.2f}; venue at the end: {out.strip()}")


if __name__ == "__main__":
    main()
