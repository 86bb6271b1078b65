"""A strategy process for the bus tests: one ``OrderBookTracker`` on ``NatsOrderBookDataSource``.

    python consumer_process.py NATS_URL PAIR,PAIR [PENDING_MSGS_LIMIT]

Prints ``ready`` once every book synced.  Each line read on stdin is a JSON
object ``{pair: seq}``: once every named book is synced at that bus number
or later, it prints one JSON line ``{pair: [bids, asks, resyncs, trade ids, losses]}``
(levels as ``[price, amount]``; losses: gaps + stream interruptions).  Killed with SIGKILL by the tests.
"""
import asyncio
import json
import sys

from hummingbot_conn.bus import NatsOrderBookDataSource
from hummingbot_conn.events import OrderBookEvent
from hummingbot_conn.tracking import OrderBookTracker


async def main(url: str, pairs: list, pending: int) -> None:
    source = NatsOrderBookDataSource(url, venue="binance", trading_pairs=pairs, pending_msgs_limit=pending)
    tracker = OrderBookTracker(source, pairs)
    tracker.start()
    await tracker.wait_ready(timeout=60)
    trades = {pair: [] for pair in pairs}
    for pair in pairs:
        tracker.order_books[pair].add_listener(OrderBookEvent.TradeEvent,
                                               lambda t, p=pair: trades[p].append(t.trade_id))
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        wanted = json.loads(line)
        async with asyncio.timeout(30):
            while not all(tracker.order_books[p].is_synced and tracker.order_books[p].last_diff_uid >= s
                          for p, s in wanted.items()):
                await asyncio.sleep(0.02)
        out = {}
        for pair in wanted:
            book = tracker.order_books[pair]
            out[pair] = [[[r.price, r.amount] for r in book.bid_entries()],
                         [[r.price, r.amount] for r in book.ask_entries()],
                         tracker.metrics.pairs[pair].resyncs, trades[pair],
                         tracker.metrics.pairs[pair].gaps + tracker.metrics.pairs[pair].stream_interruptions]
        print(json.dumps(out), flush=True)
    await tracker.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]) if len(sys.argv) > 3 else 65536))
