"""Fills owed to a finished order (docs/contracts.md, Contract 2; ``tracking/missing_fills.py``): the
exchange's final word says the order executed more than the fills we hold (their stream report was
lost) and the first fetch of its fills fails.  Whatever path brings that word (the user stream, the
REST poll after the stream was away), the fills are fetched again and reported exactly once: before
the final event when they come within its bounded wait, after it otherwise."""
from decimal import Decimal

from support import until
from support.spot import Counterparty, Session, make_connector

from hummingbot_conn.common import OrderType

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
MY_TRADES = "GET /api/v3/myTrades"
FETCH_REQUESTS = 3      # one fetch of the fill list: the request and the REST layer's 2 retries of a 5xx


async def _resting_buy(sim, **options):
    key, secret = sim.create_account({"USDT": "100000", "BTC": "2"})
    connector = make_connector(sim, key, secret, **options)
    session = Session(sim, connector, key)
    await connector.start_network()
    await connector.wait_ready(10)
    order_id = connector.buy(PAIR, Decimal("0.002"), OrderType.LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    return session, order_id


def _patient(connector):
    # the final event's wait, bounded at 5 s, made long enough for a loaded machine: these tests
    # are about the fills coming first when they come within it
    connector._order_tracker._missing.hold_seconds = 60.0


def _unheard(sim, account_id):
    """Stop the account's user events (as while its socket is down); returns the restore call."""
    listening = sim.engine.user_event_filter
    sim.engine.user_event_filter = lambda a: a != account_id and (listening is None or listening(a))

    def restore():
        sim.engine.user_event_filter = listening
    return restore


def _fill_ids(sim, account_id):
    return [str(f.trade_id) for f in sim.engine.account_fills[(account_id, SYMBOL)]]


def _reported_fill_ids(session, order_id):
    return [e.exchange_trade_id for e in session.events(order_id) if type(e).__name__ == "OrderFilledEvent"]


async def test_a_cancel_on_the_stream_revealing_a_lost_fill_waits_for_it(sim):
    # the TRADE report is lost, the CANCELED report (z = 0.001) arrives while the fill list fails once
    session, order_id = await _resting_buy(sim, long_poll_interval=600.0)
    _patient(session.connector)
    try:
        account = sim.account(session.api_key)
        restore = _unheard(sim, account.account_id)
        Counterparty(sim).limit("SELL", "0.001", "55000")
        restore()
        sim.faults.add("http_error", endpoint=MY_TRADES, status=503, count=FETCH_REQUESTS)
        sim.engine.cancel_order(account, SYMBOL, orig_client_id=order_id)
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderCancelledEvent"])
        assert _reported_fill_ids(session, order_id) == _fill_ids(sim, account.account_id)
        assert session.connector._order_tracker.owed_fills == {}
    finally:
        await session.connector.stop_network()


async def test_a_poll_after_the_stream_was_away_reports_the_fill_before_the_cancel(sim):
    # nothing reached the stream; the poll learns CANCELED with executedQty 0.001 while the fill list
    # fails twice (the poll's own fetch and the first retry)
    session, order_id = await _resting_buy(sim, long_poll_interval=600.0)
    connector = session.connector
    _patient(connector)
    try:
        account = sim.account(session.api_key)
        restore = _unheard(sim, account.account_id)
        Counterparty(sim).limit("SELL", "0.001", "55000")
        sim.engine.cancel_order(account, SYMBOL, orig_client_id=order_id)
        sim.faults.add("http_error", endpoint=MY_TRADES, status=503, count=2 * FETCH_REQUESTS)
        await connector._status_poller.update_order_status()
        assert session.kinds(order_id) == ["BuyOrderCreatedEvent"]       # held, the fill is being fetched
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderCancelledEvent"])
        assert _reported_fill_ids(session, order_id) == _fill_ids(sim, account.account_id)
        restore()
    finally:
        await connector.stop_network()


async def test_fills_that_stay_unfetchable_are_reported_once_after_the_cancel(sim):
    # the fill list is down for longer than the cancel may wait: the cancel is published, and the
    # fill when the list answers again (a poll cycle), once
    session, order_id = await _resting_buy(sim, long_poll_interval=1.0)
    connector = session.connector
    try:
        account = sim.account(session.api_key)
        restore = _unheard(sim, account.account_id)
        Counterparty(sim).limit("SELL", "0.001", "55000")
        restore()
        sim.faults.add("http_error", endpoint=MY_TRADES, status=503, count=None)
        sim.engine.cancel_order(account, SYMBOL, orig_client_id=order_id)
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent"], timeout=20)
        assert connector._order_tracker.owed_fills == {order_id: Decimal("0.001")}
        sim.faults.clear()
        await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderCancelledEvent", "OrderFilledEvent"],
                                 timeout=20)
        assert _reported_fill_ids(session, order_id) == _fill_ids(sim, account.account_id)
        await until(lambda: connector._order_tracker.owed_fills == {})
    finally:
        await connector.stop_network()
