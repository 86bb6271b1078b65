"""The connector's parts alone: trading rules, balances, ids, symbols, Binance parsers."""
from decimal import Decimal

import pytest
from support.payloads import load

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.connector import (
    Balances,
    ClientOrderIdGenerator,
    OrderRejected,
    SymbolMap,
    TradingRule,
    TradingRules,
)
from hummingbot_conn.core.in_flight_order import OrderState
from hummingbot_conn.exchanges.binance import binance_utils as utils

BTC_RULE = TradingRule("BTC-USDT", min_order_size=Decimal("0.00001"), max_order_size=Decimal("9000"),
                       min_price_increment=Decimal("0.01"), min_base_amount_increment=Decimal("0.00001"),
                       min_notional_size=Decimal("5"), max_notional_size=Decimal("9000000"),
                       min_price=Decimal("0.01"), max_price=Decimal("1000000"))


@pytest.fixture
def rules():
    r = TradingRules()
    r.replace_all([BTC_RULE])
    return r


def test_quantisation_floors_to_tick_and_step_and_prints_plain(rules):
    assert rules.quantize_order_price("BTC-USDT", Decimal("60000.019")) == Decimal("60000.01")
    assert rules.quantize_order_amount("BTC-USDT", Decimal("0.123456789")) == Decimal("0.12345")
    assert f"{rules.quantize_order_amount('BTC-USDT', Decimal('0.00001'))}" == "0.00001"
    assert f"{rules.quantize_order_price('BTC-USDT', Decimal('0.1') + Decimal('0.2')):f}" == "0.30"
    assert rules.quantize_order_price("BTC-USDT", Decimal("NaN")).is_nan()
    with pytest.raises(KeyError):
        rules.quantize_order_price("ETH-USDT", Decimal(1))


def test_check_order_returns_quantised_values(rules):
    assert rules.check_order("BTC-USDT", OrderType.LIMIT, Decimal("0.0012345"), Decimal("60000.019")) == (
        Decimal("0.00123"), Decimal("60000.01"))
    assert rules.check_order("BTC-USDT", OrderType.MARKET, Decimal("0.001"), Decimal("NaN"),
                             reference_price=Decimal("60000")) == (Decimal("0.001"), None)
    assert rules.check_order("BTC-USDT", OrderType.LIMIT, "0.001", 60000.5) == (Decimal("0.001"), Decimal("60000.50"))


@pytest.mark.parametrize("amount, price, order_type, ref, message", [
    (Decimal("0.00000999"), Decimal("60000"), OrderType.LIMIT, None, "Order amount 0.00000999 is lower than minimum"),
    (Decimal("9000.00001"), Decimal("1"), OrderType.LIMIT, None, "greater than maximum order size"),
    (Decimal("0.0001"), Decimal("100"), OrderType.LIMIT, None, "lower than minimum notional"),
    (Decimal("8000"), Decimal("10000"), OrderType.LIMIT, None, "greater than maximum notional"),
    (Decimal("0.001"), Decimal("2000000"), OrderType.LIMIT, None, "outside"),
    (Decimal("0.001"), Decimal("-1"), OrderType.LIMIT, None, "positive finite"),
    (Decimal("sNaN"), Decimal("1"), OrderType.LIMIT, None, "positive finite"),
    (Decimal("0.001"), None, OrderType.MARKET, Decimal("NaN"), "order book is empty"),
    (Decimal("0.0001"), None, OrderType.MARKET, Decimal("100"), "lower than minimum notional"),
    (object(), Decimal("1"), OrderType.LIMIT, None, "must be a Decimal"),
])
def test_check_order_rejections_say_why(rules, amount, price, order_type, ref, message):
    with pytest.raises(OrderRejected) as info:
        rules.check_order("BTC-USDT", order_type, amount, price, reference_price=ref)
    assert message in str(info.value)
    assert "E-" not in str(info.value)          # plain decimal text


def test_unknown_pair_before_and_after_rules_load():
    r = TradingRules()
    with pytest.raises(OrderRejected, match="not loaded"):
        r.check_order("BTC-USDT", OrderType.LIMIT, Decimal(1), Decimal(1))
    r.replace_all([BTC_RULE])
    with pytest.raises(OrderRejected, match="not a trading pair"):
        r.check_order("DOGE-USDT", OrderType.LIMIT, Decimal(1), Decimal(1))


def test_balances_snapshot_does_not_roll_back_newer_stream_updates():
    b = Balances()
    b.apply_snapshot({"BTC": (Decimal(1), Decimal(1)), "USDT": (Decimal(100), Decimal(100))}, as_of=100)
    b.set_balance("BTC", Decimal(2), Decimal("1.5"), as_of=120)     # a fill seen on the stream
    b.apply_snapshot({"BTC": (Decimal(1), Decimal(1))}, as_of=110)   # an older REST answer
    assert (b.get_balance("BTC"), b.get_available_balance("BTC")) == (Decimal(2), Decimal("1.5"))
    assert "USDT" not in b.get_all_balances()                       # gone from a complete snapshot
    b.set_balance("BTC", Decimal(5), Decimal(5), as_of=90)           # a stale stream report
    assert b.get_balance("BTC") == Decimal(2)


def test_balance_delta_counted_once():
    b = Balances()
    b.apply_snapshot({"BTC": (Decimal(1), Decimal(1))}, as_of=100)
    b.apply_delta("BTC", Decimal("0.5"), as_of=100)      # already in the snapshot
    assert b.get_balance("BTC") == Decimal(1)
    b.apply_delta("BTC", Decimal("0.5"), as_of=101)
    b.apply_delta("ETH", Decimal("3"))
    assert (b.get_balance("BTC"), b.get_available_balance("BTC")) == (Decimal("1.5"), Decimal("1.5"))
    assert b.get_balance("ETH") == Decimal(3) and b.get_balance("XRP") == Decimal(0)


def test_client_order_ids_are_unique_legal_and_bounded_even_with_a_stalled_clock():
    generator = ClientOrderIdGenerator("x-MG43PCSN", 32, clock=lambda: 1_700_000_000.0, instance_tag="ab12")
    ids = [generator(i % 2 == 0, "BTC-USDT") for i in range(5000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) <= 32 and i.startswith("x-MG43PCSN") for i in ids)
    assert all(c.isalnum() or c in "-_" for i in ids for c in i)
    assert ids[0][10] == "B" and ids[1][10] == "S"
    with pytest.raises(ValueError):
        ClientOrderIdGenerator("a-very-long-broker-prefix-xx", 32)(True, "BTC-USDT")


def test_symbol_map_both_ways():
    m = SymbolMap()
    m.set_mapping([("BTCUSDT", "BTC-USDT"), ("ETHBTC", "ETH-BTC")])
    assert m.exchange_symbol("ETH-BTC") == "ETHBTC" and m.trading_pair("BTCUSDT") == "BTC-USDT"
    with pytest.raises(KeyError, match="DOGE-USDT"):
        m.exchange_symbol("DOGE-USDT")


def test_binance_trading_rule_reads_notional_or_min_notional():
    info = load("binance_spot", "exchange_info_symbol_ethbtc")
    assert utils.is_exchange_information_valid(info)
    rule = utils.trading_rule_from_symbol_info(info)
    assert rule.trading_pair == "ETH-BTC"
    assert (rule.min_price_increment, rule.min_base_amount_increment) == (Decimal("0.00001"), Decimal("0.001"))
    assert rule.min_notional_size == Decimal("0.0001") and rule.max_price > Decimal("1e50")   # "0": no bound
    assert not utils.is_exchange_information_valid({**info, "status": "HALT"})


def test_binance_execution_report_of_the_docs():
    event = load("binance_spot", "execution_report_documented")
    update = utils.order_update_from_execution_report(event, "ETH-BTC")
    assert (update.client_order_id, update.exchange_order_id, update.new_state) == (
        "mUvoqJxFIILMdfAW5iGSOW", "4293153", OrderState.OPEN)
    assert update.update_timestamp == pytest.approx(1499405658.658)
    cancel = {**event, "x": "CANCELED", "X": "CANCELED", "c": "cancelId", "C": "mUvoqJxFIILMdfAW5iGSOW"}
    assert utils.order_update_from_execution_report(cancel, "ETH-BTC").client_order_id == "mUvoqJxFIILMdfAW5iGSOW"
    trade = {**event, "x": "TRADE", "X": "PARTIALLY_FILLED", "t": 77, "l": "0.4", "L": "0.1026", "Y": "0.04104",
             "n": "0.0004", "N": "ETH", "m": True}
    fill = utils.trade_update_from_execution_report(trade, "ETH-BTC", TradeType.BUY, utils.DEFAULT_FEES)
    assert (fill.trade_id, fill.fill_base_amount, fill.fill_quote_amount, fill.is_taker) == (
        "77", Decimal("0.4"), Decimal("0.04104"), False)
    assert fill.fee.flat_fees[0].token == "ETH" and fill.fee.flat_fees[0].amount == Decimal("0.0004")


def test_binance_full_answer_fills_of_the_docs():
    response = load("binance_spot", "order_response_full_expired")
    fills = utils.trade_updates_from_order_response(response, "cid", "LTC-BNB", TradeType.BUY, utils.DEFAULT_FEES)
    assert [(f.trade_id, f.fill_base_amount, f.exchange_order_id) for f in fills] == [
        ("7", Decimal(2), "32"), ("8", Decimal(2), "32")]
    assert utils.ORDER_STATE["EXPIRED"] is OrderState.EXPIRED
    with pytest.raises(ValueError):
        utils.finite_decimal("NaN")
