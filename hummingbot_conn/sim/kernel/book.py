"""One symbol's resting orders with price-time priority, and its update id (any venue).

Each side is a ``SortedDict`` price -> :class:`PriceLevel`; a level keeps its
orders in arrival order (an insertion-ordered dict, so a cancel from the
middle is O(1)). Costs: best price O(1), add / remove a level O(log n),
add / remove an order within an existing level O(1).

Every mutation of the visible book (an order rests, a level shrinks through a
fill, an order is cancelled) increments ``update_id`` by one and reports the
touched ``(side, price)`` to the listeners; depth diffs and snapshots use
that one counter, so ``lastUpdateId`` and ``U``/``u`` are contiguous
(docs/binance_spot.md section 6, simulator obligations). A venue that
publishes other ids derives them from this one (``depth.py``).

Sides are ``"BUY"`` (bids) and ``"SELL"`` (asks); an order is anything with
the fields of :class:`RestingOrder` (each venue has its own record).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Iterator, Protocol

from sortedcontainers import SortedDict

ZERO = Decimal(0)
BookListener = Callable[[str, str, Decimal, int], None]


class RestingOrder(Protocol):
    """What the book reads of an order (``kernel/records.py``'s ``BookOrder`` has it all)."""
    order_id: int
    side: str
    price: Decimal

    @property
    def remaining(self) -> Decimal: ...


class PriceLevel:
    __slots__ = ("price", "orders", "total")

    def __init__(self, price: Decimal) -> None:
        self.price = price
        self.orders: dict[int, Any] = {}     # order id -> the venue's order record, in arrival order
        self.total = ZERO


class SymbolBook:
    """Resting orders of one symbol. ``listeners`` get (symbol, side, price, update_id)."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids: SortedDict = SortedDict()
        self.asks: SortedDict = SortedDict()
        self.update_id = 0
        self.listeners: list[BookListener] = []

    def _side(self, side: str) -> SortedDict:
        return self.bids if side == "BUY" else self.asks

    def _touched(self, side: str, price: Decimal) -> None:
        self.update_id += 1
        uid = self.update_id
        for listener in self.listeners:
            listener(self.symbol, side, price, uid)

    def best_bid(self) -> PriceLevel | None:
        return self.bids.peekitem(-1)[1] if self.bids else None

    def best_ask(self) -> PriceLevel | None:
        return self.asks.peekitem(0)[1] if self.asks else None

    def add(self, order: RestingOrder) -> None:
        """Rest an order at the back of its price's queue. O(log n) for a new level, else O(1)."""
        side = self._side(order.side)
        level = side.get(order.price)
        if level is None:
            level = side[order.price] = PriceLevel(order.price)
        level.orders[order.order_id] = order
        level.total += order.remaining
        self._touched(order.side, order.price)

    def remove(self, order: RestingOrder) -> None:
        """Take an order off the book (cancel / expire). O(1), O(log n) if the level empties."""
        side = self._side(order.side)
        level = side[order.price]
        del level.orders[order.order_id]
        level.total -= order.remaining
        if not level.orders:
            del side[order.price]
        self._touched(order.side, order.price)

    def reduce(self, order: RestingOrder, qty: Decimal) -> None:
        """A resting order traded ``qty``; remove it when nothing remains. Call before updating the order."""
        side = self._side(order.side)
        level = side[order.price]
        level.total -= qty
        if qty >= order.remaining:
            del level.orders[order.order_id]
            if not level.orders:
                del side[order.price]
        self._touched(order.side, order.price)

    def opposite_levels(self, side: str) -> Iterator[PriceLevel]:
        """Levels a taker on ``side`` would hit, best first."""
        if side == "BUY":
            return iter(self.asks.values())
        return reversed(self.bids.values())

    def crossing_level(self, side: str, limit: Decimal | None) -> PriceLevel | None:
        """The best level a taker on ``side`` can trade with at ``limit`` (None: any price), or None."""
        level = self.best_ask() if side == "BUY" else self.best_bid()
        if level is None or limit is not None and (level.price > limit if side == "BUY" else level.price < limit):
            return None
        return level

    def fillable(self, side: str, limit: Decimal, enough: Decimal | None = None) -> Decimal:
        """Quantity a taker on ``side`` could trade at ``limit`` or better (counting stops at ``enough``)."""
        total = ZERO
        for level in self.opposite_levels(side):
            if level.price > limit if side == "BUY" else level.price < limit:
                break
            total += level.total
            if enough is not None and total >= enough:
                break
        return total

    def level_qty(self, side: str, price: Decimal) -> Decimal:
        level = self._side(side).get(price)
        return level.total if level is not None else ZERO

    def depth(self, limit: int) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """Top ``limit`` aggregated levels per side, best first. O(limit)."""
        bids = [(p, lv.total) for p, lv in _take(reversed(self.bids.items()), limit)]
        asks = [(p, lv.total) for p, lv in _take(iter(self.asks.items()), limit)]
        return bids, asks

    def check(self) -> None:
        """Integrity check for tests: level totals, no empty level, not crossed."""
        for side in (self.bids, self.asks):
            for price, level in side.items():
                assert level.orders, f"empty level {price}"
                assert level.total == sum(o.remaining for o in level.orders.values())
                assert all(o.price == price for o in level.orders.values())
        if self.bids and self.asks:
            assert self.bids.peekitem(-1)[0] < self.asks.peekitem(0)[0], "crossed book"


def _take(it, n: int):
    for i, item in enumerate(it):
        if i >= n:
            return
        yield item
