"""A refused order is logged in plain words: amounts and prices as decimal text, a market order
"at market", enums by name (a user read ``for Decimal('0.1') 'ETH-USDT' at Decimal('NaN'): Invalid
position action PositionAction.NIL. Must be one of ['OPEN', 'CLOSE']``)."""
import asyncio
import logging
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType, PositionAction, TradeType
from hummingbot_conn.connector.order_placer import order_terms
from hummingbot_conn.connector.trading_rules import describe
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.exchanges.binance_perpetual import BinancePerpetualDerivative

PAIR = "BTC-USDT"


def _ids():
    made = []

    def ids(is_buy, pair):
        made.append(pair)
        return f"id{len(made)}"
    return ids


async def test_a_refused_order_is_logged_with_plain_amounts_and_prices(caplog):
    connector = BinanceExchange(binance_api_key="key", binance_api_secret="secret", trading_pairs=[PAIR],
                                clock=lambda: 1700000000.0, client_order_id_generator=_ids())
    with caplog.at_level(logging.WARNING, logger="hummingbot_conn.connector.order_placer"):
        connector.buy(PAIR, Decimal("0.1"), OrderType.MARKET)                 # hummingbot's default price: NaN
        connector.sell(PAIR, Decimal("0.25"), OrderType.LIMIT, Decimal("60000.10"))
        connector.buy(PAIR, Decimal("1E+1"), OrderType.LIMIT, Decimal("NaN"))
        for _ in range(5):
            await asyncio.sleep(0)
    text = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Rejected")]
    assert [line.split(": ", 1)[0] for line in text] == [
        "Rejected BUY MARKET order id1 for 0.1 BTC-USDT at market",
        "Rejected SELL LIMIT order id2 for 0.25 BTC-USDT at 60000.10",
        "Rejected BUY LIMIT order id3 for 10 BTC-USDT without a price"], text
    assert not any("Decimal(" in line or "NaN" in line for line in text), text
    await connector.stop_network()


@pytest.mark.parametrize("amount, pair, order_type, price, expected", [
    (Decimal("0.1"), "ETH-USDT", OrderType.MARKET, Decimal("NaN"), "0.1 ETH-USDT at market"),
    (Decimal("0.1"), "ETH-USDT", OrderType.MARKET, Decimal("2000"), "0.1 ETH-USDT at market"),
    (Decimal("0.00001000"), "ETH-BTC", OrderType.LIMIT, Decimal("0.05001"), "0.00001000 ETH-BTC at 0.05001"),
    (Decimal("0.1"), "ETH-USDT", OrderType.LIMIT, None, "0.1 ETH-USDT without a price"),
    (Decimal("0.1"), "ETH-USDT", OrderType.LIMIT, float("nan"), "0.1 ETH-USDT without a price"),
    (Decimal("sNaN"), "ETH-USDT", OrderType.LIMIT_MAKER, Decimal("sNaN"), "Decimal('sNaN') ETH-USDT without a price"),
    (3, "ETH-USDT", OrderType.LIMIT, 2.5, "3 ETH-USDT at 2.5"),
    (type("Odd", (Decimal,), {})("1"), object(), "LIMIT", "x", "<Odd object> <object object> at x"),
])
def test_order_terms_are_plain_text_and_never_str_a_callers_object(amount, pair, order_type, price, expected):
    assert order_terms(amount, pair, order_type, price) == expected


@pytest.mark.parametrize("action, named", [(PositionAction.NIL, "NIL"), ("OPEN", "'OPEN'"), (None, "None")])
def test_a_missing_position_action_is_named_plainly(action, named):
    connector = BinancePerpetualDerivative("key", "secret", trading_pairs=[PAIR])
    with pytest.raises(ValueError) as info:
        connector._create_in_flight_order("id1", PAIR, OrderType.MARKET, TradeType.BUY, Decimal("0.1"), None,
                                          position_action=action)
    assert str(info.value) == f"Invalid position action {named}: must be one of OPEN, CLOSE"


@pytest.mark.parametrize("amount, price", [
    (Decimal("1e999999999"), Decimal("-1e-999999999")),
    (10 ** 100_000, 5),
    (Decimal("1"), "9" * 10_000),
], ids=["huge-decimal", "huge-int", "long-text"])
def test_a_hostile_number_is_described_not_written_out(amount, price):
    # format(Decimal("1e999999999"), "f") is a gigabyte of zeros and str() of a 100,000-digit int
    # raises ValueError: the log line must stay short whatever the caller passed
    text = order_terms(amount, "BTC-USDT", OrderType.LIMIT, price)
    assert len(text) < 200, text
    assert describe(10 ** 100_000) == "<int of 332193 bits>"
