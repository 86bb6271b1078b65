"""Kraken book frames from a hostile venue (docs/kraken_spot.md sections 1 and 2): the checksum is the only
integrity a Kraken book has, so a frame whose checksum cannot be judged must resync the pair, never
leave it synced on levels nobody verified.

Each case runs the real ``OrderBookTracker`` over ``KrakenAPIOrderBookDataSource``'s frame path: a
snapshot (the sync point), then the hostile update; the pair must be out of sync (and resubscribing),
or the update refused with the book as it was."""
import asyncio
import json
from decimal import Decimal

import pytest

from hummingbot_conn.exchanges.kraken import KrakenAPIOrderBookDataSource, KrakenEndpoints
from hummingbot_conn.exchanges.kraken.pairs import KrakenPairs
from hummingbot_conn.sim.kraken.book_feed import checksum as venue_checksum
from hummingbot_conn.tracking import OrderBookTracker

from .test_kraken_order_book import ASKS, ASSET_PAIRS, BIDS, CHECKSUM


def _text(kind, bids, asks, checksum, symbol="BTC/USD"):
    return json.dumps({"channel": "book", "type": kind, "data": [{
        "symbol": symbol, "bids": [{"price": p, "qty": q} for p, q in bids],
        "asks": [{"price": p, "qty": q} for p, q in asks], "checksum": checksum,
        "timestamp": "2023-10-06T17:35:55.440295Z"}]})


def _crc(bids, asks):
    return venue_checksum([(Decimal(repr(p)), Decimal(repr(q))) for p, q in asks],
                          [(Decimal(repr(p)), Decimal(repr(q))) for p, q in bids], 1, 8)


async def _synced_tracker(**source_options):
    src = KrakenAPIOrderBookDataSource(["BTC-USD"], domain=KrakenEndpoints.local("127.0.0.1:1"), **source_options)
    src._pairs = KrakenPairs(ASSET_PAIRS)
    resubscribed = []

    async def resubscribe(pair):
        resubscribed.append(pair)
    src.resubscribe_trading_pair = resubscribe
    tracker = OrderBookTracker(src, ["BTC-USD"])
    tracker._new_sync("BTC-USD")
    src.attach(tracker)
    src._process_frame(_text("snapshot", BIDS, ASKS, CHECKSUM), 1.0, None)
    assert tracker.is_synced("BTC-USD")
    return src, tracker, resubscribed


async def _after(frame):
    src, tracker, resubscribed = await _synced_tracker()
    src._process_frame(frame, 2.0, None)
    await asyncio.sleep(0)
    synced = tracker.is_synced("BTC-USD")
    book = tracker.order_books["BTC-USD"]
    levels = ([(r.price, r.amount) for r in book.bid_entries()], [(r.price, r.amount) for r in book.ask_entries()])
    await tracker.stop()
    return synced, resubscribed, levels


def test_a_valid_update_with_its_checksum_keeps_the_book_synced():
    bids = [(45283.6, 0.5)] + BIDS[:9]
    synced, resubscribed, _ = asyncio.run(_after(_text("update", [(45283.6, 0.5)], [], _crc(bids, ASKS))))
    assert synced and resubscribed == []


# the level the hostile venue adds, best bid so it is inside the checksum's top 10
@pytest.mark.parametrize("level, checksum", [
    ((45283.6, 1e20), 0),                   # a quantity too large to render at 8 decimals
    ((1e300, 0.5), 0),                      # a price too large to render at 1 decimal
    ((45283.64, 0.5), None),                # more decimals than pair_decimals (1): rounds to 45283.6
    ((45283.6, 0.123456789), None),         # more decimals than lot_decimals (8)
])
def test_a_level_the_checksum_cannot_render_exactly_resyncs_the_pair(level, checksum):
    # None: the checksum of the level as the rendering would round it, so only the precision catches it
    rounded = (round(level[0], 1), round(level[1], 8))
    crc = _crc([rounded] + BIDS[:9], ASKS) if checksum is None else checksum
    synced, resubscribed, _ = asyncio.run(_after(_text("update", [level], [], crc)))
    assert not synced and resubscribed == ["BTC-USD"]


@pytest.mark.parametrize("checksum", ["3310070434", 3310070434.0, -1, 2 ** 32, 2 ** 70, True, None, [1], {"a": 1}])
def test_a_checksum_that_is_not_an_unsigned_32_bit_int_never_leaves_the_book_synced(checksum):
    synced, resubscribed, (bids, _) = asyncio.run(_after(_text("update", [(45283.6, 0.5)], [], checksum)))
    # refused before it touched the book, or applied and then judged a mismatch
    assert not synced or (bids[0] == BIDS[0] and resubscribed == [])
    if synced:
        assert (45283.6, 0.5) not in bids


def test_a_snapshot_deeper_than_the_subscription_is_truncated_to_it_and_verified():
    async def run():
        src, tracker, resubscribed = await _synced_tracker()
        deeper = BIDS + [(45270.0 - i, 0.1) for i in range(15)]
        src._process_frame(_text("snapshot", deeper, ASKS, CHECKSUM), 2.0, None)
        book = tracker.order_books["BTC-USD"]
        try:
            return tracker.is_synced("BTC-USD"), book.bid_level_count, resubscribed
        finally:
            await tracker.stop()
    synced, bids, resubscribed = asyncio.run(run())
    assert synced and bids == 10 and resubscribed == []


@pytest.mark.parametrize("symbol", ["ETH/USD", "FOO/BAR", "BTC/USDT", "btc/usd"])
def test_an_update_for_a_symbol_not_subscribed_touches_no_book(symbol):
    async def run():
        src, tracker, resubscribed = await _synced_tracker()
        src._process_frame(_text("update", [(45283.6, 0.5)], [], 0, symbol=symbol), 2.0, None)
        book = tracker.order_books["BTC-USD"]
        try:
            return (tracker.is_synced("BTC-USD"), [(r.price, r.amount) for r in book.bid_entries()],
                    tracker.metrics.unknown_pair_messages, resubscribed)
        finally:
            await tracker.stop()
    synced, bids, unknown, resubscribed = asyncio.run(run())
    assert synced and bids == BIDS and unknown == 1 and resubscribed == []


@pytest.mark.parametrize("rows, final", [
    ([(45283.6, 0.5), (45283.6, 0.0)], BIDS),                          # added then deleted in one message
    ([(45283.5, 0.3), (45283.5, 0.2)], [(45283.5, 0.2)] + BIDS[1:]),   # the last statement of a level wins
])
def test_duplicate_levels_in_one_message_apply_in_order_and_the_checksum_judges_the_result(rows, final):
    synced, resubscribed, (bids, _) = asyncio.run(_after(_text("update", rows, [], _crc(final, ASKS))))
    assert synced and bids == final and resubscribed == []
    # the same rows under a checksum of another book: out of sync at once
    synced, resubscribed, _ = asyncio.run(_after(_text("update", rows, [], _crc(BIDS[:1] + final, ASKS))))
    assert not synced and resubscribed == ["BTC-USD"]
