"""Our own Python on the order path: ``buy()`` until ``order.place``'s frame is handed to the socket.

benchmarks/order_path.py's harness: ``BinanceExchange`` (``order_transport="ws"``) whose
WebSocket API socket takes frames synchronously; each round is one ``buy()`` of a LIMIT order
(check and quantise, track, params, throttle, sign, encode, write: all inside ``buy()``).  No
network and no peer: the figure is our code's time per order, aiohttp's framing excluded.
The CI smoke run (``--benchmark-disable``) checks that every ``buy()`` wrote one signed frame.
"""
import asyncio
import importlib.util
import sys
from pathlib import Path

import orjson


def _load():
    name = "_hbconn_bench_order_path"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("order_path.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


op = _load()


def test_bench_order_path_buy_to_frame(benchmark):
    benchmark.group = "order path: buy() -> order.place frame handed to the socket (our Python only)"
    loop = asyncio.new_event_loop()
    try:
        connector, socket = loop.run_until_complete(op.build())

        async def measure():
            # inside the running loop, as a strategy calls buy(); every round writes one frame
            before = socket.frames
            benchmark.pedantic(op.one_order, args=(connector, socket), rounds=2000 if benchmark.enabled else 5,
                               iterations=1, warmup_rounds=200 if benchmark.enabled else 1)
            return socket.frames - before

        frames = loop.run_until_complete(measure())
        request = orjson.loads(socket.last)
        loop.run_until_complete(op.teardown(connector))
    finally:
        loop.close()
    assert frames >= 1
    assert request["method"] == "order.place"
    params = request["params"]
    assert params["symbol"] == "BTCUSDT" and params["quantity"] == "0.00123" and params["price"] == "50000.01"
    assert len(params["signature"]) == 64
    benchmark.extra_info["impl"] = "hbconn"
    if benchmark.enabled:
        # where the time goes: each stage timed on its own (perf_counter_ns wrappers, medians)
        stages = asyncio.run(op.stages(2000))
        cold, warm = (asyncio.run(op.after_idle(30, 0.1, on)) for on in (False, True))
        benchmark.extra_info["figures"] = {
            "stages (median us per order)": ", ".join(f"{name} {us:.1f}" for name, us in stages),
            "after 100 ms idle (median of 30 buy() calls, each 100 ms after the last)": (
                f"{cold:.1f} us cold, {warm:.1f} us with warm_order_path() rehearsing every 10 ms "
                "(README, \"Warm order path\")"),
            "not in the figure": ("aiohttp's framing and masking of the frame and the socket's send() "
                                  "(kernel: on this loopback a send wakes the venue's process)"),
            "before (issue 22)": "buy() 154 us + the REST placement coroutine 326 us after a loop turn",
        }
