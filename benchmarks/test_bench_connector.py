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
The CI smoke run (``--benchmark-disable``) runs a few cycles and checks the events.
"""
import asyncio
import json
import statistics
import subprocess
import sys
import time
from decimal import Decimal

from hummingbot_conn.common import OrderType
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.exchanges.binance import BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange

PAIR, PRICE, QTY = "BTC-USDT", "50000", "0.001"
CYCLES, WARMUP, SMOKE_CYCLES = 200, 10, 5
# Binance (and the simulator) allow 100 orders per 10 s and the connector's throttler enforces it:
# cycles start at most this often, so no buy() waits for the ORDERS window (that would time the limit)
CYCLE_SPACING = 0.105

# the simulator process: prints "port key secret" as JSON, then places a counterparty SELL for every
# "sell" line on stdin, until stdin closes
_SIM_CHILD = r"""
import asyncio, json, sys
from decimal import Decimal
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

asyncio.run(main())
"""


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def _run(child, info, cycles, warmup):
    connector = BinanceExchange(binance_api_key=info["key"], binance_api_secret=info["secret"],
                                trading_pairs=[PAIR], domain=BinanceEndpoints.local(f"127.0.0.1:{info['port']}"))
    created, filled, completed, frames = {}, {}, {}, {}
    waiters = {}

    def stamp(book):
        def listener(event):
            book.setdefault(event.order_id, time.perf_counter())
            waiter = waiters.pop(event.order_id, None)      # wake the cycle on any event of its order
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        return listener

    listeners = {MarketEvent.BuyOrderCreated: stamp(created), MarketEvent.OrderFilled: stamp(filled),
                 MarketEvent.BuyOrderCompleted: stamp(completed)}
    for tag, listener in listeners.items():
        connector.add_listener(tag, listener)
    source = connector.user_stream_tracker.data_source
    process_frame = source._process_event_message

    async def timed_frame(event_message, queue):
        # the measuring instrument: when the data source is handed a fill's frame
        event = event_message.get("event") if isinstance(event_message, dict) else None
        if isinstance(event, dict) and event.get("x") == "TRADE":
            frames.setdefault(event["c"], time.perf_counter())
        await process_frame(event_message, queue)
    source._process_event_message = timed_frame

    async def wait_for(book, order_id):
        while order_id not in book:
            waiter = waiters[order_id] = asyncio.get_running_loop().create_future()
            if order_id in book:
                break
            await asyncio.wait_for(waiter, 10)

    await connector.start_network()
    try:
        await connector.wait_ready(30)
        create_ms, fill_ms = [], []
        cpu_start = 0.0
        next_start = time.perf_counter()
        for i in range(warmup + cycles):
            await asyncio.sleep(max(0.0, next_start - time.perf_counter()))
            if i == warmup:
                cpu_start = time.process_time()
            sent = time.perf_counter()
            next_start = sent + CYCLE_SPACING
            order_id = connector.buy(PAIR, Decimal(QTY), OrderType.LIMIT, Decimal(PRICE))
            await wait_for(created, order_id)
            child.stdin.write(f"{PRICE} {QTY}\n")
            child.stdin.flush()
            await wait_for(completed, order_id)
            assert order_id in filled and order_id in frames and filled[order_id] >= frames[order_id]
            if i >= warmup:
                create_ms.append((created[order_id] - sent) * 1e3)
                fill_ms.append((filled[order_id] - frames[order_id]) * 1e3)
        cpu = time.process_time() - cpu_start
        assert not connector.in_flight_orders
    finally:
        await connector.stop_network()
    return create_ms, fill_ms, cpu


def test_bench_connector_order_round_trip(benchmark):
    benchmark.group = "connector: order round trip (loopback simulator)"
    benchmark.extra_info["impl"] = "hbconn"
    cycles, warmup = (CYCLES, WARMUP) if benchmark.enabled else (SMOKE_CYCLES, 1)
    benchmark.extra_info["ops"] = cycles
    child = subprocess.Popen([sys.executable, "-c", _SIM_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        info = json.loads(child.stdout.readline())
        result = {}

        def run_once():
            result["run"] = asyncio.run(_run(child, info, cycles, warmup))

        benchmark.pedantic(run_once, rounds=1, iterations=1)
    finally:
        child.stdin.close()
        child.wait(10)
    create_ms, fill_ms, cpu = result["run"]
    assert len(create_ms) == len(fill_ms) == cycles
    cpu_ms = cpu / cycles * 1e3
    benchmark.extra_info["figures"] = {
        "buy() -> Created": f"p50 {statistics.median(create_ms):.2f} ms, p99 {_percentile(create_ms, 99):.2f} ms, "
                            f"max {max(create_ms):.2f} ms ({cycles} orders, loopback REST to the simulator)",
        "fill frame -> OrderFilled": f"p50 {statistics.median(fill_ms) * 1e3:.0f} us, "
                                     f"p99 {_percentile(fill_ms, 99) * 1e3:.0f} us, max {max(fill_ms) * 1e3:.0f} us",
        "connector CPU per order": f"{cpu_ms:.2f} ms (create + fill + complete, whole process, simulator excluded)",
    }
