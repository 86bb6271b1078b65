"""The feed is venue-neutral: a Kraken feed (books without update ids, each message checked by its CRC32)
carried over a real nats-server keeps its consumers' books equal to the venue's top levels.

Kraken's book has no ids to be "provably current" against, so the comparison waits until the feed's book
equals the venue's top ``depth`` levels (the subscription's depth) and each consumer holds the feed's
last bus number, then compares the consumer's book with the venue's, level for level.
"""
import asyncio

from hummingbot_conn.bus import BookFeed, NatsOrderBookDataSource
from hummingbot_conn.exchanges.kraken import KrakenAPIOrderBookDataSource, KrakenEndpoints
from hummingbot_conn.sim.kraken import KrakenSimulatedExchange
from hummingbot_conn.tracking import OrderBookTracker

PAIRS = {"BTC-USD": "BTC/USD", "ETH-USD": "ETH/USD"}
DEPTH = 10


def top(levels, reverse):
    prices = sorted(levels, reverse=reverse)[:DEPTH]
    return {float(p): float(levels[p]) for p in prices}


def venue_top(sim, symbol):
    bids, asks = sim.book_levels(symbol)
    return top(bids, True), top(asks, False)


def book_levels(book):
    return ({row.price: row.amount for row in book.bid_entries()},
            {row.price: row.amount for row in book.ask_entries()})


async def test_a_kraken_feed_keeps_its_consumers_books_equal_to_the_venues(nats_server):
    pairs = list(PAIRS)
    async with KrakenSimulatedExchange(seed=5, traders={"rate": 40.0, "seed_levels": 15}) as sim:
        endpoints = KrakenEndpoints.local(sim.rest_url.split("://", 1)[1])
        source = KrakenAPIOrderBookDataSource(pairs, domain=endpoints, book_depth=DEPTH)
        feed = BookFeed(nats_server.url, "kraken", source, pairs)
        consumers = [OrderBookTracker(NatsOrderBookDataSource(nats_server.url, venue="kraken", trading_pairs=pairs),
                                      pairs) for _ in range(2)]
        await feed.start()
        for tracker in consumers:
            tracker.start()
        try:
            await feed.tracker.wait_ready(timeout=15)
            for tracker in consumers:
                await tracker.wait_ready(timeout=15)
            await asyncio.sleep(2.0)                    # the market moves; the feed publishes diffs
            sim.traders.pause()
            sim.flush_streams()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 20
            for pair, symbol in PAIRS.items():
                feed_book = feed.tracker.order_books[pair]
                while not (feed_book.is_synced and book_levels(feed_book) == venue_top(sim, symbol)):
                    assert loop.time() < deadline, (pair, "feed's book differs from the venue's top levels")
                    await asyncio.sleep(0.02)
                for tracker in consumers:
                    book = tracker.order_books[pair]
                    while not (book.is_synced and book.last_diff_uid >= feed.last_seq(pair)):
                        assert loop.time() < deadline, (pair, "consumer behind the feed")
                        await asyncio.sleep(0.02)
                    assert book_levels(book) == venue_top(sim, symbol), pair
            assert all(feed.last_seq(pair) > 0 for pair in pairs)
        finally:
            for tracker in consumers:
                await tracker.stop()
            await feed.stop()
