"""The reports a ClientOrderTracker does not apply are counted by kind and logged at the level they deserve:
stale news (an expected race) and untracked or duplicate reports at DEBUG, contradictions as a
WARNING.  Every kind of unapplied report, for an active, a finished (cached) and a lost order."""
import logging
from decimal import Decimal

import pytest

from hummingbot_conn.core.common_types import OrderType, TradeType
from hummingbot_conn.core.in_flight_order import TERMINAL_STATES, InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee
from hummingbot_conn.tracking import ClientOrderTracker, ClientOrderTrackerMetrics

PAIR = "BTC-USDT"
D = Decimal
NON_TERMINAL = [s for s in OrderState if s not in TERMINAL_STATES]


def status(state, cid="c1", eid="e1"):
    return OrderUpdate(PAIR, 2.0, state, cid, eid)


def fill(trade_id, base, cid="c1", eid="e1"):
    return TradeUpdate(trade_id, cid, eid, PAIR, 3.0, D("100"), D(base), D(base) * 100, AddedToCostTradeFee())


def tracker_with_order(amount="1"):
    tracker = ClientOrderTracker(clock=lambda: 1000.0)
    tracker.start_tracking_order(InFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, D(amount), 1.0,
                                               D("100"), exchange_order_id="e1"))
    tracker.process_order_update(status(OrderState.OPEN))
    return tracker


def loud(caplog):
    return [r.getMessage() for r in caplog.records
            if r.name.startswith("hummingbot_conn") and r.levelno >= logging.INFO]


def test_late_statuses_of_a_filled_order_are_stale_counted_and_quiet(caplog):
    tracker = tracker_with_order()
    assert tracker.process_trade_update(fill("t1", "0.4"))
    assert tracker.process_trade_update(fill("t2", "0.6"))       # FILLED, now in the cache
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="hummingbot_conn")
    for _ in range(250):                    # the burst a day of polling produces
        for state in NON_TERMINAL:
            assert tracker.process_order_update(status(state)) is False
        assert tracker.process_trade_update(fill("t1", "0.4")) is False
    assert tracker.metrics == ClientOrderTrackerMetrics(stale_reports=250 * len(NON_TERMINAL), duplicate_fills=250)
    assert loud(caplog) == []
    assert sum("refused FILLED -> OPEN" in r.getMessage() for r in caplog.records) == 250


@pytest.mark.parametrize("late", [OrderState.OPEN, OrderState.PENDING_CREATE])
def test_a_late_status_of_an_active_order_is_stale(late, caplog):
    tracker = tracker_with_order(amount="1")
    assert tracker.process_trade_update(fill("t1", "0.4"))      # PARTIALLY_FILLED
    caplog.set_level(logging.DEBUG, logger="hummingbot_conn")
    assert tracker.process_order_update(status(late)) is False
    assert tracker.metrics.stale_reports == 1 and loud(caplog) == []
    assert tracker.fetch_tracked_order("c1").current_state is OrderState.PARTIALLY_FILLED


def test_contradictions_are_refused_counted_and_warned(caplog):
    tracker = tracker_with_order(amount="1")
    assert tracker.process_trade_update(fill("t1", "1"))         # FILLED
    caplog.set_level(logging.DEBUG, logger="hummingbot_conn")
    assert tracker.process_order_update(status(OrderState.CANCELED)) is False      # a final status against FILLED
    assert tracker.process_trade_update(fill("t2", "0.1")) is False                # an over-fill
    assert tracker.metrics == ClientOrderTrackerMetrics(refused_reports=2)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("refused FILLED -> CANCELED" in m for m in warnings)
    assert any("over-fill" in m for m in warnings)


async def test_reports_for_unknown_orders_are_untracked_and_quiet(caplog):
    tracker = tracker_with_order()
    caplog.set_level(logging.DEBUG, logger="hummingbot_conn")
    assert tracker.process_order_update(status(OrderState.OPEN, cid="x", eid="ex")) is False
    assert tracker.process_trade_update(fill("t9", "0.1", cid="x", eid="ex")) is False
    await tracker.process_order_not_found("x")
    assert tracker.metrics == ClientOrderTrackerMetrics(untracked_reports=3)
    assert loud(caplog) == []


async def test_a_lost_order_counts_its_stale_reports_too(caplog):
    tracker = ClientOrderTracker(clock=lambda: 1000.0, lost_order_count_limit=0)
    tracker.start_tracking_order(InFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, D("1"), 1.0, D("100"),
                                               exchange_order_id="e1"))
    await tracker.process_order_not_found("c1")                 # lost: presumed FAILED
    assert tracker.fetch_lost_order("c1") is not None
    caplog.set_level(logging.DEBUG, logger="hummingbot_conn")
    assert tracker.process_order_update(status(OrderState.PENDING_CREATE)) is False  # late news, while lost
    assert tracker.fetch_lost_order("c1") is not None
    assert tracker.process_order_update(status(OrderState.CANCELED)) is True       # the exchange's final word
    assert tracker.process_order_update(status(OrderState.OPEN)) is False          # late news of it
    assert tracker.metrics.to_dict() == {"stale_reports": 2, "refused_reports": 0, "untracked_reports": 0,
                                         "duplicate_fills": 0}
    assert [m for m in loud(caplog) if "refused" in m] == []
