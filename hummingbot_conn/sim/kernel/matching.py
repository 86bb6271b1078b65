"""What every venue's matching engine does alike: books, order registry, trade tape, event delivery.

:class:`MatchingCore` holds one price-time ``SymbolBook`` per
symbol, every order by ``(symbol, order id)``, the open orders by
``(account, symbol, client order id)`` (and the last order of each client
id, for queries after it closed), per-symbol order and trade ids, the
public trade tape, and the listeners. A venue's engine subclasses it and
adds what its market means: balances or margin, order types, its checks
and its event shapes. Each engine call is one synchronous, atomic matching
step: events it produces are collected in ``_pending`` and delivered
together (``_deliver``) once the step is complete, which keeps their order
exact.
"""
from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any, Callable, Generic, TypeVar

from sortedcontainers import SortedDict

from .book import PriceLevel, SymbolBook
from .errors import SimError
from .records import BookOrder, Trade
from .specs import InstrumentSpec

__all__ = ["MatchingCore", "UserListener", "TradeListener"]

UserListener = Callable[[int, dict], None]
TradeListener = Callable[[str, Trade], None]
OrderT = TypeVar("OrderT", bound=BookOrder)
SpecT = TypeVar("SpecT", bound=InstrumentSpec)


class MatchingCore(Generic[SpecT, OrderT]):
    """Books, orders and trades of several symbols; ``clock`` gives every timestamp.

    ``specs``: the venue's symbol records (``InstrumentSpec`` subclasses);
    ``trade_history``: public trades kept per symbol. Subclasses give
    :meth:`unknown_symbol` (the venue's error for a symbol it does not list).
    """

    def __init__(self, specs: list[SpecT], accounts: Any, clock, *, trade_history: int = 1000) -> None:
        self.specs: dict[str, SpecT] = {s.symbol: s for s in specs}
        self.books = {name: SymbolBook(name) for name in self.specs}
        self.accounts = accounts
        self.clock = clock
        self.orders: dict[tuple[str, int], OrderT] = {}
        self._open_by_client: dict[tuple[int, str, str], OrderT] = {}
        # (account id, symbol) -> that account's open orders there, order id -> order: the index
        # open_orders(account, symbol) and the background traders read, so their cost does not grow
        # with the open orders of other symbols and accounts (a SortedDict: the k-th oldest in O(log n))
        self._open_by_account: dict[tuple[int, str], SortedDict] = {}
        self._last_by_client: dict[tuple[int, str, str], OrderT] = {}
        self._next_order_id = dict.fromkeys(self.specs, 1)
        self._next_trade_id = dict.fromkeys(self.specs, 1)
        self.trades: dict[str, deque[Trade]] = {name: deque(maxlen=trade_history) for name in self.specs}
        self.last_price: dict[str, Decimal] = {}
        # (account id, symbol) -> the account's fills there, oldest first (its trade history)
        self.account_fills: dict[tuple[int, str], list[Any]] = {}
        self.user_listeners: list[UserListener] = []
        self.trade_listeners: list[TradeListener] = []
        self._pending: list[tuple[int, dict]] = []

    # -- symbols ---------------------------------------------------------------------------
    def unknown_symbol(self) -> SimError:
        """The venue's error for a symbol it does not list."""
        raise NotImplementedError

    def spec(self, symbol: str) -> SpecT:
        """The record of ``symbol``; raises the venue's :meth:`unknown_symbol` error."""
        spec = self.specs.get(symbol)
        if spec is None:
            raise self.unknown_symbol()
        return spec

    # -- the order registry -------------------------------------------------------------------
    def _new_order_id(self, symbol: str) -> int:
        order_id = self._next_order_id[symbol]
        self._next_order_id[symbol] = order_id + 1
        return order_id

    def _register(self, order: OrderT) -> None:
        """A new order: findable by id and, while open, by its client id."""
        key = (order.account_id, order.symbol, order.client_order_id)
        self.orders[(order.symbol, order.order_id)] = order
        replaced = self._open_by_client.get(key)
        if replaced is not None:
            self._unindex(replaced)
        self._open_by_client[key] = order
        self._last_by_client[key] = order
        index = self._open_by_account.get((order.account_id, order.symbol))
        if index is None:
            index = self._open_by_account[(order.account_id, order.symbol)] = SortedDict()
        index[order.order_id] = order

    def _closed(self, order: OrderT) -> None:
        """``order`` is no longer open: its client id may be used again."""
        closed = self._open_by_client.pop((order.account_id, order.symbol, order.client_order_id), None)
        if closed is not None:
            self._unindex(closed)

    def _unindex(self, order: OrderT) -> None:
        index = self._open_by_account.get((order.account_id, order.symbol))
        if index is not None and index.get(order.order_id) is order:
            del index[order.order_id]

    def is_open_client_id(self, account_id: int, symbol: str, client_order_id: str) -> bool:
        return (account_id, symbol, client_order_id) in self._open_by_client

    def _lookup(self, account_id: int, symbol: str, order_id: int | None, client_id: str | None) -> OrderT | None:
        """The account's order by id (preferred) or by its latest client id; None if not its own."""
        if order_id is not None:
            order = self.orders.get((symbol, order_id))
            return order if order is not None and order.account_id == account_id else None
        if client_id is not None:
            return self._last_by_client.get((account_id, symbol, client_id))
        return None

    def open_orders(self, account: Any, symbol: str | None = None) -> list[OrderT]:
        """The account's open orders (of ``symbol``, or all), by symbol then order id.

        O(orders returned) with a symbol (the index); O(all open orders) without."""
        if symbol is not None:
            index = self._open_by_account.get((account.account_id, symbol))
            return list(index.values()) if index else []
        return sorted((o for o in self._open_by_client.values()
                       if o.account_id == account.account_id and (symbol is None or o.symbol == symbol)),
                      key=lambda o: (o.symbol, o.order_id))

    def open_order_count(self, account: Any, symbol: str) -> int:
        """How many orders ``account`` has open on ``symbol``. O(1)."""
        index = self._open_by_account.get((account.account_id, symbol))
        return len(index) if index is not None else 0

    def open_order_at(self, account: Any, symbol: str, position: int) -> OrderT:
        """The ``position``-th oldest (by order id) open order of ``account`` on ``symbol``
        (``open_orders(account, symbol)[position]`` without building the list). O(log n);
        IndexError when it has no such order."""
        index = self._open_by_account.get((account.account_id, symbol))
        if index is None or not -len(index) <= position < len(index):
            raise IndexError(f"no open order at position {position} of account {account.account_id} on {symbol}")
        return index.peekitem(position)[1]

    # -- matching ---------------------------------------------------------------------------------
    def _maker_for(self, book: SymbolBook, taker: OrderT) -> tuple[PriceLevel, OrderT] | None:
        """The level and first resting order a taker trades with next, or None when nothing crosses."""
        if taker.remaining <= 0 or not taker.is_open:
            return None
        level = book.crossing_level(taker.side, None if taker.type == "MARKET" else taker.price)
        if level is None:
            return None
        return level, next(iter(level.orders.values()))

    def _new_trade(self, symbol: str) -> int:
        trade_id = self._next_trade_id[symbol]
        self._next_trade_id[symbol] = trade_id + 1
        return trade_id

    def _record_fill(self, order: OrderT, fill: Any) -> None:
        """Keep one side of a trade in its account's history (``account_fills``)."""
        self.account_fills.setdefault((order.account_id, order.symbol), []).append(fill)

    def _print_trade(self, symbol: str, trade: Trade) -> None:
        """Put a trade on the public tape and tell the trade listeners."""
        self.trades[symbol].append(trade)
        self.last_price[symbol] = trade.price
        for listener in self.trade_listeners:
            listener(symbol, trade)

    # -- events -------------------------------------------------------------------------------------
    def _deliver(self, events: list[tuple[int, dict]]) -> None:
        """Hand a completed step's ``(account id, event)`` pairs to every user listener, in order."""
        for account_id, event in events:
            for listener in self.user_listeners:
                listener(account_id, event)
