"""EventLogger on a ClientOrderTracker: one chronological, bounded log (W-11)."""
import asyncio
from decimal import Decimal

import pytest

from hummingbot_conn.core.common_types import OrderType, TradeType
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee
from hummingbot_conn.event_logger import EventLogger
from hummingbot_conn.events import BuyOrderCompletedEvent, MarketEvent, OrderFilledEvent
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker

PAIR = "BTC-USDT"


def _fill(trade_id, base):
    base = Decimal(base)
    return TradeUpdate(trade_id, "c1", "e1", PAIR, 1.0, Decimal(10), base, base * 10, AddedToCostTradeFee())


def _tracker():
    tracker = ClientOrderTracker(clock=lambda: 7.0)
    tracker.start_tracking_order(InFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, Decimal(1), 1.0,
                                               Decimal(10)))
    return tracker


def test_log_is_chronological_across_event_types():
    tracker = _tracker()
    log = EventLogger().subscribe(tracker, list(MarketEvent))
    tracker.process_order_update(OrderUpdate(PAIR, 1.0, OrderState.OPEN, "c1", "e1"))
    tracker.process_trade_update(_fill("a", "0.5"))
    tracker.process_trade_update(_fill("b", "0.5"))
    assert [type(e).__name__ for e in log.event_log] == [
        "BuyOrderCreatedEvent", "OrderFilledEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]
    log.clear()
    assert log.event_log == []


def test_log_is_bounded_fills_included():
    log = EventLogger(max_events=2)
    for i in range(5):
        log(i)
    assert log.event_log == [3, 4]
    with pytest.raises(ValueError):
        EventLogger(max_events=0)


async def test_wait_for_the_next_event_of_a_type():
    tracker = _tracker()
    log = EventLogger().subscribe(tracker, list(MarketEvent))
    waiter = asyncio.ensure_future(log.wait_for(BuyOrderCompletedEvent, timeout_seconds=5))
    await asyncio.sleep(0)
    tracker.process_trade_update(_fill("a", "0.5"))
    await asyncio.sleep(0)
    assert not waiter.done()
    tracker.process_trade_update(_fill("b", "0.5"))
    completed = await waiter
    assert completed.base_asset_amount == Decimal(1)
    with pytest.raises(asyncio.TimeoutError):
        await log.wait_for(OrderFilledEvent, timeout_seconds=0.001)
