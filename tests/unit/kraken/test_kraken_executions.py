"""Kraken's own sequence of ``executions`` reports drives the order tracker to exactly Contract 2's events
(docs/contracts.md, Contract 2; docs/kraken_spot.md section 7): ``pending_new`` sets nothing, ``new`` is
the created event, a trade that completes the order still says ``partially_filled`` and the separate
``filled`` report completes it once; a cancel whose ``cum_qty`` exceeds the fills seen leaves them owed.

Reports as Kraken writes them (JSON numbers), decoded with exact decimals as the private stream does.
"""
import asyncio
import json
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.exchanges.kraken import KrakenEndpoints, KrakenExchange
from hummingbot_conn.exchanges.kraken.user_stream_data_source import decode

SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="


def report(exec_type, status, cum_qty, **extra):
    base = {"order_id": "OAVY7T-MV5VK-KHDF5X", "cl_ord_id": "HBOT-1", "symbol": "BTC/USD", "side": "buy",
            "order_type": "limit", "order_qty": 0.002, "limit_price": 55000.0, "exec_type": exec_type,
            "order_status": status, "cum_qty": cum_qty, "timestamp": "2024-05-01T10:00:00.123456Z"}
    base.update(extra)
    return decode(json.dumps({"channel": "executions", "type": "update", "data": [base]}))["data"][0]


def fill(exec_id, qty, cum_qty, status="partially_filled"):
    return report("trade", status, cum_qty, exec_id=exec_id, trade_id=1, last_qty=qty, last_price=55000.0,
                  cost=qty * 55000, liquidity_ind="m", fees=[{"asset": "USD", "qty": 0.1}])


@pytest.fixture
def connector():
    async def build():
        ex = KrakenExchange("key", SECRET, ["BTC-USD"], domain=KrakenEndpoints.local("127.0.0.1:9"))
        ex._balances_moved = lambda: None       # no venue here to read balances from
        return ex
    return asyncio.run(build())


def _run(connector, reports, amount=Decimal("0.002")):
    events = []
    for tag in MarketEvent:
        connector.add_listener(tag, lambda event, tag=tag: events.append((tag.name, event)))

    async def go():
        connector.start_tracking_order("HBOT-1", None, "BTC-USD", TradeType.BUY, Decimal("55000"), amount,
                                       OrderType.LIMIT)
        for item in reports:
            connector._executions.process(item)
        await connector._web_assistants_factory.close()
    asyncio.run(go())
    return events


def test_a_full_fill_reported_partially_filled_then_filled_completes_once_after_every_fill(connector):
    events = _run(connector, [report("pending_new", "pending_new", 0), report("new", "new", 0),
                              fill("TX1", 0.001, 0.001), fill("TX2", 0.001, 0.002),     # whole, still "partial"
                              report("filled", "filled", 0.002)])
    assert [name for name, _ in events] == ["BuyOrderCreated", "OrderFilled", "OrderFilled", "BuyOrderCompleted"]
    filled = [e for name, e in events if name == "OrderFilled"]
    assert [f.amount for f in filled] == [Decimal("0.001"), Decimal("0.001")]
    assert events[-1][1].base_asset_amount == Decimal("0.002")
    assert connector.in_flight_orders == {}


def test_pending_new_alone_creates_nothing_and_a_fill_seen_twice_is_one_fill(connector):
    events = _run(connector, [report("pending_new", "pending_new", 0)])
    assert events == []
    assert connector._order_tracker.fetch_order(client_order_id="HBOT-1").exchange_order_id == "OAVY7T-MV5VK-KHDF5X"
    for item in (report("new", "new", 0), fill("TX1", 0.001, 0.001), fill("TX1", 0.001, 0.001)):
        connector._executions.process(item)
    assert [name for name, _ in events] == ["BuyOrderCreated", "OrderFilled"]


def test_a_report_of_an_order_not_ours_or_unreadable_changes_nothing(connector):
    events = _run(connector, [report("new", "new", 0, cl_ord_id="OTHER", order_id="OOTHER-AAAAA-BBBBBB"),
                              report("trade", "partially_filled", 0.001, last_qty="junk")])
    assert events == []
    assert sum(connector.refused_user_events.values()) == 1


def test_a_cancel_after_an_unseen_fill_waits_for_that_fill(connector):
    events = _run(connector, [report("new", "new", 0), report("canceled", "canceled", 0.001)])
    # the fill the cancel reveals is owed: fetched by REST before the cancelled event goes out
    assert [name for name, _ in events] == ["BuyOrderCreated"]
    assert connector._order_tracker.owed_fills == {"HBOT-1": Decimal("0.001")}
