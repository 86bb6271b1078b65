"""InFlightOrder: ids, exact accounting, fills after cancel, over-fills,
waiting, views and JSON."""
import asyncio
import json
from decimal import Decimal

import pytest

from hummingbot_conn.core.common_types import OrderType, PositionAction, TradeType
from hummingbot_conn.core.in_flight_order import (
    InFlightOrder,
    OrderState,
    OrderUpdate,
    PerpetualDerivativeInFlightOrder,
    TradeUpdate,
    order_from_json,
)
from hummingbot_conn.core.limit_order import LimitOrder
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee, DeductedFromReturnsTradeFee, TokenAmount

PAIR = "BTC-USDT"
D = Decimal


def order(amount="0.3", price="100", state=OrderState.PENDING_CREATE, eid=None, **kw):
    return InFlightOrder("c1", PAIR, kw.pop("order_type", OrderType.LIMIT), kw.pop("trade_type", TradeType.BUY),
                         D(amount), 1.0, None if price is None else D(price), exchange_order_id=eid,
                         initial_state=state, **kw)


def fill(trade_id, base, price="100", cid="c1", eid="e1", fee=None, ts=2.0, **kw):
    base = D(base)
    return TradeUpdate(trade_id, cid, eid, PAIR, ts, D(price), base, base * D(price),
                       fee or AddedToCostTradeFee(), **kw)


def status(state, cid="c1", eid="e1", ts=2.0, **kw):
    return OrderUpdate(PAIR, ts, state, cid, eid, **kw)


# ---- accounting -------------------------------------------------------------
def test_fills_of_a_tenth_and_two_tenths_complete_three_tenths_exactly():
    o = order("0.3")
    assert o.update_with_trade_update(fill("1", "0.1"))
    assert not o.is_filled
    assert o.update_with_trade_update(fill("2", "0.2"))
    assert o.executed_amount_base == D("0.3")
    assert o.current_state is OrderState.FILLED
    assert o.is_filled and o.is_done and not o.is_open


def test_duplicate_trade_id_is_ignored():
    o = order("1")
    assert o.update_with_trade_update(fill("1", "0.4"))
    assert not o.update_with_trade_update(fill("1", "0.4"))
    assert o.executed_amount_base == D("0.4")
    assert o.refused_updates == 0


def test_over_fill_is_refused_with_a_clear_report(caplog):
    o = order("1", state=OrderState.OPEN, eid="e1")
    o.update_with_trade_update(fill("1", "0.6"))
    assert not o.update_with_trade_update(fill("2", "0.6"))
    assert o.executed_amount_base == D("0.6")
    assert "2" not in o.order_fills
    assert o.refused_updates == 1
    assert "over-fill" in caplog.text and "1.2 > amount 1" in caplog.text


def test_fill_after_cancel_is_counted_and_state_stays_canceled():
    o = order("1", state=OrderState.OPEN, eid="e1")
    assert o.update_with_order_update(status(OrderState.CANCELED))
    assert o.update_with_trade_update(fill("1", "0.25"))
    assert o.current_state is OrderState.CANCELED
    assert o.executed_amount_base == D("0.25")
    # even the fill that reaches the amount does not turn a cancel into a fill
    assert o.update_with_trade_update(fill("2", "0.75"))
    assert o.current_state is OrderState.CANCELED and o.is_cancelled


def test_filled_status_before_its_fills_waits_for_them():
    o = order("1", state=OrderState.OPEN, eid="e1")
    assert o.update_with_order_update(status(OrderState.FILLED))
    assert o.exchange_reported_filled
    assert o.current_state is OrderState.OPEN and not o.is_done
    o.update_with_trade_update(fill("1", "1"))
    assert o.current_state is OrderState.FILLED


def test_fills_reach_the_amount_fills_the_order_without_any_status():
    o = order("1")
    o.update_with_trade_update(fill("1", "0.5"))
    assert o.current_state is OrderState.PARTIALLY_FILLED
    o.update_with_trade_update(fill("2", "0.5"))
    assert o.current_state is OrderState.FILLED


def test_late_open_never_reopens_a_filled_order():
    o = order("1", state=OrderState.OPEN, eid="e1")
    o.update_with_trade_update(fill("1", "1"))
    assert not o.update_with_order_update(status(OrderState.OPEN))
    assert o.current_state is OrderState.FILLED
    assert o.refused_updates == 1


def test_average_price_and_quote_amount():
    o = order("3")
    o.update_with_trade_update(fill("1", "1", price="100"))
    o.update_with_trade_update(fill("2", "2", price="103"))
    assert o.executed_amount_quote == D("306")
    assert o.average_executed_price == D("102")
    assert order().average_executed_price is None


def test_timestamps_only_move_forward():
    o = order("1")
    o.update_with_trade_update(fill("1", "0.1", ts=5.0))
    o.update_with_trade_update(fill("2", "0.1", ts=3.0))
    assert o.last_update_timestamp == 5.0


# ---- fees -------------------------------------------------------------------
def test_cumulative_fee_paid_with_percent_and_flat_fees():
    o = order("2")
    o.update_with_trade_update(fill("1", "1", price="100", fee=AddedToCostTradeFee(percent=D("0.001"))))
    o.update_with_trade_update(fill("2", "1", price="200", fee=DeductedFromReturnsTradeFee(
        flat_fees=[TokenAmount("USDT", D("0.5")), TokenAmount("BTC", D("0.001"))])))
    # quote: 0.1 (percent of 100) + 0.5 + 0.001 BTC at the fill's price 200
    assert o.cumulative_fee_paid("USDT") == D("0.8")
    # base: 0.001 (percent of 1 BTC) + 0.5/200 + 0.001
    assert o.cumulative_fee_paid("BTC") == D("0.0045")
    assert o.fees_paid_by_token() == {"USDT": D("0.6"), "BTC": D("0.001")}


def test_third_token_fee_needs_an_explicit_rate():
    o = order("1")
    o.update_with_trade_update(fill("1", "1", price="100", fee=AddedToCostTradeFee(
        flat_fees=[TokenAmount("BNB", D("0.01"))])))
    assert o.cumulative_fee_paid("BNB") == D("0.01")
    with pytest.raises(ValueError, match="rate"):
        o.cumulative_fee_paid("USDT")

    class Rates:
        def get_pair_rate(self, pair):
            return {"BNB-USDT": D("300")}.get(pair)
    assert o.cumulative_fee_paid("USDT", Rates()) == D("3.00")


# ---- ids ----------------------------------------------------------------------
def test_update_for_another_order_is_ignored_even_when_exchange_ids_are_both_none():
    o = order()
    assert not o.update_with_order_update(status(OrderState.OPEN, cid="other", eid=None))
    assert o.current_state is OrderState.PENDING_CREATE


def test_update_with_contradicting_exchange_id_is_ignored():
    o = order(eid="e1")
    assert not o.update_with_order_update(status(OrderState.OPEN, cid="c1", eid="e2"))
    assert not o.update_with_trade_update(fill("1", "0.1", cid="c1", eid="e2"))
    assert o.executed_amount_base == 0


def test_update_matched_by_exchange_id_only():
    o = order(eid="e1")
    assert o.update_with_order_update(status(OrderState.OPEN, cid=None, eid="e1"))
    assert o.update_with_trade_update(fill("1", "0.1", cid=None, eid="e1"))


def test_update_without_ids_is_ignored():
    o = order(eid="e1")
    assert not o.update_with_order_update(status(OrderState.OPEN, cid=None, eid=None))


def test_exchange_id_adopted_from_update_and_never_replaced():
    o = order()
    assert o.update_with_order_update(status(OrderState.OPEN, eid="e9"))
    assert o.exchange_order_id == "e9"
    assert not o.update_exchange_order_id("e10")
    assert o.exchange_order_id == "e9" and o.refused_updates == 1
    assert not o.update_exchange_order_id("e9")


# ---- waiting --------------------------------------------------------------------
async def test_get_exchange_order_id_waits_for_it():
    o = order()
    waiter = asyncio.ensure_future(o.get_exchange_order_id(timeout=5))
    await asyncio.sleep(0)
    assert not waiter.done()
    o.update_exchange_order_id("e1")
    assert await waiter == "e1"


async def test_get_exchange_order_id_times_out():
    with pytest.raises(asyncio.TimeoutError):
        await order().get_exchange_order_id(timeout=0.001)


async def test_wait_until_completely_filled_and_processed():
    o = order("1")
    filled = asyncio.ensure_future(o.wait_until_completely_filled())
    processed = asyncio.ensure_future(o.wait_until_processed_by_exchange())
    await asyncio.sleep(0)
    assert not filled.done() and not processed.done()
    o.update_with_order_update(status(OrderState.OPEN))
    await asyncio.wait_for(processed, 1)
    assert not filled.done()
    o.update_with_trade_update(fill("1", "1"))
    await asyncio.wait_for(filled, 1)


def test_events_made_late_reflect_the_current_condition():
    o = order("1", state=OrderState.OPEN, eid="e1")
    o.update_with_trade_update(fill("1", "1"))
    assert o.completely_filled_event.is_set()
    assert o.processed_by_exchange_event.is_set()
    assert o.exchange_order_id_update_event.is_set()
    assert not order().processed_by_exchange_event.is_set()


# ---- validation -------------------------------------------------------------------
@pytest.mark.parametrize("amount", ["-1", "0", "NaN", "Infinity"])
def test_bad_amount_is_refused(amount):
    with pytest.raises(ValueError, match="amount"):
        order(amount)


def test_float_amount_is_refused():
    with pytest.raises(TypeError, match="float"):
        InFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, 0.3, 1.0)


@pytest.mark.parametrize("base", ["-0.1", "0", "NaN"])
def test_bad_fill_amount_is_refused(base):
    with pytest.raises(ValueError, match="fill_base_amount"):
        TradeUpdate("1", "c1", "e1", PAIR, 1.0, D("1"), D(base), D("1"), AddedToCostTradeFee())


def test_bad_pair_and_state_are_refused():
    with pytest.raises(ValueError, match="BASE-QUOTE"):
        InFlightOrder("c1", "BTCUSDT", OrderType.LIMIT, TradeType.BUY, D(1), 1.0)
    with pytest.raises(TypeError, match="OrderState"):
        OrderUpdate(PAIR, 1.0, "OPEN", "c1")


def test_nan_price_means_no_price():
    assert order(price="NaN", order_type=OrderType.MARKET).price is None


# ---- views ----------------------------------------------------------------------
def test_properties_and_limit_order():
    o = order("2", eid="e1", state=OrderState.OPEN, trade_type=TradeType.SELL)
    o.update_with_trade_update(fill("1", "0.5"))
    assert (o.base_asset, o.quote_asset) == ("BTC", "USDT")
    assert o.is_open and not o.is_pending_create and not o.is_failure
    lo = o.to_limit_order()
    assert lo == LimitOrder("c1", PAIR, False, "BTC", "USDT", D("100"), D("2"), D("0.5"), 1_000_000)
    assert lo.age_til(4_000_000) == 3
    assert o.build_order_created_message() == "Created LIMIT SELL order c1 for 2 BTC-USDT at 100."


def test_perpetual_order_needs_a_position():
    with pytest.raises(ValueError, match="position"):
        PerpetualDerivativeInFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, D(1), 1.0, D(1),
                                         position=PositionAction.NIL)
    p = PerpetualDerivativeInFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.BUY, D(1), 1.0, D(1),
                                         leverage=5, position=PositionAction.CLOSE)
    assert "to CLOSE a BTC-USDT position" in p.build_order_created_message()


# ---- JSON -------------------------------------------------------------------------
def _roundtrip(o):
    return order_from_json(json.loads(json.dumps(o.to_json())))


def test_market_order_without_price_round_trips():
    o = order(price=None, order_type=OrderType.MARKET)
    o.update_with_order_update(status(OrderState.OPEN))
    o.update_with_trade_update(fill("1", "0.1", is_taker=False, fee=DeductedFromReturnsTradeFee(
        percent=D("0.001"), percent_token="BNB", flat_fees=[TokenAmount("BNB", D("0.0001"))])))
    back = _roundtrip(o)
    assert back == o
    assert back.price is None
    assert back.order_fills["1"].is_taker is False
    assert back.to_json() == o.to_json()


def test_perpetual_order_round_trips_with_leverage_and_position():
    p = PerpetualDerivativeInFlightOrder("c1", PAIR, OrderType.LIMIT, TradeType.SELL, D(1), 1.5, D(10),
                                         leverage=20, position=PositionAction.CLOSE)
    back = _roundtrip(p)
    assert type(back) is PerpetualDerivativeInFlightOrder
    assert back == p and back.leverage == 20 and back.position is PositionAction.CLOSE


def test_from_json_reads_hummingbots_format_with_none_price():
    data = {"client_order_id": "c1", "exchange_order_id": "e1", "trading_pair": PAIR, "order_type": "MARKET",
            "trade_type": "BUY", "price": "None", "amount": "1", "executed_amount_base": "0.5",
            "executed_amount_quote": "50", "last_state": "4", "leverage": "1", "position": "NIL",
            "creation_timestamp": 1.0, "order_fills": {"t": {
                "trade_id": "t", "client_order_id": "c1", "exchange_order_id": "e1", "trading_pair": PAIR,
                "fill_timestamp": 2.0, "fill_price": "100", "fill_base_amount": "0.5", "fill_quote_amount": "50",
                "fee": {"fee_type": "AddedToCost", "percent": "0", "percent_token": None, "flat_fees": []}}}}
    o = InFlightOrder.from_json(data)
    assert o.price is None and o.current_state is OrderState.PARTIALLY_FILLED
    assert o.order_fills["t"].is_taker is True
    assert o.last_update_timestamp == 1.0


def test_from_json_refuses_unknown_version_and_malformed_data():
    data = order().to_json()
    with pytest.raises(ValueError, match="version"):
        InFlightOrder.from_json({**data, "version": 99})
    with pytest.raises(ValueError, match="amount must be plain decimal text"):
        InFlightOrder.from_json({**data, "amount": "lots"})
    with pytest.raises(ValueError, match="needs 'trading_pair'"):
        InFlightOrder.from_json({k: v for k, v in data.items() if k != "trading_pair"})
