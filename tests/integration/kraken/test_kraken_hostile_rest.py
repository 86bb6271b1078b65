"""Kraken REST answers from a hostile venue, end to end against ``KrakenSimulatedExchange`` (real HTTP on
127.0.0.1; docs/kraken_spot.md section 3): an ``error`` that is not the documented list, a body with
both an error and a result, a rate-limit refusal while an order's outcome is unknown, and balances that
are no amounts.  The order the venue holds is never lost nor sent twice, no balance turns into garbage.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from support import until

from hummingbot_conn.common import OrderType
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.exchanges.kraken import KrakenEndpoints, KrakenExchange
from hummingbot_conn.sim.kraken import KrakenSimulatedExchange

PAIR = "BTC-USD"
ADD_ORDER, QUERY_ORDERS, BALANCE = "/0/private/AddOrder", "/0/private/QueryOrders", "/0/private/BalanceEx"


@pytest.fixture
async def sim():
    async with KrakenSimulatedExchange(seed=3, stream_interval=0.02) as sim:
        yield sim


def _rewrite(sim: Any, path: str, answer) -> list:
    """The venue processes each call of ``path`` as usual, then answers ``answer(body, call number)``."""
    calls: list = []
    handler, weight, security = sim.rest.endpoints[("POST", path)]

    def rewritten(*args: Any) -> Any:
        calls.append(args[0])
        return answer(handler(*args), len(calls))
    sim.rest.endpoints[("POST", path)] = (rewritten, weight, security)
    return calls


async def _trading(sim: Any) -> tuple[KrakenExchange, list]:
    key, secret = sim.create_account({"USD": "100000", "BTC": "1"})
    # the REST answers are what is hostile here (the socket's: test_kraken_ws_orders.py)
    connector = KrakenExchange(key, secret, [PAIR], domain=KrakenEndpoints.local(sim.rest_url.split("://", 1)[1]),
                               order_transport="rest")
    events: list = []
    for tag in MarketEvent:
        connector.add_listener(tag, lambda event, tag=tag: events.append((tag.name, event)))
    await connector.start_network()
    await connector.wait_ready(timeout=30)
    return connector, events


@pytest.mark.parametrize("stated", [
    lambda body: {"error": "EService:Unavailable"},                           # a string, not a list
    lambda body: {"error": {"message": "EService:Busy"}},                     # an object
    lambda body: {"error": ["EService:Busy"], "result": body["result"]},      # both error and result
], ids=["string", "object", "error-and-result"])
async def test_an_order_the_venue_took_under_an_error_of_any_shape_is_found_by_client_id_never_resent(sim, stated):
    placed = _rewrite(sim, ADD_ORDER, lambda body, n: stated(body))
    connector, events = await _trading(sim)
    try:
        order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await until(lambda: any(name in ("BuyOrderCreated", "OrderFailure") for name, _ in events), timeout=30)
        venue = [o.cl_ord_id for o in sim.engine.open_orders(sim.accounts.by_key(connector.api_key))]
        assert venue == [order_id] and len(placed) == 1
        assert [name for name, _ in events] == ["BuyOrderCreated"]
        assert connector.in_flight_orders[order_id].exchange_order_id is not None
    finally:
        await connector.stop_network()


async def test_a_rate_limited_status_query_while_the_outcome_is_unknown_waits_and_never_fails_the_order(sim):
    def limited(body, n):
        return {"error": ["EAPI:Rate limit exceeded"]} if n <= 3 else body
    queried = _rewrite(sim, QUERY_ORDERS, limited)
    connector, events = await _trading(sim)
    try:
        placed = _rewrite(sim, ADD_ORDER, lambda body, n: body)
        sim.faults.add("mute_user_sockets")     # no executions report: the order is found by QueryOrders
        sim.faults.add("lose_response", endpoint=f"POST {ADD_ORDER}", count=1)
        order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await until(lambda: any(name == "BuyOrderCreated" for name, _ in events), timeout=60)
        assert len(placed) == 1 and len(queried) > 3
        assert not any(name == "OrderFailure" for name, _ in events)
        assert connector.in_flight_orders[order_id].exchange_order_id is not None
    finally:
        await connector.stop_network()


@pytest.mark.parametrize("entry", [
    {"balance": "NaN", "hold_trade": "0"}, {"balance": "Infinity", "hold_trade": "0"},
    {"balance": "-1", "hold_trade": "0"}, {"balance": "1", "hold_trade": "2"}, {"balance": None},
    {"balance": "1e999999999", "hold_trade": "0"}, "1.0",
])
async def test_a_balance_answer_with_an_entry_that_is_no_amount_changes_no_balance(sim, entry):
    connector, _ = await _trading(sim)
    try:
        before = (connector.get_balance("USD"), connector.get_available_balance("USD"),
                  connector.get_balance("BTC"))
        _rewrite(sim, BALANCE, lambda body, n: {"error": [], "result": {**body["result"], "XXBT": entry}})
        with pytest.raises(ValueError, match="BalanceEx"):
            await connector._update_balances()
        assert (connector.get_balance("USD"), connector.get_available_balance("USD"),
                connector.get_balance("BTC")) == before
        assert before == (Decimal("100000"), Decimal("100000"), Decimal("1"))
    finally:
        await connector.stop_network()
