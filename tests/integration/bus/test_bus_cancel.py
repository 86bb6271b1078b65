"""A consumer stopped while it waits for the feed leaves nothing running, over a real nats-server.

``nats-py`` waits for a reply with ``asyncio.wait_for``, which on Python 3.11 drops a cancel that
arrives together with the reply: the call returns as if nothing happened.  A tracker stopped while
its source asked the feed for its pairs then went on to subscribe and announce the pairs after the
stop: their snapshot syncs ran on for ever on a NATS client nobody closed (it reconnects for ever).
The source now honours a cancel its client swallowed (``asyncio.Task.cancelling``).

A feed whose ``start()`` is cancelled after its connection opened closes that connection too.
"""
import asyncio

import nats.aio.client
import pytest

from hummingbot_conn.sim import SimulatedExchange

from .helpers import TRADERS, make_consumer, make_feed


@pytest.fixture
async def sim():
    async with SimulatedExchange(seed=17, traders=TRADERS) as exchange:
        yield exchange


def _swallowing_requests(monkeypatch):
    """Every ``Client.request`` behaves as nats-py's does when a cancel meets the reply: the cancel
    is lost and the reply returned.  Returns the event set once a request waits."""
    real = nats.aio.client.Client.request
    waiting = asyncio.Event()

    async def request(self, *args, **kwargs):
        if waiting.is_set():
            return await real(self, *args, **kwargs)        # one request at a time is held
        waiting.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            pass                            # what wait_for does when the reply is there too
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(nats.aio.client.Client, "request", request)
    return waiting


async def test_a_consumer_stopped_while_asking_the_feed_leaves_no_task_and_no_client(sim, nats_server, monkeypatch):
    feed, factory = make_feed(sim, nats_server.url, pairs=["BTC-USDT"])
    await feed.start()
    consumer = make_consumer(nats_server.url, pairs=["BTC-USDT"])
    source = consumer.data_source
    try:
        await feed.tracker.wait_ready(timeout=10)
        before = set(asyncio.all_tasks())
        waiting = _swallowing_requests(monkeypatch)
        consumer.start()
        async with asyncio.timeout(10):
            await waiting.wait()                # the tracker asks the feed for its pairs ...
        await consumer.stop()                   # ... and is stopped meanwhile
        for _ in range(20):                     # what a stray task would do, it has had turns to do
            await asyncio.sleep(0.01)
        left = sorted(t.get_coro().__qualname__ for t in asyncio.all_tasks() - before if not t.done())
        assert left == [], left
        assert source._nc is None and source._watchdog is None
        assert not consumer.order_books or not consumer.is_synced("BTC-USDT")
    finally:
        monkeypatch.undo()
        await consumer.stop()
        await source.close()
        await feed.stop()
        await factory.close()


async def test_a_snapshot_request_whose_cancel_was_swallowed_still_ends_cancelled(sim, nats_server, monkeypatch):
    feed, factory = make_feed(sim, nats_server.url, pairs=["BTC-USDT"])
    await feed.start()
    consumer = make_consumer(nats_server.url, pairs=["BTC-USDT"])
    source = consumer.data_source
    try:
        await feed.tracker.wait_ready(timeout=10)
        await source._client()
        waiting = _swallowing_requests(monkeypatch)
        for call in (lambda: source._order_book_snapshot("BTC-USDT"), lambda: source.check_trading_pairs(["BTC-USDT"])):
            waiting.clear()
            task = asyncio.ensure_future(call())
            async with asyncio.timeout(10):
                await waiting.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    finally:
        monkeypatch.undo()
        await source.close()
        await feed.stop()
        await factory.close()


async def test_a_feed_whose_start_is_cancelled_after_connecting_closes_its_client(sim, nats_server, monkeypatch):
    # a start cut short (a caller's timeout, Ctrl+C) between the connection and the first flush used to
    # leave the client open, reconnecting for ever with nobody to close it
    feed, _ = make_feed(sim, nats_server.url, pairs=["BTC-USDT"])
    clients = []
    flushing = asyncio.Event()

    async def hanging_flush(self, *args, **kwargs):
        clients.append(self)
        flushing.set()
        await asyncio.sleep(3600)

    monkeypatch.setattr(nats.aio.client.Client, "flush", hanging_flush)
    start = asyncio.ensure_future(feed.start())
    async with asyncio.timeout(10):
        await flushing.wait()
    start.cancel()
    with pytest.raises(asyncio.CancelledError):
        await start
    assert len(clients) == 1 and clients[0].is_closed
    assert feed._nc is None and feed._subs == [] and feed._tasks == []
    await feed.stop()                           # and stopping the feed that never started is harmless
