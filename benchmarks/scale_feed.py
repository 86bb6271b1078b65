"""The simulator with N busy symbols, for the tracker's scale benchmark (run as a script).

    python benchmarks/scale_feed.py --symbols 100 [--levels 12] [--seed 1]
    -> prints "READY <port>" and serves until terminated

Every 100 ms each symbol's book changes at about ``levels`` price levels (half
new resting orders, half cancels of the oldest ones, never crossing), so the
simulator's 100 ms depth stream carries ~10 frames/s per symbol of 10-20
levels each, the load the issue asks for.  Orders go straight to the
matching engine (no HTTP), so the feed process spends its CPU on the book
and the streams, not on our client.  The weight limit is raised so repeated
cold starts of the benchmark (100 snapshots each) are not answered 429.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import signal
from collections import deque
from decimal import Decimal

from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.sim.binance.spot.filters import SymbolSpec


def _symbols(n: int) -> list[SymbolSpec]:
    return [SymbolSpec(f"C{i:03d}USDT", f"C{i:03d}", "USDT", initial_price=Decimal(100 + i)) for i in range(n)]


async def _drive(sim: SimulatedExchange, symbols: list[SymbolSpec], levels: int, seed: int) -> None:
    rng = random.Random(seed)
    account = sim.accounts.create({**{s.base_asset: "1000000000" for s in symbols}, "USDT": "1000000000000"},
                                  maker_rate="0", taker_rate="0")
    resting: dict[str, deque] = {s.symbol: deque() for s in symbols}
    per_side = max(1, levels // 4)
    # a starting book: 20 levels a side
    for spec in symbols:
        for i in range(1, 21):
            for side in ("BUY", "SELL"):
                _post(sim, account, spec, side, i, rng, resting)
    loop = asyncio.get_running_loop()
    tick = loop.time()
    while True:
        tick += 0.1
        for spec in symbols:
            queue = resting[spec.symbol]
            for _ in range(2 * per_side):
                if len(queue) > 40:
                    order_id = queue.popleft()
                    try:
                        sim.engine.cancel_order(account, spec.symbol, order_id=order_id)
                    except Exception:       # noqa: BLE001 - filled or gone: nothing to cancel
                        pass
            for _ in range(per_side):
                _post(sim, account, spec, "BUY", rng.randint(1, 30), rng, resting)
                _post(sim, account, spec, "SELL", rng.randint(1, 30), rng, resting)
        await asyncio.sleep(max(0.0, tick - loop.time()))


def _post(sim, account, spec: SymbolSpec, side: str, ticks_away: int, rng: random.Random, resting) -> None:
    mid = spec.initial_price
    price = mid - spec.tick_size * ticks_away if side == "BUY" else mid + spec.tick_size * ticks_away
    qty = Decimal(rng.randint(5, 50)) / 10
    order, _ = sim.engine.place_order(account, spec.symbol, side, "LIMIT", quantity=qty, price=price,
                                      time_in_force="GTC")
    resting[spec.symbol].append(order.order_id)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=100)
    parser.add_argument("--levels", type=int, default=12, help="price levels changed per symbol per 100 ms")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    symbols = _symbols(args.symbols)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with SimulatedExchange(seed=args.seed, symbols=symbols, weight_limit=10**9) as sim:
        driver = asyncio.ensure_future(_drive(sim, symbols, args.levels, args.seed))
        print(f"READY {sim.port}", flush=True)
        await stop.wait()
        driver.cancel()


if __name__ == "__main__":
    asyncio.run(main())
