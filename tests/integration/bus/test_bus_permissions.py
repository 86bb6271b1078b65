"""Who may publish on the bus: the server's own users and permissions (docs/bus.md, "Who may publish").

The example configuration of docs/bus.md, on a real nats-server: the feed's
user publishes books and heartbeats and answers requests; a bot's user reads
them and asks for snapshots.  A bot that tries to publish a forged diff on a
book subject is refused by the server, and every bot's book stays the venue's.
"""
import asyncio

import pytest
from support.nats_server import NatsServer

from hummingbot_conn.bus._nats import connect, redact_url

from .helpers import make_consumer, make_feed, settle_and_compare

# the configuration docs/bus.md shows, word for word (its test: this one)
CONFIG = """
authorization {
  users = [
    {user: feed, password: feed-secret, permissions: {
      publish: ["hbconn.book.>", "hbconn.feed.>"],
      subscribe: ["hbconn.snap.>", "hbconn.feed.*.info"],
      allow_responses: true}}
    {user: bot, password: bot-secret, permissions: {
      publish: ["hbconn.snap.>", "hbconn.feed.*.info"],
      subscribe: ["hbconn.book.>", "hbconn.feed.*.heartbeat", "_INBOX.>"]}}
  ]
}
"""


def _as(url, user, password):
    return url.replace("nats://", f"nats://{user}:{password}@")


@pytest.fixture
def locked_server():
    with NatsServer(config=CONFIG) as server:
        yield server


@pytest.fixture
async def sim():
    from hummingbot_conn.sim import SimulatedExchange

    from .helpers import TRADERS

    async with SimulatedExchange(seed=5, traders=TRADERS) as exchange:
        yield exchange


async def test_bots_read_the_feed_and_cannot_forge_its_messages(sim, locked_server):
    feed_url, bot_url = _as(locked_server.url, "feed", "feed-secret"), _as(locked_server.url, "bot", "bot-secret")
    feed, factory = make_feed(sim, feed_url, pairs=["BTC-USDT"])
    consumer = make_consumer(bot_url, pairs=["BTC-USDT"])
    errors = []

    async def on_error(exc):
        errors.append(str(exc))

    forger = await connect(bot_url, name="forger", error_cb=on_error)
    await feed.start()
    consumer.start()
    try:
        await feed.tracker.wait_ready(timeout=10)
        await consumer.wait_ready(timeout=10)
        sim.traders.resume()
        await asyncio.sleep(0.3)
        # a diff far ahead of the feed's numbers, a price nobody quoted: refused by the server
        await forger.publish(feed.subjects.book("BTC-USDT"), b'["d",99999999999999,0.0,[[1.0,1000.0]],[]]')
        await forger.flush()
        for _ in range(50):
            if errors:
                break
            await asyncio.sleep(0.05)
        assert any("permissions violation" in e.lower() for e in errors), errors
        await asyncio.sleep(0.5)
        await settle_and_compare(sim, feed, [consumer], pairs=["BTC-USDT"])
        metrics = consumer.metrics.pairs["BTC-USDT"]
        assert metrics.gaps == 0 and metrics.resyncs == 0 and consumer.data_source.bus_errors == 0
    finally:
        await forger.close()
        await consumer.stop()
        await feed.stop()
        await factory.close()


async def test_a_wrong_password_is_one_sentence_without_the_password(locked_server):
    url = _as(locked_server.url, "bot", "not-the-secret")
    with pytest.raises(ConnectionError) as caught:
        await connect(url, name="intruder", first_timeout=3)
    assert "not-the-secret" not in str(caught.value)
    assert redact_url(url) in str(caught.value)


@pytest.mark.parametrize("password", ["wrong/secret", "wrong?secret", "wrong#secret"])
async def test_a_password_with_url_characters_never_shows_in_the_error(locked_server, password):
    """A password holding ``/``, ``?`` or ``#`` was printed whole (the user information was looked
    for before the first ``/`` only); a URL without ``nats://`` (nats-py takes one) likewise."""
    host_port = locked_server.url.split("://", 1)[1]
    for url in (_as(locked_server.url, "bot", password), f"bot:{password}@{host_port}"):
        with pytest.raises(ConnectionError) as caught:
            await connect(url, name="intruder", first_timeout=3)
        assert password not in str(caught.value) and "bot:***@" in str(caught.value), str(caught.value)


def test_hbconn_feed_never_echoes_a_password_it_refuses():
    import argparse

    from hummingbot_conn.cli.feed import _nats_url

    with pytest.raises(argparse.ArgumentTypeError) as caught:
        _nats_url("feed:feed-secret@127.0.0.1:4222")
    assert "feed-secret" not in str(caught.value) and "feed:***@127.0.0.1:4222" in str(caught.value)


async def test_a_flood_of_snapshot_requests_is_refused_past_the_cap_not_queued(sim, nats_server):
    # docs/bus.md, "Who may publish": requests for a pair not synced yet wait for its resync, at most
    # max_waiting_requests of them; the rest are refused at once, and nothing is kept for them
    from hummingbot_conn.bus import wire

    feed, _ = make_feed(sim, nats_server.url, pairs=["BTC-USDT"], snapshot_wait=30.0, max_waiting_requests=5)
    await feed.start()
    nc = await connect(nats_server.url, name="flooding-bot")
    try:
        await feed.tracker.wait_ready(timeout=10)
        feed._synced["BTC-USDT"].clear()                 # as after a BookOutOfSync: requests wait
        subject = feed.subjects.snapshot("BTC-USDT")
        asks = [asyncio.ensure_future(nc.request(subject, b"", timeout=20)) for _ in range(20)]
        async with asyncio.timeout(10):
            while feed.stats["snapshots_refused_busy"] < 15:
                await asyncio.sleep(0.01)
        assert len(feed._pending_replies) == 5
        refused = [t for t in asks if t.done()]
        assert len(refused) == 15
        assert all(wire.decode(t.result().data)[0] == "e" for t in refused)
        assert "waiting already" in wire.decode(refused[0].result().data)[1]
        feed._synced["BTC-USDT"].set()                   # resynced: the five that waited get the book
        answers = await asyncio.gather(*[t for t in asks if t not in refused])
        assert [wire.decode(m.data)[0] for m in answers] == ["s"] * 5
        assert feed.stats["snapshots_served"] >= 5 and not feed._pending_replies
    finally:
        await nc.close()
        await feed.stop()


def test_max_waiting_requests_must_be_a_positive_int(sim):
    for bad in (0, -1, 1.5, True, "10"):
        with pytest.raises(ValueError, match="max_waiting_requests"):
            make_feed(sim, "nats://127.0.0.1:1", pairs=["BTC-USDT"], max_waiting_requests=bad)
