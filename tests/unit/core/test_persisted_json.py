"""Persisted orders restore exactly or are refused: the regression
cases of the fuzzing, each kind as an explicit test.  A restored
``InFlightOrder`` satisfies the invariants of a live one, or ``from_json``
raises ValueError naming the field; the same for ``TradeUpdate`` and fees."""
import json
import math
from decimal import Decimal

import pytest

from hummingbot_conn.core.common_types import OrderType, TradeType
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate, order_from_json
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee, TokenAmount, TradeFeeBase

PAIR = "BTC-USDT"
D = Decimal


def fill(trade_id, base, price="100"):
    base = D(base)
    return TradeUpdate(trade_id, "c1", "e1", PAIR, 3.0, D(price), base, base * D(price),
                       AddedToCostTradeFee(D("0.001"), None, [TokenAmount("BNB", D("0.01"))]))


def partly_filled():
    order = InFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, D("1"), 1.0, D("100"), "e1")
    order.update_with_order_update(OrderUpdate(PAIR, 2.0, OrderState.OPEN, "c1"))
    order.update_with_trade_update(fill("t1", "0.25"))
    order.update_with_trade_update(fill("t2", "0.5"))
    return order


def roundtrip(document):
    return InFlightOrder.from_json(json.loads(json.dumps(document)))


def test_a_live_order_round_trips_exactly():
    order = partly_filled()
    back = roundtrip(order.to_json())
    assert back == order and back.to_json() == order.to_json()


def test_fills_adding_up_to_more_than_the_amount_are_refused():
    doc = partly_filled().to_json()
    doc["order_fills"]["t3"] = fill("t3", "0.5").to_json()
    doc["executed_amount_base"] = "1.25"
    doc["executed_amount_quote"] = "125.00"
    with pytest.raises(ValueError, match=r"executed_amount_base 1.25 > amount 1"):
        roundtrip(doc)


@pytest.mark.parametrize("field, value", [("executed_amount_base", "0.5"), ("executed_amount_base", "0.75000001"),
                                          ("executed_amount_quote", "1")])
def test_fills_that_do_not_add_up_to_the_executed_amounts_are_refused(field, value):
    doc = partly_filled().to_json()
    doc[field] = value
    with pytest.raises(ValueError, match=f"{field} .* is not the sum of the fills"):
        roundtrip(doc)


@pytest.mark.parametrize("value", ["1_000", " 1 ", "1 ", "１", "NaN", "Infinity", "-Infinity", "0x10", "", "1e",
                                   1.0, True, None, [], "None"])
@pytest.mark.parametrize("field", ["amount", "executed_amount_base", "executed_amount_quote"])
def test_lenient_or_non_finite_numbers_are_refused_naming_the_field(field, value):
    doc = partly_filled().to_json()
    doc[field] = value
    with pytest.raises(ValueError, match=field):
        roundtrip(doc) if not isinstance(value, float) else InFlightOrder.from_json(doc)


@pytest.mark.parametrize("field", ["creation_timestamp", "last_update_timestamp"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, "1", None, 10 ** 400])
def test_non_finite_or_non_numeric_timestamps_are_refused(field, value):
    doc = partly_filled().to_json()
    doc[field] = value
    with pytest.raises(ValueError, match=field):
        InFlightOrder.from_json(doc)


@pytest.mark.parametrize("change, field", [
    ({"last_state": "5"}, "FILLED"),                          # FILLED with 0.75 of 1 executed
    ({"last_state": "0"}, "PENDING_CREATE"),                  # fills while never acknowledged
    ({"last_state": "7"}, "last_state"),                      # hummingbot's gateway state: not ours
    ({"last_state": "x"}, "last_state"),
    ({"failure_presumed": True}, "failure_presumed"),         # only a FAILED order can be presumed
    ({"failure_presumed": "yes"}, "failure_presumed"),
    ({"exchange_reported_filled": "false"}, "exchange_reported_filled"),
    ({"leverage": "0"}, "leverage"), ({"leverage": "1.5"}, "leverage"), ({"leverage": 10 ** 12}, "leverage"),
    ({"order_type": "limit"}, "order_type"), ({"trade_type": 1}, "trade_type"), ({"position": "X"}, "position"),
    ({"price": "-1"}, "price"), ({"price": "0"}, "price"),
    ({"client_order_id": ""}, "client_order_id"), ({"client_order_id": 5}, "client_order_id"),
    ({"trading_pair": "BTCUSDT"}, "BASE-QUOTE"),
    ({"exchange_order_id": 1.5}, "exchange_order_id"), ({"exchange_order_id": ""}, "exchange_order_id"),
    ({"version": True}, "version"), ({"version": 2}, "version"), ({"kind": "futures"}, "kind"),
    ({"order_fills": []}, "order_fills"),
    ({"last_update_timestamp": 0.5}, "before creation"),
])
def test_malformed_fields_are_refused_naming_the_field(change, field):
    doc = {**partly_filled().to_json(), **change}
    with pytest.raises(ValueError, match=field):
        order_from_json(doc)


def test_a_fill_filed_under_another_key_or_order_is_refused():
    doc = partly_filled().to_json()
    doc["order_fills"]["t9"] = doc["order_fills"].pop("t2")
    with pytest.raises(ValueError, match="key 't9' holds trade 't2'"):
        roundtrip(doc)
    doc = partly_filled().to_json()
    doc["order_fills"]["t2"]["client_order_id"] = "other"
    with pytest.raises(ValueError, match="not a fill of this order"):
        roundtrip(doc)


@pytest.mark.parametrize("document", [None, [], "{}", 5])
def test_a_document_that_is_not_an_object_is_a_value_error(document):
    with pytest.raises(ValueError):
        order_from_json(document)
    with pytest.raises(ValueError):
        InFlightOrder.from_json(document)
    with pytest.raises(ValueError):
        TradeUpdate.from_json(document)
    with pytest.raises(ValueError):
        TradeFeeBase.from_json(document)


def test_hummingbot_unversioned_format_still_restores():
    doc = partly_filled().to_json()
    for key in ("version", "kind", "failure_presumed"):
        del doc[key]
    doc["price"] = "NaN"          # hummingbot's "no price"
    for raw in doc["order_fills"].values():
        del raw["is_taker"]
    back = order_from_json(doc)
    assert back.price is None and back.executed_amount_base == D("0.75")


@pytest.mark.parametrize("change, field", [
    ({"fill_price": "1_0"}, "fill_price"), ({"fill_base_amount": "0"}, "fill_base_amount"),
    ({"fill_quote_amount": "-1"}, "fill_quote_amount"), ({"fill_timestamp": math.nan}, "fill_timestamp"),
    ({"fill_timestamp": True}, "fill_timestamp"), ({"is_taker": 1}, "is_taker"), ({"trade_id": None}, "trade_id"),
    ({"trade_id": True}, "trade_id"), ({"trading_pair": 5}, "trading_pair"), ({"fee": "0.1"}, "fee"),
    ({"client_order_id": []}, "client_order_id"),
])
def test_trade_update_json_is_read_strictly(change, field):
    doc = {**fill("t1", "0.5").to_json(), **change}
    with pytest.raises(ValueError, match=field):
        TradeUpdate.from_json(doc)
    raw = fill("t1", "0.5").to_json()
    del raw["fill_price"]
    with pytest.raises(ValueError, match="needs 'fill_price'"):
        TradeUpdate.from_json(raw)


@pytest.mark.parametrize("change, field", [
    ({"fee_type": "Gift"}, "unknown fee type"), ({"fee_type": None}, "fee_type"),
    ({"percent": "NaN"}, "percent"), ({"percent": " 0.1"}, "percent"), ({"percent_token": 5}, "percent_token"),
    ({"flat_fees": {"BNB": "1"}}, "flat_fees"), ({"flat_fees": [{"token": "", "amount": "1"}]}, "token"),
    ({"flat_fees": [{"token": "BNB", "amount": "1_0"}]}, "flat fee amount"), ({"flat_fees": [5]}, "flat fee"),
])
def test_fee_json_is_read_strictly(change, field):
    doc = {**fill("t1", "0.5").fee.to_json(), **change}
    with pytest.raises(ValueError, match=field):
        TradeFeeBase.from_json(doc)


def test_trade_update_and_fee_round_trip_exactly():
    update = fill("77", "0.123456789")
    assert TradeUpdate.from_json(json.loads(json.dumps(update.to_json()))) == update
    assert TradeFeeBase.from_json(json.loads(json.dumps(update.fee.to_json()))) == update.fee


@pytest.mark.parametrize("stamp", [math.nan, math.inf, -math.inf])
def test_constructors_refuse_non_finite_timestamps(stamp):
    # what cannot be restored cannot be built either
    with pytest.raises(ValueError, match="creation_timestamp"):
        InFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, D("1"), stamp, D("100"))
    with pytest.raises(ValueError, match="update_timestamp"):
        OrderUpdate(PAIR, stamp, OrderState.OPEN, "c1")
    with pytest.raises(ValueError, match="fill_timestamp"):
        TradeUpdate("t1", "c1", None, PAIR, stamp, D("1"), D("1"), D("1"), AddedToCostTradeFee())
