"""BinancePerpetualDerivative's user stream frames, strictly read: a hostile
ORDER_TRADE_UPDATE / ACCOUNT_UPDATE / ACCOUNT_CONFIG_UPDATE is refused whole, counted per
kind, logged once per kind and answered by a REST reconcile; it never becomes a fill, a
balance, a position or a leverage.  (No network: the connector is built, not started.)"""
from decimal import Decimal

import pytest
from support.payloads import load

from hummingbot_conn.common import OrderType, PositionAction, TradeType
from hummingbot_conn.event_logger import EventLogger
from hummingbot_conn.events import AccountEvent, MarketEvent
from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_derivative import BinancePerpetualDerivative

CID = "x-perp-0001"


def trade(**o):
    """The FILLED ORDER_TRADE_UPDATE of our order (tests/fixtures/binance_usdm), ``o`` changing its order."""
    event = load("binance_usdm", "order_trade_update_limit_buy_filled")
    event["o"].update(o)
    return event


def account(**fields):
    """An ACCOUNT_UPDATE (tests/fixtures/binance_usdm), ``fields`` changing its data."""
    event = load("binance_usdm", "account_update")
    event["a"].update(fields)
    return event


@pytest.fixture
async def perp():
    ex = BinancePerpetualDerivative("key", "secret", trading_pairs=["BTC-USDT"], clock=lambda: 1700000000.0)
    ex._set_trading_pair_symbol_map({"BTCUSDT": "BTC-USDT"})
    log = EventLogger()
    log.subscribe(ex, list(MarketEvent) + list(AccountEvent))
    ex.start_tracking_order(CID, "42", "BTC-USDT", TradeType.BUY, Decimal("60000"), Decimal("0.01"),
                            OrderType.LIMIT, position_action=PositionAction.OPEN)
    polls = []
    ex._status_poller.poll_now = lambda: polls.append(1)
    yield ex, log, polls
    await ex.stop_network()


async def test_a_good_fill_is_applied(perp):
    ex, log, polls = perp
    ex._user_events.process(trade())
    assert [type(e).__name__ for e in log.event_log] == ["BuyOrderCreatedEvent", "OrderFilledEvent",
                                                          "BuyOrderCompletedEvent"]
    assert ex.refused_user_events == {} and polls == []


@pytest.mark.parametrize("fields", [
    {"t": True}, {"t": "7"}, {"n": "1E+999999999"}, {"l": 0.01}, {"L": "Infinity"}, {"i": True},
    {"T": 1.7e12}, {"S": 1}, {"c": None}, {"N": 0}, {"m": 0}, {"ps": "UP"}, {"rp": "1E+60"}, {"z": True},
])
async def test_hostile_order_trade_updates_are_refused(perp, fields, caplog):
    ex, log, polls = perp
    ex._user_events.process(trade(**fields))
    assert log.event_log == []
    assert ex.in_flight_orders[CID].executed_amount_base == Decimal(0)
    assert ex.refused_user_events == {"ORDER_TRADE_UPDATE": 1} and polls == [1]
    assert sum("Refused" in r.getMessage() for r in caplog.records if r.levelname == "ERROR") == 1


@pytest.mark.parametrize("event", [
    account(B=[{"a": "USDT", "wb": "1E+999999999"}]),
    account(B=[{"a": True, "wb": "1"}]),
    account(P=[{"s": "BTCUSDT", "pa": 0.01, "ep": "60000", "up": "1", "ps": "BOTH"}]),
    account(P=[{"s": "BTCUSDT", "pa": "0.01", "ep": "60000", "up": "1", "ps": "SIDEWAYS"}]),
    account(P="BTCUSDT"),
    {**account(), "T": False},
])
async def test_hostile_account_updates_change_no_balance_and_no_position(perp, event):
    ex, log, polls = perp
    ex._user_events.process(event)
    assert ex.get_all_balances() == {} and ex.account_positions == {}
    assert log.event_log == []
    assert ex.refused_user_events == {"ACCOUNT_UPDATE": 1} and polls == [1]


async def test_hostile_leverage_updates_are_refused_and_counted(perp, caplog):
    ex, _, polls = perp
    for leverage in (True, 0, "20", 20.0):
        ex._user_events.process({"e": "ACCOUNT_CONFIG_UPDATE", "E": 1, "T": 1, "ac": {"s": "BTCUSDT",
                                                                                    "l": leverage}})
    assert ex.get_leverage("BTC-USDT") == 1
    assert ex.refused_user_events == {"ACCOUNT_CONFIG_UPDATE": 4} and len(polls) == 4
    assert sum(r.levelname == "ERROR" for r in caplog.records) == 1       # logged once per kind
    ex._user_events.process({"e": "ACCOUNT_CONFIG_UPDATE", "E": 1, "T": 1, "ac": {"s": "BTCUSDT", "l": 20}})
    assert ex.get_leverage("BTC-USDT") == 20
