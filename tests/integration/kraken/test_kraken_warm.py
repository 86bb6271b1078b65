"""``warm_order_path`` on Kraken, the cases its order socket adds: a token due for renewal or refused
(a rehearsal never asks for one), a caller's own client order id generator (the rehearsal's
placeholder id), a MARKET order that took its whole side.  End to end against
``KrakenSimulatedExchange`` on real sockets; the basic promise is in test_kraken_ws_orders.py."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, List

import pytest
from support import until

from hummingbot_conn.common import OrderType
from hummingbot_conn.exchanges.kraken import KrakenEndpoints, KrakenExchange
from hummingbot_conn.sim.kraken import KrakenSimulatedExchange

PAIR, SYMBOL, ALTNAME = "BTC-USD", "BTC/USD", "XBTUSD"
TOKEN_PATH = "/0/private/GetWebSocketsToken"


@pytest.fixture
async def sim():
    async with KrakenSimulatedExchange(seed=3, stream_interval=0.02) as sim:
        yield sim


async def _started(sim: Any, **options: Any) -> tuple[KrakenExchange, List[Any]]:
    key, secret = sim.create_account({"USD": "100000", "BTC": "2"})
    options.setdefault("api_tier", "intermediate")
    connector = KrakenExchange(key, secret, [PAIR], domain=KrakenEndpoints.local(sim.rest_url.split("://", 1)[1]),
                               **options)
    tokens: List[Any] = []
    handler, weight, security = sim.rest.endpoints[("POST", TOKEN_PATH)]

    def counting(*args: Any) -> Any:
        tokens.append(args[0])
        return handler(*args)
    sim.rest.endpoints[("POST", TOKEN_PATH)] = (counting, weight, security)
    await connector.start_network()
    await connector.wait_ready(timeout=30)
    await until(lambda: connector.ws_order_entry.up)
    return connector, tokens


def _open(connector: KrakenExchange, order_id: str) -> bool:
    order = connector.in_flight_orders.get(order_id)
    return order is not None and order.exchange_order_id is not None


@pytest.mark.parametrize("token", ["due", "refused"])
async def test_a_rehearsal_never_asks_for_a_token(sim, token):
    connector, tokens = await _started(sim)
    try:
        connector.warm_order_path(0.001)
        warmer, entry = connector.order_path_warmer, connector.ws_order_entry
        order_id = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await until(lambda: _open(connector, order_id))
        asked = len(tokens)
        if token == "due":
            entry._token_used, entry._token_at = False, entry._token_at - 601
        else:
            entry._token = None
        before = warmer.rehearsals
        await until(lambda: warmer.rehearsals >= before + 30)
        assert warmer.failures == 0 and len(tokens) == asked
        assert sim.private_ws.requests["add_order"] == 1
        second = connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
        await until(lambda: _open(connector, second))
        assert len(tokens) == asked + 1         # the real order renews it, once
    finally:
        await connector.stop_network()


async def test_a_callers_own_ids_and_a_market_order_that_took_its_side(sim):
    ids = iter(f"mine-{n}" for n in range(100))
    connector, _ = await _started(sim, client_order_id_generator=lambda is_buy, pair: next(ids))
    try:
        connector.warm_order_path(0.001)
        warmer = connector.order_path_warmer
        sim.place_liquidity(SYMBOL, "sell", "60000", "0.002")
        await until(lambda: connector.get_price(PAIR, True) == Decimal("60000"))
        order_id = connector.buy(PAIR, Decimal("0.002"), OrderType.MARKET)
        assert order_id == "mine-0"
        await until(lambda: order_id not in connector.in_flight_orders and warmer.rehearsals >= 20)
        assert not connector.get_price(PAIR, True).is_finite()      # the order took the whole side
        before = warmer.rehearsals
        await until(lambda: warmer.rehearsals >= before + 20)
        assert warmer.failures == 0 and next(ids) == "mine-1"      # the generator was called once
        assert sim.private_ws.requests["add_order"] == 1
    finally:
        await connector.stop_network()
