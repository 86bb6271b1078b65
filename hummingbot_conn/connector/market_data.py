"""Order book queries in Decimal: the strategy-facing side of ``ExchangeBase``.

The compiled ``OrderBook`` answers in floats; strategies and the order path
work in ``Decimal``.  Each query converts once, through ``str`` (the float's
shortest repr), so ``60000.01`` stays ``Decimal("60000.01")``.
``get_quote_volume_for_price`` really returns quote volume (hummingbot
returned the base volume, docs/weaknesses.md W-9).
"""
import math
from decimal import Decimal
from typing import Callable, Dict, NamedTuple, Optional

from hummingbot_conn.core.order_book import OrderBook

__all__ = ["ClientOrderBookQueryResult", "OrderBookQueries"]

_NAN = Decimal("NaN")


def _dec(x: float) -> Decimal:
    return _NAN if math.isnan(x) else Decimal(repr(x))


class ClientOrderBookQueryResult(NamedTuple):
    """hummingbot's Decimal query result; NaN where a field does not apply."""
    query_price: Decimal
    query_volume: Decimal
    result_price: Decimal
    result_volume: Decimal


class OrderBookQueries:
    """Queries over the books of ``books()`` (pair -> OrderBook).

    ``get_order_book`` raises ``ValueError`` for a pair without a book;
    ``get_price`` returns NaN on an empty side (as hummingbot) instead of raising.
    Cost: ``get_price`` O(1); the volume queries O(levels walked), in C.
    """

    def __init__(self, books: Callable[[], Dict[str, OrderBook]],
                 quantize_price: Callable[[str, Decimal], Decimal]) -> None:
        self._books = books
        self._quantize_price = quantize_price

    def get_order_book(self, trading_pair: str) -> OrderBook:
        book = self._books().get(trading_pair)
        if book is None:
            raise ValueError(f"No order book exists for '{trading_pair}'.")
        return book

    def find_order_book(self, trading_pair: str) -> Optional[OrderBook]:
        return self._books().get(trading_pair)

    def get_price(self, trading_pair: str, is_buy: bool) -> Decimal:
        """Best ask (buy) or best bid (sell), quantised to the tick; NaN if that side is empty."""
        book = self.get_order_book(trading_pair)
        try:
            price = _dec(book.get_price(is_buy))
        except OSError:
            return _NAN
        try:
            return self._quantize_price(trading_pair, price)
        except KeyError:          # no trading rule yet: the raw price
            return price

    def get_mid_price(self, trading_pair: str) -> Decimal:
        return (self.get_price(trading_pair, True) + self.get_price(trading_pair, False)) / 2

    def _query(self, name: str, trading_pair: str, is_buy: bool, value: Decimal) -> ClientOrderBookQueryResult:
        result = getattr(self.get_order_book(trading_pair), name)(is_buy, float(value))
        return ClientOrderBookQueryResult(_dec(result.query_price), _dec(result.query_volume),
                                          _dec(result.result_price), _dec(result.result_volume))

    def get_vwap_for_volume(self, trading_pair: str, is_buy: bool, volume: Decimal) -> ClientOrderBookQueryResult:
        return self._query("get_vwap_for_volume", trading_pair, is_buy, volume)

    def get_price_for_volume(self, trading_pair: str, is_buy: bool, volume: Decimal) -> ClientOrderBookQueryResult:
        return self._query("get_price_for_volume", trading_pair, is_buy, volume)

    def get_price_for_quote_volume(self, trading_pair: str, is_buy: bool,
                                   quote_volume: Decimal) -> ClientOrderBookQueryResult:
        return self._query("get_price_for_quote_volume", trading_pair, is_buy, quote_volume)

    def get_quote_volume_for_base_amount(self, trading_pair: str, is_buy: bool,
                                         base_amount: Decimal) -> ClientOrderBookQueryResult:
        return self._query("get_quote_volume_for_base_amount", trading_pair, is_buy, base_amount)

    def get_volume_for_price(self, trading_pair: str, is_buy: bool, price: Decimal) -> ClientOrderBookQueryResult:
        return self._query("get_volume_for_price", trading_pair, is_buy, price)

    def get_quote_volume_for_price(self, trading_pair: str, is_buy: bool,
                                   price: Decimal) -> ClientOrderBookQueryResult:
        return self._query("get_quote_volume_for_price", trading_pair, is_buy, price)
