"""The feed's direct write to the NATS socket (``_nats.publish_now``) against a real nats-server:
what it writes arrives whole and in order with what the client published itself, and it steps aside
whenever writing at once could reorder or lose a message (docs/bus.md, "Latency")."""
import asyncio

from hummingbot_conn.bus import BookFeed, NatsOrderBookDataSource, wire
from hummingbot_conn.bus._nats import connect, publish_now

SUBJECT = "hbconn.test.direct"


async def _collect(url, count, subject=SUBJECT):
    """A second client subscribed to ``subject``; returns (client, list that fills, event set at ``count``)."""
    client = await connect(url, name="reader")
    got, done = [], asyncio.Event()

    async def on_message(msg):
        got.append(msg.data)
        if len(got) >= count:
            done.set()

    await client.subscribe(subject, cb=on_message)
    await client.flush()
    return client, got, done


async def test_written_messages_arrive_whole_in_order_and_are_counted(nats_server):
    reader, got, done = await _collect(nats_server.url, 200)
    writer = await connect(nats_server.url, name="writer")
    try:
        payloads = [b"m%d" % i + b"\r\n" * (i % 3) for i in range(200)]   # CRLF inside a payload too
        assert all(publish_now(writer, SUBJECT, p) for p in payloads)
        assert writer.stats["out_msgs"] == 200 and writer.stats["out_bytes"] == sum(map(len, payloads))
        await asyncio.wait_for(done.wait(), 5)
        assert got == payloads
    finally:
        await writer.close()
        await reader.close()


async def test_it_steps_aside_while_the_client_has_its_own_bytes_waiting_so_order_is_kept(nats_server):
    reader, got, done = await _collect(nats_server.url, 3)
    writer = await connect(nats_server.url, name="writer")
    try:
        await writer.publish(SUBJECT, b"first")             # buffered by nats-py, not written yet
        assert publish_now(writer, SUBJECT, b"second") is False
        await writer.flush()                                 # the client's buffer is on the wire now
        assert publish_now(writer, SUBJECT, b"second") is True
        await writer.publish(SUBJECT, b"third")
        await asyncio.wait_for(done.wait(), 5)
        assert got == [b"first", b"second", b"third"]
    finally:
        await writer.close()
        await reader.close()


async def test_it_refuses_an_oversized_payload_and_a_closed_client(nats_server):
    writer = await connect(nats_server.url, name="writer")
    too_big = b"x" * (writer.max_payload + 1)
    assert publish_now(writer, SUBJECT, too_big) is False and writer.stats["out_msgs"] == 0
    await writer.close()
    assert publish_now(writer, SUBJECT, b"late") is False


async def test_the_feed_keeps_order_when_it_falls_back_to_its_outbox(nats_server):
    """A feed whose client is busy queues a message; everything after it follows it through the outbox
    (never straight to the socket ahead of it), and once the outbox is empty it writes at once again."""
    reader, got, done = await _collect(nats_server.url, 4)
    # any data source will do: the feed's tracker is never started here
    source = NatsOrderBookDataSource(nats_server.url, venue="binance", trading_pairs=["A-B"])
    feed = BookFeed(nats_server.url, "binance", source, ["A-B"])
    feed._nc = await connect(nats_server.url, name="feed")
    try:
        feed._post(SUBJECT, b"1")                            # the socket is free: written at once
        await feed._nc.publish(SUBJECT, b"2")                # the client's own bytes now wait
        feed._post(SUBJECT, b"3")                            # so this one queues ...
        await feed._nc.flush()                               # ... and with the client idle again,
        feed._post(SUBJECT, b"4")                            # the next one still goes behind it
        assert [p for _, p in feed._outbox] == [b"3", b"4"] and feed.stats["written_at_once"] == 1
        sender = asyncio.create_task(feed._send_loop())
        feed._wake.set()
        await asyncio.wait_for(done.wait(), 5)
        assert got == [b"1", b"2", b"3", b"4"]
        sender.cancel()
        feed._post(SUBJECT, wire.encode(["t", 0]))           # outbox drained: direct again
        assert feed.stats["written_at_once"] == 2 and not feed._outbox
    finally:
        await feed._nc.close()
        await reader.close()


async def test_what_waits_in_the_outbox_when_the_feed_stops_is_published_before_it_closes(nats_server):
    """The feed's stop cancelled its send loop and closed the client: messages still in the outbox
    (the client was busy when they were posted) were dropped without a trace, not even counted."""
    reader, got, done = await _collect(nats_server.url, 5)
    source = NatsOrderBookDataSource(nats_server.url, venue="binance", trading_pairs=["A-B"])
    feed = BookFeed(nats_server.url, "binance", source, ["A-B"])
    feed._nc = await connect(nats_server.url, name="feed")
    feed._tasks.append(asyncio.ensure_future(feed._send_loop()))
    try:
        await feed._nc.publish(SUBJECT, b"1")                # the client's own bytes wait ...
        for payload in (b"2", b"3", b"4", b"5"):
            feed._post(SUBJECT, payload)                     # ... so these queue behind them
        assert len(feed._outbox) == 4
        await feed.stop()                                    # before the send loop had a turn
        async with asyncio.timeout(5):
            await done.wait()
        assert got == [b"1", b"2", b"3", b"4", b"5"]
        assert feed.stats["published"] == 4 and feed.stats["publish_errors"] == 0
    finally:
        await reader.close()


async def test_a_snapshot_over_the_servers_max_payload_is_refused_in_one_sentence():
    """A book whose snapshot is larger than the server's ``max_payload`` could never be sent: the
    requester timed out and asked again for ever, the feed saying so in a debug line only.  It is a
    refusal naming the size and the limit now (the consumer's tracker logs it at each retry)."""
    import nats.errors
    import pytest
    from support.nats_server import NatsServer

    from hummingbot_conn.sim import SimulatedExchange

    from .helpers import TRADERS, make_feed

    with NatsServer(config="max_payload: 256\n") as server:
        async with SimulatedExchange(seed=3, traders=TRADERS) as sim:
            feed, factory = make_feed(sim, server.url, pairs=["BTC-USDT"])
            source = NatsOrderBookDataSource(server.url, venue="binance", trading_pairs=["BTC-USDT"],
                                             request_timeout=3)
            await feed.start()
            try:
                await feed.tracker.wait_ready(timeout=10)
                assert feed._nc.max_payload == 256
                try:
                    await source._order_book_snapshot("BTC-USDT")
                except nats.errors.TimeoutError:
                    pytest.fail("the oversized snapshot was lost: the requester timed out")
                except RuntimeError as exc:
                    assert "max_payload" in str(exc) and "256" in str(exc), str(exc)
                else:
                    pytest.fail("a snapshot over max_payload came through")
                assert feed.stats["snapshots_refused"] == 1
            finally:
                await source.close()
                await feed.stop()
                await factory.close()
