"""The order path in our own Python: ``buy()`` to the request's bytes handed to the socket.

``BinanceExchange`` with ``order_transport="ws"`` writes ``order.place`` inside ``buy()``
(``_send_order_now``): check and quantise, track, build the params, throttle, sign, encode
and frame, all before ``buy()`` returns.  Here the socket is a stand-in that takes the frame
(aiohttp's framing and masking are replaced by a copy of the bytes), the trading rules and
symbols are the simulator's, and the throttler's order pools are widened so that every
``buy()`` takes the socket path: what is timed is our code only, no network and no loop turn.

    python benchmarks/order_path.py [N]            # stages (perf_counter_ns), after idle, then cProfile

The pytest-benchmark of the same path: ``test_bench_order_path.py``.
"""
import asyncio
import cProfile
import logging
import pstats
import sys
import time
from decimal import Decimal
from typing import Any, List, Tuple

from hummingbot_conn.common import OrderType
from hummingbot_conn.exchanges.binance import BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.exchanges.binance.spot import constants as CONSTANTS
from hummingbot_conn.sim.binance.spot.filters import default_symbols, exchange_info
from hummingbot_conn.web.rate_limit import RateLimit

PAIR = "BTC-USDT"
AMOUNT, PRICE = Decimal("0.00123"), Decimal("50000.01")


class CapturingSocket:
    """A ``WSConnection`` stand-in: takes every frame synchronously and keeps the last one."""

    def __init__(self) -> None:
        self.frames = 0
        self.last = b""
        self.stamp = 0

    def can_write_now(self) -> bool:
        return True

    def write_text_now(self, payload: bytes) -> bool:
        self.stamp = time.perf_counter_ns()
        self.last = payload
        self.frames += 1
        return True

    async def disconnect(self) -> None:
        return None


async def build() -> Tuple[BinanceExchange, CapturingSocket]:
    """A started-looking connector whose WebSocket API socket is a ``CapturingSocket``."""
    connector = BinanceExchange("k" * 64, "s" * 64, trading_pairs=[PAIR],
                                domain=BinanceEndpoints.local("127.0.0.1:9"), order_transport="ws")
    info = exchange_info(default_symbols(), int(time.time() * 1000), [])
    connector._trading_rules_part.replace_all(await connector._format_trading_rules(info))
    connector._initialize_trading_pair_symbols_from_exchange_info(info)
    # Binance allows 100 orders / 10 s: widen the order pools so that no buy() here waits for them
    connector._throttler.set_rate_limits([
        RateLimit(limit.limit_id, limit=10**9, time_interval=limit.time_interval,
                  linked_limits=limit.linked_limits, priority=limit.priority)
        if limit.limit_id in (CONSTANTS.ORDERS, CONSTANTS.ORDERS_24HR, CONSTANTS.REQUEST_WEIGHT,
                              CONSTANTS.RAW_REQUESTS, CONSTANTS.WS_ORDER_PLACE_METHOD) else limit
        for limit in CONSTANTS.RATE_LIMITS])
    socket = CapturingSocket()
    entry = connector.ws_order_entry
    assert entry is not None
    entry._connection = socket        # type: ignore[assignment]
    entry._up = True
    connector._started = True
    return connector, socket


async def teardown(connector: BinanceExchange) -> None:
    """Stop the answers' tasks (their orders were never answered: nothing to log about them)."""
    logging.getLogger("hummingbot_conn.connector.order_placer").setLevel(logging.ERROR)
    connector._started = False
    connector.ws_order_entry._connection = None   # type: ignore[union-attr]
    await connector._order_placer.stop()


def one_order(connector: BinanceExchange, socket: CapturingSocket) -> int:
    """One buy(); the ns from the call to the frame handed to the socket."""
    frames = socket.frames
    start = time.perf_counter_ns()
    connector.buy(PAIR, AMOUNT, OrderType.LIMIT, PRICE)
    if socket.frames != frames + 1:
        raise AssertionError("buy() did not write its order.place frame")
    return socket.stamp - start


async def stages(n: int) -> List[Tuple[str, float]]:
    """Median ns of buy() -> frame over ``n`` orders, and of each stage, by wrapping them."""
    connector, socket = await build()
    placer, entry, auth = connector._order_placer, connector.ws_order_entry, connector.authenticator
    timings: dict = {}

    def timed(name: str, fn: Any) -> Any:
        bucket = timings.setdefault(name, [])

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter_ns()
            try:
                return fn(*args, **kwargs)
            finally:
                bucket.append(time.perf_counter_ns() - t0)
        return wrapper

    total = []
    for _ in range(200):                   # warm-up
        one_order(connector, socket)
    for _ in range(n):
        total.append(one_order(connector, socket))
    # the stages, in a second run with the wrappers in place (each adds ~0.1 us)
    connector._trading_rules_part.check_order = timed("check + quantise", connector._trading_rules_part.check_order)
    connector._create_in_flight_order = timed("InFlightOrder", connector._create_in_flight_order)
    connector._order_tracker.start_tracking_order = timed("track", connector._order_tracker.start_tracking_order)
    connector._order_params = timed("params", connector._order_params)
    connector._throttler.try_acquire = timed("throttler", connector._throttler.try_acquire)
    auth.sign_ws_params = timed("sign", auth.sign_ws_params)
    placer.spawn = timed("spawn the answer's task", placer.spawn)
    entry_write = entry._write
    entry._write = timed("sign + encode + write", entry_write)
    connector._new_client_order_id = timed("client order id", connector._new_client_order_id)
    for _ in range(n):
        one_order(connector, socket)
    await teardown(connector)

    def median(values: List[int]) -> float:
        ordered = sorted(values)
        return ordered[len(ordered) // 2] / 1000.0
    return [("buy() -> frame", median(total))] + [(name, median(v)) for name, v in timings.items()]


async def after_idle(n: int, gap: float, warm: bool) -> float:
    """Median us of buy() -> frame when each ``buy()`` comes ``gap`` seconds after the previous one
    (its code and data may have left the CPU caches meanwhile), with ``warm_order_path()`` on or off
    (README, "Warm order path").  A fresh connector; its unanswered requests end with the run."""
    connector, socket = await build()
    if warm:
        connector.warm_order_path()
    for _ in range(50):                     # the path has run: what is measured is its going cold
        one_order(connector, socket)
    times = []
    for _ in range(n):
        await asyncio.sleep(gap)
        times.append(one_order(connector, socket))
    connector.warm_order_path(None)
    await teardown(connector)
    ordered = sorted(times)
    return ordered[len(ordered) // 2] / 1000.0


async def profile(n: int) -> pstats.Stats:
    connector, socket = await build()
    for _ in range(200):
        one_order(connector, socket)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        one_order(connector, socket)
    profiler.disable()
    await teardown(connector)
    return pstats.Stats(profiler)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    for name, us in asyncio.run(stages(n)):
        print(f"{name:28s} {us:8.1f} us")
    for warm in (False, True):
        print(f"after 100 ms idle, warm_order_path {'on ' if warm else 'off'}: "
              f"{asyncio.run(after_idle(30, 0.1, warm)):8.1f} us")
    asyncio.run(profile(n)).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
