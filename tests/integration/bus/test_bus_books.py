"""A feed on the simulator, consumers on a real nats-server: books equal the venue's, bus gaps resynced.

Each test ends with ``settle_and_compare``: the market paused, the feed's books
provably current (at the venue's last id), every consumer's book provably
current (at the feed's last bus number), then each consumer's book compared
with the simulator's own, level for level.
"""
import asyncio

import pytest

from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.tracking import OrderBookTrackerEvent, UnknownTradingPairError

from .helpers import PAIRS, TRADERS, make_consumer, make_feed, settle_and_compare


@pytest.fixture
async def sim():
    async with SimulatedExchange(seed=11, traders=TRADERS) as exchange:
        yield exchange


async def _run(feed, factory, consumers, body):
    await feed.start()
    for tracker in consumers:
        tracker.start()
    try:
        await feed.tracker.wait_ready(timeout=10)
        for tracker in consumers:
            await tracker.wait_ready(timeout=10)
        await body()
    finally:
        for tracker in consumers:
            await tracker.stop()
        await feed.stop()
        await factory.close()


async def test_two_consumers_keep_the_venues_books_from_one_feed(sim, nats_server):
    feed, factory = make_feed(sim, nats_server.url)
    # one subscription per pair, and one wildcard subscription for all
    consumers = [make_consumer(nats_server.url), make_consumer(nats_server.url, subscribe_all=True)]
    trades = []

    async def body():
        from hummingbot_conn.events import OrderBookEvent

        consumers[0].order_books["BTC-USDT"].add_listener(OrderBookEvent.TradeEvent, trades.append)
        sim.traders.resume()
        await asyncio.sleep(1.5)
        await settle_and_compare(sim, feed, consumers)
        for tracker in consumers:
            total = tracker.metrics.total
            assert total.diffs_applied > 30 and total.trades > 0
            assert total.gaps == 0 and total.resyncs == 0 and total.stream_interruptions == 0
            # latency from the venue frame at the feed to this book: measured, never negative
            assert total.latency.count == total.diffs_applied and total.latency.p50 >= 0.0
        assert trades and consumers[0].order_books["BTC-USDT"].last_trade_price == trades[-1].price
        # one venue connection and one snapshot per pair, whatever the number of consumers
        assert feed.tracker.data_source.connection_count == 1
        assert feed.tracker.metrics.total.snapshots_applied == len(PAIRS)
        assert feed.stats["snapshots_served"] == 2 * len(PAIRS)
        prices = await consumers[1].data_source.get_last_traded_prices(["BTC-USDT"])
        assert prices["BTC-USDT"] > 0

    await _run(feed, factory, consumers, body)


@pytest.mark.parametrize("subscribe_all", [False, True])
async def test_a_lost_bus_message_is_a_gap_and_the_pair_resyncs_from_the_feed(sim, nats_server, subscribe_all):
    feed, factory = make_feed(sim, nats_server.url)
    consumer = make_consumer(nats_server.url, subscribe_all=subscribe_all)
    events = []
    consumer.add_listener(OrderBookTrackerEvent.BookOutOfSync, events.append)
    dropped = []
    post = feed._post
    btc = feed.subjects.book("BTC-USDT")

    def lossy_post(subject, payload):
        # core NATS is at most once: this diff never reaches anyone
        if subject == btc and payload.startswith(b'["d"') and not dropped and armed:
            dropped.append(payload)
            return
        post(subject, payload)

    armed = False
    feed._post = lossy_post

    async def body():
        nonlocal armed
        sim.traders.resume()
        await asyncio.sleep(0.5)
        armed = True
        await asyncio.sleep(1.0)
        assert dropped
        await settle_and_compare(sim, feed, [consumer])
        btc_metrics = consumer.metrics.pairs["BTC-USDT"]
        assert btc_metrics.gaps >= 1 and btc_metrics.resyncs >= 1
        assert {(e.trading_pair, e.reason) for e in events} == {("BTC-USDT", "gap")}
        assert consumer.metrics.pairs["ETH-USDT"].resyncs == 0

    await _run(feed, factory, [consumer], body)


@pytest.mark.parametrize("subscribe_all", [False, True])
async def test_the_lost_last_messages_of_a_quiet_pair_are_seen_by_the_heartbeat(sim, nats_server, subscribe_all):
    feed, factory = make_feed(sim, nats_server.url, heartbeat_interval=0.2)
    consumer = make_consumer(nats_server.url, subscribe_all=subscribe_all)
    post = feed._post
    btc = feed.subjects.book("BTC-USDT")
    lost = []
    losing = False

    def lossy_post(subject, payload):
        if subject == btc and payload.startswith(b'["d"') and losing:
            lost.append(payload)        # the last diffs before the market goes quiet: nobody hears them
            return
        post(subject, payload)

    feed._post = lossy_post

    async def body():
        nonlocal losing
        sim.traders.resume()
        await asyncio.sleep(0.5)
        losing = True
        await asyncio.sleep(0.5)
        sim.traders.pause()
        sim.streams.flush("100ms")
        await asyncio.sleep(0.2)
        losing = False
        assert lost, "no BTC-USDT diff while the market ran"
        metrics = consumer.metrics.pairs["BTC-USDT"]
        assert metrics.gaps == 0        # no later diff came to show a gap: only the heartbeat can tell
        await settle_and_compare(sim, feed, [consumer])
        assert metrics.stream_interruptions >= 1 and metrics.resyncs >= 1

    await _run(feed, factory, [consumer], body)


async def test_a_pair_the_feed_does_not_publish_is_named(sim, nats_server):
    feed, factory = make_feed(sim, nats_server.url, pairs=["BTC-USDT"])
    consumer = make_consumer(nats_server.url, pairs=["BTC-USDT", "ETH-USDT"])

    async def body():
        failed = consumer.failed_trading_pairs
        assert set(failed) == {"ETH-USDT"} and isinstance(failed["ETH-USDT"], UnknownTradingPairError)
        await settle_and_compare(sim, feed, [consumer], pairs=["BTC-USDT"])

    await _run(feed, factory, [consumer], body)


async def test_a_wildcard_consumer_takes_only_its_pairs_and_lets_one_go(sim, nats_server):
    """With one wildcard subscription, the messages of pairs the consumer did not ask for (or let go)
    are dropped before they are decoded: garbage on their subjects is no error of this consumer."""
    feed, factory = make_feed(sim, nats_server.url)
    consumer = make_consumer(nats_server.url, pairs=["BTC-USDT", "ETH-USDT"], subscribe_all=True)
    source = consumer.data_source

    async def body():
        sim.traders.resume()
        await asyncio.sleep(0.5)
        feed._nc and await feed._nc.publish(feed.subjects.book("ETH-BTC"), b"not a bus message")
        await source.unsubscribe_from_trading_pair("ETH-USDT")
        eth_applied = consumer.metrics.pairs["ETH-USDT"].diffs_applied
        await asyncio.sleep(1.0)
        await settle_and_compare(sim, feed, [consumer], pairs=["BTC-USDT"])
        assert source.bus_errors == 0
        assert consumer.metrics.pairs["ETH-USDT"].diffs_applied == eth_applied
        assert consumer.metrics.pairs["BTC-USDT"].diffs_applied > 10
        assert "ETH-BTC" not in consumer.order_books

    await _run(feed, factory, [consumer], body)
