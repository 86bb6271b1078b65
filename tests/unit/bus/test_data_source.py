"""``NatsOrderBookDataSource``'s reading of bus messages, without a server: what reaches the tracker.

A recording sink stands in for the tracker; the messages are fed as the NATS
client would hand them over (docs/bus.md, "Sequencing", "Gap recovery").
"""
import asyncio

import pytest

from hummingbot_conn.bus import NatsOrderBookDataSource, wire


class _Sink:
    received_at = 0.0

    def __init__(self):
        self.calls = []

    def on_diff(self, pair, bids, asks, update_id, first_update_id, received_at, prev_update_id=-1, checksum=None):
        self.calls.append(("diff", pair, update_id, first_update_id))

    def on_trade(self, trade):
        self.calls.append(("trade", trade.trading_pair, trade.trade_id))

    def on_stream_interrupted(self, pairs):
        self.calls.append(("interrupted", tuple(pairs)))

    def on_subscribed(self, pairs):
        self.calls.append(("subscribed", tuple(pairs)))

    def on_message_error(self, error, raw):
        self.calls.append(("error", type(error).__name__))


class _Msg:
    def __init__(self, message):
        self.data = wire.encode(message)


@pytest.fixture
def source():
    source = NatsOrderBookDataSource("nats://127.0.0.1:1", venue="binance", trading_pairs=["BTC-USDT", "ETH-USDT"])
    sink = _Sink()
    source.attach(sink)
    source._subs = {"BTC-USDT": object(), "ETH-USDT": object()}     # subscribed (no server needed here)
    return source, sink


def test_a_diff_carries_its_bus_number_as_both_ids(source):
    source, sink = source
    source._on_book_message("BTC-USDT", wire.encode(["d", 7, 1.0, [[1.0, 2.0]], []]))
    assert sink.calls == [("diff", "BTC-USDT", 7, 7)]


def test_the_feeds_book_out_of_sync_puts_ours_out_of_sync_and_asks_again(source):
    source, sink = source
    source._on_book_message("BTC-USDT", wire.encode(["o", 8]))
    assert sink.calls == [("interrupted", ("BTC-USDT",)), ("subscribed", ("BTC-USDT",))]


@pytest.mark.parametrize("payload", [b"garbage", wire.encode(["d", 0, 1.0, [], []]), wire.encode(["d", 3]),
                                     wire.encode(["x", 3]), wire.encode(["t", 1.0]),
                                     wire.encode(["t", 1.0, 1.0, 1, "NaN", "1", 5]),
                                     wire.encode(["t", 1.0, 1.0, 1, "1e999", "1", 5]),
                                     wire.encode(["t", 1.0, 1.0, 2, "100", "-1", 5]),
                                     wire.encode(["t", 1.0, 1.0, 2, "0", "1", 5]),
                                     wire.encode(["t", 1.0, "inf", 2, "100", "1", 5]),
                                     wire.encode(["t", 1.0, 1.0, 3, "100", "1", 5])])
def test_a_malformed_message_is_counted_never_applied(source, payload):
    source, sink = source
    source._on_book_message("BTC-USDT", payload)
    assert [c[0] for c in sink.calls] == ["error"] and source.bus_errors == 1


def test_a_trade_is_passed_on(source):
    source, sink = source
    source._on_book_message("ETH-USDT", wire.encode(["t", 1.0, 2.0, 2, 10.5, 0.25, 99]))
    assert sink.calls == [("trade", "ETH-USDT", 99)]


async def test_a_heartbeat_ahead_of_us_twice_resyncs_that_pair_only(source):
    source, sink = source
    for pair in ("BTC-USDT", "ETH-USDT"):
        source._on_book_message(pair, wire.encode(["d", 10, 1.0, [], []]))
    sink.calls.clear()
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 10, "ETH-USDT": 10}]))     # the first: the feed is heard
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 11, "ETH-USDT": 10}]))     # 11 may still be on its way
    assert sink.calls == []
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 11, "ETH-USDT": 10}]))     # it never came: lost
    assert sink.calls == [("interrupted", ("BTC-USDT",)), ("subscribed", ("BTC-USDT",))]


async def test_a_heartbeat_overtaking_its_diff_is_no_loss(source):
    source, sink = source
    source._on_book_message("BTC-USDT", wire.encode(["d", 10, 1.0, [], []]))
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 10}]))
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 12}]))
    source._on_book_message("BTC-USDT", wire.encode(["d", 11, 1.0, [], []]))
    source._on_book_message("BTC-USDT", wire.encode(["d", 12, 1.0, [], []]))
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 13}]))
    assert [c for c in sink.calls if c[0] != "diff"] == []


async def test_a_silent_feed_puts_every_book_out_of_sync_and_its_return_resyncs_them(source):
    source, sink = source
    now = [100.0]
    source._clock = lambda: now[0]
    slept = asyncio.Event()

    async def sleep(seconds):
        now[0] += seconds
        slept.set()
        await asyncio.sleep(0)

    source._sleep = sleep
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 1, "ETH-USDT": 1}]))
    watchdog = asyncio.ensure_future(source._watch_heartbeats())
    try:
        for _ in range(100):
            await asyncio.sleep(0)
            if sink.calls:
                break
        assert sink.calls[:2] == [("interrupted", ("BTC-USDT", "ETH-USDT")), ("subscribed", ("BTC-USDT", "ETH-USDT"))]
        sink.calls.clear()
        await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 5, "ETH-USDT": 5}]))     # a restarted feed
        assert sink.calls[:1] == [("interrupted", ("BTC-USDT", "ETH-USDT"))]
    finally:
        watchdog.cancel()
        await asyncio.gather(watchdog, return_exceptions=True)


def test_a_pair_that_cannot_name_a_subject_is_refused_at_once():
    with pytest.raises(ValueError, match="subject token"):
        NatsOrderBookDataSource("nats://127.0.0.1:1", venue="binance", trading_pairs=["BTC.USDT"])


class _Queued:
    pending_msgs = 3        # messages of the pair still wait in the client


async def test_a_busy_consumer_whose_messages_wait_in_its_client_is_not_resynced(source):
    source, sink = source
    source._on_book_message("BTC-USDT", wire.encode(["d", 10, 1.0, [], []]))
    source._subs["BTC-USDT"] = _Queued()
    sink.calls.clear()
    for seq in (10, 12, 13, 14):
        await source._on_heartbeat(_Msg(["h", {"BTC-USDT": seq}]))
    assert sink.calls == []
    source._subs["BTC-USDT"] = object()       # the queue drained and 12 never came: lost
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 14}]))
    assert sink.calls == [("interrupted", ("BTC-USDT",)), ("subscribed", ("BTC-USDT",))]


async def test_a_wildcard_queue_busy_with_other_pairs_is_believed_for_a_few_heartbeats_only(source):
    """One wildcard subscription holds every pair's messages: its queue may never be empty while other
    pairs are busy, so a pair behind the feed waits a few heartbeats on it, then resyncs."""
    source, sink = source
    wildcard = _Queued()
    source._all_sub = wildcard
    source._subs = {"BTC-USDT": wildcard, "ETH-USDT": wildcard}
    source._on_book_message("BTC-USDT", wire.encode(["d", 10, 1.0, [], []]))
    sink.calls.clear()
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 10}]))      # the feed is heard
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 12}]))      # 11, 12 may be on their way
    for _ in range(4):                                              # the queue is never empty
        await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 12}]))
    assert sink.calls == []
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 12}]))
    assert sink.calls == [("interrupted", ("BTC-USDT",)), ("subscribed", ("BTC-USDT",))]


async def test_latency_is_measured_on_one_clock_on_one_host_and_from_the_heartbeats_elsewhere(source):
    source, sink = source
    got = []
    sink.on_diff = lambda pair, bids, asks, uid, first, received_at, *a: got.append(received_at)
    source._clock = lambda: 50.0
    await source._on_heartbeat(_Msg(["h", {}, 7.0, source._boot_id]))       # same boot: one clock
    source._on_book_message("BTC-USDT", wire.encode(["d", 1, 6.5, [], []]))
    source._boot_id = "another host"
    source._offset = None
    await source._on_heartbeat(_Msg(["h", {}, 7.0, "feed host"]))           # 43.0 (or less)
    source._clock = lambda: 51.0
    await source._on_heartbeat(_Msg(["h", {}, 8.5, "feed host"]))           # 42.5: the smaller is kept
    source._on_book_message("BTC-USDT", wire.encode(["d", 2, 8.0, [], []]))
    assert got == [6.5, 50.5]


async def test_a_heartbeat_run_late_behind_later_diffs_is_no_loss(source):
    source, sink = source
    source._on_book_message("BTC-USDT", wire.encode(["d", 10, 1.0, [], []]))
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 10}]))
    for seq in (11, 12, 13):        # sent after the next two heartbeats, processed before them
        source._on_book_message("BTC-USDT", wire.encode(["d", seq, 1.0, [], []]))
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 11}]))
    await source._on_heartbeat(_Msg(["h", {"BTC-USDT": 12}]))
    assert [c for c in sink.calls if c[0] != "diff"] == []
