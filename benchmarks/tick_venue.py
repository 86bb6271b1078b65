"""The venue of benchmarks/tick_to_trade.py: the spot simulator in a process of its own, its best bid moving.

    python benchmarks/tick_venue.py [--seed N] [--traders-rate R] [--move-interval S]

Listens on 127.0.0.1 (a free port) and prints one JSON line, ``{"host_port",
"api_key", "api_secret", "loop"}``, then serves until SIGTERM or SIGINT.  It
runs on the loop the ``hbconn`` commands choose (uvloop when installed,
``HBCONN_LOOP``; busy polling with ``HBCONN_BUSY_POLL=1``), and its
``/sim/trace`` stamps frames and orders.

Seeded background traders keep a live book (orders, trades, cancels), but they
move the best bid about once a second, and a strategy that trades on changes of
the best bid would mostly wait.  So a mover with an account of its own walks a
LIMIT_MAKER bid up the spread one tick per ``--move-interval`` (the new bid is
placed before the previous one is cancelled), and when the next step would
reach the ask it withdraws, so the traders' best bid is the best again, and
starts over; when the traders themselves bid a tick under the ask, it sells
into that level.  Every step changes the best bid.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import signal
from decimal import Decimal

from hummingbot_conn.cli import event_loop
from hummingbot_conn.sim import SimError, SimulatedExchange, default_symbols

SYMBOL = "BTCUSDT"
MOVER_QTY = Decimal("0.001")
#: steps a walk takes at most before it withdraws and starts over from the traders' best bid
MAX_WALK = 40


class Mover:
    """The walking bid (see the module doc); ``step()`` changes the best bid once."""

    def __init__(self, sim: SimulatedExchange) -> None:
        self.sim = sim
        self.account = sim.accounts.create({"USDT": "1000000000", "BTC": "1000000"}, maker_rate="0", taker_rate="0")
        self.tick = sim.engine.specs[SYMBOL].tick_size
        self.order = None
        self.walked = 0
        self.steps = 0

    def _withdraw(self) -> None:
        if self.order is not None and self.order.on_book:
            self.sim.engine.cancel_order(self.account, SYMBOL, self.order.order_id)
        self.order, self.walked = None, 0

    def step(self) -> None:
        book = self.sim.engine.books[SYMBOL]
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None and ask is None:
            return                          # nothing to walk from: the traders refill the book
        mine = self.order is not None and self.order.on_book
        # a side the traders emptied must not stop the walk (every best-bid change of the benchmark
        # comes from here): no bids, start a walk below the ask; no asks, walk without a ceiling
        price = bid.price + self.tick if bid is not None else ask.price - MAX_WALK * self.tick
        ceiling = ask.price if ask is not None else price + self.tick
        try:
            if mine and (self.walked >= MAX_WALK or price >= ceiling):
                self._withdraw()            # the traders' best bid is the best again
            elif price < ceiling and price > 0:
                previous = self.order
                self.order, _ = self.sim.engine.place_order(self.account, SYMBOL, "BUY", "LIMIT_MAKER",
                                                            quantity=MOVER_QTY, price=price)
                if previous is not None and previous.on_book:
                    self.sim.engine.cancel_order(self.account, SYMBOL, previous.order_id)
                self.walked += 1
            elif bid is not None:
                # the traders bid a tick under the ask: take that level, so the next one is the best
                self.sim.engine.place_order(self.account, SYMBOL, "SELL", "LIMIT", quantity=bid.total,
                                            price=bid.price, time_in_force="IOC")
        except SimError:
            return                          # a filter edge: the next step tries again
        self.steps += 1

    async def run(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.step()


async def main(args: argparse.Namespace, loop_description: str) -> None:
    symbols = [s for s in default_symbols() if s.symbol == SYMBOL]
    async with SimulatedExchange(seed=args.seed, symbols=symbols, traders={"rate": args.traders_rate}) as sim:
        key, secret = sim.create_account({"USDT": "100000000", "BTC": "1000"})
        mover = Mover(sim)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        task = asyncio.ensure_future(mover.run(args.move_interval))
        print(json.dumps({"host_port": f"127.0.0.1:{sim.port}", "api_key": key, "api_secret": secret,
                          "loop": loop_description}), flush=True)
        await stop.wait()
        task.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--traders-rate", type=float, default=10.0, help="background trader actions per second")
    parser.add_argument("--move-interval", type=float, default=0.1, help="seconds between two steps of the mover")
    arguments = parser.parse_args()
    spin = ", busy polling" if event_loop.busy_poll_wanted() else ""
    event_loop.run(main(arguments, event_loop.describe() + spin))
