"""Trade fees: schema rules, spot / perpetual fee classes, JSON, conversions (W-13)."""
from decimal import Decimal

import pytest

from hummingbot_conn.core.common_types import PositionAction, TradeType
from hummingbot_conn.core.trade_fee import (
    AddedToCostTradeFee,
    DeductedFromReturnsTradeFee,
    TokenAmount,
    TradeFeeBase,
    TradeFeeSchema,
)

D = Decimal


class Rates:
    def __init__(self, rates):
        self.rates = rates

    def get_pair_rate(self, pair):
        return self.rates.get(pair)


def test_schema_with_fee_token_cannot_deduct_buy_fees_from_returns():
    with pytest.raises(ValueError, match="buy_percent_fee_deducted_from_returns"):
        TradeFeeSchema(percent_fee_token="BNB", buy_percent_fee_deducted_from_returns=True)


def test_schema_converts_numbers_to_decimal_and_refuses_floats():
    schema = TradeFeeSchema(maker_percent_fee_decimal="0.001", taker_percent_fee_decimal=0,
                            taker_fixed_fees=[("BNB", "0.1")])
    assert schema.maker_percent_fee_decimal == D("0.001")
    assert schema.taker_fixed_fees == [TokenAmount("BNB", D("0.1"))]
    with pytest.raises(TypeError, match="float"):
        TradeFeeSchema(maker_percent_fee_decimal=0.001)


@pytest.mark.parametrize("deducted, fee_token, trade_type, expected", [
    (False, None, TradeType.BUY, AddedToCostTradeFee),
    (True, None, TradeType.BUY, DeductedFromReturnsTradeFee),
    (False, "BNB", TradeType.BUY, AddedToCostTradeFee),
    (False, None, TradeType.SELL, DeductedFromReturnsTradeFee),
    (True, None, TradeType.SELL, DeductedFromReturnsTradeFee),
    (False, "BNB", TradeType.SELL, DeductedFromReturnsTradeFee),
])
def test_new_spot_fee_class(deducted, fee_token, trade_type, expected):
    schema = TradeFeeSchema(percent_fee_token=fee_token, buy_percent_fee_deducted_from_returns=deducted)
    fee = TradeFeeBase.new_spot_fee(schema, trade_type, percent=D("0.001"))
    assert type(fee) is expected and fee.percent == D("0.001")


@pytest.mark.parametrize("fee_token, action, expected", [
    (None, PositionAction.OPEN, AddedToCostTradeFee),
    (None, PositionAction.CLOSE, DeductedFromReturnsTradeFee),
    ("USDT", PositionAction.CLOSE, AddedToCostTradeFee),
])
def test_new_perpetual_fee_class(fee_token, action, expected):
    fee = TradeFeeBase.new_perpetual_fee(TradeFeeSchema(percent_fee_token=fee_token), action)
    assert type(fee) is expected


def test_fee_json_round_trip_and_equality_includes_the_class():
    fee = DeductedFromReturnsTradeFee(D("0.001"), "BNB", [TokenAmount("BNB", D("0.5"))])
    assert TradeFeeBase.from_json(fee.to_json()) == fee
    assert AddedToCostTradeFee(D("0.001"), "BNB", [TokenAmount("BNB", D("0.5"))]) != fee
    assert hash(TradeFeeBase.from_json(fee.to_json())) == hash(fee)
    assert TokenAmount.from_json(TokenAmount("X", D("1.5")).to_json()) == TokenAmount("X", D("1.5"))
    token, amount = TokenAmount("X", D(2))
    assert (token, amount) == ("X", D(2))


def test_fee_is_immutable():
    fee = AddedToCostTradeFee(flat_fees=[TokenAmount("BNB", D(1))])
    fee.flat_fees.append(TokenAmount("ETH", D(1)))
    assert fee.flat_fees == [TokenAmount("BNB", D(1))]
    with pytest.raises(AttributeError):
        fee.percent = D(1)


def test_base_class_is_abstract_and_unknown_type_refused():
    with pytest.raises(TypeError):
        TradeFeeBase()
    with pytest.raises(ValueError, match="unknown fee type"):
        TradeFeeBase.fee_class_for_type("Nope")


def test_fee_asset():
    assert AddedToCostTradeFee(percent_token="BNB").fee_asset == "BNB"
    assert AddedToCostTradeFee(flat_fees=[TokenAmount("ETH", D(1))]).fee_asset == "ETH"
    assert AddedToCostTradeFee().fee_asset is None


def test_percent_fee_in_quote_and_base_is_exact():
    fee = AddedToCostTradeFee(percent=D("0.001"))
    assert fee.fee_amount_in_token("BTC-USDT", D("30000"), D("0.5"), "USDT") == D("15.0000")
    assert fee.fee_amount_in_token("BTC-USDT", D("30000"), D("0.5"), "BTC") == D("0.0005")


def test_percent_fee_in_a_third_token_uses_the_quote_rate_not_the_pair_price():
    # W-13: hummingbot divides by the BTC-USDT rate and calls the result BNB
    fee = AddedToCostTradeFee(percent=D("0.001"), percent_token="BNB")
    with pytest.raises(ValueError, match="needs a rate"):
        fee.fee_amount_in_token("BTC-USDT", D("30000"), D("0.5"), "BNB")
    rates = Rates({"BNB-USDT": D("300")})  # 1 BNB = 300 USDT
    assert fee.fee_amount_in_token("BTC-USDT", D("30000"), D("0.5"), "BNB", rates) == D("0.05")
    with pytest.raises(ValueError, match="no rate"):
        fee.fee_amount_in_token("BTC-USDT", D("30000"), D("0.5"), "ETH", rates)


def test_flat_fee_conversions():
    fee = AddedToCostTradeFee(flat_fees=[TokenAmount("BTC", D("0.001")), TokenAmount("WETH", D("0.1"))])
    rates = Rates({"BTC-ETH": D("20")})
    # BTC at 20 ETH, WETH is ETH
    assert fee.fee_amount_in_token("BTC-USDT", D("30000"), D(1), "ETH", rates) == D("0.120")
    with pytest.raises(ValueError):
        fee.fee_amount_in_token("BTC-USDT", D("30000"), D(1), "USDT")
