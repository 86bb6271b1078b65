"""BinanceExchange's user stream handling, event by event (no network: the
connector is built but not started, and events are fed to its handler)."""
from decimal import Decimal

import pytest
from support.payloads import load

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.event_logger import EventLogger
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange

CID = "x-MG43PCSNBBCUTtest0001"


def report(**fields):
    """A NEW executionReport of our order (tests/fixtures/binance_spot), ``fields`` changed."""
    return {**load("binance_spot", "execution_report_new"), **fields}


@pytest.fixture
async def exchange():
    ex = BinanceExchange(binance_api_key="key", binance_api_secret="secret", trading_pairs=["BTC-USDT"],
                         clock=lambda: 1700000000.0)
    ex._set_trading_pair_symbol_map({"BTCUSDT": "BTC-USDT"})
    log = EventLogger()
    log.subscribe(ex, list(MarketEvent))
    ex.start_tracking_order(CID, None, "BTC-USDT", TradeType.BUY, Decimal("50000"), Decimal("0.003"),
                            OrderType.LIMIT)
    yield ex, log
    await ex.stop_network()


async def test_execution_reports_drive_the_lifecycle_once(exchange):
    ex, log = exchange
    handler = ex._user_events
    trade1 = report(x="TRADE", X="PARTIALLY_FILLED", t=7, l="0.00100000", z="0.00100000", L="50000.00000000",
                    Y="50.00000000", n="0.00000100", N="BTC", m=True)
    trade2 = report(x="TRADE", X="FILLED", t=8, l="0.00200000", z="0.00300000", L="50000.00000000",
                    Y="100.00000000", n="0.00000200", N="BTC", m=True)
    for event in (trade1, report(), trade1, trade2, trade2, report(x="CANCELED", X="CANCELED", c="other", C=CID)):
        handler.process(event)
    kinds = [type(e).__name__ for e in log.event_log]
    assert kinds == ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"]
    completed = log.event_log[-1]
    assert (completed.base_asset_amount, completed.quote_asset_amount) == (Decimal("0.003"), Decimal("150"))
    assert log.event_log[1].trade_fee.flat_fees[0].amount == Decimal("0.000001")
    assert handler.skipped == 0


@pytest.mark.parametrize("event", [
    "not a dict", 17, None, [], {"e": "executionReport"},
    report(x="TRADE", X="FILLED", t=9, l="NaN", L="50000", Y="1"),
    report(X="WHATEVER"),
    {"e": "outboundAccountPosition", "E": 1, "u": 5, "B": [{"a": "BTC", "f": "Infinity", "l": "0"}]},
    {"e": "outboundAccountPosition", "E": 1, "u": 5, "B": "BTC"},
    {"e": "balanceUpdate", "E": 1, "a": "BTC", "d": "nope", "T": 2},
])
async def test_malformed_events_are_skipped_and_change_nothing(exchange, event):
    ex, log = exchange
    ex._user_events.process(event)
    assert log.event_log == []
    assert ex.get_all_balances() == {}
    order = ex.in_flight_orders[CID]
    assert order.executed_amount_base == Decimal(0) and order.is_pending_create
    assert ex._user_events.skipped == 1


async def test_events_of_other_symbols_and_kinds_are_ignored(exchange):
    ex, log = exchange
    ex._user_events.process(report(s="DOGEUSDT"))
    ex._user_events.process({"e": "listStatus", "E": 1})
    assert log.event_log == [] and ex._user_events.skipped == 0


async def test_account_events_update_balances_in_venue_time_order(exchange):
    ex, _ = exchange
    handler = ex._user_events
    handler.process({"e": "outboundAccountPosition", "E": 10, "u": 10,
                     "B": [{"a": "BTC", "f": "1.5", "l": "0.5"}, {"a": "USDT", "f": "100", "l": "0"}]})
    handler.process({"e": "outboundAccountPosition", "E": 9, "u": 9, "B": [{"a": "BTC", "f": "9", "l": "9"}]})
    handler.process({"e": "balanceUpdate", "E": 11, "a": "USDT", "d": "-40.5", "T": 11})
    assert (ex.get_balance("BTC"), ex.get_available_balance("BTC")) == (Decimal("2.0"), Decimal("1.5"))
    assert (ex.get_balance("USDT"), ex.get_available_balance("USDT")) == (Decimal("59.5"), Decimal("59.5"))


async def test_balance_asset_limit_caps_the_available_amount():
    ex = BinanceExchange(binance_api_key="key", binance_api_secret="secret",
                         balance_asset_limit={"binance": {"USDT": Decimal("100")}})
    ex._user_events.process({"e": "outboundAccountPosition", "E": 1, "u": 1,
                             "B": [{"a": "USDT", "f": "250", "l": "0"}, {"a": "BTC", "f": "1", "l": "0"}]})
    assert ex.get_available_balance("USDT") == Decimal("100") and ex.get_balance("USDT") == Decimal("250")
    assert ex.get_available_balance("BTC") == Decimal("1")
    await ex.stop_network()


async def test_poll_cadence_follows_stream_health_and_the_hummingbot_clock():
    now = [1000.0]
    ex = BinanceExchange(binance_api_key="key", binance_api_secret="secret", clock=lambda: now[0],
                         short_poll_interval=5.0, long_poll_interval=120.0)
    poller = ex._status_poller
    assert poller.poll_interval == 5.0                 # no stream yet: poll often
    ex._on_user_stream_connected(1)
    assert poller.poll_interval == 120.0 and ex._user_stream_connections == 1
    assert poller._notifier.is_set()                   # a (re)connect asks for a reconciliation at once
    poller._notifier.clear()
    now[0] += 61.0                                     # the stream has been silent for a minute
    assert poller.poll_interval == 5.0
    ex.tick(1002.0)
    assert poller._notifier.is_set()                   # the first tick polls (as hummingbot's)
    poller._notifier.clear()
    ex.tick(1004.0)
    assert not poller._notifier.is_set()               # the same 5 s interval...
    ex.tick(1006.0)
    assert poller._notifier.is_set()                   # ...a new one: poll
    await ex.stop_network()


# ---- strictness: a frame is read whole with the core's strict readers ----------------
TRADE = dict(x="TRADE", X="PARTIALLY_FILLED", t=7, l="0.00100000", z="0.00100000", L="50000.00000000",
             Y="50.00000000", n="0.00000100", N="BTC", m=True)


@pytest.mark.parametrize("fields", [
    {"t": True},                            # a boolean trade id (was the fill "True")
    {"t": "7"},                             # an id as text
    {"n": "1E+999999999"},                  # a finite commission no arithmetic survives
    {"l": "1E-999"},
    {"L": 50000.0},                         # a JSON float price
    {"i": False},
    {"i": 2 ** 64},
    {"T": "1700000000099"},
    {"E": None},
    {"S": "buy"},                           # was read as SELL
    {"c": 12},
    {"N": 5},
    {"m": "false"},
    {"z": "-0.001"},
    {"l": "0"},                             # a fill of nothing
    {"Y": "NaN"},
])
async def test_hostile_trade_reports_are_refused_never_a_fill(exchange, fields, caplog):
    ex, log = exchange
    polls = []
    ex._status_poller.poll_now = lambda: polls.append(1)
    ex._user_events.process(report(**{**TRADE, **fields}))
    assert log.event_log == []
    order = ex.in_flight_orders[CID]
    assert order.executed_amount_base == Decimal(0) and order.order_fills == {}
    assert ex.refused_user_events == {"executionReport": 1}
    assert polls == [1]                         # a REST reconcile finds what the frame carried
    assert [r.levelname for r in caplog.records if "Refused" in r.getMessage()] == ["ERROR"]


async def test_refusals_are_counted_per_kind_and_logged_once_per_kind(exchange, caplog):
    ex, log = exchange
    ex._status_poller.poll_now = lambda: None
    caplog.set_level("DEBUG")
    for trade_id in (True, False, "x"):
        ex._user_events.process(report(**{**TRADE, "t": trade_id}))
    ex._user_events.process({"e": "balanceUpdate", "E": 1, "a": "BTC", "d": "1E+999999999", "T": 2})
    ex._user_events.process({"e": "outboundAccountPosition", "E": 1, "u": True, "B": []})
    assert ex.refused_user_events == {"executionReport": 3, "balanceUpdate": 1, "outboundAccountPosition": 1}
    assert ex._user_events.skipped == 5
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 3 and all("Refused" in m for m in errors)     # one per kind
    # a good frame after the hostile ones is applied normally
    ex._user_events.process(report(**TRADE))
    assert [type(e).__name__ for e in log.event_log] == ["BuyOrderCreatedEvent", "OrderFilledEvent"]
    assert ex.get_all_balances() == {}


async def test_account_frames_with_bool_or_float_fields_change_no_balance(exchange):
    ex, _ = exchange
    ex._status_poller.poll_now = lambda: None
    for event in ({"e": "outboundAccountPosition", "E": 1, "u": 5, "B": [{"a": "BTC", "f": 1.5, "l": "0"}]},
                  {"e": "outboundAccountPosition", "E": 1, "u": 5, "B": [{"a": True, "f": "1", "l": "0"}]},
                  {"e": "outboundAccountPosition", "E": 1, "u": 5,
                   "B": [{"a": "BTC", "f": "1", "l": "0"}, {"a": "ETH", "f": "1E+50", "l": "0"}]},
                  {"e": "balanceUpdate", "E": 1, "a": "BTC", "d": "1", "T": True}):
        ex._user_events.process(event)
    assert ex.get_all_balances() == {}
    assert ex.refused_user_events == {"outboundAccountPosition": 3, "balanceUpdate": 1}
