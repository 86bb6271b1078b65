"""Kraken's compiled fast path for a synced pair's book update (``_kraken_book.apply_book_update``).

The class of input closed: every WS v2 book update text frame of a tracked pair.  The fast path must
give, frame for frame, what the general path gives (the frame decoded by orjson, through the
tracker's ``on_diff`` and ``OrderBookPairSync.on_diff``): the same book, the same counters, the same
events and resyncs; for a valid update of a synced pair it must not need the tracker's calls in
Python at all, and for anything else (not synced, refused rows, a checksum mismatch or one that
cannot be judged, a tracker whose ``on_diff`` is overridden) it changes nothing itself or hands the
outcome to the sync's own methods."""
import asyncio
import json

import orjson
import pytest

from hummingbot_conn.exchanges.kraken import KrakenAPIOrderBookDataSource, KrakenEndpoints
from hummingbot_conn.exchanges.kraken.pairs import KrakenPairs
from hummingbot_conn.tracking import OrderBookTracker
from hummingbot_conn.tracking.order_book_sync import OrderBookTrackerEvent

from .test_kraken_hostile_book import _crc, _text
from .test_kraken_order_book import ASKS, ASSET_PAIRS, BIDS, CHECKSUM

PAIR = "BTC-USD"


async def _tracker(tracker_type=OrderBookTracker):
    src = KrakenAPIOrderBookDataSource([PAIR], domain=KrakenEndpoints.local("127.0.0.1:1"))
    src._pairs = KrakenPairs(ASSET_PAIRS)
    resubscribed = []

    async def resubscribe(pair):
        resubscribed.append(pair)
    src.resubscribe_trading_pair = resubscribe
    tracker = tracker_type(src, [PAIR])
    tracker._new_sync(PAIR)
    src.attach(tracker)
    events = []
    for tag in (OrderBookTrackerEvent.BookOutOfSync, OrderBookTrackerEvent.BookResynced):
        tracker.add_listener(tag, lambda event, tag=tag: events.append((tag, event.reason, event.update_id)))
    src._process_frame(_text("snapshot", BIDS, ASKS, CHECKSUM), 1.0, None)
    assert tracker.is_synced(PAIR)
    return src, tracker, resubscribed, events


def _state(tracker, resubscribed, events):
    book = tracker.order_books[PAIR]
    metrics = {k: v for k, v in tracker.metrics.pairs[PAIR].to_dict().items() if "latency" not in k}
    metrics["unknown_pair_messages"] = tracker.metrics.unknown_pair_messages
    sync = tracker._syncs[PAIR]
    return ([(r.price, r.amount) for r in book.bid_entries()], [(r.price, r.amount) for r in book.ask_entries()],
            book.is_synced, book.last_diff_uid, sync.state, sync.buffered, sync.arrival_mark(), metrics,
            list(resubscribed), list(events))


# a script of updates after the snapshot: valid ones, a mismatch (the pair resyncs and buffers), updates
# while syncing, a new snapshot, rows the book refuses, a checksum that cannot be judged
_B1 = [(45283.6, 0.5)] + BIDS[:9]
_SCRIPT = [
    _text("update", [(45283.6, 0.5)], [], _crc(_B1, ASKS)),
    _text("update", [], [(45285.2, 0.002)], _crc(_B1, [(45285.2, 0.002)] + ASKS[1:])),
    _text("update", [(45283.6, 0.0)], [], 12345),                 # a wrong checksum: resync
    _text("update", [(45283.7, 0.1)], [], 1),                     # held while syncing
    _text("snapshot", BIDS, ASKS, CHECKSUM),
    _text("update", [(-5.0, 0.1)], [], 1),                        # rows the book refuses
    _text("update", [(45283.6, 0.5)], [], _crc(_B1, ASKS)),       # a gap: the refused diff was numbered
    _text("snapshot", BIDS, ASKS, CHECKSUM),
    _text("update", [(45283.6, 1e20)], [], 0),                    # a level the checksum cannot render
    _text("snapshot", BIDS, ASKS, CHECKSUM),
    _text("update", [(45283.6, 0.5)], [], 2 ** 40),               # a checksum no CRC-32 can be
    _text("snapshot", BIDS, ASKS, CHECKSUM),
    _text("update", [(45283.6, 0.5)], [], _crc(_B1, ASKS)),
]


async def _run(script, decode, tracker_type=OrderBookTracker):
    src, tracker, resubscribed, events = await _tracker(tracker_type)
    states = []
    for i, text in enumerate(script):
        src._process_frame(orjson.loads(text) if decode else text, 2.0 + i, None)
        await asyncio.sleep(0)
        states.append(_state(tracker, resubscribed, events))
    await tracker.stop()
    return states


def test_every_frame_of_a_mixed_script_gives_what_the_general_path_gives():
    fast = asyncio.run(_run(_SCRIPT, decode=False))
    general = asyncio.run(_run(_SCRIPT, decode=True))
    for i, (a, b) in enumerate(zip(fast, general)):
        assert a == b, f"frame {i}: {json.loads(_SCRIPT[i])['data'][0]}"
    # the script does reach every outcome
    final = fast[-1][7]
    assert final["checksum_mismatches"] == 3 and final["diffs_refused"] == 1 and final["gaps"] == 1
    assert final["diffs_applied"] == 6 and fast[-1][2]       # synced at the end


def test_a_valid_update_of_a_synced_pair_needs_no_call_of_the_tracker_in_python():
    calls = []

    async def go():
        src, tracker, _, _ = await _tracker()
        general = tracker.on_diff
        tracker.on_diff = lambda *args: (calls.append(args), general(*args))
        src._process_frame(_SCRIPT[0], 2.0, None)
        book = tracker.order_books[PAIR]
        applied = tracker.metrics.pairs[PAIR].diffs_applied
        await tracker.stop()
        return book, applied
    book, applied = asyncio.run(go())
    assert calls == [] and applied == 1
    assert (book.bid_entries()[0].price, book.bid_entries()[0].amount) == (45283.6, 0.5)


def test_a_tracker_that_overrides_on_diff_sees_every_diff():
    seen = []

    class Recording(OrderBookTracker):
        def on_diff(self, *args, **kwargs):
            seen.append(args[0])
            super().on_diff(*args, **kwargs)

    states = asyncio.run(_run(_SCRIPT[:2], decode=False, tracker_type=Recording))
    assert seen == [PAIR, PAIR] and states[-1][7]["diffs_applied"] == 2


@pytest.mark.parametrize("frame", [
    _text("update", [(45283.6, 0.5)], [], 1, symbol="ETH/USD"),   # a pair not tracked
    _text("update", [(45283.6, 0.5)], [], 1, symbol="XX/YY"),     # a symbol AssetPairs does not list
])
def test_an_update_for_a_pair_not_tracked_is_counted_as_the_general_path_counts_it(frame):
    fast = asyncio.run(_run([frame], decode=False))
    general = asyncio.run(_run([frame], decode=True))
    assert fast == general and fast[-1][7]["unknown_pair_messages"] == 1


def test_a_pair_removed_and_added_again_is_served_on_its_new_book_and_the_old_one_is_left_alone():
    # the fast path keeps what it read of a pair's sync per symbol: a new sync for the pair (the pair
    # removed and added again), or the symbol map read again, must be taken up at the next frame

    async def go():
        src, tracker, _, _ = await _tracker()
        src._process_frame(_SCRIPT[0], 2.0, None)
        old_book = tracker.order_books[PAIR]
        tracker._drop(PAIR)
        tracker._new_sync(PAIR)
        src._process_frame(_text("snapshot", BIDS, ASKS, CHECKSUM), 3.0, None)
        src._pair_by_symbol = {}        # the pairs read again (_load_pairs) empties the map
        src._process_frame(_text("snapshot", BIDS, ASKS, CHECKSUM), 3.5, None)
        new_book = tracker.order_books[PAIR]
        src._process_frame(_text("update", [], [(45285.2, 0.002)], _crc(BIDS, [(45285.2, 0.002)] + ASKS[1:])),
                           4.0, None)
        state = _state(tracker, [], [])
        await tracker.stop()
        return old_book, new_book, state
    old_book, new_book, state = asyncio.run(go())
    assert new_book is not old_book
    assert state[2] and state[7]["diffs_applied"] == 1 and state[7]["checksum_mismatches"] == 0
    assert (new_book.ask_entries()[0].price, new_book.ask_entries()[0].amount) == (45285.2, 0.002)
    assert (old_book.ask_entries()[0].price, old_book.ask_entries()[0].amount) == (45285.2, 0.001)
