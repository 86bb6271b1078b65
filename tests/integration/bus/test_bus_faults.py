"""The bus under faults, against a real nats-server: after each, every consumer's books equal the
venue's once provably current (``settle_and_compare``), and no trade is reported twice.

Faults: the NATS server restarted under load; a consumer killed (its connection gone without a
goodbye) and a new one started; a slow consumer (its client drops what it cannot hold); the feed
restarted (a new process numbering from a new base); the venue's sockets dropped under the feed.
"""
import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support import until

from hummingbot_conn.events import OrderBookEvent
from hummingbot_conn.sim import SimulatedExchange

from .helpers import PAIRS, TRADERS, levels, make_consumer, make_feed, settle_and_compare, sim_levels


@pytest.fixture
async def sim():
    async with SimulatedExchange(seed=13, traders=TRADERS) as exchange:
        yield exchange


def _trade_log(tracker):
    """Every trade a consumer reports, per pair, to check none comes twice."""
    seen = {pair: [] for pair in PAIRS}
    for pair in PAIRS:
        tracker.order_books[pair].add_listener(OrderBookEvent.TradeEvent, lambda t, p=pair: seen[p].append(t.trade_id))
    return seen


def _no_trade_twice(seen):
    for pair, ids in seen.items():
        assert len(ids) == len(set(ids)), (pair, "a trade reported twice")


async def _started(feed, consumers):
    await feed.start()
    for tracker in consumers:
        tracker.start()
    await feed.tracker.wait_ready(timeout=10)
    for tracker in consumers:
        await tracker.wait_ready(timeout=10)


async def _stopped(feed, factory, consumers):
    for tracker in consumers:
        await tracker.stop()
    await feed.stop()
    await factory.close()


async def test_nats_server_restarted_under_load(sim, nats_server):
    feed, factory = make_feed(sim, nats_server.url)
    consumers = [make_consumer(nats_server.url), make_consumer(nats_server.url)]
    await _started(feed, consumers)
    logs = [_trade_log(t) for t in consumers]
    try:
        sim.traders.resume()
        await asyncio.sleep(0.5)
        await asyncio.to_thread(nats_server.restart)
        await asyncio.sleep(1.5)
        await settle_and_compare(sim, feed, consumers)
        for tracker in consumers:
            for pair in PAIRS:
                metrics = tracker.metrics.pairs[pair]
                assert metrics.stream_interruptions >= 1 and metrics.resyncs >= 1, (pair, metrics)
            assert tracker.data_source.reconnect_count >= 1
        for seen in logs:
            _no_trade_twice(seen)
    finally:
        await _stopped(feed, factory, consumers)


_CONSUMER = Path(__file__).with_name("consumer_process.py")


def _consumer_process(url, pending=65536):
    return subprocess.Popen([sys.executable, str(_CONSUMER), url, ",".join(PAIRS), str(pending)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


async def _line(process, timeout=60):
    async with asyncio.timeout(timeout):
        return await asyncio.to_thread(process.stdout.readline)


async def test_a_consumer_process_killed_and_restarted(sim, nats_server):
    feed, factory = make_feed(sim, nats_server.url)
    await _started(feed, [])
    processes = []
    try:
        first = _consumer_process(nats_server.url)
        processes.append(first)
        assert (await _line(first)).strip() == "ready"
        sim.traders.resume()
        await asyncio.sleep(0.5)
        first.send_signal(signal.SIGKILL)         # mid-stream, no goodbye
        await asyncio.to_thread(first.wait)
        await asyncio.sleep(0.3)
        second = _consumer_process(nats_server.url)
        processes.append(second)
        assert (await _line(second)).strip() == "ready"
        await asyncio.sleep(0.5)
        await settle_and_compare(sim, feed, [])
        books = await _dump(second, feed)
        for pair, symbol in PAIRS.items():
            bids, asks, resyncs, trade_ids, _ = books[pair]
            assert (dict(bids), dict(asks)) == sim_levels(sim, symbol), pair
            assert resyncs == 0 and len(trade_ids) == len(set(trade_ids))
        assert feed.stats["publish_errors"] == 0
    finally:
        _end(processes)
        await _stopped(feed, factory, [])


async def test_a_slow_consumer_loses_messages_and_resyncs(sim, nats_server):
    feed, factory = make_feed(sim, nats_server.url)
    await _started(feed, [])
    # its client holds at most 2 messages per pair: what piles up while the process stalls is dropped
    slow = _consumer_process(nats_server.url, pending=2)
    try:
        assert (await _line(slow)).strip() == "ready"
        sim.traders.resume()
        for _ in range(2):
            await asyncio.sleep(0.4)
            slow.send_signal(signal.SIGSTOP)        # the strategy's process stalls (a long computation)
            await asyncio.sleep(1.0)
            slow.send_signal(signal.SIGCONT)
        await asyncio.sleep(0.5)
        await settle_and_compare(sim, feed, [])
        books = await _dump(slow, feed)
        for pair, symbol in PAIRS.items():
            bids, asks, _, trade_ids, _ = books[pair]
            assert (dict(bids), dict(asks)) == sim_levels(sim, symbol), pair
            assert len(trade_ids) == len(set(trade_ids))
        assert sum(books[p][4] for p in PAIRS) >= 1 and sum(books[p][2] for p in PAIRS) >= 1
    finally:
        _end([slow])
        await _stopped(feed, factory, [])


async def _dump(process, feed):
    process.stdin.write(json.dumps({pair: feed.last_seq(pair) for pair in PAIRS}) + "\n")
    process.stdin.flush()
    return json.loads(await _line(process))


def _end(processes):
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdin.close()
        process.stdout.close()


async def test_venue_sockets_dropped_under_the_feed(sim, nats_server):
    feed, factory = make_feed(sim, nats_server.url)
    consumer = make_consumer(nats_server.url)
    await _started(feed, [consumer])
    seen = _trade_log(consumer)
    try:
        sim.traders.resume()
        await asyncio.sleep(0.5)
        sim.faults.add("close_market_sockets")
        await asyncio.sleep(1.5)
        await settle_and_compare(sim, feed, [consumer])
        assert feed.stats["out_of_sync"] >= len(PAIRS)
        for pair in PAIRS:
            metrics = consumer.metrics.pairs[pair]
            assert metrics.stream_interruptions >= 1 and metrics.resyncs >= 1, (pair, metrics)
        _no_trade_twice(seen)
    finally:
        await _stopped(feed, factory, [consumer])


def _feed_process(sim, url):
    rest = sim.rest_url
    stream = rest.replace("http://", "ws://")
    return subprocess.Popen([sys.executable, "-m", "hummingbot_conn", "feed", "--venue", "binance",
                             "--pairs", ",".join(PAIRS), "--nats", url, "--rest-url", rest, "--stream-url", stream,
                             "--interval", "0.5"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


async def _feed_heartbeat(url):
    """The last heartbeat of the feed (``{pair: seq}``), read with a client of our own."""
    import nats

    from hummingbot_conn.bus import wire

    nc = await nats.connect(url)
    try:
        sub = await nc.subscribe(wire.Subjects("binance").heartbeat)
        msg = await sub.next_msg(timeout=10)
        return wire.heartbeat_seqs(wire.decode(msg.data))
    finally:
        await nc.close()


async def test_the_feed_process_killed_and_restarted(sim, nats_server):
    consumer = make_consumer(nats_server.url)
    process = _feed_process(sim, nats_server.url)
    try:
        consumer.start()
        await consumer.wait_ready(timeout=60)
        seen = _trade_log(consumer)
        sim.traders.resume()
        await asyncio.sleep(0.5)
        process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(process.wait)
        # no heartbeat: the books are no longer provably current, and say so
        await until(lambda: not any(consumer.is_synced(p) for p in PAIRS), timeout=10)
        process = _feed_process(sim, nats_server.url)
        await until(lambda: all(consumer.is_synced(p) for p in PAIRS), timeout=60)
        await asyncio.sleep(0.5)
        sim.traders.pause()
        sim.streams.flush("100ms")
        await asyncio.sleep(1.0)        # the feed's last diffs leave it (it cannot be read from here)
        seqs = await _feed_heartbeat(nats_server.url)
        for pair, symbol in PAIRS.items():
            book = consumer.order_books[pair]
            await until(lambda book=book, pair=pair: book.is_synced and book.last_diff_uid >= seqs[pair], timeout=10)
            assert levels(book) == sim_levels(sim, symbol), pair
            assert consumer.metrics.pairs[pair].resyncs >= 1
        _no_trade_twice(seen)
    finally:
        await consumer.stop()
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(process.wait, 20)
            except subprocess.TimeoutExpired:
                process.kill()
        if process.stdout is not None:
            process.stdout.close()
