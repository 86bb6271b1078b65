"""``buy()`` to the order acknowledged (its Created event) for ``KrakenExchange`` over the WebSocket v2
socket and over REST, on ``KrakenSimulatedExchange`` (127.0.0.1, this process), interleaved.

Two connectors on two accounts (Kraken's trading counter is per key and pair) place LIMIT buys far
below the market, one ``order_transport="ws"``, one ``"rest"``, in alternation: each order waits for
its Created event before the next.  The simulator runs in the same process and event loop, so both
figures include its work; they compare the transports, not the venue.

    python benchmarks/kraken_order_latency.py [ORDERS_PER_TRANSPORT]     # default 100 (the trading
                                                                         # counter allows 125 a key)
"""
from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import time
from decimal import Decimal
from typing import Any, Dict, List

from hummingbot_conn.common import OrderType
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.exchanges.kraken import KrakenEndpoints, KrakenExchange
from hummingbot_conn.sim.kraken import KrakenSimulatedExchange

PAIR = "BTC-USD"


def _percentile(samples: List[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class _Side:
    def __init__(self, sim: Any, transport: str) -> None:
        key, secret = sim.create_account({"USD": "10000000"})
        self.transport = transport
        self.connector = KrakenExchange(key, secret, [PAIR], domain=KrakenEndpoints.local(sim.rest_url.split("://")[1]),
                                        api_tier="intermediate", order_transport=transport)
        self.created: Dict[str, float] = {}
        self.samples: List[float] = []
        self.connector.add_listener(MarketEvent.BuyOrderCreated,
                                    lambda e: self.created.setdefault(e.order_id, time.perf_counter()))

    async def one(self) -> None:
        started = time.perf_counter()
        order_id = self.connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        while order_id not in self.created:
            await asyncio.sleep(0)
        self.samples.append(self.created[order_id] - started)


async def main(orders: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    async with KrakenSimulatedExchange(seed=1, stream_interval=0.05) as sim:
        sides = [_Side(sim, "ws"), _Side(sim, "rest")]
        for side in sides:
            await side.connector.start_network()
            await side.connector.wait_ready(timeout=30)
        entry = sides[0].connector.ws_order_entry
        assert entry is not None
        while not entry.up:
            await asyncio.sleep(0.01)
        try:
            for _ in range(3):          # warm-up: connections, first-call paths
                for side in sides:
                    await side.one()
            for side in sides:
                side.samples.clear()
            for _ in range(orders):
                for side in sides:
                    await side.one()
        finally:
            for side in sides:
                await side.connector.stop_network()
    print(f"buy() -> Created on the Kraken simulator, {orders} orders per transport, interleaved")
    for side in sides:
        ms = [s * 1e3 for s in side.samples]
        print(f"  {side.transport:>4}: p50 {statistics.median(ms):.3f} ms  p90 {_percentile(ms, 0.9):.3f} ms  "
              f"p99 {_percentile(ms, 0.99):.3f} ms  (n={len(ms)})")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
