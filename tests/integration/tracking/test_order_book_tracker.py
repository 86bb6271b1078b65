"""OrderBookTracker + BinanceAPIOrderBookDataSource against the simulated exchange (real sockets).

Every test ends by comparing each tracked book with the simulator's own
book level for level, after the market is paused and the last diffs are
flushed; the metrics must account for every gap.

The hostile part (from ``_ours`` on): broken frames written onto the live market
socket, snapshot endpoint faults, stop() in the middle of start-up, add / remove
racing on one pair, sockets closed again and again; each of those tests also
checks that no task of ours is left running after stop().
"""
import asyncio
import logging
from pathlib import Path

import aiohttp.web_protocol
import pytest
from support import until

import hummingbot_conn.sim
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.events import OrderBookEvent, OrderBookTradeEvent
from hummingbot_conn.exchanges.binance import (
    BinanceAPIOrderBookDataSource,
    BinanceEndpoints,
    BinanceOrderBook,
    binance_web_utils as web_utils,
)
from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.tracking import (
    OrderBookTracker,
    OrderBookTrackerDataSource,
    OrderBookTrackerEvent,
    SubscriptionError,
    UnknownTradingPairError,
)
from hummingbot_conn.web import ExponentialBackoff, WSJSONRequest

PAIRS = {"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT", "ETH-BTC": "ETHBTC"}
TRADERS = {"rate": 60.0, "volatility": 0.0005, "seed_levels": 15}
_SIM_DIR = Path(hummingbot_conn.sim.__file__).resolve().parent
_AIOHTTP_SERVER = Path(aiohttp.web_protocol.__file__).resolve()


def _data_source(sim, pairs, **kwargs):
    factory = web_utils.build_api_factory_without_time_synchronizer_pre_processor(
        web_utils.create_throttler(), ws_backoff=ExponentialBackoff(initial=0.05, maximum=0.2))
    endpoints = BinanceEndpoints.local(sim.rest_url.split("://", 1)[1])
    return BinanceAPIOrderBookDataSource(pairs, domain=endpoints, api_factory=factory, **kwargs), factory


def _levels(book):
    return ({row.price: row.amount for row in book.bid_entries()},
            {row.price: row.amount for row in book.ask_entries()})


def _sim_levels(sim, symbol):
    bids, asks = sim.book_levels(symbol)
    return ({float(p): float(q) for p, q in bids.items()}, {float(p): float(q) for p, q in asks.items()})


async def _settle_and_compare(sim, tracker, pairs, timeout=5.0):
    """Pause the market, flush, wait until every book caught up, then compare level for level."""
    sim.traders.pause()
    sim.streams.flush("100ms")
    for pair in pairs:
        symbol = PAIRS[pair]
        target = sim.engine.books[symbol].update_id
        book = tracker.order_books[pair]
        await until(lambda book=book, target=target: book.is_synced and book.last_diff_uid >= target, timeout,
                    interval=0.02, what=lambda pair=pair, book=book, target=target:
                    f"{pair} caught up to {target}: {book!r}, {tracker.metrics.pairs[pair]}")
        assert _levels(book) == _sim_levels(sim, symbol), pair


async def _run_market(sim, seconds):
    sim.traders.resume()
    await asyncio.sleep(seconds)


@pytest.fixture
async def sim():
    async with SimulatedExchange(seed=11, traders=TRADERS) as exchange:
        yield exchange


async def test_three_pairs_equal_the_exchange_level_for_level(sim):
    source, factory = _data_source(sim, list(PAIRS))
    tracker = OrderBookTracker(source, list(PAIRS))
    tracker.start()
    try:
        await tracker.wait_ready(timeout=5)
        assert tracker.ready and set(tracker.order_books) == set(PAIRS)
        assert all(isinstance(book, BinanceOrderBook) for book in tracker.order_books.values())
        trades = []
        tracker.order_books["BTC-USDT"].add_listener(OrderBookEvent.TradeEvent, trades.append)
        await _run_market(sim, 1.5)
        await _settle_and_compare(sim, tracker, PAIRS)
        total = tracker.metrics.total
        assert total.diffs_applied > 30 and total.trades > 0
        assert total.gaps == 0 and total.resyncs == 0          # nothing was lost on loopback
        assert source.connection_count == 1                     # one socket carries all three pairs
        assert total.latency.count == total.diffs_applied and total.latency.p50 >= 0.0
        assert tracker.order_books["BTC-USDT"].last_trade_price > 0
        assert trades and all(isinstance(t, OrderBookTradeEvent) and t.trading_pair == "BTC-USDT" for t in trades)
        assert tracker.order_books["BTC-USDT"].last_trade_price == trades[-1].price
        assert tracker.metrics.to_dict()["pairs"]["ETH-BTC"]["diffs_applied"] > 0
    finally:
        await tracker.stop()
        await factory.close()


async def test_faults_resync_only_the_affected_pair(sim):
    events = []
    source, factory = _data_source(sim, list(PAIRS))
    tracker = OrderBookTracker(source, list(PAIRS))
    tracker.add_listener(OrderBookTrackerEvent.BookOutOfSync, events.append)
    tracker.add_listener(OrderBookTrackerEvent.BookResynced, events.append)
    tracker.start()
    try:
        await tracker.wait_ready(timeout=5)
        await _run_market(sim, 0.3)
        # BTC: a dropped diff, and its resync first gets a stale snapshot; ETH-USDT: duplicates only
        sim.faults.add("stale_snapshot", symbol="BTCUSDT", count=1)
        await asyncio.sleep(0.3)
        sim.faults.add("drop_diff", symbol="BTCUSDT", count=1)
        sim.faults.add("duplicate_diff", symbol="ETHUSDT", count=3)
        await asyncio.sleep(1.0)
        # ETH-BTC: a diff held back and delivered after the next one
        sim.faults.add("reorder_diff", symbol="ETHBTC", count=1)
        await asyncio.sleep(1.0)
        await _settle_and_compare(sim, tracker, PAIRS)
        btc, eth, ethbtc = (tracker.metrics.pairs[p] for p in PAIRS)
        assert btc.gaps >= 1 and btc.resyncs >= 1 and btc.snapshots_stale >= 1
        assert eth.diffs_stale >= 1 and eth.gaps == 0 and eth.resyncs == 0
        assert ethbtc.gaps >= 1 and ethbtc.resyncs >= 1
        assert tracker.metrics.total.gaps >= tracker.metrics.total.resyncs >= 2
        reasons = {(e.trading_pair, e.reason) for e in events}
        assert ("BTC-USDT", "gap") in reasons and ("ETH-BTC", "gap") in reasons
        assert not any(e.trading_pair == "ETH-USDT" and e.reason != "initial" for e in events)
    finally:
        await tracker.stop()
        await factory.close()


async def test_server_closed_sockets_reconnect_and_resync(sim):
    source, factory = _data_source(sim, list(PAIRS), max_pairs_per_connection=2)
    tracker = OrderBookTracker(source, list(PAIRS))
    out_of_sync = []
    tracker.add_listener(OrderBookTrackerEvent.BookOutOfSync, out_of_sync.append)
    tracker.start()
    try:
        await tracker.wait_ready(timeout=5)
        assert source.connection_count == 2                     # 2 pairs per socket: 3 pairs need 2
        await _run_market(sim, 0.5)
        sim.faults.add("close_market_sockets")
        await asyncio.sleep(1.0)
        await _settle_and_compare(sim, tracker, PAIRS)
        assert source.reconnect_count >= 2
        for pair in PAIRS:
            metrics = tracker.metrics.pairs[pair]
            assert metrics.stream_interruptions >= 1 and metrics.resyncs >= 1, (pair, metrics)
        assert {e.trading_pair for e in out_of_sync if e.reason == "stream_interrupted"} == set(PAIRS)
    finally:
        await tracker.stop()
        await factory.close()


async def test_add_and_remove_a_pair_while_running(sim):
    source, factory = _data_source(sim, ["BTC-USDT", "ETH-USDT"])
    tracker = OrderBookTracker(source, ["BTC-USDT", "ETH-USDT"])
    tracker.start()
    try:
        await tracker.wait_ready(timeout=5)
        await _run_market(sim, 0.3)
        assert await tracker.add_trading_pair("ETH-BTC", timeout=5) is True
        assert await tracker.add_trading_pair("ETH-BTC") is False
        assert tracker.order_books["ETH-BTC"].is_synced
        applied_before = tracker.metrics.pairs["BTC-USDT"].diffs_applied
        assert await tracker.remove_trading_pair("ETH-USDT") is True
        assert await tracker.remove_trading_pair("ETH-USDT") is False
        assert "ETH-USDT" not in tracker.order_books and "ETH-USDT" not in tracker.metrics.pairs
        await asyncio.sleep(0.8)
        await _settle_and_compare(sim, tracker, ["BTC-USDT", "ETH-BTC"])
        btc = tracker.metrics.pairs["BTC-USDT"]
        assert btc.diffs_applied > applied_before and btc.resyncs == 0 and btc.gaps == 0
        assert tracker.metrics.pairs["ETH-BTC"].resyncs == 0
    finally:
        await tracker.stop()
        await factory.close()


async def test_unknown_pair_is_named_and_the_others_are_tracked(sim):
    source, factory = _data_source(sim, ["BTC-USDT", "DOGE-USDT"])
    tracker = OrderBookTracker(source, ["BTC-USDT", "DOGE-USDT"])
    tracker.start()
    try:
        await tracker.wait_ready(timeout=5)
        failed = tracker.failed_trading_pairs
        assert list(failed) == ["DOGE-USDT"] and isinstance(failed["DOGE-USDT"], UnknownTradingPairError)
        assert "DOGE-USDT" in str(failed["DOGE-USDT"])
        assert list(tracker.order_books) == ["BTC-USDT"] and tracker.order_books["BTC-USDT"].is_synced
        with pytest.raises(UnknownTradingPairError, match="NOPE-USDT"):
            await tracker.add_trading_pair("NOPE-USDT")
        await _run_market(sim, 0.3)
        await _settle_and_compare(sim, tracker, ["BTC-USDT"])
    finally:
        await tracker.stop()
        await factory.close()


async def test_symbol_map_from_the_connector_skips_exchange_info(sim):
    # a map that names a symbol the venue does not have: the venue refuses the
    # subscription, and the error names the pair
    source, factory = _data_source(sim, ["BTC-USDT", "XRP-USDT"],
                                   symbol_map={"BTCUSDT": "BTC-USDT", "XRPUSDT": "XRP-USDT"})
    tracker = OrderBookTracker(source, ["BTC-USDT"])
    tracker.start()
    try:
        await tracker.wait_ready(timeout=5)
        with pytest.raises(SubscriptionError, match="XRP-USDT"):
            await tracker.add_trading_pair("XRP-USDT")
        assert "XRP-USDT" not in tracker.order_books and tracker.order_books["BTC-USDT"].is_synced
        prices = await source.get_last_traded_prices(["BTC-USDT"])
        assert set(prices) == {"BTC-USDT"}
    finally:
        await tracker.stop()
        await factory.close()


def test_data_source_rejects_too_many_pairs_per_connection():
    with pytest.raises(ValueError, match="max_pairs_per_connection"):
        BinanceAPIOrderBookDataSource(["BTC-USDT"], max_pairs_per_connection=513)


class _NoUpdateIdSource(OrderBookTrackerDataSource):
    """A venue whose diffs carry no update ids (the simulator's stream with U/u stripped).

    It stamps a local sequence number per pair; a snapshot gets the number of
    the last diff received before it, so only diffs that arrive after the
    snapshot are applied, in arrival order (docs/contracts.md, Contract 1)."""

    def __init__(self, sim, pairs):
        super().__init__(pairs)
        self._sim = sim
        self._factory = web_utils.build_api_factory_without_time_synchronizer_pre_processor(
            web_utils.create_throttler())
        self._seq = dict.fromkeys(pairs, 0)
        self._pair_of = {symbol: pair for pair, symbol in PAIRS.items()}

    async def get_last_traded_prices(self, trading_pairs, domain=None):
        return {}

    async def _order_book_snapshot(self, trading_pair):
        rest = await self._factory.get_rest_assistant()
        doc = await rest.execute_request(f"{self._sim.rest_url}/api/v3/depth", "/depth:1000",
                                         params={"symbol": PAIRS[trading_pair], "limit": 1000})
        return OrderBookMessage(OrderBookMessageType.SNAPSHOT, {
            "trading_pair": trading_pair, "update_id": self._seq[trading_pair],
            "bids": doc["bids"], "asks": doc["asks"]})

    async def _connected_websocket_assistant(self):
        ws = await self._factory.get_ws_assistant()
        await ws.connect(f"{self._sim.ws_url}/ws")
        return ws

    async def _subscribe_channels(self, ws, trading_pairs):
        await ws.send(WSJSONRequest({"method": "SUBSCRIBE", "id": 1,
                                     "params": [f"{PAIRS[p].lower()}@depth@100ms" for p in trading_pairs]}))
        return None     # this venue confirms nothing

    def _channel_originating_message(self, event_message):
        return self.DIFF_CHANNEL if event_message.get("e") == "depthUpdate" else ""

    async def _parse_order_book_diff_message(self, raw_message, message_queue):
        pair = self._pair_of[raw_message["s"]]
        self._seq[pair] += 1
        message_queue.put_nowait(OrderBookMessage(OrderBookMessageType.DIFF, {
            "trading_pair": pair, "update_id": self._seq[pair], "bids": raw_message["b"], "asks": raw_message["a"]}))

    async def _parse_trade_message(self, raw_message, message_queue):
        raise AssertionError("no trade stream subscribed")

    async def close(self):
        await super().close()
        await self._factory.close()


async def test_venue_without_update_ids_applies_in_arrival_order_after_the_snapshot(sim):
    pairs = ["BTC-USDT", "ETH-BTC"]
    sim.traders.pause()             # a quiet market while the snapshots are taken
    source = _NoUpdateIdSource(sim, pairs)
    tracker = OrderBookTracker(source, pairs)
    tracker.start()
    try:
        await tracker.wait_ready(timeout=5)
        await _run_market(sim, 1.0)
        sim.traders.pause()
        sim.streams.flush("100ms")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        for pair in pairs:
            while _levels(tracker.order_books[pair]) != _sim_levels(sim, PAIRS[pair]):
                assert loop.time() < deadline, pair
                await asyncio.sleep(0.02)
            metrics = tracker.metrics.pairs[pair]
            assert metrics.diffs_applied > 5 and metrics.gaps == 0 and metrics.resyncs == 0
            assert tracker.order_books[pair].last_diff_uid == source._seq[pair]
    finally:
        await tracker.stop()


# ---- under hostile conditions --------------------------------------------------------------
def _ours(tasks):
    """Tasks the library started (the simulator's own request handlers run in the same loop).

    A task's origin is compared by resolved path prefix with the simulator's folder and
    aiohttp's server module, never by substring (a checkout's own path may hold any name).
    """
    def origin(task):
        return Path(getattr(getattr(task.get_coro(), "cr_code", None), "co_filename", "") or ".").resolve()
    return [t for t in tasks if not t.done()
            and not origin(t).is_relative_to(_SIM_DIR) and origin(t) != _AIOHTTP_SERVER]


@pytest.fixture
async def tracked(sim):
    before = asyncio.all_tasks()
    made = []

    def make(pairs=tuple(PAIRS), **kwargs):
        source, factory = _data_source(sim, list(pairs), **kwargs)
        tracker = OrderBookTracker(source, list(pairs))
        made.append((tracker, factory))
        return source, tracker
    yield make
    for tracker, factory in made:
        await asyncio.wait_for(tracker.stop(), 5)
        await factory.close()
    await asyncio.sleep(0.05)
    assert _ours(asyncio.all_tasks() - before - {asyncio.current_task()}) == []


def _inject(sim, text):
    """Write a raw text frame onto every market socket the simulator serves."""
    for conn in list(sim.streams.connections):
        conn.outbox.put(text)


BROKEN_FRAMES = [
    "not json", "{", "[]", "null", "5", '"x"',                                       # not JSON objects
    '{"e":"depthUpdate"}',                                                          # fields missing
    '{"e":"depthUpdate","s":"BTCUSDT","U":1.5,"u":2,"b":[],"a":[]}',                # a float id
    '{"e":"depthUpdate","s":["x"],"U":1,"u":2,"b":[],"a":[]}',                      # unhashable symbol
    '{"e":"trade","s":"BTCUSDT","T":"x","m":true,"p":"1","q":"1","t":1}',           # trade time a string
    '{"e":"trade","s":"BTCUSDT","T":1,"m":true,"p":"nan","q":"1","t":1}',           # NaN price
    '{"e":"trade","s":"BTCUSDT"}',
    '{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":99999999999999999999999,"b":[],"a":[]}',   # u decodes as a float
]
REFUSED_DIFFS = [   # well-formed JSON the book refuses: a live diff is refused, nothing else changes
    '{"e":"depthUpdate","s":"BTCUSDT","U":5000000,"u":1,"b":[],"a":[]}',               # U > u
    '{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":9223372036854775808,"b":[],"a":[]}',   # beyond int64
]
UNKNOWN = ['{"e":"depthUpdate","s":"NOPEUSDT","U":1,"u":2,"b":[],"a":[]}',
           '{"e":"trade","s":"NOPEUSDT","T":1,"m":true,"p":"1","q":"1","t":1}']


async def test_broken_frames_on_the_live_socket_are_counted_and_lose_nothing(sim, tracked, caplog):
    caplog.set_level(logging.CRITICAL)
    source, tracker = tracked()
    tracker.start()
    await tracker.wait_ready(timeout=5)
    await _run_market(sim, 0.3)
    sim.traders.pause()
    sim.streams.flush("100ms")
    await asyncio.sleep(0.1)
    before = tracker.metrics.to_dict()
    for text in BROKEN_FRAMES + REFUSED_DIFFS + UNKNOWN:
        _inject(sim, text)
    await asyncio.sleep(0.3)
    assert tracker.metrics.parse_errors - before["parse_errors"] == len(BROKEN_FRAMES)
    assert tracker.metrics.unknown_pair_messages - before["unknown_pair_messages"] == len(UNKNOWN)
    btc = tracker.metrics.pairs["BTC-USDT"]
    assert btc.diffs_refused == len(REFUSED_DIFFS) and btc.resyncs == 0
    await _run_market(sim, 0.5)
    await _settle_and_compare(sim, tracker, PAIRS)      # the refused diffs cost at most one resync
    for pair in ("ETH-USDT", "ETH-BTC"):
        assert tracker.metrics.pairs[pair].resyncs == 0 and tracker.metrics.pairs[pair].diffs_refused == 0


async def test_snapshot_errors_rate_limits_and_delays_are_retried(sim, tracked, caplog):
    caplog.set_level(logging.CRITICAL)
    sim.faults.add("http_error", endpoint="/api/v3/depth", count=2, status=503)
    sim.faults.add("http_429", endpoint="/api/v3/depth", count=1)
    sim.faults.add("delay_response", endpoint="/api/v3/depth", count=1, delay=0.5)
    source, tracker = tracked()
    tracker.start()
    await tracker.wait_ready(timeout=15)
    assert tracker.metrics.total.snapshot_errors >= 1
    await _run_market(sim, 0.3)
    await _settle_and_compare(sim, tracker, PAIRS)


async def test_stop_during_start_up_and_restart(sim, tracked):
    sim.faults.add("delay_response", endpoint="/api/v3/depth", count=None, delay=1.0)
    source, tracker = tracked()
    tracker.start()
    await asyncio.sleep(0.3)                  # subscribed, snapshots on their way
    await asyncio.wait_for(tracker.stop(), 2)
    assert source.connection_count == 0 and not tracker.ready
    for delay in (0.0, 0.01, 0.05):
        tracker.start()
        await asyncio.sleep(delay)
        await asyncio.wait_for(tracker.stop(), 2)
        assert source.connection_count == 0
    sim.faults.clear()
    tracker.start()
    await tracker.wait_ready(timeout=5)
    await _settle_and_compare(sim, tracker, PAIRS)


async def test_add_and_remove_of_one_pair_racing(sim, tracked):
    source, tracker = tracked()
    tracker.start()
    await tracker.wait_ready(timeout=5)
    await _run_market(sim, 0.2)
    # a remove and an add at once: the add runs after the remove, the pair ends tracked and streaming
    assert await asyncio.gather(tracker.remove_trading_pair("ETH-BTC"),
                                tracker.add_trading_pair("ETH-BTC", timeout=5)) == [True, True]
    # an add, then a remove while the add waits for the sync: the add is told the pair went
    assert await tracker.remove_trading_pair("ETH-USDT") is True
    adding = asyncio.ensure_future(tracker.add_trading_pair("ETH-USDT", timeout=5))
    await asyncio.sleep(0)
    removing = asyncio.ensure_future(tracker.remove_trading_pair("ETH-USDT"))
    with pytest.raises(RuntimeError, match="ETH-USDT is no longer tracked"):
        await adding
    assert await removing is True
    # two adds at once: one does it
    await tracker.remove_trading_pair("BTC-USDT")
    assert sorted(await asyncio.gather(tracker.add_trading_pair("BTC-USDT", timeout=5),
                                       tracker.add_trading_pair("BTC-USDT", timeout=5))) == [False, True]
    assert sorted(tracker.trading_pairs) == ["BTC-USDT", "ETH-BTC"]
    assert sorted(source._connection_of) == ["BTC-USDT", "ETH-BTC"]     # subscribed == tracked
    await _run_market(sim, 0.3)
    await _settle_and_compare(sim, tracker, ["BTC-USDT", "ETH-BTC"])


async def test_sockets_closed_again_and_again(sim, tracked, caplog):
    caplog.set_level(logging.CRITICAL)
    source, tracker = tracked(max_pairs_per_connection=2)
    tracker.start()
    await tracker.wait_ready(timeout=5)
    sim.traders.resume()
    for i in range(12):
        sim.faults.add("close_market_sockets")
        await asyncio.sleep(0.02 * (i % 4))
    await asyncio.sleep(1.0)
    await _settle_and_compare(sim, tracker, PAIRS)
    assert source.connection_count == 2
    for pair in PAIRS:
        metrics = tracker.metrics.pairs[pair]
        assert metrics.stream_interruptions >= 1 and metrics.resyncs >= 1 and metrics.buffer_overflows == 0
