"""OrderBookTracker under hostile conditions, over real sockets to the simulated exchange.

Broken frames written onto the live market socket, snapshot endpoint faults,
stop() in the middle of start-up, add / remove racing on one pair, sockets
closed again and again.  Each test ends with every tracked book equal to the
simulator's, level for level, and no task of ours left running after stop().
"""
import asyncio
import logging

import pytest

from hummingbot_conn.exchanges.binance import (
    BinanceAPIOrderBookDataSource,
    BinanceEndpoints,
    binance_web_utils as web_utils,
)
from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.tracking import OrderBookTracker
from hummingbot_conn.web import ExponentialBackoff

# the same market as test_order_book_tracker.py (test modules do not import each other)
PAIRS = {"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT", "ETH-BTC": "ETHBTC"}
TRADERS = {"rate": 60.0, "volatility": 0.0005, "seed_levels": 15}


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
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for pair in pairs:
        symbol = PAIRS[pair]
        target = sim.engine.books[symbol].update_id
        book = tracker.order_books[pair]
        while not (book.is_synced and book.last_diff_uid >= target):
            assert loop.time() < deadline, (pair, book, target, tracker.metrics.pairs[pair])
            await asyncio.sleep(0.02)
        assert _levels(book) == _sim_levels(sim, symbol), pair


async def _run_market(sim, seconds):
    sim.traders.resume()
    await asyncio.sleep(seconds)


@pytest.fixture
async def sim():
    async with SimulatedExchange(seed=11, traders=TRADERS) as exchange:
        yield exchange


def _ours(tasks):
    """Tasks the library started (the simulator's own request handlers run in the same loop)."""
    def origin(task):
        return getattr(getattr(task.get_coro(), "cr_code", None), "co_filename", "")
    return [t for t in tasks if not t.done()
            and "hummingbot_conn/sim/" not in origin(t) and "aiohttp/web_protocol" not in origin(t)]


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
