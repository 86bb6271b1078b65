"""A cancel whose answer reveals fills the user stream has not delivered (``executedQty`` above what the
connector saw): the fills are fetched and reported before the cancel, as on spot (the cancel both Binance
connectors share, ``binance/_common/connector.py``)."""
from decimal import Decimal

from support.perpetual import Session, make_connector

from hummingbot_conn.common import OrderType, PositionAction


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


USER_TRADES = "GET /fapi/v1/userTrades"
FETCH_REQUESTS = 3      # one fetch of the fill list: the request and the REST layer's 2 retries of a 5xx


async def _resting_buy(fsim, **options):
    key, secret = fsim.create_account("10000")
    connector = make_connector(fsim, key, secret, **options)
    session = Session(fsim, connector, key)
    seller_key, _ = fsim.create_account("1000000", leverage={"BTCUSDT": 20})
    await connector.start_network()
    await connector.wait_ready(10)
    order_id = connector.buy("BTC-USDT", Decimal("0.01"), OrderType.LIMIT, Decimal("50000"),
                             position_action=PositionAction.OPEN)
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    return session, order_id, fsim.account(seller_key)


def _our_fill_ids(fsim, session):
    return [str(f.trade_id) for f in fsim.engine.account_fills[(session.account.account_id, "BTCUSDT")]]


def _reported_fill_ids(session, order_id):
    return [e.exchange_trade_id for e in session.events(order_id) if type(e).__name__ == "OrderFilledEvent"]


async def test_perpetual_cancel_whose_fills_cannot_be_fetched_reports_them_once_later(fsim):
    # the cancel's answer says 0.004 executed; the fill list is down (429) for longer than the cancel
    # may wait: the cancel is published, then the fill, once, when the list answers again
    session, order_id, seller = await _resting_buy(fsim, long_poll_interval=1.0)
    connector = session.connector
    try:
        fsim.faults.add("mute_user_sockets")
        fsim.engine.place_order(seller, "BTCUSDT", "SELL", "MARKET", quantity=Decimal("0.004"))
        fsim.faults.add("http_429", endpoint=USER_TRADES, count=None)
        connector.cancel("BTC-USDT", order_id)
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent"], timeout=20)
        fsim.faults.clear()
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent", "OrderFilledEvent"],
                                 timeout=30)
        assert _reported_fill_ids(session, order_id) == _our_fill_ids(fsim, session)
        assert session.events(order_id)[2].amount == Decimal("0.004")
    finally:
        await connector.stop_network()


async def test_perpetual_cancel_on_the_stream_revealing_a_lost_fill_waits_for_it(fsim):
    # the TRADE event is lost (the stream was away), the CANCELED event (z = 0.004) arrives while
    # the fill list fails once: the fill is fetched again and reported before the cancel
    session, order_id, seller = await _resting_buy(fsim, long_poll_interval=600.0)
    connector = session.connector
    connector._order_tracker._missing.hold_seconds = 60.0     # (5 s by default) ample on a loaded machine
    try:
        listeners = list(fsim.engine.user_listeners)
        fsim.engine.user_listeners.clear()
        fsim.engine.place_order(seller, "BTCUSDT", "SELL", "MARKET", quantity=Decimal("0.004"))
        fsim.engine.user_listeners.extend(listeners)
        fsim.faults.add("http_error", endpoint=USER_TRADES, status=503, count=FETCH_REQUESTS)
        fsim.engine.cancel_order(session.account, "BTCUSDT", orig_client_id=order_id)
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderCancelledEvent"])
        assert _reported_fill_ids(session, order_id) == _our_fill_ids(fsim, session)
        assert connector._order_tracker.owed_fills == {}
    finally:
        await connector.stop_network()
