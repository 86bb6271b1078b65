"""Binance USDⓈ-M payload parsers: exact records from the documented shapes, refusals for malformed ones."""
from decimal import Decimal

import pytest
from support.payloads import load

from hummingbot_conn.common import PositionAction, TradeType
from hummingbot_conn.core.in_flight_order import OrderState
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee, DeductedFromReturnsTradeFee
from hummingbot_conn.exchanges.binance_perpetual import binance_perpetual_utils as utils
from hummingbot_conn.sim.binance.usdm.specs import default_futures_symbols


def _event(**o):
    """A market SELL's FILLED ORDER_TRADE_UPDATE (tests/fixtures/binance_usdm), ``o`` changing its order."""
    event = load("binance_usdm", "order_trade_update_market_sell_filled")
    event["o"].update(o)
    return event


def test_trading_rule_from_the_simulators_exchange_info():
    rule = utils.trading_rule_from_symbol_info(default_futures_symbols()[0].to_json())
    assert (rule.trading_pair, rule.min_order_size, rule.min_price_increment, rule.min_base_amount_increment,
            rule.buy_order_collateral_token) == ("BTC-USDT", Decimal("0.001"), Decimal("0.1"), Decimal("0.001"),
                                                 "USDT")
    assert rule.min_notional_size == 0          # waived for reduce-only orders: checked by the venue


def test_position_action_by_side_and_mode():
    assert utils.position_action_of(TradeType.BUY, "LONG") is PositionAction.OPEN
    assert utils.position_action_of(TradeType.SELL, "LONG") is PositionAction.CLOSE
    assert utils.position_action_of(TradeType.SELL, "SHORT") is PositionAction.OPEN
    assert utils.position_action_of(TradeType.BUY, "SHORT") is PositionAction.CLOSE
    assert utils.position_action_of(TradeType.SELL, "BOTH", Decimal("10")) is PositionAction.CLOSE
    assert utils.position_action_of(TradeType.BUY, "BOTH", Decimal("0")) is PositionAction.OPEN


def test_trade_and_order_updates_from_an_order_trade_update():
    trade = utils.trade_update_from_event(_event(), "BTC-USDT", TradeType.SELL, utils.DEFAULT_FEES)
    assert (trade.trade_id, trade.client_order_id, trade.exchange_order_id, trade.fill_price,
            trade.fill_base_amount, trade.fill_quote_amount, trade.fill_timestamp) == \
        ("7", "cid", "42", Decimal("61000"), Decimal("0.01"), Decimal("610"), 1700000000.123)
    assert isinstance(trade.fee, DeductedFromReturnsTradeFee)
    assert [(f.token, f.amount) for f in trade.fee.flat_fees] == [("USDT", Decimal("0.305"))]
    opening = utils.trade_update_from_event(_event(S="BUY", rp="0"), "BTC-USDT", TradeType.BUY, utils.DEFAULT_FEES)
    assert isinstance(opening.fee, AddedToCostTradeFee)
    update = utils.order_update_from_event(_event(), "BTC-USDT")
    assert (update.new_state, update.client_order_id, update.exchange_order_id) == (OrderState.FILLED, "cid", "42")
    assert update.misc_updates["executed_amount_base"] == Decimal("0.01")
    assert utils.order_update_from_event(_event(X="EXPIRED"), "BTC-USDT").new_state is OrderState.EXPIRED


@pytest.mark.parametrize("bad", [{"l": "NaN"}, {"L": "Infinity"}, {"n": "x"}, {"l": None}])
def test_malformed_fills_are_refused(bad):
    with pytest.raises((ValueError, ArithmeticError, TypeError)):
        utils.trade_update_from_event(_event(**bad), "BTC-USDT", TradeType.SELL, utils.DEFAULT_FEES)


def test_user_trade_row():
    row = load("binance_usdm", "user_trade_row")
    trade = utils.trade_update_from_user_trade(row, "cid", "BTC-USDT", TradeType.BUY, utils.DEFAULT_FEES)
    assert (trade.trade_id, trade.exchange_order_id, trade.fill_quote_amount, trade.is_taker) == \
        ("3", "9", Decimal("600"), False)
    with pytest.raises(ValueError):
        utils.position_side_of("SIDEWAYS")
