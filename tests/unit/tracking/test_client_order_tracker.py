"""ClientOrderTracker: events per docs/contracts.md Contract 2, O(1) lookups, missing fills,
lost orders, the clock-based cache, restore."""
import asyncio
from decimal import Decimal

import pytest

from hummingbot_conn.core.common_types import OrderType, PositionAction, TradeType
from hummingbot_conn.core.in_flight_order import (
    InFlightOrder,
    OrderState,
    OrderUpdate,
    PerpetualDerivativeInFlightOrder,
    TradeUpdate,
)
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee
from hummingbot_conn.events import (
    BuyOrderCompletedEvent,
    BuyOrderCreatedEvent,
    MarketEvent,
    MarketOrderFailureEvent,
    OrderCancelledEvent,
    OrderExpiredEvent,
    OrderFilledEvent,
    SellOrderCompletedEvent,
    SellOrderCreatedEvent,
)
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker

PAIR = "BTC-USDT"
D = Decimal


class Clock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def make_tracker(**kw):
    clock = kw.pop("clock", Clock())
    kw.setdefault("missing_fill_retry_delays", (0.0, 0.0))    # a burst's retries without real pauses
    tracker = ClientOrderTracker(clock=clock, **kw)
    events = []
    for tag in MarketEvent:
        tracker.add_listener(tag, events.append)
    return tracker, events, clock


def new_order(cid="c1", amount="1", trade_type=TradeType.BUY, eid=None, **kw):
    return InFlightOrder(cid, PAIR, OrderType.LIMIT, trade_type, D(amount), 1.0, D("100"),
                         exchange_order_id=eid, **kw)


def status(state, cid="c1", eid="e1", ts=2.0, **kw):
    return OrderUpdate(PAIR, ts, state, cid, eid, **kw)


def fill(trade_id, base, cid="c1", eid="e1", price="100"):
    base = D(base)
    return TradeUpdate(trade_id, cid, eid, PAIR, 3.0, D(price), base, base * D(price), AddedToCostTradeFee())


def kinds(events):
    return [type(e).__name__ for e in events]


def test_full_lifecycle_emits_created_fills_completed_in_order():
    tracker, events, clock = make_tracker()
    tracker.start_tracking_order(new_order())
    tracker.process_order_update(status(OrderState.OPEN))
    for i, amount in enumerate(["0.2", "0.3", "0.5"]):
        assert tracker.process_trade_update(fill(f"t{i}", amount))
    tracker.process_order_update(status(OrderState.FILLED))
    assert kinds(events) == ["BuyOrderCreatedEvent"] + ["OrderFilledEvent"] * 3 + ["BuyOrderCompletedEvent"]
    created, completed = events[0], events[-1]
    assert created == BuyOrderCreatedEvent(1000.0, OrderType.LIMIT, PAIR, D(1), D(100), "c1", 1.0, "e1", 1, "NIL")
    assert completed == BuyOrderCompletedEvent(1000.0, "c1", "BTC", "USDT", D(1), D(100), OrderType.LIMIT, "e1")
    assert [e.exchange_trade_id for e in events[1:4]] == ["t0", "t1", "t2"]
    assert tracker.fetch_tracked_order("c1") is None
    assert tracker.fetch_cached_order("c1") is not None


def test_sell_events_and_event_timestamps_come_from_the_clock():
    tracker, events, clock = make_tracker()
    tracker.start_tracking_order(new_order(trade_type=TradeType.SELL))
    clock.now = 1234.5
    tracker.process_order_update(status(OrderState.OPEN))
    tracker.process_trade_update(fill("t", "1"))
    assert kinds(events) == ["SellOrderCreatedEvent", "OrderFilledEvent", "SellOrderCompletedEvent"]
    assert {e.timestamp for e in events} == {1234.5}


def test_one_fill_event_per_trade_id():
    tracker, events, _ = make_tracker()
    tracker.start_tracking_order(new_order(eid="e1", initial_state=OrderState.OPEN))
    assert tracker.process_trade_update(fill("t1", "0.5"))
    assert not tracker.process_trade_update(fill("t1", "0.5"))
    assert kinds(events) == ["OrderFilledEvent"]


def test_trade_update_matched_by_exchange_id_only():
    tracker, events, _ = make_tracker()
    tracker.start_tracking_order(new_order())
    tracker.process_order_update(status(OrderState.OPEN, eid="e7"))
    assert tracker.fetch_order(exchange_order_id="e7").client_order_id == "c1"
    assert tracker.process_trade_update(fill("t1", "0.5", cid=None, eid="e7"))
    assert tracker.process_order_update(status(OrderState.CANCELED, cid=None, eid="e7"))
    assert kinds(events) == ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderCancelledEvent"]


def test_cancel_then_late_fill_is_counted_once_terminal_event_once():
    tracker, events, _ = make_tracker()
    tracker.start_tracking_order(new_order())
    tracker.process_order_update(status(OrderState.OPEN))
    tracker.process_order_update(status(OrderState.CANCELED))
    tracker.process_order_update(status(OrderState.CANCELED))
    assert tracker.process_trade_update(fill("late", "0.4"))
    assert kinds(events) == ["BuyOrderCreatedEvent", "OrderCancelledEvent", "OrderFilledEvent"]
    assert tracker.fetch_cached_order("c1").executed_amount_base == D("0.4")


def test_first_news_canceled_still_says_created_first():
    tracker, events, _ = make_tracker()
    tracker.start_tracking_order(new_order())
    tracker.process_order_update(status(OrderState.CANCELED))
    tracker.process_order_update(status(OrderState.OPEN))  # stale, refused
    assert kinds(events) == ["BuyOrderCreatedEvent", "OrderCancelledEvent"]


def test_expired_and_failed_events():
    tracker, events, _ = make_tracker()
    tracker.start_tracking_order(new_order("a"))
    tracker.start_tracking_order(new_order("b"))
    tracker.process_order_update(status(OrderState.EXPIRED, cid="a", eid="ea"))
    tracker.process_order_update(status(OrderState.FAILED, cid="b", eid=None,
                                        misc_updates={"error_message": "nope", "error_type": "Rejected"}))
    assert events[1] == OrderExpiredEvent(1000.0, "a", "ea")
    assert events[2] == MarketOrderFailureEvent(1000.0, "b", OrderType.LIMIT, "nope", "Rejected")
    assert kinds(events) == ["BuyOrderCreatedEvent", "OrderExpiredEvent", "MarketOrderFailureEvent"]


def test_first_fill_on_pending_create_order_says_created_first():
    tracker, events, _ = make_tracker()
    tracker.start_tracking_order(new_order())
    tracker.process_trade_update(fill("t", "1"))
    assert kinds(events) == ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]


def test_filled_status_without_fills_and_without_hook_waits_for_the_fills():
    tracker, events, _ = make_tracker()
    tracker.start_tracking_order(new_order())
    tracker.process_order_update(status(OrderState.OPEN))
    tracker.process_order_update(status(OrderState.FILLED))
    assert kinds(events) == ["BuyOrderCreatedEvent"]
    assert tracker.fetch_tracked_order("c1") is not None
    tracker.process_trade_update(fill("t", "1"))
    assert kinds(events)[-2:] == ["OrderFilledEvent", "BuyOrderCompletedEvent"]
    assert events[-1].base_asset_amount == D(1)


async def test_filled_status_before_fills_fetches_them_through_the_hook():
    calls = []

    async def fetch_missing_fills(order):
        calls.append(order.client_order_id)
        await asyncio.sleep(0)
        return [fill("t1", "0.4"), fill("t2", "0.6")]

    tracker, events, _ = make_tracker(fetch_missing_fills=fetch_missing_fills)
    tracker.start_tracking_order(new_order())
    tracker.process_order_update(status(OrderState.OPEN))
    tracker.process_trade_update(fill("t1", "0.4"))
    tracker.process_order_update(status(OrderState.FILLED))
    tracker.process_order_update(status(OrderState.FILLED))  # one fetch at a time
    await tracker.wait_for_fill_fetches()
    assert calls == ["c1"]
    assert kinds(events) == ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderFilledEvent",
                             "BuyOrderCompletedEvent"]
    assert events[-1].base_asset_amount == D(1) and events[-1].quote_asset_amount == D(100)


async def test_hook_that_cannot_supply_the_fills_leaves_the_order_active():
    async def fetch_missing_fills(order):
        raise ConnectionError("exchange down")

    tracker, events, _ = make_tracker(fetch_missing_fills=fetch_missing_fills)
    tracker.start_tracking_order(new_order(eid="e1", initial_state=OrderState.OPEN))
    tracker.process_order_update(status(OrderState.FILLED))
    await tracker.wait_for_fill_fetches()
    assert events == []
    assert tracker.fetch_tracked_order("c1").is_open
    tracker.process_trade_update(fill("t", "1"))
    assert kinds(events) == ["OrderFilledEvent", "BuyOrderCompletedEvent"]


async def test_lost_order_only_after_more_than_limit_explicit_not_found_in_a_row():
    tracker, events, _ = make_tracker(lost_order_count_limit=2)
    tracker.start_tracking_order(new_order(eid="e1", initial_state=OrderState.OPEN))
    await tracker.process_order_not_found("c1")
    await tracker.process_order_not_found("c1")
    tracker.process_order_update(status(OrderState.OPEN))  # it exists after all: the count restarts
    await tracker.process_order_not_found("c1")
    await tracker.process_order_not_found("c1")
    assert events == [] and tracker.fetch_tracked_order("c1") is not None
    await tracker.process_order_not_found("c1")
    assert kinds(events) == ["MarketOrderFailureEvent"]
    assert events[0].error_type == "OrderNotFound"
    assert "c1" in tracker.lost_orders and "c1" not in tracker.cached_orders
    assert "c1" in tracker.all_updatable_orders
    # a lost order still takes fills (facts), found by exchange id too
    assert tracker.process_trade_update(fill("t", "0.5", cid=None))
    assert kinds(events) == ["MarketOrderFailureEvent", "OrderFilledEvent"]
    # a final status from the exchange settles it: out of the lost list
    tracker.process_order_update(status(OrderState.CANCELED))
    assert "c1" not in tracker.lost_orders and "c1" in tracker.cached_orders
    assert kinds(events) == ["MarketOrderFailureEvent", "OrderFilledEvent"]


async def _lost_tracker(**kw):
    tracker, events, clock = make_tracker(lost_order_count_limit=0, **kw)
    tracker.start_tracking_order(new_order(eid="e1", initial_state=OrderState.OPEN))
    await tracker.process_order_not_found("c1")
    order = tracker.fetch_lost_order("c1")
    assert order.is_failure and order.is_presumed_failure and not order.is_filled
    assert kinds(events) == ["MarketOrderFailureEvent"]
    return tracker, events, order


async def test_lost_order_that_turns_out_filled_completes_with_its_fills():
    # never left both is_failure and is_filled; the late FILLED is not refused
    fetched = []

    async def fetch_missing_fills(order):
        fetched.append(order.client_order_id)
        return [fill("t1", "0.4"), fill("t2", "0.6")]

    tracker, events, order = await _lost_tracker(fetch_missing_fills=fetch_missing_fills)
    assert tracker.process_trade_update(fill("t1", "0.4"))
    assert order.is_presumed_failure and order.executed_amount_base == D("0.4")
    assert tracker.process_order_update(status(OrderState.FILLED))
    await tracker.wait_for_fill_fetches()
    assert fetched == ["c1"]
    assert order.refused_updates == 0
    assert order.current_state is OrderState.FILLED and order.is_filled and not order.is_failure
    assert kinds(events) == ["MarketOrderFailureEvent", "OrderFilledEvent", "OrderFilledEvent",
                             "BuyOrderCompletedEvent"]
    assert events[-1].base_asset_amount == D(1) and events[-1].quote_asset_amount == D(100)
    assert tracker.lost_orders == {} and tracker.fetch_order("c1") is order  # cached: late fills still land
    assert "c1" not in tracker.all_updatable_orders


async def test_lost_order_completed_by_fills_alone():
    tracker, events, order = await _lost_tracker()
    assert tracker.process_trade_update(fill("t1", "1", cid=None))
    assert order.current_state is OrderState.FILLED and not order.is_failure
    assert kinds(events) == ["MarketOrderFailureEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]
    assert tracker.lost_orders == {}


@pytest.mark.parametrize("final", [OrderState.CANCELED, OrderState.EXPIRED, OrderState.FAILED])
async def test_lost_order_settled_by_the_exchanges_final_word_quietly(final):
    tracker, events, order = await _lost_tracker()
    assert tracker.process_order_update(status(final))
    assert order.current_state is final and not order.is_presumed_failure
    assert order.refused_updates == 0
    assert kinds(events) == ["MarketOrderFailureEvent"]   # the failure event already said it is gone
    assert tracker.lost_orders == {} and tracker.fetch_order("c1") is order


@pytest.mark.parametrize("live", [OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.PENDING_CANCEL])
async def test_lost_order_reported_live_stays_lost_and_polled(live):
    tracker, events, order = await _lost_tracker()
    tracker.process_order_update(status(live))
    assert order.is_presumed_failure and order.refused_updates == 0
    assert "c1" in tracker.lost_orders and "c1" in tracker.all_updatable_orders
    assert kinds(events) == ["MarketOrderFailureEvent"]


async def test_lost_order_restores_as_lost_and_can_still_complete():
    tracker, _, order = await _lost_tracker()
    states = tracker.tracking_states
    assert states["c1"]["last_state"] == "6" and states["c1"]["failure_presumed"] is True
    restored, events, _ = make_tracker()
    assert restored.restore_tracking_states(states) == {}
    again = restored.fetch_lost_order("c1")
    assert again == order and again.is_presumed_failure
    assert restored.process_trade_update(fill("t1", "1"))
    assert kinds(events) == ["OrderFilledEvent", "BuyOrderCompletedEvent"]


def test_a_rejected_order_whose_fills_reach_the_amount_completes():
    # a confirmed FAILED that trades its whole amount was not a failure (fills are facts)
    tracker, events, _ = make_tracker()
    tracker.start_tracking_order(new_order(eid="e1", initial_state=OrderState.OPEN))
    tracker.process_order_update(status(OrderState.FAILED))
    assert tracker.process_order_update(status(OrderState.OPEN)) is False  # a real failure absorbs statuses
    assert tracker.process_trade_update(fill("t1", "1"))
    order = tracker.fetch_order("c1")
    assert order.current_state is OrderState.FILLED and not order.is_failure
    assert kinds(events) == ["MarketOrderFailureEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]


async def test_not_found_for_a_lost_order_removes_it():
    tracker, _, _ = make_tracker(lost_order_count_limit=0)
    tracker.start_tracking_order(new_order(eid="e1", initial_state=OrderState.OPEN))
    await tracker.process_order_not_found("c1")
    assert "c1" in tracker.lost_orders
    await tracker.process_order_not_found("c1")
    assert tracker.lost_orders == {} and tracker.fetch_lost_order(exchange_order_id="e1") is None


def test_cache_expires_by_the_injected_clock():
    tracker, events, clock = make_tracker(cached_order_ttl=30.0)
    tracker.start_tracking_order(new_order(eid="e1", initial_state=OrderState.OPEN))
    tracker.process_order_update(status(OrderState.CANCELED))
    clock.now += 29.0
    assert tracker.process_trade_update(fill("t1", "0.1"))
    clock.now += 1.0
    assert not tracker.process_trade_update(fill("t2", "0.1"))
    assert tracker.cached_orders == {} and tracker.fetch_order("c1", "e1") is None


def test_cache_size_is_bounded():
    tracker, _, _ = make_tracker(max_cache_size=2)
    for i in range(3):
        tracker.start_tracking_order(new_order(f"c{i}", eid=f"e{i}", initial_state=OrderState.OPEN))
        tracker.process_order_update(status(OrderState.CANCELED, cid=f"c{i}", eid=f"e{i}"))
    assert list(tracker.cached_orders) == ["c1", "c2"]
    assert tracker.fetch_order(exchange_order_id="e0") is None


def test_order_is_never_tracked_twice():
    tracker, _, _ = make_tracker()
    tracker.start_tracking_order(new_order())
    with pytest.raises(ValueError, match="already tracked"):
        tracker.start_tracking_order(new_order())


def test_unknown_and_id_less_updates_are_ignored(caplog):
    tracker, events, _ = make_tracker()
    assert not tracker.process_order_update(status(OrderState.OPEN, cid="nobody"))
    assert not tracker.process_order_update(status(OrderState.OPEN, cid=None, eid=None))
    assert not tracker.process_trade_update(fill("t", "1", cid="nobody", eid="nothing"))
    assert "does not contain any client_order_id" in caplog.text
    assert events == []


def test_one_listener_on_several_tags_sees_the_true_order():
    tracker = ClientOrderTracker(clock=Clock())
    seen = []
    for tag in (MarketEvent.BuyOrderCompleted, MarketEvent.OrderFilled, MarketEvent.BuyOrderCreated):
        tracker.add_listener(tag, seen.append)
    tracker.start_tracking_order(new_order())
    tracker.process_order_update(status(OrderState.OPEN))
    tracker.process_trade_update(fill("a", "0.5"))
    tracker.process_trade_update(fill("b", "0.5"))
    assert kinds(seen) == ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]


def test_connector_style_construction_uses_its_clock_and_trigger_event():
    class Connector:
        current_timestamp = 55.0

        def __init__(self):
            self.published = []

        def trigger_event(self, tag, event):
            self.published.append((tag, event))

    connector = Connector()
    tracker = ClientOrderTracker(connector)
    tracker.start_tracking_order(new_order())
    tracker.process_order_update(status(OrderState.CANCELED))
    assert [t for t, _ in connector.published] == [MarketEvent.BuyOrderCreated, MarketEvent.OrderCancelled]
    assert connector.published[1][1] == OrderCancelledEvent(55.0, "c1", "e1")
    with pytest.raises(RuntimeError):
        tracker.add_listener(MarketEvent.OrderFilled, print)
    with pytest.raises(ValueError, match="clock"):
        ClientOrderTracker()


def test_restore_tracking_states_rebuilds_active_and_lost_orders():
    tracker, events, clock = make_tracker()
    tracker.start_tracking_order(new_order("open", eid="e1", initial_state=OrderState.OPEN))
    tracker.start_tracking_order(PerpetualDerivativeInFlightOrder(
        "perp", PAIR, OrderType.MARKET, TradeType.SELL, D(2), 1.0, None, leverage=10,
        position=PositionAction.CLOSE))
    tracker.process_trade_update(fill("t", "0.5", cid="open"))
    states = tracker.tracking_states
    done = new_order("done", eid="e3", initial_state=OrderState.CANCELED).to_json()
    failed = new_order("lost", eid="e4", initial_state=OrderState.FAILED).to_json()
    states.update({"done": done, "lost": failed, "broken": {"client_order_id": "x"}})

    restored, _, _ = make_tracker()
    refused = restored.restore_tracking_states(states)
    assert set(refused) == {"broken", "done"} and "CANCELED" in refused["done"]
    assert set(restored.active_orders) == {"open", "perp"}
    assert set(restored.lost_orders) == {"lost"}
    assert restored.fetch_tracked_order("open") == tracker.fetch_tracked_order("open")
    assert type(restored.fetch_tracked_order("perp")) is PerpetualDerivativeInFlightOrder
    assert restored.fetch_order(exchange_order_id="e1").client_order_id == "open"
    # the restored order continues where it was: no second Created event
    assert restored.process_trade_update(fill("t2", "0.5", cid="open"))
    assert all(type(e) is not BuyOrderCreatedEvent for e in events)


def test_update_exchange_order_id_indexes_it():
    tracker, _, _ = make_tracker()
    tracker.start_tracking_order(new_order())
    assert tracker.update_exchange_order_id("c1", "e5")
    assert tracker.fetch_order(exchange_order_id="e5").client_order_id == "c1"
    assert tracker.process_trade_update(fill("t", "0.1", cid=None, eid="e5"))


def test_listener_that_raises_does_not_stop_bookkeeping():
    tracker = ClientOrderTracker(clock=Clock())

    def bad(event):
        raise RuntimeError("strategy bug")
    tracker.add_listener(MarketEvent.OrderFilled, bad)
    tracker.start_tracking_order(new_order(eid="e1", initial_state=OrderState.OPEN))
    assert tracker.process_trade_update(fill("t", "1"))
    assert tracker.fetch_cached_order("c1").is_filled


def test_event_records_are_immutable():
    event = OrderFilledEvent(1.0, "c1", PAIR, TradeType.BUY, OrderType.LIMIT, D(1), D(1), AddedToCostTradeFee())
    with pytest.raises(AttributeError):
        event.price = D(2)
    assert SellOrderCreatedEvent(1.0, OrderType.LIMIT, PAIR, D(1), None, "c", 1.0).position == "NIL"
    assert SellOrderCompletedEvent(1.0, "c", "B", "Q", D(1), D(1), OrderType.LIMIT).exchange_order_id is None


async def test_reports_apply_synchronously_in_arrival_order_and_hook_only_when_needed():
    calls = []

    async def fetch_missing_fills(order):
        calls.append(order.client_order_id)
        return []

    tracker, events, _ = make_tracker(fetch_missing_fills=fetch_missing_fills)
    tracker.start_tracking_order(new_order())
    # no task in between: each report is applied when the call returns
    assert tracker.process_order_update(status(OrderState.OPEN)) is True
    assert tracker.fetch_tracked_order("c1").current_state is OrderState.OPEN
    tracker.process_trade_update(fill("t1", "1"))
    assert tracker.fetch_cached_order("c1").current_state is OrderState.FILLED
    # FILLED after its fills: nothing to fetch, nothing more to say
    assert tracker.process_order_update(status(OrderState.FILLED)) is False
    await tracker.wait_for_fill_fetches()
    assert calls == []
    assert kinds(events) == ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]


async def test_stop_cancels_fill_fetches_in_progress():
    started = asyncio.Event()

    async def fetch_missing_fills(order):
        started.set()
        await asyncio.sleep(3600)
        return []

    tracker, events, _ = make_tracker(fetch_missing_fills=fetch_missing_fills)
    tracker.start_tracking_order(new_order(eid="e1", initial_state=OrderState.OPEN))
    tracker.process_order_update(status(OrderState.FILLED))
    await asyncio.wait_for(started.wait(), 5)
    await tracker.stop()
    assert tracker.fetch_tracked_order("c1").is_open
    assert events == []
