"""Fills owed to an order (``tracking/missing_fills.py``, docs/contracts.md Contract 2): a report whose
executed amount is above the order's fills keeps them owed until fetched, a final status that reveals
them waits (bounded) for them, and every fill is reported exactly once, before the final event when it
can be and after it otherwise."""
import asyncio
from decimal import Decimal

import pytest

from hummingbot_conn.core.common_types import OrderType, TradeType
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker
from hummingbot_conn.tracking.missing_fills import MissingFills

PAIR = "BTC-USDT"
D = Decimal


class Clock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


class Venue:
    """The exchange's fill list behind the hook: ``fail`` answers raise first, ``gate`` (when set)
    holds every answer until it is opened."""

    def __init__(self, fills, fail=0):
        self.fills = list(fills)
        self.fail = fail
        self.calls = 0
        self.gate = None

    async def fetch(self, order):
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            self.fail -= 1
            raise ConnectionError("429 Too Many Requests")
        return list(self.fills)


def make(venue, hold=1000.0, **kw):
    clock = kw.pop("clock", Clock())
    tracker = ClientOrderTracker(clock=clock, fetch_missing_fills=venue.fetch, missing_fill_retry_delays=(0.0, 0.0),
                                 missing_fill_hold_seconds=hold, **kw)
    events = []
    for tag in MarketEvent:
        tracker.add_listener(tag, events.append)
    tracker.start_tracking_order(InFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, D(1), 1.0, D(100),
                                               exchange_order_id="e1", initial_state=OrderState.OPEN))
    return tracker, events, clock


def fill(trade_id, base, cid="c1", eid="e1"):
    base = D(base)
    return TradeUpdate(trade_id, cid, eid, PAIR, 3.0, D(100), base, base * 100, AddedToCostTradeFee())


def status(state, executed=None, cid="c1", eid="e1"):
    misc = None if executed is None else {"executed_amount_base": D(executed)}
    return OrderUpdate(PAIR, 2.0, state, cid, eid, misc_updates=misc)


def kinds(events):
    return [type(e).__name__ for e in events]


async def settle(tracker, clock, rounds=20):
    """Poll cycles until nothing is owed: each advances the clock past any back-off."""
    for _ in range(rounds):
        await tracker.wait_for_fill_fetches()
        if not tracker.owed_fills:
            return
        clock.now += 120
        tracker.retry_missing_fills()
    await tracker.wait_for_fill_fetches()


@pytest.mark.parametrize("final, event", [(OrderState.CANCELED, "OrderCancelledEvent"),
                                          (OrderState.EXPIRED, "OrderExpiredEvent")])
async def test_a_final_status_revealing_fills_waits_for_them(final, event):
    venue = Venue([fill("t1", "0.3"), fill("t2", "0.2")])
    venue.gate = asyncio.Event()
    tracker, events, _ = make(venue)
    tracker.process_trade_update(fill("t1", "0.3"))
    assert tracker.process_order_update(status(final, "0.5")) is False    # held: nothing changed yet
    order = tracker.fetch_tracked_order("c1")
    assert order is not None and order.is_open and tracker.owed_fills == {"c1": D("0.5")}
    await asyncio.sleep(0)
    tracker.process_order_update(status(final, "0.5"))                 # the poll says it again: still held
    assert kinds(events) == ["OrderFilledEvent"] and venue.calls == 1
    venue.gate.set()
    await tracker.wait_for_fill_fetches()
    assert kinds(events) == ["OrderFilledEvent", "OrderFilledEvent", event]
    assert [e.exchange_trade_id for e in events[:2]] == ["t1", "t2"]
    assert order.current_state is final and order.executed_amount_base == D("0.5")
    assert tracker.owed_fills == {} and tracker.fetch_tracked_order("c1") is None


async def test_fills_that_cannot_be_fetched_are_still_reported_once_after_the_final_event():
    # the first fetches fail (429): the hold ends with the burst, the cancel is published, and
    # the poll cycles fetch the fill later, with back-off
    venue = Venue([fill("t1", "0.4")], fail=5)
    tracker, events, clock = make(venue)
    tracker.process_order_update(status(OrderState.CANCELED, "0.4"))
    await tracker.wait_for_fill_fetches()
    assert venue.calls == 3                                                 # the burst: at once, then twice
    assert kinds(events) == ["OrderCancelledEvent"]
    assert tracker.owed_fills == {"c1": D("0.4")}
    assert tracker.retry_missing_fills() == 0                               # back-off not over
    clock.now += 1.0
    assert tracker.retry_missing_fills() == 1
    await tracker.wait_for_fill_fetches()
    clock.now += 1.0
    assert tracker.retry_missing_fills() == 0                               # doubled: 2 s now
    await settle(tracker, clock)
    assert kinds(events) == ["OrderCancelledEvent", "OrderFilledEvent"]
    assert venue.calls == 6 and tracker.owed_fills == {}
    tracker.retry_missing_fills()
    await tracker.wait_for_fill_fetches()
    assert venue.calls == 6


async def test_the_hold_is_bounded_in_time_while_the_fetch_hangs():
    venue = Venue([fill("t1", "0.4")])
    venue.gate = asyncio.Event()
    tracker, events, _ = make(venue, hold=0.0)
    tracker.process_order_update(status(OrderState.CANCELED, "0.4"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert kinds(events) == ["OrderCancelledEvent"] and venue.calls == 1   # released, the fetch still out
    venue.gate.set()
    await tracker.wait_for_fill_fetches()
    assert kinds(events) == ["OrderCancelledEvent", "OrderFilledEvent"] and tracker.owed_fills == {}


async def test_a_stream_fill_pays_the_debt_and_releases_the_final_status():
    venue = Venue([])                 # the fill list lags: only the stream has it
    venue.gate = asyncio.Event()
    tracker, events, _ = make(venue)
    tracker.process_order_update(status(OrderState.CANCELED, "0.4"))
    tracker.process_trade_update(fill("t1", "0.4"))
    assert kinds(events) == ["OrderFilledEvent", "OrderCancelledEvent"] and tracker.owed_fills == {}
    venue.gate.set()
    await tracker.wait_for_fill_fetches()
    assert kinds(events) == ["OrderFilledEvent", "OrderCancelledEvent"]


async def test_fills_owed_to_an_order_outlive_the_finished_order_cache():
    venue = Venue([fill("t1", "0.4", cid=None)], fail=3)
    tracker, events, clock = make(venue, cached_order_ttl=30.0)
    tracker.process_order_update(status(OrderState.CANCELED, "0.4"))
    await tracker.wait_for_fill_fetches()
    clock.now += 3600                   # far past the cache's time
    assert tracker.fetch_cached_order("c1") is None
    await settle(tracker, clock)
    assert kinds(events) == ["OrderCancelledEvent", "OrderFilledEvent"]     # found by exchange id
    assert tracker.owed_fills == {} and tracker.fetch_order(exchange_order_id="e1") is None


async def test_an_executed_amount_from_a_cancel_answer_holds_the_cancel():
    # the cancel's answer is not a status report: the connector tells the tracker what it executed
    venue = Venue([fill("t1", "0.4")], fail=1)
    tracker, events, _ = make(venue)
    assert tracker.process_executed_amount("c1", D("0.4")) is True
    tracker.process_order_update(status(OrderState.CANCELED))               # no amount in it
    await tracker.wait_for_fill_fetches()
    assert kinds(events) == ["OrderFilledEvent", "OrderCancelledEvent"]
    assert tracker.process_executed_amount("c1", D("0.4")) is False         # nothing owed any more
    assert tracker.process_executed_amount("nobody", D("1")) is False


async def test_a_lost_order_settled_with_fills_gets_them_without_a_second_final_event():
    venue = Venue([fill("t1", "0.4")], fail=3)
    tracker, events, clock = make(venue, lost_order_count_limit=0)
    await tracker.process_order_not_found("c1")
    tracker.process_order_update(status(OrderState.CANCELED, "0.4"))
    await settle(tracker, clock)
    assert kinds(events) == ["MarketOrderFailureEvent", "OrderFilledEvent"]
    assert tracker.lost_orders == {} and tracker.owed_fills == {}


async def test_a_live_report_revealing_fills_fetches_them_and_never_holds_it():
    venue = Venue([fill("t1", "0.4")])
    tracker, events, _ = make(venue)
    tracker.process_order_update(status(OrderState.PARTIALLY_FILLED, "0.4"))
    await tracker.wait_for_fill_fetches()
    assert kinds(events) == ["OrderFilledEvent"] and venue.calls == 1
    assert tracker.fetch_tracked_order("c1").current_state is OrderState.PARTIALLY_FILLED


async def test_stop_keeps_the_order_active_and_the_debt_for_the_next_polls():
    venue = Venue([fill("t1", "0.4")])
    venue.gate = asyncio.Event()
    tracker, events, clock = make(venue)
    tracker.process_order_update(status(OrderState.CANCELED, "0.4"))
    await asyncio.sleep(0)
    await tracker.stop()
    assert events == [] and tracker.fetch_tracked_order("c1").is_open and tracker.owed_fills == {"c1": D("0.4")}
    venue.gate.set()
    # restarted: the poll asks again, the status is held again, the fill comes first
    tracker.process_order_update(status(OrderState.CANCELED, "0.4"))
    await settle(tracker, clock)
    assert kinds(events) == ["OrderFilledEvent", "OrderCancelledEvent"]


async def test_an_amount_above_the_order_is_capped_and_a_fill_that_completes_drops_the_held_cancel():
    venue = Venue([fill("t1", "1")])
    tracker, events, _ = make(venue)
    tracker.process_order_update(status(OrderState.CANCELED, "5"))
    assert tracker.owed_fills == {"c1": D(1)}
    await tracker.wait_for_fill_fetches()
    # fills are facts: the order completed, the held cancel is not applied over it
    assert kinds(events) == ["OrderFilledEvent", "BuyOrderCompletedEvent"]
    assert tracker.fetch_cached_order("c1").refused_updates == 0


def test_no_hook_or_no_loop_applies_the_final_status_at_once():
    tracker = ClientOrderTracker(clock=Clock())
    events = []
    tracker.add_listener(MarketEvent.OrderCancelled, events.append)
    tracker.start_tracking_order(InFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, D(1), 1.0, D(100),
                                               exchange_order_id="e1", initial_state=OrderState.OPEN))
    tracker.process_order_update(status(OrderState.CANCELED, "0.4"))
    assert len(events) == 1 and tracker.owed_fills == {"c1": D("0.4")}
    assert tracker.retry_missing_fills() == 0


def test_missing_fills_refuses_negative_delays():
    for kw in ({"retry_delays": (-1,)}, {"hold_seconds": -1}, {"poll_backoff": ()}):
        with pytest.raises(ValueError):
            MissingFills(None, Clock(), lambda t: None, lambda u: None, **kw)


async def test_a_debt_recorded_while_a_paid_ones_fetch_is_in_flight_gets_its_own_burst():
    # A partial report owes 0.1 and starts a fetch; the stream fill t1 pays that debt before the fetch
    # runs; then a final status owes 0.3 more (t0 was lost). The fetch in flight was for the paid debt:
    # the new one must still get a whole burst (at once, then twice) and its final status must wait for
    # it, not end with a single poll-cycle attempt.
    venue = Venue([fill("t0", "0.1"), fill("t1", "0.1"), fill("t2", "0.1")], fail=2)
    tracker, events, clock = make(venue)
    tracker.process_order_update(status(OrderState.PARTIALLY_FILLED, "0.1"))
    tracker.process_trade_update(fill("t1", "0.1"))
    assert tracker.process_order_update(status(OrderState.EXPIRED, "0.3")) is False
    tracker.process_trade_update(fill("t2", "0.1"))
    await tracker.wait_for_fill_fetches()
    assert kinds(events) == ["OrderFilledEvent", "OrderFilledEvent", "OrderFilledEvent", "OrderExpiredEvent"]
    assert [e.exchange_trade_id for e in events[:3]] == ["t1", "t2", "t0"]
    assert tracker.owed_fills == {} and venue.calls == 3
