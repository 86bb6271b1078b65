"""A tracked book never reports synced while it is provably behind its stream.

The classes of input closed (docs/contracts.md, Contract 1, the tracker's rule;
``order_book_sync.py`` step 5), each in the three sequencing modes the
tracker serves (contiguous ``U``/``u``, futures ``pu`` chaining, and no ids
but a local stamp):

* a diff that chains to the book with a far-future final id: the book takes
  it, then every true diff is STALE and below it (ids backwards);
* a far-future snapshot: every diff stays STALE (a stale run longer than the
  limit);
* the venue's ids restarting from 0 on a live stream (ids backwards), or
  across a reconnect (the resync's snapshots stay below the book's last id
  for longer than the limit: the floor expires).

Time is the tracker's injected clock (``now``); the data source serves the
snapshots the test hands over.  Real sockets: tests/integration/tracking/test_order_book_behind.py.
"""
import asyncio
import logging

import pytest
from support.sockets import IdleSocket

from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.exchanges.binance import BinanceAPIOrderBookDataSource
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_api_order_book_data_source import (
    BinancePerpetualAPIOrderBookDataSource,
)
from hummingbot_conn.tracking import OrderBookTracker, OrderBookTrackerDataSource, OrderBookTrackerEvent
from hummingbot_conn.tracking.order_book_tracker import STALE_CADENCES
from hummingbot_conn.tracking.order_book_tracker_metrics import OrderBookPairMetrics, OrderBookTrackerMetrics

FAR = 10**15
LIMIT = STALE_CADENCES * 0.1        # the sources below state a 100 ms cadence


class _Offline:
    """What every source here shares: snapshots from queues the test fills, an idle socket."""
    DIFF_INTERVAL = 0.1

    def _offline_init(self, pairs):
        self.snapshots = {pair: asyncio.Queue() for pair in pairs}
        self.requests = dict.fromkeys(pairs, 0)

    def give(self, pair, update_id, bids, asks=()):
        self.snapshots[pair].put_nowait(OrderBookMessage(OrderBookMessageType.SNAPSHOT, {
            "trading_pair": pair, "update_id": update_id, "bids": list(bids), "asks": list(asks)}))

    async def _order_book_snapshot(self, trading_pair):
        self.requests[trading_pair] += 1
        return await self.snapshots[trading_pair].get()

    async def _connected_websocket_assistant(self):
        return IdleSocket()

    async def _subscribe_channels(self, ws, trading_pairs):
        return None


class _HandFed(_Offline, OrderBookTrackerDataSource):
    """A generic venue: diffs go straight to the tracker's sink."""

    def __init__(self, pairs):
        OrderBookTrackerDataSource.__init__(self, pairs)
        self._offline_init(pairs)

    async def get_last_traded_prices(self, trading_pairs, domain=None):
        return {}

    def _channel_originating_message(self, event_message):
        return ""

    async def _parse_order_book_diff_message(self, raw_message, message_queue):
        raise AssertionError("not used")

    async def _parse_trade_message(self, raw_message, message_queue):
        raise AssertionError("not used")


class _Spot(_Offline, BinanceAPIOrderBookDataSource):
    def __init__(self, pairs):
        BinanceAPIOrderBookDataSource.__init__(self, pairs, symbol_map={"ABUSDT": "A-B", "CDUSDT": "C-D"})
        self._offline_init(pairs)


class _Perpetual(_Offline, BinancePerpetualAPIOrderBookDataSource):
    def __init__(self, pairs):
        BinancePerpetualAPIOrderBookDataSource.__init__(self, pairs, symbol_map={"ABUSDT": "A-B", "CDUSDT": "C-D"})
        self._offline_init(pairs)


async def _settle():
    for _ in range(10):
        await asyncio.sleep(0)


async def _no_wait(_seconds):
    await asyncio.sleep(0)


class _Venue:
    """One pair's stream in a sequencing mode; ``diff(first, last, bids)`` sends it as that venue would."""

    def __init__(self, mode, source, tracker, pair="A-B"):
        self.mode, self.source, self.tracker, self.pair = mode, source, tracker, pair
        self.symbol = {"A-B": "ABUSDT", "C-D": "CDUSDT"}[pair]
        self.previous = None        # futures: the u of the previous event (its pu)

    def diff(self, first, last, bids):
        rows = [[str(p), str(q)] for p, q in bids]
        if self.mode == "spot":
            self.source._process_frame({"e": "depthUpdate", "E": 1, "s": self.symbol, "U": first, "u": last,
                                        "b": rows, "a": []}, 0.0, None)
        elif self.mode == "futures":
            pu = first - 1 if self.previous is None else self.previous
            self.source._process_frame({"e": "depthUpdate", "E": 1, "T": 1, "s": self.symbol, "U": first,
                                        "u": last, "pu": pu, "b": rows, "a": []}, 0.0, None)
        else:       # no ids: a hummingbot-style message stamped by the source (its own number or time)
            self.tracker.put_nowait(OrderBookMessage(OrderBookMessageType.DIFF, {
                "trading_pair": self.pair, "update_id": last, "bids": rows, "asks": []}))

    def chain(self, last):
        """The venue's next event chains to ``last`` (futures ``pu``; what a sent event set)."""
        self.previous = last


MODES = ["spot", "futures", "no_ids"]


@pytest.fixture
async def venue():
    made = []

    async def make(mode, pairs=("A-B",), stale_limit=None):
        source = {"spot": _Spot, "futures": _Perpetual, "no_ids": _HandFed}[mode](list(pairs))
        now = [1000.0]
        tracker = OrderBookTracker(source, list(pairs), snapshot_interval=None, sleep=_no_wait,
                                   clock=lambda: now[0], stale_limit=stale_limit)
        events = []
        tracker.add_listener(OrderBookTrackerEvent.BookOutOfSync, events.append)
        tracker.add_listener(OrderBookTrackerEvent.BookResynced, events.append)
        tracker.start()
        await _settle()
        made.append(tracker)
        return source, tracker, now, events, [_Venue(mode, source, tracker, p) for p in pairs]
    yield make
    for tracker in made:
        await tracker.stop()


def _bids(book):
    return {row.price: row.amount for row in book.bid_entries()}


async def _synced(tracker, pair="A-B"):
    async with asyncio.timeout(2):
        await tracker._syncs[pair].wait_synced()


def _reasons(events, pair="A-B"):
    return [e.reason for e in events if e.trading_pair == pair]


@pytest.mark.parametrize("far", [FAR, 2**63 - 1])
@pytest.mark.parametrize("mode", MODES)
async def test_a_chained_diff_with_a_far_future_final_id_resyncs_at_the_next_diff(venue, mode, far, caplog):
    caplog.set_level(logging.CRITICAL)
    source, tracker, now, events, (ab, cd) = await venue(mode, ("A-B", "C-D"))
    source.give("A-B", 10, [(10, 1)])
    source.give("C-D", 10, [(20, 1)])
    await tracker.wait_ready(timeout=2)
    book, other = tracker.order_books["A-B"], tracker.order_books["C-D"]
    ab.diff(11, 11, [(10, 2)])
    ab.diff(12, far, [(10, 3)])                 # chains to 11, claims a final id far ahead
    ab.chain(12)                                 # the venue's next event follows its true id
    assert book.last_diff_uid == far and book.is_synced      # nothing can tell yet
    ab.diff(13, 13, [(10, 4), (9, 1)])           # the true stream: below the book's last id
    assert not book.is_synced and not tracker.is_synced("A-B")
    assert _reasons(events) == ["initial", "ids_backwards"] and events[-1].update_id == far
    ab.chain(13)
    ab.diff(14, 14, [(8, 1)])                    # buffered while the snapshot is on its way
    source.give("A-B", 13, [(10, 4), (9, 1)])    # older than the book's last id: replaces it all the same
    await _synced(tracker)
    assert book.is_synced and book.last_diff_uid == 14 and _bids(book) == {10.0: 4.0, 9.0: 1.0, 8.0: 1.0}
    ab.chain(14)
    ab.diff(15, 15, [(7, 1)])                    # and the book moves again
    assert _bids(book)[7.0] == 1.0 and book.last_diff_uid == 15
    metrics = tracker.metrics.pairs["A-B"]
    assert (metrics.ids_backwards, metrics.resyncs, metrics.resyncs_ids_backwards) == (1, 1, 1)
    assert _reasons(events) == ["initial", "ids_backwards", "ids_backwards"]
    # the other pair was never touched
    cd.diff(11, 11, [(20, 2)])
    assert other.is_synced and _bids(other) == {20.0: 2.0} and tracker.metrics.pairs["C-D"].resyncs == 0
    assert _reasons(events, "C-D") == ["initial"]


@pytest.mark.parametrize("mode", MODES)
async def test_a_far_future_snapshot_resyncs_once_the_diffs_stay_stale_beyond_the_limit(venue, mode, caplog):
    caplog.set_level(logging.CRITICAL)
    source, tracker, now, events, (ab,) = await venue(mode)
    source.give("A-B", FAR, [(10, 1)])
    await tracker.wait_ready(timeout=2)
    book = tracker.order_books["A-B"]
    uid = 10
    # STALE for up to the limit is normal (diffs in flight when the snapshot was taken) ...
    for _ in range(4):
        uid += 1
        ab.diff(uid, uid, [(10, uid)])
        ab.chain(uid)
        now[0] += LIMIT / 4
    assert book.is_synced and _reasons(events) == ["initial"]
    # ... beyond it the book is ahead of its venue: frozen
    now[0] += 0.01
    uid += 1
    ab.diff(uid, uid, [(10, uid)])
    ab.chain(uid)
    assert not book.is_synced and _reasons(events) == ["initial", "stale_diffs"]
    source.give("A-B", uid, [(10, uid), (9, 5)])
    await _synced(tracker)
    uid += 1
    ab.diff(uid, uid, [(8, 1)])
    assert book.last_diff_uid == uid and _bids(book) == {10.0: uid - 1, 9.0: 5.0, 8.0: 1.0}
    metrics = tracker.metrics.pairs["A-B"]
    assert (metrics.stale_runs, metrics.resyncs_stale_diffs, metrics.resyncs) == (1, 1, 1)
    assert metrics.to_dict()["resyncs_stale_diffs"] == 1 and tracker.metrics.total.stale_runs == 1


@pytest.mark.parametrize("mode", MODES)
async def test_ids_restarting_from_zero_on_a_live_stream_resync_the_pair(venue, mode, caplog):
    caplog.set_level(logging.CRITICAL)
    source, tracker, now, events, (ab,) = await venue(mode)
    source.give("A-B", 500, [(10, 1), (9, 1)])
    await tracker.wait_ready(timeout=2)
    book = tracker.order_books["A-B"]
    ab.diff(501, 502, [(10, 2)])
    ab.chain(502)
    # the venue restarts: its book changed meanwhile and its ids start again from 0
    ab.chain(0)
    ab.diff(1, 3, [(10, 7), (9, 0)])
    assert not book.is_synced and _reasons(events) == ["initial", "ids_backwards"]
    ab.chain(3)
    ab.diff(4, 5, [(8, 2)])
    source.give("A-B", 3, [(10, 7)])
    await _synced(tracker)
    assert _bids(book) == {10.0: 7.0, 8.0: 2.0} and book.last_diff_uid == 5
    assert tracker.metrics.pairs["A-B"].resyncs_ids_backwards == 1


@pytest.mark.parametrize("mode", MODES)
async def test_ids_restarting_across_a_reconnect_outlive_the_floor(venue, mode, caplog):
    # the socket drops with the restart: the resync needs a snapshot at least as new as the book's
    # last id, which the restarted venue never serves again; past the limit the floor goes
    caplog.set_level(logging.CRITICAL)
    source, tracker, now, events, (ab,) = await venue(mode)
    source.give("A-B", 500, [(10, 1)])
    await tracker.wait_ready(timeout=2)
    book = tracker.order_books["A-B"]
    tracker.on_stream_interrupted(["A-B"])
    tracker.on_subscribed(["A-B"])
    ab.chain(0)
    ab.diff(1, 2, [(10, 3)])
    source.give("A-B", 2, [(10, 3)])
    await _settle()
    assert not book.is_synced                    # a lagging replica is given the limit to catch up
    now[0] += LIMIT / 2
    source.give("A-B", 2, [(10, 3)])
    await _settle()
    assert not book.is_synced
    now[0] += LIMIT
    source.give("A-B", 2, [(10, 3)])
    await _synced(tracker)
    ab.chain(2)
    ab.diff(3, 3, [(9, 1)])
    assert _bids(book) == {10.0: 3.0, 9.0: 1.0} and book.last_diff_uid == 3
    metrics = tracker.metrics.pairs["A-B"]
    assert (metrics.snapshots_stale, metrics.ids_backwards, metrics.resyncs_stream_interrupted) == (2, 1, 1)
    assert _reasons(events) == ["initial", "stream_interrupted", "stream_interrupted"]


@pytest.mark.parametrize("mode", MODES)
async def test_normal_stale_diffs_never_resync(venue, mode):
    source, tracker, now, events, (ab,) = await venue(mode)
    source.give("A-B", 10, [(10, 1)])
    await tracker.wait_ready(timeout=2)
    book = tracker.order_books["A-B"]
    # diffs in flight when the snapshot was taken, in the stream's order
    ab.diff(8, 9, [(10, 9)])
    ab.chain(9)
    ab.diff(10, 10, [(10, 9)])
    ab.chain(10)
    for uid in range(11, 40):                   # a long quiet-then-busy stream with duplicates
        ab.diff(uid, uid, [(10, uid)])
        ab.diff(uid, uid, [(10, uid)])          # a duplicate: not below the previous diff
        ab.chain(uid)
        now[0] += LIMIT * 3                     # the venue may be quiet for long between changes
    assert book.is_synced and book.last_diff_uid == 39 and _reasons(events) == ["initial"]
    metrics = tracker.metrics.pairs["A-B"]
    assert metrics.diffs_stale == 2 + 29 and metrics.ids_backwards == metrics.stale_runs == 0


async def test_the_stale_limit_follows_the_data_source_cadence():
    source = _HandFed(["A-B"])
    assert OrderBookTracker(source, [])._stale_limit == pytest.approx(STALE_CADENCES * 0.1)
    assert OrderBookTrackerDataSource.DIFF_INTERVAL == 1.0
    assert BinanceAPIOrderBookDataSource.DIFF_INTERVAL == BinancePerpetualAPIOrderBookDataSource.DIFF_INTERVAL == 0.1
    assert OrderBookTracker(source, [], stale_limit=2.5)._stale_limit == 2.5
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="stale_limit"):
            OrderBookTracker(source, [], stale_limit=bad)


def test_resync_counters_by_reason_add_up_in_the_total():
    names = ("resyncs_gap", "resyncs_stream_interrupted", "resyncs_ids_backwards", "resyncs_stale_diffs",
             "ids_backwards", "stale_runs")
    metrics = OrderBookTrackerMetrics()
    metrics.pairs["A-B"] = OrderBookPairMetrics(resyncs_gap=1, resyncs_stale_diffs=2, stale_runs=2)
    metrics.pairs["C-D"] = OrderBookPairMetrics(resyncs_ids_backwards=3, ids_backwards=4)
    total = metrics.to_dict()["total"]
    assert [total[name] for name in names] == [1, 0, 3, 2, 4, 2]


@pytest.mark.parametrize("mode", MODES)
async def test_snapshots_that_lag_a_stream_past_the_floor_are_never_applied(venue, mode, caplog):
    # the floor expires only when the stream is below it too: snapshots from a slow replica, however
    # long they lag, never step the book back behind diffs its stream already delivered
    caplog.set_level(logging.CRITICAL)
    source, tracker, now, events, (ab,) = await venue(mode)
    source.give("A-B", 500, [(10, 1)])
    await tracker.wait_ready(timeout=2)
    book = tracker.order_books["A-B"]
    tracker.on_stream_interrupted(["A-B"])
    tracker.on_subscribed(["A-B"])
    ab.chain(509)
    ab.diff(510, 510, [(10, 5)])                 # the stream is past the floor (500)
    for _ in range(4):
        source.give("A-B", 400, [(10, 9)])       # a replica far behind, for four limits
        await _settle()
        now[0] += LIMIT
    assert not book.is_synced and tracker.metrics.pairs["A-B"].snapshots_stale == 4
    source.give("A-B", 509, [(10, 4)])
    await _synced(tracker)
    assert _bids(book) == {10.0: 5.0} and book.last_diff_uid == 510
    assert tracker.metrics.pairs["A-B"].ids_backwards == 0
