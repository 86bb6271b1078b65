"""OrderBookTracker sequencing and resync, driven step by step.

The data source here serves snapshots the test hands over (so a test decides
what the snapshot holds and when it arrives) and an idle socket; diffs and
frames go through the tracker's sink API exactly as a venue's reader calls it.
End-to-end behaviour over real sockets is in tests/integration/tracking/test_order_book_tracker.py.
"""
import asyncio
import logging

import pytest
from support.sockets import IdleSocket

from hummingbot_conn.common import TradeType
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.events import OrderBookTradeEvent
from hummingbot_conn.exchanges.binance import BinanceAPIOrderBookDataSource, BinanceOrderBook
from hummingbot_conn.tracking import (
    OrderBookTracker,
    OrderBookTrackerDataSource,
    OrderBookTrackerEvent,
    SubscriptionError,
    UnknownTradingPairError,
)
from hummingbot_conn.tracking.order_book_tracker_metrics import LatencyStats


class _HandFedSource(OrderBookTrackerDataSource):
    """Snapshots come from per-pair queues the test fills; nothing is read from a socket."""

    def __init__(self, pairs, **kwargs):
        super().__init__(pairs, **kwargs)
        self.snapshots = {pair: asyncio.Queue() for pair in pairs}
        self.requests = dict.fromkeys(pairs, 0)

    def give(self, pair, update_id, bids, asks):
        self.snapshots[pair].put_nowait(OrderBookMessage(OrderBookMessageType.SNAPSHOT, {
            "trading_pair": pair, "update_id": update_id, "bids": bids, "asks": asks}))

    async def get_last_traded_prices(self, trading_pairs, domain=None):
        return {}

    async def _order_book_snapshot(self, trading_pair):
        self.requests[trading_pair] += 1
        return await self.snapshots[trading_pair].get()

    async def _connected_websocket_assistant(self):
        return IdleSocket()

    async def _subscribe_channels(self, ws, trading_pairs):
        return None

    def _channel_originating_message(self, event_message):
        return ""

    async def _parse_order_book_diff_message(self, raw_message, message_queue):
        raise AssertionError("not used")

    async def _parse_trade_message(self, raw_message, message_queue):
        raise AssertionError("not used")


async def _settle():
    for _ in range(5):
        await asyncio.sleep(0)


async def _no_wait(_seconds):
    await asyncio.sleep(0)


@pytest.fixture
async def hand_fed():
    made = []

    async def make(pairs, **kwargs):
        source = _HandFedSource(pairs)
        tracker = OrderBookTracker(source, pairs, snapshot_interval=None, sleep=_no_wait, **kwargs)
        tracker.start()
        await _settle()
        made.append(tracker)
        return source, tracker
    yield make
    for tracker in made:
        await tracker.stop()


def _levels(book):
    return ({r.price: r.amount for r in book.bid_entries()}, {r.price: r.amount for r in book.ask_entries()})


async def test_buffered_diffs_the_snapshot_covers_are_dropped(hand_fed):
    source, tracker = await hand_fed(["A-B"])
    # diffs arrive before the snapshot: 5-6 deletes 99 (older than the snapshot: must not apply, W-4)
    tracker.on_diff("A-B", [["99", "0"]], [], 6, 5, 0.0)
    tracker.on_diff("A-B", [["98", "1"]], [], 8, 7, 0.0)
    tracker.on_diff("A-B", [["97", "2"]], [["101", "3"]], 10, 9, 0.0)
    assert not tracker.ready
    source.give("A-B", 8, [["99", "5"], ["98", "1"]], [["101", "1"]])
    await tracker.wait_ready(timeout=1)
    book = tracker.order_books["A-B"]
    assert _levels(book) == ({99.0: 5.0, 98.0: 1.0, 97.0: 2.0}, {101.0: 3.0})
    assert book.snapshot_uid == 8 and book.last_diff_uid == 10
    metrics = tracker.metrics.pairs["A-B"]
    assert (metrics.diffs_stale, metrics.diffs_applied, metrics.resyncs) == (2, 1, 0)


async def test_a_snapshot_older_than_the_buffer_is_fetched_again_never_applied(hand_fed):
    source, tracker = await hand_fed(["A-B"])
    tracker.on_diff("A-B", [["99", "1"]], [], 21, 20, 0.0)
    source.give("A-B", 10, [["50", "1"]], [])          # too old: 20 > 10 + 1
    source.give("A-B", 25, [["99", "1"], ["98", "2"]], [])
    await tracker.wait_ready(timeout=1)
    book = tracker.order_books["A-B"]
    metrics = tracker.metrics.pairs["A-B"]
    assert metrics.snapshots_stale == 1 and metrics.snapshots_applied == 1 and source.requests["A-B"] == 2
    assert book.snapshot_uid == 25 and 50.0 not in _levels(book)[0]


async def test_a_gap_resyncs_that_pair_while_the_others_keep_applying(hand_fed):
    events = []
    source, tracker = await hand_fed(["A-B", "C-D"])
    tracker.add_listener(OrderBookTrackerEvent.BookOutOfSync, events.append)
    tracker.add_listener(OrderBookTrackerEvent.BookResynced, events.append)
    source.give("A-B", 1, [["10", "1"]], [["11", "1"]])
    source.give("C-D", 1, [["20", "1"]], [["21", "1"]])
    await tracker.wait_ready(timeout=1)
    tracker.on_diff("A-B", [["10", "2"]], [], 2, 2, 0.0)
    tracker.on_diff("A-B", [["10", "3"]], [], 9, 5, 0.0)        # 3..4 missing: a gap
    book_a, book_c = tracker.order_books["A-B"], tracker.order_books["C-D"]
    assert not book_a.is_synced and not tracker.is_synced("A-B")
    assert events[-1].trading_pair == "A-B" and events[-1].reason == "gap" and events[-1].update_id == 2
    for uid in range(2, 6):                                       # C-D goes on meanwhile
        tracker.on_diff("C-D", [["20", str(uid)]], [], uid, uid, 0.0)
    tracker.on_diff("A-B", [["10", "4"]], [], 10, 10, 0.0)       # buffered behind the gap
    assert book_c.last_diff_uid == 5 and _levels(book_c)[0] == {20.0: 5.0}
    source.give("A-B", 8, [["10", "7"]], [["11", "1"]])
    await _settle()
    assert book_a.is_synced and book_a.last_diff_uid == 10 and _levels(book_a)[0] == {10.0: 4.0}
    a, c = tracker.metrics.pairs["A-B"], tracker.metrics.pairs["C-D"]
    assert (a.gaps, a.resyncs) == (1, 1) and (c.gaps, c.resyncs) == (0, 0)
    assert [e.reason for e in events if e.trading_pair == "A-B"] == ["initial", "gap", "gap"]


async def test_a_gap_inside_the_buffer_fetches_a_newer_snapshot(hand_fed):
    source, tracker = await hand_fed(["A-B"])
    tracker.on_diff("A-B", [["10", "1"]], [], 5, 5, 0.0)
    tracker.on_diff("A-B", [["10", "2"]], [], 9, 8, 0.0)        # 6..7 lost before the snapshot
    source.give("A-B", 5, [["10", "1"]], [])
    await _settle()
    assert not tracker.order_books["A-B"].is_synced and source.requests["A-B"] == 2
    source.give("A-B", 9, [["10", "2"]], [])
    await tracker.wait_ready(timeout=1)
    assert tracker.order_books["A-B"].last_diff_uid == 9
    assert tracker.metrics.pairs["A-B"].gaps == 1 and tracker.metrics.pairs["A-B"].resyncs == 0


async def test_a_full_buffer_drops_the_oldest_and_needs_a_snapshot_that_covers_it(hand_fed):
    source, tracker = await hand_fed(["A-B"], max_buffered_diffs=3)
    for uid in range(1, 7):
        tracker.on_diff("A-B", [["10", str(uid)]], [], uid, uid, 0.0)
    metrics = tracker.metrics.pairs["A-B"]
    assert metrics.buffer_overflows == 3
    source.give("A-B", 2, [["10", "2"]], [])    # covers U-1 of the oldest kept (4) ... but not dropped 3
    source.give("A-B", 3, [["10", "3"]], [])
    await tracker.wait_ready(timeout=1)
    assert metrics.snapshots_stale == 1 and tracker.order_books["A-B"].last_diff_uid == 6
    assert _levels(tracker.order_books["A-B"])[0] == {10.0: 6.0}


async def test_interruption_unsyncs_and_the_resubscription_resyncs(hand_fed):
    events = []
    source, tracker = await hand_fed(["A-B"])
    tracker.add_listener(OrderBookTrackerEvent.BookOutOfSync, events.append)
    source.give("A-B", 4, [["10", "1"]], [])
    await tracker.wait_ready(timeout=1)
    tracker.on_stream_interrupted(["A-B"])
    book = tracker.order_books["A-B"]
    assert not book.is_synced and events[-1].reason == "stream_interrupted"
    tracker.on_diff("A-B", [["10", "9"]], [], 3, 3, 0.0)         # older than the book: the snapshot must be newer
    tracker.on_subscribed(["A-B"])
    source.give("A-B", 2, [["10", "2"]], [])                     # would step the book back: refused
    source.give("A-B", 7, [["10", "7"]], [])
    await _settle()
    assert book.is_synced and book.snapshot_uid == 7 and _levels(book)[0] == {10.0: 7.0}
    metrics = tracker.metrics.pairs["A-B"]
    assert (metrics.stream_interruptions, metrics.resyncs, metrics.snapshots_stale) == (1, 1, 1)


async def test_ids_only_order_without_first_update_id(hand_fed):
    source, tracker = await hand_fed(["A-B"])
    source.give("A-B", 0, [["10", "1"]], [])
    await tracker.wait_ready(timeout=1)
    tracker.put_nowait(OrderBookMessage(OrderBookMessageType.DIFF, {
        "trading_pair": "A-B", "update_id": 5, "bids": [["10", "2"]], "asks": []}))
    assert tracker.order_books["A-B"].is_synced and _levels(tracker.order_books["A-B"])[0] == {10.0: 2.0}
    tracker.put_nowait(OrderBookMessage(OrderBookMessageType.TRADE, {
        "trading_pair": "A-B", "trade_type": 2.0, "trade_id": 1, "price": "10.5", "amount": "1"}, timestamp=1.0))
    assert tracker.order_books["A-B"].last_trade_price == 10.5 and tracker.metrics.pairs["A-B"].trades == 1
    tracker.put_nowait(OrderBookMessage(OrderBookMessageType.DIFF, {
        "trading_pair": "X-Y", "update_id": 5, "bids": [], "asks": []}))
    assert tracker.metrics.unknown_pair_messages == 1


class _OfflineBinance(BinanceAPIOrderBookDataSource):
    def __init__(self, pairs, snapshot):
        super().__init__(pairs, symbol_map={"ABUSDT": "AB-USDT"})
        self._snapshot = snapshot

    async def _order_book_snapshot(self, trading_pair):
        return BinanceOrderBook.snapshot_message_from_exchange(self._snapshot.pop(0), 0.0,
                                                               {"trading_pair": trading_pair})

    async def _connected_websocket_assistant(self):
        return IdleSocket()

    async def _subscribe_channels(self, ws, trading_pairs):
        return None


async def test_malformed_binance_frames_are_refused_and_lose_nothing(caplog):
    caplog.set_level(logging.CRITICAL)
    snapshots = [{"lastUpdateId": 1, "bids": [["10.0", "1"]], "asks": [["11.0", "1"]]},
                 {"lastUpdateId": 6, "bids": [["10.0", "6"]], "asks": [["11.0", "1"]]}]
    source = _OfflineBinance(["AB-USDT"], snapshots)
    tracker = OrderBookTracker(source, ["AB-USDT"], snapshot_interval=None, sleep=_no_wait)
    tracker.start()
    try:
        await tracker.wait_ready(timeout=1)
        book = tracker.order_books["AB-USDT"]

        def frame(data):
            pending = None
            try:
                pending = source._process_frame(data, 0.0, None)
            except Exception as exc:      # what the reader does with a frame that raises
                tracker.on_message_error(exc, data)
            assert pending is None or asyncio.iscoroutine(pending)
            return pending

        base = {"e": "depthUpdate", "E": 1, "s": "ABUSDT"}
        frame({**base, "U": 2, "u": 2, "b": [["10.0", "2"]], "a": []})
        before = _levels(book)
        frame({**base, "U": "3", "u": 3, "b": [], "a": []})                      # string id
        frame({**base, "U": 3, "b": [], "a": []})                                # missing u
        frame({**base, "U": 3, "u": 3, "b": [["10.0", "nan"]], "a": []})         # NaN amount
        frame({**base, "U": 3, "u": 3, "b": [["10.0", "-1"]], "a": []})          # negative amount
        frame({**base, "U": 3, "u": 3, "b": [["10.0"]], "a": []})                # short row
        frame({"e": "trade", "s": "ABUSDT", "t": 1, "p": "x", "q": "1", "T": 1, "m": True})
        assert _levels(book) == before and book.last_diff_uid == 2 and book.is_synced
        assert tracker.metrics.parse_errors == 3 and tracker.metrics.pairs["AB-USDT"].diffs_refused == 3
        # the refused diff 3 shows as a gap at the next one, and the pair is repaired
        frame({**base, "U": 4, "u": 6, "b": [["10.0", "6"]], "a": []})
        await _settle()
        assert book.is_synced and book.last_diff_uid == 6 and _levels(book)[0] == {10.0: 6.0}
        assert tracker.metrics.pairs["AB-USDT"].resyncs == 1
        frame({"e": "trade", "E": 1, "s": "ABUSDT", "t": 2, "p": "10.5", "q": "1", "T": 2, "m": False})
        assert book.last_trade_price == 10.5
        frame({"e": "depthUpdate", "s": "ZZUSDT", "U": 1, "u": 1, "b": [], "a": []})
        assert tracker.metrics.unknown_pair_messages == 1
        pending = frame("not json at all")      # no channel: the unknown-channel hook refuses it
        assert pending is not None
        with pytest.raises(ValueError, match="not a JSON object"):
            await pending
        for odd in ("[]", "5", b"\x00binary", None):
            with pytest.raises(ValueError, match="not a JSON object"):
                await frame(odd)
        assert await frame({"id": 999, "result": None}) is None      # an answer to nothing pending: ignored
        assert tracker.metrics.parse_errors == 3
        # undecoded text frames (the fast parser's input): good ones apply, odd ones take the JSON path
        frame('{"e":"depthUpdate","E":1,"s":"ABUSDT","U":7,"u":7,"b":[["10.0","7"]],"a":[]}')
        frame('{"e":"depthUpdate","E":1,"s":"ABUSDT","U":"8","u":8,"b":[],"a":[]}')
        frame('{"e":"depthUpdate","E":1,"s":"ABUSDT","U":8,"u":8,"b":[["10.0","-1"]],"a":[]}')
        assert book.last_diff_uid == 7 and _levels(book)[0] == {10.0: 7.0} and book.is_synced
        assert tracker.metrics.parse_errors == 4 and tracker.metrics.pairs["AB-USDT"].diffs_refused == 4
    finally:
        await tracker.stop()


def test_latency_stats_ring_and_percentiles():
    stats = LatencyStats(window=4)
    assert stats.p50 != stats.p50          # NaN when empty
    for sample in (5.0, 1.0, 3.0, 2.0, 4.0):
        stats.add(sample)
    assert stats.count == 5                # the oldest sample (5.0) left the ring
    assert stats.p50 == 3.0 and stats.p99 == 4.0 and stats.percentile(0.0) == 1.0
    with pytest.raises(ValueError):
        LatencyStats(window=0)


async def test_safeguard_snapshots_refresh_synced_books_and_never_step_back():
    source = _HandFedSource(["A-B"])
    tracker = OrderBookTracker(source, ["A-B"], snapshot_interval=60.0, sleep=_no_wait)
    tracker.start()
    try:
        source.give("A-B", 4, [["10", "1"]], [])
        await tracker.wait_ready(timeout=1)
        tracker.on_diff("A-B", [["10", "6"]], [], 6, 5, 0.0)
        source.give("A-B", 5, [["10", "5"]], [])        # older than the book (6): not a repair
        await _settle()
        book, metrics = tracker.order_books["A-B"], tracker.metrics.pairs["A-B"]
        assert book.last_diff_uid == 6 and _levels(book)[0] == {10.0: 6.0} and metrics.snapshots_stale == 1
        source.give("A-B", 9, [["10", "9"], ["9", "1"]], [])
        await _settle()
        assert book.snapshot_uid == 9 and _levels(book)[0] == {10.0: 9.0, 9.0: 1.0}
        assert metrics.safeguard_snapshots == 1 and metrics.resyncs == 0 and book.is_synced
    finally:
        await tracker.stop()


async def test_binance_symbol_map_reloads_once_for_a_new_listing():
    maps = [{"ABUSDT": "AB-USDT"}, {"ABUSDT": "AB-USDT", "CDUSDT": "CD-USDT"}]
    calls = []
    now = [1000.0]

    async def connector_map():
        calls.append(now[0])
        return maps[min(len(calls), len(maps)) - 1]

    source = BinanceAPIOrderBookDataSource(["AB-USDT"], symbol_map=connector_map, clock=lambda: now[0])
    try:
        assert await source.exchange_symbol_associated_to_pair("AB-USDT") == "ABUSDT"
        with pytest.raises(UnknownTradingPairError, match="CD-USDT"):
            await source.exchange_symbol_associated_to_pair("CD-USDT")     # map fresh: no reload
        assert len(calls) == 1
        now[0] += 61.0
        assert await source.exchange_symbol_associated_to_pair("CD-USDT") == "CDUSDT"
        assert len(calls) == 2
        errors = await source.check_trading_pairs(["AB-USDT", "ZZ-USDT"])
        assert list(errors) == ["ZZ-USDT"] and isinstance(errors["ZZ-USDT"], UnknownTradingPairError)
        assert len(calls) == 2          # the map is fresh again: ZZ-USDT did not reload it
    finally:
        await source.close()


async def test_ids_the_book_refuses_never_enter_the_resync_buffer(hand_fed):
    # a U far beyond u (or ids beyond int64, or bools) would set what the snapshot must cover
    # and keep every snapshot "stale": the resync would never end
    source, tracker = await hand_fed(["A-B"])
    tracker.on_diff("A-B", [["99", "1"]], [], 5, 10**15, 0.0)
    tracker.on_diff("A-B", [["99", "1"]], [], 2**64, 3, 0.0)
    tracker.on_diff("A-B", [["99", "1"]], [], 7, -2, 0.0)
    tracker.on_diff("A-B", [["99", "1"]], [], True, 1, 0.0)
    tracker.on_diff("A-B", [["98", "4"]], [], 12, 11, 0.0)
    metrics = tracker.metrics.pairs["A-B"]
    assert metrics.diffs_refused == 4 and tracker.data_source.trading_pairs == ["A-B"]
    source.give("A-B", 10, [["98", "1"]], [])
    await tracker.wait_ready(timeout=1)
    book = tracker.order_books["A-B"]
    assert metrics.snapshots_stale == 0 and source.requests["A-B"] == 1
    assert _levels(book) == ({98.0: 4.0}, {}) and book.last_diff_uid == 12


async def test_adding_a_pair_that_is_removed_or_stopped_before_it_syncs_raises_not_hangs(hand_fed):
    source, tracker = await hand_fed(["A-B"])
    source.give("A-B", 1, [["10", "1"]], [])
    await tracker.wait_ready(timeout=1)
    source.snapshots["C-D"] = asyncio.Queue()           # C-D's snapshot never comes
    source.requests["C-D"] = 0
    adding = asyncio.ensure_future(tracker.add_trading_pair("C-D", timeout=None))
    await _settle()
    assert await tracker.remove_trading_pair("C-D") is True
    with pytest.raises(RuntimeError, match="C-D is no longer tracked"):
        await asyncio.wait_for(adding, 1)
    adding = asyncio.ensure_future(tracker.add_trading_pair("C-D", timeout=None))
    await _settle()
    await tracker.stop()
    with pytest.raises(RuntimeError, match="C-D is no longer tracked"):
        await asyncio.wait_for(adding, 1)
    assert tracker._pair_locks == {}        # no lock left behind for any name tried
    assert sorted(tracker.trading_pairs) == ["A-B", "C-D"]     # kept for the next start()


class _RowsThatRaise:
    """Rows from a buggy data source: reading them raises something no parser expects."""

    def __len__(self):
        raise ZeroDivisionError("buggy rows")

    def __iter__(self):
        raise ZeroDivisionError("buggy rows")


async def test_rows_that_raise_anything_never_leave_a_pair_stuck(hand_fed, caplog):
    caplog.set_level(logging.CRITICAL)
    source, tracker = await hand_fed(["A-B"])
    tracker.on_diff("A-B", _RowsThatRaise(), [], 12, 11, 0.0)       # buffered, refused at replay
    tracker.on_diff("A-B", [["98", "4"]], [], 14, 13, 0.0)
    source.give("A-B", 12, _RowsThatRaise(), [])                    # refused snapshot: fetched again
    source.give("A-B", 12, [["98", "1"]], [])
    await tracker.wait_ready(timeout=1)
    metrics = tracker.metrics.pairs["A-B"]
    assert metrics.snapshot_errors == 1 and source.requests["A-B"] == 2
    assert _levels(tracker.order_books["A-B"]) == ({98.0: 4.0}, {})
    sync = tracker._syncs["A-B"]
    bad = OrderBookMessage(OrderBookMessageType.SNAPSHOT, {"trading_pair": "A-B", "update_id": 20,
                                                           "bids": _RowsThatRaise(), "asks": []})
    assert sync.apply_safeguard_snapshot(bad) is False and metrics.snapshot_errors == 2
    assert tracker.is_synced("A-B") and tracker.order_books["A-B"].last_diff_uid == 14


async def test_trades_with_a_bad_amount_or_time_are_refused_and_counted(hand_fed, caplog):
    caplog.set_level(logging.CRITICAL)
    source, tracker = await hand_fed(["A-B"])
    source.give("A-B", 1, [["10", "1"]], [])
    await tracker.wait_ready(timeout=1)
    book = tracker.order_books["A-B"]
    good = dict(trading_pair="A-B", timestamp=1.0, type=TradeType.BUY, price=10.5, amount=1.0, trade_id=1)
    tracker.on_trade(OrderBookTradeEvent(**good))
    for bad in (dict(amount=float("nan")), dict(amount=-1.0), dict(amount=0.0), dict(amount=float("inf")),
                dict(amount="1"), dict(timestamp=float("inf")), dict(timestamp=None), dict(price=float("nan"))):
        tracker.on_trade(OrderBookTradeEvent(**{**good, "price": 99.0, **bad}))
    assert book.last_trade_price == 10.5 and tracker.metrics.pairs["A-B"].trades == 1
    assert tracker.metrics.parse_errors == 8


async def test_a_corrupt_far_future_diff_does_not_stall_the_resync(hand_fed, caplog):
    # a well-formed diff with ids far ahead of the stream: a gap, then the diffs after it show it
    # was out of the stream's order; it must not decide which snapshot is new enough
    caplog.set_level(logging.CRITICAL)
    source, tracker = await hand_fed(["A-B"], max_buffered_diffs=4)
    source.give("A-B", 10, [["10", "1"]], [])
    await tracker.wait_ready(timeout=1)
    far = 2**60
    tracker.on_diff("A-B", [["10", "9"]], [], far + 5, far, 0.0)        # corrupt: a gap
    assert not tracker.is_synced("A-B")
    for uid in (11, 12):
        tracker.on_diff("A-B", [["10", str(uid)]], [], uid, uid, 0.0)
    source.give("A-B", 10, [["10", "1"]], [])                           # the stream's own snapshot
    await tracker.wait_ready(timeout=1)
    for _ in range(20):
        await asyncio.sleep(0)
    book = tracker.order_books["A-B"]
    metrics = tracker.metrics.pairs["A-B"]
    assert tracker.is_synced("A-B") and book.last_diff_uid == 12 and _levels(book)[0] == {10.0: 12.0}
    assert metrics.diffs_refused == 1 and metrics.snapshots_stale == 0 and metrics.resyncs == 1
    # the same diff first in a full buffer, then the socket drops: no far-future floor either way
    tracker.on_diff("A-B", [["10", "9"]], [], far + 5, far, 0.0)
    for uid in range(13, 18):                                            # 6 diffs held: two overflow
        tracker.on_diff("A-B", [["10", str(uid)]], [], uid, uid, 0.0)
        if uid == 15:
            assert tracker._syncs["A-B"]._required_snapshot_id() == 12       # 13 is the oldest kept
    assert metrics.buffer_overflows == 2
    tracker.on_stream_interrupted(["A-B"])
    assert tracker._syncs["A-B"]._required_snapshot_id() == 17
    tracker.on_subscribed(["A-B"])
    source.give("A-B", 17, [["10", "17"]], [])
    await asyncio.wait_for(tracker._syncs["A-B"].wait_synced(), 1)
    assert book.last_diff_uid == 17 and metrics.snapshots_stale == 0


async def test_buffered_diffs_delivered_out_of_order_are_replayed_in_id_order(hand_fed):
    source, tracker = await hand_fed(["A-B"])
    tracker.on_diff("A-B", [["10", "3"]], [], 13, 13, 0.0)              # arrives before 12
    tracker.on_diff("A-B", [["10", "2"], ["9", "1"]], [], 12, 12, 0.0)
    source.give("A-B", 11, [["10", "1"]], [])
    await tracker.wait_ready(timeout=1)
    book = tracker.order_books["A-B"]
    metrics = tracker.metrics.pairs["A-B"]
    assert _levels(book)[0] == {10.0: 3.0, 9.0: 1.0} and book.last_diff_uid == 13
    assert metrics.diffs_applied == 2 and metrics.diffs_refused == 0 and source.requests["A-B"] == 1


class _ConfirmingSource(_HandFedSource):
    """Subscriptions are answered by the test (``source.answer(request_id)``), as a venue would."""

    def __init__(self, pairs, **kwargs):
        super().__init__(pairs, **kwargs)
        self.sent = []

    async def _subscribe_channels(self, ws, trading_pairs):
        request_id = self._new_request_id(trading_pairs)
        self.sent.append((request_id, list(trading_pairs)))
        return request_id


async def test_a_subscription_whose_socket_dropped_is_answered_by_the_resubscription():
    source = _ConfirmingSource(["A-B"], subscription_timeout=0.2)
    tracker = OrderBookTracker(source, ["A-B"], snapshot_interval=None, sleep=_no_wait)
    tracker.start()
    try:
        await _settle()
        source.snapshots["C-D"], source.requests["C-D"] = asyncio.Queue(), 0
        source.snapshots["E-F"], source.requests["E-F"] = asyncio.Queue(), 0
        source._confirm_subscription(source.sent[-1][0])
        source.give("A-B", 1, [["10", "1"]], [])
        await tracker.wait_ready(timeout=1)
        adding = asyncio.ensure_future(tracker.add_trading_pair("C-D", timeout=1))
        await _settle()
        assert source.sent[-1][1] == ["C-D"]       # ... and the socket drops before the answer
        conn = source._connection_of["C-D"]
        await source._send_subscription(conn, sorted(conn.pairs))     # what the reconnect hook sends
        assert source.sent[-1][1] == ["A-B", "C-D"]
        source._confirm_subscription(source.sent[-1][0])
        source.give("C-D", 1, [["20", "1"]], [])
        assert await adding is True and source._pending == {}
        # a subscription never answered: refused after the timeout, and not kept
        with pytest.raises(SubscriptionError, match="no answer"):
            await tracker.add_trading_pair("E-F", timeout=1)
        assert source._pending == {} and "E-F" not in tracker.order_books
    finally:
        await tracker.stop()
