"""Order lifecycle benchmarks: hbconn's compiled InFlightOrder and its
ClientOrderTracker beside hummingbot's pure-Python ones, in one run.

Workloads (deterministic, no randomness needed):

* "trade update": ``update_with_trade_update`` on one open order, ``OPS``
  fills with fresh trade ids (the order amount is large enough that none is
  an over-fill); the update records are built before timing.
* "full lifecycle": ``LIFECYCLES`` orders, each created, tracked, opened
  (status update with its exchange id), filled by three fills of 0.1 and
  completed by a FILLED status, through each side's ClientOrderTracker with
  one listener on the Created, Filled and Completed events.  Building the
  update records is part of the timed work on both sides (a connector builds
  them from every message).  hummingbot's tracker runs each status update as
  an asyncio task, so its side runs in an event loop and awaits them, as a
  connector would; its connector is a small fake whose ``trigger_event``
  calls the listener directly (cheaper than hummingbot's PubSub).

Both sides keep exact decimals: every batch asserts the executed amounts.
Each workload is one test timing both sides interleaved
(benchmarks/interleave.py).
"""
import asyncio
from decimal import Decimal

import hummingbot_conn.core.common_types as hbconn_common
import hummingbot_conn.core.in_flight_order as hbconn_ifo
import hummingbot_conn.core.trade_fee as hbconn_fee
from hummingbot_conn.core.common_types import OrderType, TradeType
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker

PAIR = "BTC-USDT"
OPS = 1000
LIFECYCLES = 100
ROUNDS = 50
FILL_BASE = Decimal("0.001")
FILL_PRICE = Decimal("30000.50")
ORDER_AMOUNT = Decimal("0.3")
PART = Decimal("0.1")
TARGETS = {"hummingbot": 5.0}
LISTENED = (MarketEvent.BuyOrderCreated, MarketEvent.OrderFilled, MarketEvent.BuyOrderCompleted)


def _hb(peers):
    """hummingbot's modules for these workloads, or None when peers are off."""
    if peers is None:
        return None
    return {
        "ifo": peers("hummingbot.core.data_type.in_flight_order"),
        "fee": peers("hummingbot.core.data_type.trade_fee"),
        "common": peers("hummingbot.core.data_type.common"),
        "tracker": peers("hummingbot.connector.client_order_tracker"),
    }


# ---- trade update ----------------------------------------------------------------
class _Api:
    """One implementation's names for the trade-update workload (the timed loop is shared)."""

    def __init__(self, in_flight_order, trade_fee, common) -> None:
        self.InFlightOrder, self.TradeUpdate, self.OrderState = (
            in_flight_order.InFlightOrder, in_flight_order.TradeUpdate, in_flight_order.OrderState)
        self.AddedToCostTradeFee = trade_fee.AddedToCostTradeFee
        self.OrderType, self.TradeType = common.OrderType, common.TradeType


def _trade_update_side(Side, impl, api: _Api):
    fee = api.AddedToCostTradeFee(percent=Decimal("0.001"))
    updates = [api.TradeUpdate(f"t{i}", "c1", "e1", PAIR, 1.0, FILL_PRICE, FILL_BASE, FILL_BASE * FILL_PRICE, fee)
               for i in range(OPS)]

    def setup():
        order = api.InFlightOrder("c1", PAIR, api.OrderType.LIMIT, api.TradeType.BUY, Decimal(1000000), 1.0,
                                  Decimal("30000"), "e1", api.OrderState.OPEN)
        return (order,)

    def run(order):
        for update in updates:
            order.update_with_trade_update(update)
        assert order.executed_amount_base == FILL_BASE * OPS
        assert len(order.order_fills) == OPS

    return Side(impl, run, ops=OPS, setup=setup)


def test_trade_update(interleave, peers):
    sides = [_trade_update_side(interleave.Side, "hbconn", _Api(hbconn_ifo, hbconn_fee, hbconn_common))]
    if (hb := _hb(peers)) is not None:
        sides.append(_trade_update_side(interleave.Side, "hummingbot", _Api(hb["ifo"], hb["fee"], hb["common"])))
    interleave.run("in-flight order: trade update", sides, rounds=3 * ROUNDS, targets=TARGETS)


# ---- full lifecycle -----------------------------------------------------------------
def _check_lifecycle_events(events, completed_name):
    assert len(events) == 5 * LIFECYCLES
    last = events[-1]
    assert type(last).__name__ == completed_name
    assert last.base_asset_amount == ORDER_AMOUNT  # 0.1 + 0.1 + 0.1, exactly
    assert last.quote_asset_amount == ORDER_AMOUNT * Decimal(100)


def _lifecycle_hbconn(Side):
    fee = AddedToCostTradeFee(percent=Decimal("0.001"))
    price = Decimal("100")

    def setup():
        tracker = ClientOrderTracker(clock=lambda: 1000.0)
        events = []
        for tag in LISTENED:
            tracker.add_listener(tag, events.append)
        return (tracker, events)

    def run(tracker, events):
        for i in range(LIFECYCLES):
            cid = f"c{i}"
            eid = f"e{i}"
            tracker.start_tracking_order(InFlightOrder(cid, PAIR, OrderType.LIMIT, TradeType.BUY, ORDER_AMOUNT,
                                                       1000.0, price))
            tracker.process_order_update(OrderUpdate(PAIR, 1000.0, OrderState.OPEN, cid, eid))
            for j in range(3):
                tracker.process_trade_update(TradeUpdate(f"{eid}-{j}", cid, eid, PAIR, 1000.0, price, PART,
                                                         PART * price, fee))
            tracker.process_order_update(OrderUpdate(PAIR, 1000.0, OrderState.FILLED, cid, eid))
        _check_lifecycle_events(events, "BuyOrderCompletedEvent")

    return Side("hbconn", run, ops=LIFECYCLES, setup=setup)


class _FakeConnector:
    """What hummingbot's ClientOrderTracker needs from a connector."""

    def __init__(self, listener):
        self.current_timestamp = 1000.0
        self._listener = listener

    def trigger_event(self, tag, event):
        self._listener(event)


def _lifecycle_hummingbot(Side, hb, loop):
    ifo, common = hb["ifo"], hb["common"]
    fee = hb["fee"].AddedToCostTradeFee(percent=Decimal("0.001"))
    price = Decimal("100")
    LIMIT, BUY = common.OrderType.LIMIT, common.TradeType.BUY
    OPEN, FILLED = ifo.OrderState.OPEN, ifo.OrderState.FILLED

    async def lifecycles(tracker):
        for i in range(LIFECYCLES):
            cid = f"c{i}"
            eid = f"e{i}"
            tracker.start_tracking_order(ifo.InFlightOrder(cid, PAIR, LIMIT, BUY, ORDER_AMOUNT, 1000.0, price))
            await tracker.process_order_update(ifo.OrderUpdate(PAIR, 1000.0, OPEN, cid, eid))
            for j in range(3):
                tracker.process_trade_update(ifo.TradeUpdate(f"{eid}-{j}", cid, eid, PAIR, 1000.0, price, PART,
                                                             PART * price, fee))
            await tracker.process_order_update(ifo.OrderUpdate(PAIR, 1000.0, FILLED, cid, eid))

    def setup():
        events = []
        tracker = hb["tracker"].ClientOrderTracker(_FakeConnector(events.append))
        return (tracker, events)

    def run(tracker, events):
        loop.run_until_complete(lifecycles(tracker))
        _check_lifecycle_events(events, "BuyOrderCompletedEvent")

    return Side("hummingbot", run, ops=LIFECYCLES, setup=setup)


def test_full_lifecycle(interleave, peers):
    sides = [_lifecycle_hbconn(interleave.Side)]
    loop = asyncio.new_event_loop()
    try:
        if (hb := _hb(peers)) is not None:
            sides.append(_lifecycle_hummingbot(interleave.Side, hb, loop))
        interleave.run("in-flight order: full lifecycle", sides, rounds=ROUNDS, targets=TARGETS)
    finally:
        loop.close()
