"""The perpetual connector's user stream going silent: an open listenKey socket that
delivers nothing and answers no ping is noticed, replaced, and what it missed reconciled by REST
(docs/contracts.md, Contract 4).  Short timeouts here; the defaults are checked separately."""
from decimal import Decimal

from support import until
from support.perpetual import Session, make_connector

from hummingbot_conn.common import OrderType, PositionAction
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_derivative import BinancePerpetualDerivative
from hummingbot_conn.web.ws_assistant import WSAssistant

PAIR = "BTC-USDT"
FILLED = ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]


async def test_a_silent_user_stream_is_replaced_and_what_it_missed_is_reconciled(fsim):
    key, secret = fsim.create_account("10000")
    connector = make_connector(fsim, key, secret, short_poll_interval=600.0, long_poll_interval=600.0)
    source = connector.user_stream_tracker.data_source
    source.heartbeat_interval, source.pong_timeout = 0.3, 0.3
    session = Session(fsim, connector, key)
    seller_key, _ = fsim.create_account("1000000", leverage={"BTCUSDT": 20})
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        order_id = connector.buy(PAIR, Decimal("0.01"), OrderType.LIMIT, Decimal("50000"),
                                 position_action=PositionAction.OPEN)
        await session.wait_kinds(order_id, FILLED[:1])
        fsim.faults.add("mute_user_sockets")
        fsim.engine.place_order(fsim.account(seller_key), "BTCUSDT", "SELL", "MARKET", quantity=Decimal("0.01"))
        await session.wait_kinds(order_id, FILLED, timeout=20)
        assert source.connection_number == 2 and connector.user_stream_tracker.connected
        await until(lambda: session.sim_positions() == session.our_positions(), 10)
        assert session.our_positions() == {("BTCUSDT", "BOTH"): (Decimal("0.01"), Decimal("50000"))}
    finally:
        await connector.stop_network()


async def test_the_defaults_notice_a_silent_stream_within_45_seconds(fsim, monkeypatch):
    seen = []
    connect = WSAssistant.connect

    async def recording(self, ws_url, **kwargs):
        seen.append((ws_url, kwargs))
        return await connect(self, ws_url, **kwargs)
    monkeypatch.setattr(WSAssistant, "connect", recording)
    key, secret = fsim.create_account("10000")
    domain = make_connector(fsim, key, secret).domain
    connector = BinancePerpetualDerivative(key, secret, trading_pairs=[PAIR], domain=domain)
    await connector.start_network()
    try:
        await connector.wait_ready(10)
    finally:
        await connector.stop_network()
    source = connector.user_stream_tracker.data_source
    assert source.heartbeat_interval == 30.0 and source.pong_timeout == 10.0 and source.silence_detection_time <= 45
    [kwargs] = [k for url, k in seen if "listenKey=" in url]
    assert kwargs["ping_timeout"] == 30.0 and kwargs["pong_timeout"] == 10.0
