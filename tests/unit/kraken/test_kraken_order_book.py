"""KrakenAPIOrderBookDataSource: WS v2 book frames (docs/kraken_spot.md sections 1 and 2) into a tracker's sink.

Payloads are Kraken's documented shapes: JSON numbers for prices and sizes, a
``checksum`` per snapshot and update, one acknowledgement per symbol.
"""
from decimal import Decimal

import orjson
import pytest

from hummingbot_conn.core.book_checksum import BookChecksum, ChecksumStyle
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.exchanges.kraken import KrakenAPIOrderBookDataSource, KrakenEndpoints
from hummingbot_conn.exchanges.kraken.pairs import KrakenPairs
from hummingbot_conn.tracking.book_integrity import SequenceRule, SyncPoint

# Kraken's worked checksum example (docs/kraken_spot.md section 2), as WS v2 JSON numbers
BIDS = [(45283.5, 0.1), (45283.4, 1.54582015), (45282.1, 0.1), (45281.0, 0.1), (45280.3, 1.54592586),
        (45279.0, 0.0799), (45277.6, 0.03310103), (45277.5, 0.3), (45277.3, 1.54602737), (45276.6, 0.15445238)]
ASKS = [(45285.2, 0.001), (45286.4, 1.54571953), (45286.6, 1.54571109), (45289.6, 1.54560911),
        (45290.2, 0.1589066), (45291.8, 1.54553491), (45294.7, 0.04454749), (45296.1, 0.3538),
        (45297.5, 0.09945542), (45299.5, 0.18772827)]
CHECKSUM = 3310070434

ASSET_PAIRS = {"XXBTZUSD": {"altname": "XBTUSD", "wsname": "XBT/USD", "base": "XXBT", "quote": "ZUSD",
                            "pair_decimals": 1, "lot_decimals": 8, "ordermin": "0.0001", "costmin": "0.5",
                            "tick_size": "0.1", "status": "online"},
               "XETHZUSD": {"altname": "ETHUSD", "wsname": "ETH/USD", "base": "XETH", "quote": "ZUSD",
                            "pair_decimals": 2, "lot_decimals": 8, "ordermin": "0.002", "costmin": "0.5",
                            "tick_size": "0.01", "status": "online"}}


class Sink:
    received_at = 0.0

    def __init__(self):
        self.calls = []

    def on_snapshot(self, pair, bids, asks, update_id, received_at, checksum=None):
        self.calls.append(("snapshot", pair, bids, asks, checksum))

    def on_diff(self, pair, bids, asks, update_id, first_update_id, received_at, prev_update_id=-1, checksum=None):
        self.calls.append(("diff", pair, bids, asks, checksum))

    def on_trade(self, trade):
        self.calls.append(("trade", trade))

    def on_subscribed(self, pairs):
        self.calls.append(("subscribed", list(pairs)))


def _frame(kind, bids, asks, checksum, symbol="BTC/USD"):
    # through orjson, as the socket decodes it: the numbers arrive as the venue wrote them
    text = orjson.dumps({"channel": "book", "type": kind, "data": [{
        "symbol": symbol, "bids": [{"price": p, "qty": q} for p, q in bids],
        "asks": [{"price": p, "qty": q} for p, q in asks], "checksum": checksum}]})
    return orjson.loads(text)


@pytest.fixture
def source():
    src = KrakenAPIOrderBookDataSource(["BTC-USD"], domain=KrakenEndpoints.local("127.0.0.1:1"))
    src._pairs = KrakenPairs(ASSET_PAIRS)
    sink = Sink()
    src.attach(sink)
    return src, sink


def test_the_declaration_is_arrival_order_a_stream_snapshot_and_kraken_checksums_of_10_levels():
    src = KrakenAPIOrderBookDataSource(["BTC-USD"], book_depth=25)
    integrity = src.book_integrity()
    assert integrity.sequence is SequenceRule.ARRIVAL
    assert integrity.sync_point is SyncPoint.STREAM_SNAPSHOT
    assert integrity.checksum is ChecksumStyle.KRAKEN and integrity.checksum_levels == 10
    assert integrity.depth == 25
    with pytest.raises(ValueError, match="book_depth"):
        KrakenAPIOrderBookDataSource(["BTC-USD"], book_depth=20)


def test_legacy_names_stay_inside_and_precision_comes_from_asset_pairs(source):
    src, _ = source
    assert src.checksum_precision("BTC-USD") == (1, 8)
    assert src.checksum_precision("ETH-USD") == (2, 8)
    assert src._symbol("BTC-USD") == "BTC/USD"
    assert src._pair_of("BTC/USD") == "BTC-USD"
    pairs = src._pairs
    assert pairs.pair("BTC-USD").rest_name == "XXBTZUSD" and pairs.by_rest["XBTUSD"].trading_pair == "BTC-USD"
    assert pairs.asset("XXBT") == "BTC" and pairs.asset("ZUSD") == "USD"
    rule = pairs.pair("BTC-USD").trading_rule()
    assert rule.min_order_size == Decimal("0.0001") and rule.min_notional_size == Decimal("0.5")
    assert rule.min_price_increment == Decimal("0.1") and rule.min_base_amount_increment == Decimal("1E-8")


def test_the_published_example_through_the_source_gives_the_published_checksum(source):
    src, sink = source
    src._process_frame(_frame("snapshot", BIDS, ASKS, CHECKSUM), 1.0, None)
    kind, pair, bids, asks, checksum = sink.calls[-1]
    assert (kind, pair, checksum) == ("snapshot", "BTC-USD", CHECKSUM)
    book = OrderBook(depth_limit=10)
    book.apply_snapshot(bids, asks, 1)
    assert src.book_checksum("BTC-USD").compute(book) == CHECKSUM
    # a level lost on the way changes the checksum: the tracker would resync the pair
    book.apply_diffs([(45283.5, 0)], [], 2)
    assert not BookChecksum(ChecksumStyle.KRAKEN, 1, 8).matches(book, CHECKSUM)


def test_an_update_pushing_a_level_out_of_depth_is_truncated_without_a_delete(source):
    src, sink = source
    book = OrderBook(depth_limit=10)
    book.apply_snapshot(BIDS, ASKS, 1)
    # a better bid: the venue drops 45276.6 from its top 10 and sends no delete for it
    src._process_frame(_frame("update", [(45284.0, 0.5)], [], 0), 1.0, None)
    kind, pair, bids, asks, _ = sink.calls[-1]
    assert kind == "diff" and bids == [(45284.0, 0.5)] and asks == []
    book.apply_diffs(bids, asks, 2)
    assert book.bid_level_count == 10
    assert 45276.6 not in [row.price for row in book.bid_entries()]


def test_subscriptions_are_confirmed_when_every_symbol_is_acknowledged(source):
    import asyncio

    async def run():
        src, sink = source
        src._trading_pairs = ["BTC-USD", "ETH-USD"]
        src._connection_of.update({"BTC-USD": object(), "ETH-USD": object()})
        sent = []

        class WS:
            async def send(self, request):
                sent.append(request.payload)

        request_id = await src._subscribe_channels(WS(), ["BTC-USD", "ETH-USD"])
        book = next(p for p in sent if p["params"]["channel"] == "book")
        assert book["params"] == {"channel": "book", "symbol": ["BTC/USD", "ETH/USD"], "depth": 10,
                                  "snapshot": True}
        ack = {"method": "subscribe", "req_id": request_id, "success": True,
               "result": {"channel": "book", "depth": 10, "snapshot": True, "symbol": "BTC/USD"}}
        src._process_frame(ack, 0.0, None)
        assert ("subscribed", ["BTC-USD", "ETH-USD"]) not in sink.calls
        src._process_frame(dict(ack, result=dict(ack["result"], symbol="ETH/USD")), 0.0, None)
        assert sink.calls[-1][0] == "subscribed" and sorted(sink.calls[-1][1]) == ["BTC-USD", "ETH-USD"]
        # a refusal reports the error for the request's pairs
        request_id = await src._subscribe_channels(WS(), ["BTC-USD"])
        future = src._pending[request_id][0]
        src._process_frame({"method": "subscribe", "req_id": request_id, "success": False,
                            "error": "Currency pair not supported"}, 0.0, None)
        assert future.result() == "Currency pair not supported"

    asyncio.run(run())


def test_trades_feed_the_last_traded_price(source):
    src, sink = source
    src._process_frame({"channel": "trade", "type": "update", "data": [
        {"symbol": "BTC/USD", "side": "sell", "price": 45283.5, "qty": 0.01, "ord_type": "limit",
         "trade_id": 7, "timestamp": "2023-09-25T07:49:37.708706Z"}]}, 0.0, None)
    (_, trade), = sink.calls
    assert trade.trading_pair == "BTC-USD" and trade.price == 45283.5 and trade.trade_id == 7
    assert trade.timestamp == pytest.approx(1695628177.708706)
