"""Every order round-trips through JSON exactly (to_json -> json text -> from_json)."""
import json
from decimal import Decimal

from hypothesis import given, strategies as st

from hummingbot_conn.core.common_types import OrderType, PositionAction, TradeType
from hummingbot_conn.core.in_flight_order import (
    InFlightOrder,
    OrderState,
    OrderUpdate,
    PerpetualDerivativeInFlightOrder,
    TradeUpdate,
    order_from_json,
)
from hummingbot_conn.core.trade_fee import AddedToCostTradeFee, DeductedFromReturnsTradeFee, TokenAmount

PAIR = "SOL-USDC"
amounts = st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("1000000"), places=8,
                      allow_nan=False, allow_infinity=False)
timestamps = st.floats(min_value=0, max_value=4e9, allow_nan=False, allow_infinity=False)
tokens = st.sampled_from(["SOL", "USDC", "BNB", "ETH"])
fees = st.builds(
    lambda cls, percent, token, flats: cls(percent, token, flats),
    st.sampled_from([AddedToCostTradeFee, DeductedFromReturnsTradeFee]),
    st.decimals(min_value=Decimal("-0.001"), max_value=Decimal("0.01"), places=6, allow_nan=False),
    st.none() | tokens,
    st.lists(st.builds(TokenAmount, tokens, amounts), max_size=2),
)


@st.composite
def orders(draw):
    order_type = draw(st.sampled_from(list(OrderType)))
    price = None if order_type is OrderType.MARKET else draw(amounts)
    trade_type = draw(st.sampled_from([TradeType.BUY, TradeType.SELL]))
    amount = draw(amounts)
    eid = draw(st.none() | st.text("abc123", min_size=1, max_size=8))
    created = draw(timestamps)
    if draw(st.booleans()):
        order = PerpetualDerivativeInFlightOrder(
            "cid-1", PAIR, order_type, trade_type, amount, created, price, eid,
            leverage=draw(st.integers(1, 125)),
            position=draw(st.sampled_from([PositionAction.OPEN, PositionAction.CLOSE])))
    else:
        order = InFlightOrder("cid-1", PAIR, order_type, trade_type, amount, created, price, eid)
    for status in draw(st.lists(st.sampled_from(list(OrderState)), max_size=3)):
        order.update_with_order_update(OrderUpdate(PAIR, draw(timestamps), status, "cid-1"))
    for i, share in enumerate(draw(st.lists(st.integers(1, 4), max_size=4))):
        base = (amount * share / 10).quantize(Decimal("1e-9"))
        if base > 0:
            order.update_with_trade_update(TradeUpdate(
                f"t{i}", "cid-1", None, PAIR, draw(timestamps), draw(amounts), base, draw(amounts),
                draw(fees), draw(st.booleans())))
    return order


@given(orders())
def test_every_order_round_trips_through_json_exactly(order):
    text = json.dumps(order.to_json())
    back = order_from_json(json.loads(text))
    assert type(back) is type(order)
    assert back == order
    assert back.to_json() == order.to_json()
    assert back.current_state is order.current_state
    assert back.price == order.price and back.leverage == order.leverage and back.position is order.position
    for trade_id, fill in order.order_fills.items():
        assert back.order_fills[trade_id] == fill
        assert back.order_fills[trade_id].is_taker is fill.is_taker
