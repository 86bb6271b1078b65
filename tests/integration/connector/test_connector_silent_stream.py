"""A user stream that stays open but goes silent: noticed, replaced, reconciled.

The simulator's ``mute_user_sockets`` fault keeps the socket open while it delivers nothing
and answers no ping (hummingbot_conn/sim/kernel/heartbeat.py).  An order of ours fills during the
silence; its events are lost with the socket.  The connector must notice the silence by
itself (a ping without an answer within ``pong_timeout``), reconnect, and reconcile by REST
(docs/contracts.md, Contract 4), with the REST polls far too slow to hide a failure.

Short timeouts here (0.3 + 0.3 s); the defaults (at most 45 s) are checked separately.
"""
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.tracking.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hummingbot_conn.web.ws_assistant import WSAssistant

FILLED = ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]


async def test_a_silent_user_stream_is_replaced_and_what_it_missed_is_reconciled(sim, harness):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "2"})
    # polls every 10 minutes: only the reconnect's reconciliation can report the fill in time
    connector = harness.make_connector(sim, key, secret, short_poll_interval=600.0, long_poll_interval=600.0)
    source = connector.user_stream_tracker.data_source
    source.heartbeat_interval, source.pong_timeout = 0.3, 0.3
    session = harness.Session(sim, connector, key)
    seller = harness.Counterparty(sim)
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        order_id = connector.buy("BTC-USDT", Decimal("0.01"), OrderType.LIMIT, Decimal("50000"))
        await session.wait_kinds(order_id, FILLED[:1])
        await harness.until(lambda: connector.get_available_balance("USDT") < Decimal("100000"))
        sim.faults.add("mute_user_sockets")
        seller.market("SELL", "0.01")          # fills our bid; the execution reports go nowhere
        await session.wait_kinds(order_id, FILLED, timeout=20)
        assert source.connection_number == 2 and connector.user_stream_tracker.connected
        await harness.until(lambda: session.our_balances() == session.sim_balances(), 10)
        # the new socket works: the next event comes by the stream again
        sim.engine.deposit(sim.account(key), "USDT", Decimal("1"))
        await harness.until(lambda: session.our_balances() == session.sim_balances(), 10)
    finally:
        await connector.stop_network()


async def test_the_defaults_notice_a_silent_stream_within_45_seconds(sim, harness, monkeypatch):
    """What a connector built with no options passes to its user-stream socket."""
    assert UserStreamTrackerDataSource.DEFAULT_HEARTBEAT_INTERVAL + UserStreamTrackerDataSource.DEFAULT_PONG_TIMEOUT \
        <= 45
    seen = []
    connect = WSAssistant.connect

    async def recording(self, ws_url, **kwargs):
        seen.append((ws_url, kwargs))
        return await connect(self, ws_url, **kwargs)
    monkeypatch.setattr(WSAssistant, "connect", recording)
    key, secret = sim.create_account({"USDT": "100"})
    connector = BinanceExchange(binance_api_key=key, binance_api_secret=secret, trading_pairs=["BTC-USDT"],
                                domain=harness.make_connector(sim, key, secret).domain)
    await connector.start_network()
    try:
        await connector.wait_ready(10)
    finally:
        await connector.stop_network()
    source = connector.user_stream_tracker.data_source
    assert source.heartbeat_interval == 30.0 and source.pong_timeout == 10.0
    assert source.silence_detection_time == pytest.approx(40.0)
    [(url, kwargs)] = [(u, k) for u, k in seen if u.endswith("/ws-api/v3")]
    assert kwargs["ping_timeout"] == 30.0 and kwargs["pong_timeout"] == 10.0
    assert kwargs["ping_timeout"] + kwargs["pong_timeout"] <= 45
