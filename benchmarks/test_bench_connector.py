"""Order round trip through the whole stack: ``BinanceExchange`` against the simulator on loopback.

One cycle = ``buy()`` a LIMIT order -> its ``BuyOrderCreatedEvent`` (REST placement, the
simulator's answer, the tracker), then the counterparty trades against it -> the fill's
``executionReport`` frame on the user stream -> ``OrderFilledEvent`` (and Completed).

The simulator runs in a child process, so this process's CPU time is the connector's own
(plus this harness's few lines per cycle: a pipe write, two event waits).  Measured per cycle:

* ``create``: ``buy()`` called -> Created event (includes the loopback REST round trip and the
  simulator's matching, which run in the other process);
* ``fill``: the fill's frame handed to the user stream data source (decoded by the WebSocket
  layer already) -> OrderFilled event: the connector's own path for a fill;
* CPU per order: this process's CPU time over the measured cycles / cycles (the pacing
  sleeps below cost none).

Cycles are paced under Binance's 100 orders / 10 s (``CYCLE_SPACING``), which the connector's
throttler enforces: unpaced, every 101st ``buy()`` would wait ~10 s for the window.

p50 / p99 of both go to ``extra_info["figures"]`` (report.py prints them under the group).
No peer yet (hummingbot's connector cannot run against this simulator without its client).
The table row is the wall time of one whole cycle (both legs, the counterparty's order sent
to the simulator process and matched there, the waits for the events).  The CI smoke run
(``--benchmark-disable``) runs a few cycles and checks the events.
"""
import asyncio
import json
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from hummingbot_conn.cli.event_loop import new_event_loop
from hummingbot_conn.common import OrderType
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.exchanges.binance import BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange

PAIR, PRICE, QTY = "BTC-USDT", "50000", "0.001"
CYCLES, WARMUP = 200, 10
# Binance (and the simulator) allow 100 orders per 10 s and the connector's throttler enforces it:
# cycles start at most this often, so no buy() waits for the ORDERS window (that would time the limit)
CYCLE_SPACING = 0.105

# the simulator process: prints "port key secret" as JSON, then places a counterparty SELL for every
# "sell" line on stdin, until stdin closes
_SIM_CHILD = r"""
import asyncio, json, sys
from decimal import Decimal
from hummingbot_conn.cli.event_loop import run
from hummingbot_conn.sim import SimulatedExchange

async def main():
    async with SimulatedExchange(seed=1) as sim:
        key, secret = sim.create_account({"USDT": "100000000", "BTC": "1000"})
        counterparty = sim.accounts.create({"USDT": "100000000", "BTC": "100000"}, maker_rate="0",
                                           taker_rate="0")
        print(json.dumps({"port": sim.port, "key": key, "secret": secret}), flush=True)
        loop = asyncio.get_running_loop()
        done = asyncio.Event()

        def on_line():
            line = sys.stdin.readline()
            if not line:
                done.set()
                return
            price, qty = line.split()
            sim.engine.place_order(counterparty, "BTCUSDT", "SELL", "LIMIT", quantity=Decimal(qty),
                                   price=Decimal(price), time_in_force="GTC")

        loop.add_reader(sys.stdin.fileno(), on_line)
        await done.wait()

run(main())
"""


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class _Stack:
    """The connector, its event stamps and the measuring hooks, driven one cycle at a time."""

    def __init__(self, child, info):
        self.child = child
        self.connector = BinanceExchange(binance_api_key=info["key"], binance_api_secret=info["secret"],
                                         trading_pairs=[PAIR],
                                         domain=BinanceEndpoints.local(f"127.0.0.1:{info['port']}"))
        self.created, self.filled, self.completed, self.frames = {}, {}, {}, {}
        self.waiters = {}
        self.create_ms, self.fill_ms = [], []
        self.measured = 0
        self.cpu_start = None
        for tag, book in ((MarketEvent.BuyOrderCreated, self.created), (MarketEvent.OrderFilled, self.filled),
                          (MarketEvent.BuyOrderCompleted, self.completed)):
            self.connector.add_listener(tag, self._stamp(book))
        source = self.connector.user_stream_tracker.data_source
        process_frame = source._process_event_message

        async def timed_frame(event_message, queue):
            # the measuring instrument: when the data source is handed a fill's frame
            event = event_message.get("event") if isinstance(event_message, dict) else None
            if isinstance(event, dict) and event.get("x") == "TRADE":
                self.frames.setdefault(event["c"], time.perf_counter())
            await process_frame(event_message, queue)
        source._process_event_message = timed_frame

    def _stamp(self, book):
        def listener(event):
            book.setdefault(event.order_id, time.perf_counter())
            waiter = self.waiters.pop(event.order_id, None)      # wake the cycle on any event of its order
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        return listener

    async def _wait_for(self, book, order_id):
        while order_id not in book:
            waiter = self.waiters[order_id] = asyncio.get_running_loop().create_future()
            if order_id in book:
                break
            await asyncio.wait_for(waiter, 10)

    async def cycle(self, measure):
        if measure and self.cpu_start is None:
            self.cpu_start = time.process_time()
        sent = time.perf_counter()
        order_id = self.connector.buy(PAIR, Decimal(QTY), OrderType.LIMIT, Decimal(PRICE))
        await self._wait_for(self.created, order_id)
        self.child.stdin.write(f"{PRICE} {QTY}\n")
        self.child.stdin.flush()
        await self._wait_for(self.completed, order_id)
        assert order_id in self.filled and self.filled[order_id] >= self.frames[order_id]
        if measure:
            self.measured += 1
            self.create_ms.append((self.created[order_id] - sent) * 1e3)
            self.fill_ms.append((self.filled[order_id] - self.frames[order_id]) * 1e3)


def test_bench_connector_order_round_trip(benchmark):
    benchmark.group = "connector: order round trip (loopback simulator)"
    benchmark.extra_info["impl"] = "hbconn"
    # disabled (the CI smoke run), pedantic calls the function once: one measured cycle
    cycles, warmup = (CYCLES, WARMUP) if benchmark.enabled else (1, 0)
    child = subprocess.Popen([sys.executable, "-c", _SIM_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    loop = new_event_loop()
    stack = None
    try:
        stack = _Stack(child, json.loads(child.stdout.readline()))
        loop.run_until_complete(stack.connector.start_network())
        loop.run_until_complete(stack.connector.wait_ready(30))
        state = {"round": 0, "next": 0.0}

        def pace():
            # untimed: keep under the ORDERS window (the loop keeps serving the sockets meanwhile)
            loop.run_until_complete(asyncio.sleep(max(0.0, state["next"] - time.perf_counter())))
            state["next"] = time.perf_counter() + CYCLE_SPACING
            return (), {}

        def one_cycle():
            state["round"] += 1
            loop.run_until_complete(stack.cycle(measure=state["round"] > warmup))

        benchmark.pedantic(one_cycle, setup=pace, rounds=cycles, warmup_rounds=warmup, iterations=1)
        cpu = time.process_time() - stack.cpu_start
        assert not stack.connector.in_flight_orders
    finally:
        if stack is not None:
            loop.run_until_complete(stack.connector.stop_network())
        child.stdin.close()
        child.wait(10)
        loop.close()
    create_ms, fill_ms = stack.create_ms, stack.fill_ms
    assert len(create_ms) == len(fill_ms) == stack.measured == cycles
    cpu_ms = cpu / cycles * 1e3
    benchmark.extra_info["figures"] = {
        "buy() -> Created": f"p50 {statistics.median(create_ms):.2f} ms, p99 {_percentile(create_ms, 99):.2f} ms, "
                            f"max {max(create_ms):.2f} ms ({cycles} orders, loopback REST to the simulator)",
        "fill frame -> OrderFilled": f"p50 {statistics.median(fill_ms) * 1e3:.0f} us, "
                                     f"p99 {_percentile(fill_ms, 99) * 1e3:.0f} us, max {max(fill_ms) * 1e3:.0f} us",
        "connector CPU per order": f"{cpu_ms:.2f} ms (create + fill + complete, whole process, simulator excluded)",
    }
