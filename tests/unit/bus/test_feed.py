"""What ``BookFeed`` publishes for each change of its tracker's books, without a server (the outbox
is read before any client would send it; docs/bus.md, "Sequencing").

Every change of a synced book that is a diff goes out as ``d`` with the next
number; every other change (a gap, a snapshot that replaced the book, by any
of the tracker's entry points) as ``o``; nothing while the book is not synced.
"""
import asyncio

import pytest

from hummingbot_conn.bus import BookFeed, wire
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.tracking.book_integrity import SequenceRule
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource

PAIR = "A-B"


class _Source(OrderBookTrackerDataSource):
    """A venue whose REST snapshot is id 10 and whose stream is fed by the test."""

    SEQUENCE_RULE = SequenceRule.CONTIGUOUS

    async def get_last_traded_prices(self, trading_pairs, domain=None):
        return {}

    async def _order_book_snapshot(self, trading_pair):
        return OrderBookMessage(OrderBookMessageType.SNAPSHOT, {"trading_pair": trading_pair, "update_id": 10,
                                                                "bids": [[99.0, 1.0]], "asks": [[101.0, 1.0]]})

    async def subscribe_to_trading_pairs(self, trading_pairs):
        self._sink.on_subscribed(list(trading_pairs))
        return {}

    async def _connected_websocket_assistant(self):
        raise AssertionError("no socket in this test")

    async def _subscribe_channels(self, ws, trading_pairs):
        raise AssertionError("no socket in this test")

    def _channel_originating_message(self, event_message):
        raise AssertionError("no socket in this test")

    async def _parse_order_book_diff_message(self, raw_message, message_queue):
        raise AssertionError("no socket in this test")

    async def _parse_trade_message(self, raw_message, message_queue):
        raise AssertionError("no socket in this test")


def _published(feed):
    out = [(subject, wire.decode(payload)) for subject, payload in feed._outbox]
    feed._outbox.clear()
    return out


@pytest.fixture
async def feed():
    feed = BookFeed("nats://127.0.0.1:1", "binance", _Source([PAIR]), [PAIR])
    feed.tracker.start()        # the tracker alone: nothing here needs the server
    await feed.tracker.wait_ready(timeout=5)
    yield feed
    await feed.tracker.stop()


async def test_applied_diffs_go_out_numbered_and_stale_ones_do_not(feed):
    base = feed.last_seq(PAIR)
    tracker, subject = feed.tracker, feed.subjects.book(PAIR)
    tracker.on_diff(PAIR, [[99.5, 2.0]], [], 11, 11, 0.0)
    tracker.on_diff(PAIR, [[99.5, 3.0]], [], 11, 11, 0.0)          # stale: the book does not change
    tracker.on_diff(PAIR, [], [[101.0, 0.0]], 12, 12, 0.0)
    out = _published(feed)
    assert [(s, m[0], m[1], m[3], m[4]) for s, m in out] == [
        (subject, "d", base + 1, [[99.5, 2.0]], []), (subject, "d", base + 2, [], [[101.0, 0.0]])]
    assert feed._snapshot_of(PAIR) == ["s", base + 2, [[99.5, 2.0], [99.0, 1.0]], []]


async def test_a_gap_goes_out_as_out_of_sync_and_the_resync_is_not_published_as_diffs(feed):
    base = feed.last_seq(PAIR)
    feed.tracker.on_diff(PAIR, [[98.0, 1.0]], [], 15, 15, 0.0)      # 11..14 lost at the venue
    assert [m[:2] for _, m in _published(feed)] == [["o", base + 1]]
    assert not feed._synced[PAIR].is_set()
    # the resync: a snapshot (10) too old for the buffered diff (needs 14) is fetched again and again;
    # whatever the book does meanwhile, nothing is published until it is synced
    await asyncio.sleep(0.2)
    assert _published(feed) == [] and not feed.tracker.is_synced(PAIR)


@pytest.mark.parametrize("entry", ["on_snapshot", "put_nowait"])
async def test_a_snapshot_that_replaces_a_synced_book_goes_out_as_out_of_sync(feed, entry):
    base = feed.last_seq(PAIR)
    if entry == "on_snapshot":
        feed.tracker.on_snapshot(PAIR, [[97.0, 1.0]], [[103.0, 1.0]], 50, 0.0)
    else:
        feed.tracker.put_nowait(OrderBookMessage(OrderBookMessageType.SNAPSHOT, {
            "trading_pair": PAIR, "update_id": 50, "bids": [[97.0, 1.0]], "asks": [[103.0, 1.0]]}))
    assert [m[:2] for _, m in _published(feed)] == [["o", base + 1]]


async def test_trades_go_out_unsequenced(feed):
    from hummingbot_conn.common import TradeType
    from hummingbot_conn.events import OrderBookTradeEvent

    base = feed.last_seq(PAIR)
    feed.tracker.on_trade(OrderBookTradeEvent(PAIR, 5.0, TradeType.SELL, 100.0, 0.5, 77))
    ((_, message),) = _published(feed)
    assert message[0] == "t" and message[2:] == [5.0, 2, 100.0, 0.5, 77] and feed.last_seq(PAIR) == base
