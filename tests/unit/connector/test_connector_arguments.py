"""The public entry points check their arguments before any side effect;
the rules a hummingbot user meets are in docs/porting.md, "Order arguments"."""
from decimal import Decimal

import pytest

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange

PAIR = "BTC-USDT"


@pytest.fixture
async def ex():
    made = []

    def ids(is_buy, pair):
        made.append(pair)
        return f"id{len(made)}"
    connector = BinanceExchange(binance_api_key="key", binance_api_secret="secret", trading_pairs=[PAIR],
                                clock=lambda: 1700000000.0, client_order_id_generator=ids)
    connector.made_ids = made
    yield connector
    await connector.stop_network()


@pytest.mark.parametrize("kwargs", [{"quoteOrderQty": Decimal("10")}, {"timeInForce": "IOC"},
                                    {"client_order_id": "mine"}, {"leverage": 5}])
async def test_unknown_keywords_raise_before_an_id_is_made(ex, kwargs):
    for method in (ex.buy, ex.sell):
        with pytest.raises(TypeError, match="unexpected keyword argument"):
            method(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("1"), **kwargs)
    assert ex.made_ids == [] and ex.in_flight_orders == {}


async def test_cancel_checks_the_pair_of_a_tracked_order(ex):
    ex.start_tracking_order("c1", "1", PAIR, TradeType.BUY, Decimal("1"), Decimal("1"), OrderType.LIMIT)
    ex._started = True                  # as after start_network: a cancel would be scheduled
    with pytest.raises(ValueError, match="BTC-USDT order, not ETH-USDT"):
        ex.cancel("ETH-USDT", "c1")
    assert ex._order_placer._tasks == set()
    for bad in ((None, "c1"), (PAIR, 1)):
        with pytest.raises(TypeError):
            ex.cancel(*bad)
    ex._started = False


@pytest.mark.parametrize("timeout", ["5", None, True, [1], 0, -0.1, float("nan"), float("inf"), Decimal("NaN")])
async def test_cancel_all_refuses_a_bad_timeout(ex, timeout):
    ex.start_tracking_order("c1", "1", PAIR, TradeType.BUY, Decimal("1"), Decimal("1"), OrderType.LIMIT)
    ex._started = True
    with pytest.raises((TypeError, ValueError), match="timeout_seconds"):
        await ex.cancel_all(timeout)
    assert ex._order_placer._tasks == set()
    ex._started = False


async def test_book_queries_check_pair_side_and_amount_types(ex):
    book = OrderBook()
    book.apply_snapshot([[Decimal("99"), Decimal("1")]], [[Decimal("101"), Decimal("1")]], 1)
    ex.order_book_tracker._order_books[PAIR] = book
    assert ex.get_price(PAIR, True) == Decimal("101") and ex.get_price(PAIR, False) == Decimal("99")
    for bad_side in ("no", 1, None):
        with pytest.raises(TypeError, match="is_buy"):
            ex.get_price(PAIR, bad_side)
        with pytest.raises(TypeError, match="is_buy"):
            ex.get_vwap_for_volume(PAIR, bad_side, Decimal("1"))
    for query in (ex.get_vwap_for_volume, ex.get_price_for_volume, ex.get_price_for_quote_volume,
                  ex.get_quote_volume_for_base_amount, ex.get_volume_for_price, ex.get_quote_volume_for_price):
        for bad in ("1", True, None):
            with pytest.raises(TypeError):
                query(PAIR, True, bad)
        query(PAIR, True, Decimal("1"))
    for bad_pair in (None, 5, b"BTC-USDT"):
        with pytest.raises(TypeError, match="trading_pair"):
            ex.get_price(bad_pair, True)
        with pytest.raises(TypeError, match="trading_pair"):
            ex.get_mid_price(bad_pair)
