"""USDⓈ-M books through ``OrderBookTracker`` from the simulator: the pu rule, funding info, trades.

The venue's depth ids are not contiguous (the simulator advances them by a
stride), so a book stays synced only if diffs are chained on ``pu``.
"""
import asyncio
from decimal import Decimal

import pytest
from support import until

from hummingbot_conn.connector.funding_info import FundingInfoUpdate
from hummingbot_conn.events import OrderBookEvent
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_api_order_book_data_source import (
    BinancePerpetualAPIOrderBookDataSource,
)
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import BinancePerpetualEndpoints
from hummingbot_conn.sim.futures import SimulatedFuturesExchange
from hummingbot_conn.tracking import OrderBookTracker, OrderBookTrackerEvent

PAIRS = ["BTC-USDT", "ETH-USDT"]


def levels(book):
    return ({Decimal(str(r.price)): Decimal(str(r.amount)) for r in book.bid_entries()},
            {Decimal(str(r.price)): Decimal(str(r.amount)) for r in book.ask_entries()})


@pytest.fixture
async def tracked():
    async with SimulatedFuturesExchange(stream_interval=0.02) as sim:
        for i in range(3):
            sim.place_liquidity("BTCUSDT", "BUY", str(59000 + i), "0.1")
            sim.place_liquidity("ETHUSDT", "SELL", str(3100 + i), "1")
        source = BinancePerpetualAPIOrderBookDataSource(
            PAIRS, domain=BinancePerpetualEndpoints.local(f"{sim.host}:{sim.port}"),
            symbol_map={"BTCUSDT": "BTC-USDT", "ETHUSDT": "ETH-USDT"})
        tracker = OrderBookTracker(source, PAIRS)
        tracker.start()
        try:
            await tracker.wait_ready(10)
            yield sim, source, tracker
        finally:
            await tracker.stop()
            await source.close()


async def test_a_pu_gap_resyncs_only_that_pair(tracked):
    sim, source, tracker = tracked
    synced = [lambda p=p, s=s: levels(tracker.order_books[p]) == sim.book_levels(s)
              for p, s in (("BTC-USDT", "BTCUSDT"), ("ETH-USDT", "ETHUSDT"))]
    await until(lambda: all(f() for f in synced))
    lost, resynced = [], []
    tracker.add_listener(OrderBookTrackerEvent.BookOutOfSync, lost.append)
    tracker.add_listener(OrderBookTrackerEvent.BookResynced, resynced.append)
    sim.faults.add("drop_diff", symbol="BTCUSDT")
    sim.place_liquidity("BTCUSDT", "BUY", "58000", "0.3")         # its diff is lost
    await asyncio.sleep(0.1)
    sim.place_liquidity("BTCUSDT", "SELL", "61000", "0.2")        # the next diff's pu shows the gap
    sim.place_liquidity("ETHUSDT", "BUY", "2900", "2")
    await until(lambda: resynced and all(f() for f in synced))
    assert [(e.trading_pair, e.reason) for e in lost] == [("BTC-USDT", "gap")]
    assert [e.trading_pair for e in resynced] == ["BTC-USDT"]
    assert tracker.is_synced("ETH-USDT") and tracker.metrics.pairs["ETH-USDT"].gaps == 0


async def test_duplicated_and_reordered_diffs_never_corrupt_a_book(tracked):
    sim, source, tracker = tracked
    sim.faults.add("duplicate_diff", symbol="ETHUSDT")
    sim.place_liquidity("ETHUSDT", "SELL", "3200", "1")
    await asyncio.sleep(0.1)
    sim.faults.add("reorder_diff", symbol="ETHUSDT")
    sim.place_liquidity("ETHUSDT", "SELL", "3300", "1")
    await asyncio.sleep(0.1)
    sim.place_liquidity("ETHUSDT", "BUY", "2800", "1")
    await until(lambda: tracker.is_synced("ETH-USDT")
                and levels(tracker.order_books["ETH-USDT"]) == sim.book_levels("ETHUSDT"))


async def test_funding_info_and_trades_from_the_market_stream(tracked):
    sim, source, tracker = tracked
    info = await source.get_funding_info("BTC-USDT")
    assert (info.mark_price, info.index_price, info.rate) == (Decimal("60000"), Decimal("60000"), Decimal("0.0001"))
    assert info.next_funding_utc_timestamp == sim.engine.next_funding["BTCUSDT"] // 1000
    trades = []
    tracker.order_books["BTC-USDT"].add_listener(OrderBookEvent.TradeEvent, trades.append)
    updates: asyncio.Queue = asyncio.Queue()
    listener = asyncio.ensure_future(source.listen_for_funding_info(updates))
    try:
        sim.set_mark_price("BTCUSDT", "60500", index="60400")
        sim.set_funding_rate("BTCUSDT", "-0.0003")
        update = await asyncio.wait_for(updates.get(), 10)
        while update.trading_pair != "BTC-USDT" or update.mark_price != Decimal("60500"):
            update = await asyncio.wait_for(updates.get(), 10)
        assert update == FundingInfoUpdate("BTC-USDT", Decimal("60400"), Decimal("60500"),
                                           sim.engine.next_funding["BTCUSDT"] // 1000, Decimal("-0.0003"))
        await asyncio.sleep(0.1)      # the market subscription is live
        key, _ = sim.create_account("100000")
        sim.engine.place_order(sim.account(key), "BTCUSDT", "SELL", "MARKET", quantity=Decimal("0.1"))
        await until(lambda: trades)
        assert (trades[0].price, trades[0].amount) == (59002.0, 0.1)
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
