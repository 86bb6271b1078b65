"""A WebSocket token the venue refuses mid-session (docs/kraken_spot.md section 7: tokens are short-lived and
checked when a socket subscribes): the private stream fetches a fresh token and subscribes again after its
usual back-off, never treating the refusal as a wrong key (which is retried only once a minute and fails
``wait_ready``)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from support import until

from hummingbot_conn.exchanges.kraken import KrakenEndpoints, KrakenExchange
from hummingbot_conn.sim.kraken import KrakenSimulatedExchange

from .test_kraken_hostile_rest import _rewrite

TOKEN = "/0/private/GetWebSocketsToken"


@pytest.fixture
async def sim():
    async with KrakenSimulatedExchange(seed=3, stream_interval=0.02) as sim:
        yield sim


async def test_an_expired_token_on_a_reconnect_is_replaced_and_the_stream_subscribes_again(sim):
    # the second token (the reconnect's) is one the venue no longer honours
    calls = _rewrite(sim, TOKEN, lambda body, n: {"error": [], "result": {"token": "expired-token", "expires": 900}}
                     if n == 2 else body)
    key, secret = sim.create_account({"USD": "100000", "BTC": "1"})
    connector = KrakenExchange(key, secret, ["BTC-USD"], domain=KrakenEndpoints.local(sim.rest_url.split("://", 1)[1]))
    await connector.start_network()
    try:
        await connector.wait_ready(timeout=30)

        def subscribed() -> bool:
            return any(s.channels == {"executions", "balances"} for s in sim.private_ws.sessions.values())
        await until(subscribed)
        sim.faults.add("close_user_sockets")
        await until(lambda: len(calls) >= 3 and subscribed(), timeout=20)
        source = connector._user_stream_tracker.data_source
        assert source.permanent_error is None
        # and the stream carries the account again: a deposit's balance arrives on it
        sim.admin_deposit(sim.accounts.by_key(key), "USD", Decimal("1"))
        await until(lambda: connector.get_balance("USD") == Decimal("100001"), timeout=20)
    finally:
        await connector.stop_network()
