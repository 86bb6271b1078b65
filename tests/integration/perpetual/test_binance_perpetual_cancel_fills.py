"""A cancel whose answer reveals fills the user stream has not delivered (``executedQty`` above what the
connector saw): the fills are fetched and reported before the cancel, as on spot (the cancel both Binance
connectors share, ``binance/_common/connector.py``)."""
from decimal import Decimal

from hummingbot_conn.common import OrderType, PositionAction

from .conftest import Session, make_connector


async def test_perpetual_cancel_reports_the_fills_its_answer_reveals_before_the_cancel(fsim):
    key, secret = fsim.create_account("10000")
    connector = make_connector(fsim, key, secret, short_poll_interval=600.0, long_poll_interval=600.0)
    session = Session(fsim, connector, key)
    seller_key, _ = fsim.create_account("1000000", leverage={"BTCUSDT": 20})
    await connector.start_network()
    try:
        await connector.wait_ready(10)
        order_id = connector.buy("BTC-USDT", Decimal("0.01"), OrderType.LIMIT, Decimal("50000"),
                                 position_action=PositionAction.OPEN)
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
        fsim.faults.add("mute_user_sockets")                      # the fill never comes by the stream
        fsim.engine.place_order(fsim.account(seller_key), "BTCUSDT", "SELL", "MARKET", quantity=Decimal("0.004"))
        connector.cancel("BTC-USDT", order_id)
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderCancelledEvent"])
        assert session.events(order_id)[1].amount == Decimal("0.004")
    finally:
        await connector.stop_network()
