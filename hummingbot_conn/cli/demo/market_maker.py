"""A small market maker written against the connector's public API only: the example to copy.

Per pair it keeps one bid and one ask around the mid of the connector's live
order book, ``spread`` (a fraction of the mid) away on each side.  Each
``step()``:

* places the missing side (its previous order filled, was cancelled or failed);
* cancels a quote the mid has moved away from by more than ``tolerance`` (the
  replacement is placed by a later step, once the cancel is confirmed).

Everything it uses is hummingbot's connector API (``buy`` / ``sell`` /
``cancel`` return at once and report through events; ``in_flight_orders``;
``get_order_book``; ``get_mid_price``; ``trading_rules``; ``quantize_order_price``
/ ``quantize_order_amount``; ``get_available_balance``), so it runs unchanged
against any ``ExchangePyBase`` connector, the simulator's or a live venue's.
Prices and amounts are ``Decimal`` and quantized to the pair's rules before
they leave.
"""
from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple

from hummingbot_conn.common import OrderType, TradeType

__all__ = ["MarketMaker", "Quote"]

_ZERO = Decimal(0)

#: (trading pair, side) -> client order id of our quote
Quote = Tuple[str, TradeType]


class MarketMaker:
    """One bid and one ask per pair through ``connector`` (a started, ready ``ExchangePyBase``).

    :param spread: distance of each quote from the mid, as a fraction (0.0002 = 2 bp).
    :param tolerance: how far (fraction of the mid) the mid may move before a quote is replaced.
    :param notional_multiple: each order's value, in multiples of the pair's minimum notional.
    """

    def __init__(self, connector: Any, trading_pairs: Sequence[str], *, spread: Decimal = Decimal("0.0002"),
                 tolerance: Decimal = Decimal("0.0002"), notional_multiple: Decimal = Decimal(4)) -> None:
        if spread <= 0 or tolerance <= 0 or notional_multiple <= 0:
            raise ValueError("spread, tolerance and notional_multiple must be > 0")
        self.connector = connector
        self.trading_pairs = list(trading_pairs)
        self.spread, self.tolerance, self.notional_multiple = spread, tolerance, notional_multiple
        self.quotes: Dict[Quote, str] = {}
        self.placed = 0
        self.cancels_requested = 0
        self.running = True

    # -- the loop body -----------------------------------------------------------------------------
    def step(self) -> None:
        """Refresh every pair's quotes (synchronous: orders go out in the background)."""
        if not self.running:
            return
        for pair in self.trading_pairs:
            if not self.connector.get_order_book(pair).is_synced:
                continue        # never quote from a book that is resyncing
            mid = self.connector.get_mid_price(pair)
            if not mid.is_finite() or mid <= 0:
                continue        # one side of the book is empty
            for side in (TradeType.BUY, TradeType.SELL):
                self._refresh(pair, side, mid)

    def _refresh(self, pair: str, side: TradeType, mid: Decimal) -> None:
        order_id = self.quotes.get((pair, side))
        order = self.connector.in_flight_orders.get(order_id) if order_id else None
        if order is None or order.is_done:
            self._place(pair, side, mid)
        elif order.is_open and not order.is_pending_cancel_confirmation and order.price is not None \
                and abs(order.price - self._target_price(pair, side, mid)) > mid * self.tolerance:
            self.connector.cancel(pair, order.client_order_id)
            self.cancels_requested += 1

    def _target_price(self, pair: str, side: TradeType, mid: Decimal) -> Decimal:
        tick = self.connector.trading_rules[pair].min_price_increment
        if side is TradeType.BUY:
            price = self.connector.quantize_order_price(pair, mid * (1 - self.spread))
            best_ask = self.connector.get_price(pair, True)
            if best_ask.is_finite() and price >= best_ask:
                price = best_ask - tick               # stay a maker: never cross the book
        else:
            # round the ask up to its tick so it never lands below the intended spread
            price = (mid * (1 + self.spread) / tick).to_integral_value(ROUND_CEILING) * tick
            best_bid = self.connector.get_price(pair, False)
            if best_bid.is_finite() and price <= best_bid:
                price = best_bid + tick
        return price

    def _place(self, pair: str, side: TradeType, mid: Decimal) -> Optional[str]:
        rule = self.connector.trading_rules[pair]
        price = self._target_price(pair, side, mid)
        if price <= 0:
            return None
        amount = self.connector.quantize_order_amount(pair, rule.min_notional_size * self.notional_multiple / price
                                                      + rule.min_base_amount_increment)
        amount = max(amount, rule.min_order_size)
        base, quote = pair.split("-")
        needed, asset = (amount * price, quote) if side is TradeType.BUY else (amount, base)
        if self.connector.get_available_balance(asset) < needed:
            return None        # not enough free funds for this side now: try again next step
        place = self.connector.buy if side is TradeType.BUY else self.connector.sell
        order_id = place(pair, amount, OrderType.LIMIT, price)
        self.quotes[(pair, side)] = order_id
        self.placed += 1
        return order_id

    # -- stopping ---------------------------------------------------------------------------------
    def open_orders(self) -> List[Any]:
        """Our orders the connector still tracks as not done."""
        return [o for o in self.connector.in_flight_orders.values() if not o.is_done]

    async def stop(self, timeout: float = 10.0) -> list:
        """Stop quoting and cancel every open order; returns the connector's ``CancellationResult`` list."""
        self.running = False
        return await self.connector.cancel_all(timeout)
