"""restore_tracking_states checks every entry on its own: the valid ones are
restored whatever the others hold, the refused ones come back by client id with a reason.

Before: an entry whose order had just finished here raised out of the loop (every entry
after it was dropped), a duplicate exchange id silently overwrote the index, and a
finished or duplicate entry vanished without a word.
"""
import json
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker

PAIR = "BTC-USDT"


def order(cid, eid=None, state=OrderState.OPEN, pair=PAIR):
    return InFlightOrder(cid, pair, OrderType.LIMIT, TradeType.BUY, Decimal("1"), 1.0, Decimal("100"),
                         exchange_order_id=eid, initial_state=state)


def saved(*orders):
    return json.loads(json.dumps({o.client_order_id: o.to_json() for o in orders}))


def tracker():
    return ClientOrderTracker(clock=lambda: 1000.0)


def test_an_order_that_just_finished_here_is_refused_and_the_entries_after_it_are_restored():
    t = tracker()
    t.start_tracking_order(order("done", eid="1"))
    t.process_order_update(OrderUpdate(PAIR, 2.0, OrderState.CANCELED, "done", "1"))
    assert "done" in t.cached_orders
    states = saved(order("a", eid="10"), order("done", eid="1"), order("b", eid="11"), order("c"))
    refused = t.restore_tracking_states(states)         # raised ValueError("already tracked") before
    assert list(refused) == ["done"] and "just finished" in refused["done"]
    assert set(t.active_orders) == {"a", "b", "c"}
    assert t.fetch_order(exchange_order_id="11").client_order_id == "b"


def test_each_kind_of_bad_entry_is_refused_by_client_id_with_its_reason(caplog):
    t = tracker()
    t.start_tracking_order(order("live", eid="7"))
    states = saved(order("ok1", eid="100"))
    states.update({
        "malformed": {"client_order_id": "malformed"},
        "not-json": "{}",
        "number": 5,
        "filled": order("filled", eid="101", state=OrderState.FILLED).to_json(),
        "cancelled": order("cancelled", state=OrderState.CANCELED).to_json(),
        "expired": order("expired", state=OrderState.EXPIRED).to_json(),
        "live": order("live", eid="7").to_json(),                        # already active here
        "other-key": order("renamed").to_json(),                         # saved under another key
        "same-eid": order("same-eid", eid="7").to_json(),                # exchange id of "live"
        "bad-amount": {**order("bad-amount").to_json(), "amount": "1E+999999999"},
    })
    states[3] = None
    states.update(saved(order("ok2", eid="102")))
    refused = t.restore_tracking_states(states)
    assert set(refused) == {"malformed", "not-json", "number", "filled", "cancelled", "expired", "live",
                            "other-key", "same-eid", "bad-amount", "3"}
    assert "FILLED" in refused["filled"] and "already active" in refused["live"]
    assert "renamed" in refused["other-key"] and "belongs to tracked order live" in refused["same-eid"]
    assert "amount" in refused["bad-amount"] and "not a saved order" in refused["not-json"]
    assert "key must be a client order id" in refused["3"]
    assert set(t.active_orders) == {"live", "ok1", "ok2"}
    assert t.fetch_order(exchange_order_id="7").client_order_id == "live"
    # every refusal is in the log, by client id
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert all(f"order {cid}:" in logged for cid in refused)


def test_duplicate_exchange_ids_within_the_saved_states_keep_the_first():
    t = tracker()
    refused = t.restore_tracking_states(saved(order("first", eid="9"), order("second", eid="9")))
    assert list(refused) == ["second"]
    assert t.fetch_order(exchange_order_id="9").client_order_id == "first"


def test_lost_orders_restore_as_lost_and_a_second_copy_is_refused():
    t = tracker()
    lost = order("lost", eid="5", state=OrderState.FAILED)
    assert t.restore_tracking_states(saved(lost)) == {}
    assert set(t.lost_orders) == {"lost"}
    refused = t.restore_tracking_states(saved(lost))
    assert list(refused) == ["lost"] and "lost" in refused["lost"]


def test_check_pair_refuses_with_its_reason_and_keeps_the_others():
    t = tracker()
    states = saved(order("btc"), order("foo", pair="FOO-BAR"), order("btc2"))
    refused = t.restore_tracking_states(states, check_pair=lambda p: None if p == PAIR else f"no {p}")
    assert refused == {"foo": "no FOO-BAR"}
    assert set(t.active_orders) == {"btc", "btc2"}


@pytest.fixture
async def exchange():
    ex = BinanceExchange(binance_api_key="key", binance_api_secret="secret", trading_pairs=["BTC-USDT"],
                         clock=lambda: 1700000000.0)
    yield ex
    await ex.stop_network()


async def test_connector_refuses_a_pair_it_cannot_address_and_says_why(exchange):
    ex = exchange
    states = saved(order("btc", eid="1"), order("eth", eid="2", pair="ETH-USDT"), order("foo", pair="FOO-BAR"))
    # before start: only the connector's own pairs can be vouched for
    refused = ex.restore_tracking_states(states)
    assert set(refused) == {"eth", "foo"} and "trading_pairs" in refused["foo"]
    assert set(ex.in_flight_orders) == {"btc"}
    # once the exchange's pairs are known, any pair it lists is accepted
    ex._set_trading_pair_symbol_map({"BTCUSDT": "BTC-USDT", "ETHUSDT": "ETH-USDT"})
    refused = ex.restore_tracking_states(states)
    assert set(refused) == {"btc", "foo"}
    assert "not a trading pair of binance" in refused["foo"] and "already active" in refused["btc"]
    assert set(ex.in_flight_orders) == {"btc", "eth"}


async def test_connector_restore_still_refuses_a_non_mapping(exchange):
    with pytest.raises(TypeError, match="mapping"):
        exchange.restore_tracking_states([("a", {})])
