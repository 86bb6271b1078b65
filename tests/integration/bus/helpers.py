"""What the bus tests share: a feed on the simulator, consumers, and the 'provably current' comparison."""
import asyncio

from hummingbot_conn.bus import BookFeed, NatsOrderBookDataSource
from hummingbot_conn.exchanges.binance import (
    BinanceAPIOrderBookDataSource,
    BinanceEndpoints,
    binance_web_utils as web_utils,
)
from hummingbot_conn.tracking import OrderBookTracker
from hummingbot_conn.web import ExponentialBackoff

PAIRS = {"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT", "ETH-BTC": "ETHBTC"}
TRADERS = {"rate": 60.0, "volatility": 0.0005, "seed_levels": 15}


def venue_source(sim, pairs):
    factory = web_utils.build_api_factory_without_time_synchronizer_pre_processor(
        web_utils.create_throttler(), ws_backoff=ExponentialBackoff(initial=0.05, maximum=0.2))
    endpoints = BinanceEndpoints.local(sim.rest_url.split("://", 1)[1])
    return BinanceAPIOrderBookDataSource(pairs, domain=endpoints, api_factory=factory), factory


def make_feed(sim, url, pairs=tuple(PAIRS), **kwargs):
    source, factory = venue_source(sim, list(pairs))
    return BookFeed(url, "binance", source, list(pairs), **kwargs), factory


def make_consumer(url, pairs=tuple(PAIRS), **kwargs):
    source = NatsOrderBookDataSource(url, venue="binance", trading_pairs=list(pairs), **kwargs)
    return OrderBookTracker(source, list(pairs))


def levels(book):
    return ({row.price: row.amount for row in book.bid_entries()},
            {row.price: row.amount for row in book.ask_entries()})


def sim_levels(sim, symbol):
    bids, asks = sim.book_levels(symbol)
    return ({float(p): float(q) for p, q in bids.items()}, {float(p): float(q) for p, q in asks.items()})


async def settle_and_compare(sim, feed, consumers, pairs=tuple(PAIRS), timeout=20.0):
    """Pause the market, flush the venue's last diffs, wait until the feed's book of each pair holds the
    venue's last id and each consumer's book holds the feed's last bus number (provably current), then
    compare every consumer's book with the venue's, level for level."""
    sim.traders.pause()
    sim.streams.flush("100ms")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for pair in pairs:
        symbol = PAIRS[pair]
        target = sim.engine.books[symbol].update_id
        feed_book = feed.tracker.order_books[pair]
        while not (feed_book.is_synced and feed_book.last_diff_uid >= target):
            assert loop.time() < deadline, (pair, "feed behind the venue", feed.tracker.metrics.pairs[pair])
            await asyncio.sleep(0.02)
        assert levels(feed_book) == sim_levels(sim, symbol), pair
        for tracker in consumers:
            book = tracker.order_books[pair]
            while not (book.is_synced and book.last_diff_uid >= feed.last_seq(pair)):
                assert loop.time() < deadline, (pair, "consumer behind the feed", book.last_diff_uid,
                                                feed.last_seq(pair), tracker.metrics.pairs[pair])
                await asyncio.sleep(0.02)
            assert levels(book) == sim_levels(sim, symbol), pair
