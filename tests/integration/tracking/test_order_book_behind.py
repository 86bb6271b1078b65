"""A book behind its stream, over real sockets (docs/contracts.md, Contract 1): a book the venue's ids
leave behind is resynced, alone.

The faults (``hummingbot_conn/sim/kernel/faults.py``): ``future_diff_id`` (a diff that
chains to the book but claims a far-future final id), ``future_snapshot`` (a
depth snapshot with a far-future ``lastUpdateId``) and ``restart_ids`` (the
venue restarts its ids from 0, on the live stream or with its sockets
dropped).  Before the fix each of them froze a book that went on reporting
synced.  After each one the book must equal the exchange's level for level,
an out-of-sync event must have fired for that pair, and no other pair may
have resynced.  Spot (``U``/``u``), USDⓈ-M futures (``pu`` chains) and a venue
without update ids whose source numbers each subscription's diffs from 1.
"""
import asyncio
import logging
from decimal import Decimal

import pytest
from support import until

from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.exchanges.binance import BinanceAPIOrderBookDataSource, BinanceEndpoints, binance_web_utils
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_api_order_book_data_source import (
    BinancePerpetualAPIOrderBookDataSource,
)
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import BinancePerpetualEndpoints
from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.sim.futures import SimulatedFuturesExchange
from hummingbot_conn.tracking import OrderBookTracker, OrderBookTrackerDataSource, OrderBookTrackerEvent
from hummingbot_conn.web import ExponentialBackoff, WSJSONRequest

SPOT = {"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT"}
FUTURES = {"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT"}
TRADERS = {"rate": 60.0, "volatility": 0.0005, "seed_levels": 15}
UP_FOR_LONG = 5_000_000     # a venue's ids after a long uptime: far above where a restart starts again


def _long_uptime(sim):
    """The venue has been up for long: its ids are far from 0 (where a restart starts them again)."""
    for book in sim.engine.books.values():
        book.update_id += UP_FOR_LONG


def _levels(book):
    return ({Decimal(repr(r.price)): Decimal(repr(r.amount)) for r in book.bid_entries()},
            {Decimal(repr(r.price)): Decimal(repr(r.amount)) for r in book.ask_entries()})


def _exchange_levels(sim, symbol):
    bids, asks = sim.book_levels(symbol)
    return ({Decimal(repr(float(p))): Decimal(repr(float(q))) for p, q in bids.items()},
            {Decimal(repr(float(p))): Decimal(repr(float(q))) for p, q in asks.items()})


class _Watch:
    """A tracker's out-of-sync / resynced events."""

    def __init__(self, tracker):
        self.events = []
        tracker.add_listener(OrderBookTrackerEvent.BookOutOfSync, self._lost)
        tracker.add_listener(OrderBookTrackerEvent.BookResynced, self._back)

    def _lost(self, event):
        self.events.append(("lost", event.trading_pair, event.reason))

    def _back(self, event):
        self.events.append(("back", event.trading_pair, event.reason))

    def of(self, pair):
        """The pair's events after its first sync."""
        return [(kind, reason) for kind, p, reason in self.events if p == pair and reason != "initial"]


async def _equal_to_the_exchange(sim, tracker, pairs, flush):
    """Quiet the market, push the last diffs, wait until every book is synced and equal."""
    flush()
    for pair, symbol in pairs.items():
        book = tracker.order_books[pair]

        def equal(pair=pair, symbol=symbol, book=book):
            return (tracker.is_synced(pair) and book.is_synced
                    and _levels(book) == _exchange_levels(sim, symbol))
        await until(equal, what=lambda pair=pair, book=book:
                    f"{pair} equal to the exchange: {book!r}, {tracker.metrics.pairs[pair]}")


def _only_this_pair_resynced(tracker, watch, pair, others):
    assert ("lost", pair) in {(k, p) for k, p, _ in watch.events}, watch.events
    assert tracker.metrics.pairs[pair].resyncs >= 1
    for other in others:
        assert watch.of(other) == [], (other, watch.events)
        assert tracker.metrics.pairs[other].resyncs == 0


# ---------------------------------------------------------------- spot (U/u)
@pytest.fixture
async def spot():
    async with SimulatedExchange(seed=16, traders=TRADERS) as sim:
        _long_uptime(sim)
        factory = binance_web_utils.build_api_factory_without_time_synchronizer_pre_processor(
            binance_web_utils.create_throttler(), ws_backoff=ExponentialBackoff(initial=0.05, maximum=0.2))
        source = BinanceAPIOrderBookDataSource(
            list(SPOT), domain=BinanceEndpoints.local(sim.rest_url.split("://", 1)[1]), api_factory=factory,
            max_pairs_per_connection=1)         # a socket per pair: a dropped one touches one pair
        tracker = OrderBookTracker(source, list(SPOT), snapshot_interval=None)
        watch = _Watch(tracker)
        try:
            yield sim, tracker, watch
        finally:
            await tracker.stop()
            await factory.close()


def _spot_flush(sim):
    def flush():
        sim.traders.pause()
        sim.streams.flush("100ms")
    return flush


@pytest.mark.parametrize("fault", ["future_diff_id", "restart_ids", "restart_ids+close_market_sockets"])
async def test_spot_book_left_behind_by_the_venue_ids_is_resynced_alone(spot, fault, caplog):
    caplog.set_level(logging.ERROR)
    sim, tracker, watch = spot
    tracker.start()
    await tracker.wait_ready(timeout=10)
    await asyncio.sleep(0.3)
    watch.events.clear()
    for kind in fault.split("+"):
        sim.faults.add(kind, symbol="BTCUSDT")
    await asyncio.sleep(1.5)            # the market goes on: on the old code these changes never showed
    await _equal_to_the_exchange(sim, tracker, SPOT, _spot_flush(sim))
    _only_this_pair_resynced(tracker, watch, "BTC-USDT", ["ETH-USDT"])
    metrics = tracker.metrics.pairs["BTC-USDT"]
    if fault == "future_diff_id":
        assert watch.of("BTC-USDT")[0] == ("lost", "ids_backwards") and metrics.resyncs_ids_backwards >= 1
    elif fault == "restart_ids":
        assert watch.of("BTC-USDT")[0] == ("lost", "ids_backwards")
        assert tracker.order_books["BTC-USDT"].last_diff_uid < UP_FOR_LONG      # the restarted ids
    else:       # the sockets dropped with the restart: the resync outlived the book's last id
        assert watch.of("BTC-USDT")[0] == ("lost", "stream_interrupted") and metrics.ids_backwards >= 1


async def test_spot_far_future_snapshot_is_replaced(spot, caplog):
    caplog.set_level(logging.ERROR)
    sim, tracker, watch = spot
    sim.faults.add("future_snapshot", symbol="BTCUSDT")     # the first sync takes it
    tracker.start()
    await tracker.wait_ready(timeout=10)
    await until(lambda: ("lost", "stale_diffs") in watch.of("BTC-USDT"), what="the stale run to show")
    await asyncio.sleep(0.5)
    await _equal_to_the_exchange(sim, tracker, SPOT, _spot_flush(sim))
    assert tracker.metrics.pairs["BTC-USDT"].resyncs_stale_diffs >= 1
    assert tracker.order_books["BTC-USDT"].snapshot_uid < 10**12
    _only_this_pair_resynced(tracker, watch, "BTC-USDT", ["ETH-USDT"])


# ---------------------------------------------------------------- futures (pu)
@pytest.fixture
async def futures():
    async with SimulatedFuturesExchange(stream_interval=0.02) as sim:
        _long_uptime(sim)
        for i in range(3):
            sim.place_liquidity("BTCUSDT", "BUY", str(59000 + i), "0.1")
            sim.place_liquidity("ETHUSDT", "SELL", str(3100 + i), "1")
        source = BinancePerpetualAPIOrderBookDataSource(
            list(FUTURES), domain=BinancePerpetualEndpoints.local(f"{sim.host}:{sim.port}"),
            symbol_map={symbol: pair for pair, symbol in FUTURES.items()}, max_pairs_per_connection=1)
        tracker = OrderBookTracker(source, list(FUTURES), snapshot_interval=None)
        watch = _Watch(tracker)
        market = asyncio.ensure_future(_futures_market(sim))
        try:
            yield sim, tracker, watch
        finally:
            market.cancel()
            await asyncio.gather(market, return_exceptions=True)
            await tracker.stop()
            await source.close()


async def _futures_market(sim):
    """Both books change every few flushes (a resting order added at a new price each time)."""
    step = 0
    while True:
        await asyncio.sleep(0.05)
        step += 1
        sim.place_liquidity("BTCUSDT", "BUY", str(58000 - step), "0.1")
        sim.place_liquidity("ETHUSDT", "SELL", str(3200 + step), "1")


@pytest.mark.parametrize("fault", ["future_diff_id", "restart_ids", "restart_ids+close_market_sockets"])
async def test_futures_book_left_behind_by_the_venue_ids_is_resynced_alone(futures, fault, caplog):
    caplog.set_level(logging.ERROR)
    sim, tracker, watch = futures
    tracker.start()
    await tracker.wait_ready(timeout=10)
    await asyncio.sleep(0.3)
    watch.events.clear()
    for kind in fault.split("+"):
        sim.faults.add(kind, symbol="BTCUSDT")
    await asyncio.sleep(1.5)
    await _equal_to_the_exchange(sim, tracker, FUTURES, sim.tick)
    _only_this_pair_resynced(tracker, watch, "BTC-USDT", ["ETH-USDT"])
    reason = "stream_interrupted" if "close" in fault else "ids_backwards"
    assert watch.of("BTC-USDT")[0] == ("lost", reason)


async def test_futures_far_future_snapshot_is_replaced(futures, caplog):
    caplog.set_level(logging.ERROR)
    sim, tracker, watch = futures
    sim.faults.add("future_snapshot", symbol="BTCUSDT")
    tracker.start()
    await tracker.wait_ready(timeout=10)
    await until(lambda: ("lost", "stale_diffs") in watch.of("BTC-USDT"), what="the stale run to show")
    await asyncio.sleep(0.3)
    await _equal_to_the_exchange(sim, tracker, FUTURES, sim.tick)
    assert tracker.order_books["BTC-USDT"].snapshot_uid < 10**12
    _only_this_pair_resynced(tracker, watch, "BTC-USDT", ["ETH-USDT"])


# ---------------------------------------------------------------- no update ids (a local number)
class _PerSubscriptionNumbers(OrderBookTrackerDataSource):
    """A venue without update ids whose source numbers each subscription's diffs from 1 (a number
    per connection, as venues with per-connection sequence numbers give); a snapshot gets the
    number of the last diff received before it (docs/contracts.md, Contract 1)."""

    DIFF_INTERVAL = 0.1

    def __init__(self, sim, pairs):
        super().__init__(pairs, max_pairs_per_connection=1)
        self._sim = sim
        self._factory = binance_web_utils.build_api_factory_without_time_synchronizer_pre_processor(
            binance_web_utils.create_throttler(), ws_backoff=ExponentialBackoff(initial=0.05, maximum=0.2))
        self._seq = dict.fromkeys(pairs, 0)
        self._pair_of = {symbol: pair for pair, symbol in SPOT.items()}

    async def get_last_traded_prices(self, trading_pairs, domain=None):
        return {}

    async def _order_book_snapshot(self, trading_pair):
        rest = await self._factory.get_rest_assistant()
        doc = await rest.execute_request(f"{self._sim.rest_url}/api/v3/depth", "/depth:1000",
                                         params={"symbol": SPOT[trading_pair], "limit": 1000})
        return OrderBookMessage(OrderBookMessageType.SNAPSHOT, {
            "trading_pair": trading_pair, "update_id": self._seq[trading_pair],
            "bids": doc["bids"], "asks": doc["asks"]})

    async def _connected_websocket_assistant(self):
        ws = await self._factory.get_ws_assistant()
        await ws.connect(f"{self._sim.ws_url}/ws")
        return ws

    async def _subscribe_channels(self, ws, trading_pairs):
        for pair in trading_pairs:
            self._seq[pair] = 0         # a new subscription numbers its messages from 1 again
        await ws.send(WSJSONRequest({"method": "SUBSCRIBE", "id": 1,
                                     "params": [f"{SPOT[p].lower()}@depth@100ms" for p in trading_pairs]}))
        return None

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


async def test_local_numbers_that_restart_with_the_connection_resync_the_pair(caplog):
    caplog.set_level(logging.ERROR)
    async with SimulatedExchange(seed=17, traders=TRADERS) as sim:
        sim.traders.pause()             # quiet while the snapshots are taken (local numbers order nothing else)
        source = _PerSubscriptionNumbers(sim, list(SPOT))
        tracker = OrderBookTracker(source, list(SPOT), snapshot_interval=None)
        watch = _Watch(tracker)
        tracker.start()
        try:
            await tracker.wait_ready(timeout=10)
            sim.traders.resume()
            await asyncio.sleep(1.0)    # the numbers run well ahead of what a new subscription starts from
            watch.events.clear()
            sim.traders.pause()
            sim.streams.flush("100ms")
            book = tracker.order_books["BTC-USDT"]
            await until(lambda: book.last_diff_uid == source._seq["BTC-USDT"], what="BTC-USDT to catch up")
            sim.faults.add("close_market_sockets", symbol="BTCUSDT")
            await until(lambda: watch.of("BTC-USDT"), what="the drop to show")
            await until(lambda: tracker.is_synced("BTC-USDT"), 15, what="BTC-USDT to resync")
            sim.traders.resume()
            await asyncio.sleep(0.5)
            await _equal_to_the_exchange(sim, tracker, SPOT, _spot_flush(sim))
            _only_this_pair_resynced(tracker, watch, "BTC-USDT", ["ETH-USDT"])
            assert tracker.metrics.pairs["BTC-USDT"].ids_backwards >= 1
        finally:
            await tracker.stop()
