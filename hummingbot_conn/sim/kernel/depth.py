"""Depth diffs of any venue: book changes gathered per (symbol, cadence) between flushes, and their faults.

Every book mutation reports ``(side, price, update id)``. For each watched
``(symbol, cadence)`` a :class:`_Pending` remembers the first id of the
interval and the touched prices; ``flush(cadence, render)`` turns each
non-empty one into one event whose levels carry the *current* absolute
quantities (the venue's ``render`` gives the bytes), and applies the
depth-diff fault rules of ``faults.py``:

* ``future_diff_id``: this event's final id is ``FAR_AHEAD`` beyond the truth
  (its first and previous ids stay true; the next event is true again);
* ``drop_diff``, ``duplicate_diff``: the event is not sent / sent twice;
* ``reorder_diff``: the event is held back and sent after the next one.

Published ids are the book's update id times ``stride``: 1 gives contiguous
ids (``U == previous u + 1``, Binance spot); a larger stride gives ids that
only chain through the previous event's final id (Binance USDⓈ-M's ``pu``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from .book import SymbolBook
from .faults import FAR_AHEAD, FaultInjector

__all__ = ["DepthDiffs", "Levels", "RenderDiff"]

Levels = list[tuple[Decimal, Decimal]]
#: ``render(symbol, first id, final id, previous event's final id, bids best first, asks best first) -> frame``
RenderDiff = Callable[[str, int, int, int, Levels, Levels], bytes]


class _Pending:
    __slots__ = ("first_id", "prev_final", "bids", "asks")

    def __init__(self, prev_final: int) -> None:
        self.first_id = 0
        self.prev_final = prev_final
        self.bids: set[Decimal] = set()
        self.asks: set[Decimal] = set()


class DepthDiffs:
    """The pending diffs of every watched (symbol, cadence) of ``books``, and the diff faults."""

    def __init__(self, books: Mapping[str, SymbolBook], faults: FaultInjector, *, stride: int = 1) -> None:
        if stride < 1:
            raise ValueError("an id stride must be >= 1")
        self.books = books
        self.faults = faults
        self.stride = stride
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._by_symbol: dict[str, list[_Pending]] = {}
        self._held: dict[tuple[str, str], bytes] = {}
        # (symbol, cadence) -> (first id, final id, previous final id) of the interval the last flush
        # closed (true ids, before the faults): what a partial-depth event of that cadence carries
        self.interval_ids: dict[tuple[str, str], tuple[int, int, int]] = {}
        for book in books.values():
            book.listeners.append(self._on_change)

    def published_id(self, symbol: str) -> int:
        """The id the venue publishes for the book's current state (a snapshot's last update id)."""
        return self.books[symbol].update_id * self.stride

    def watch(self, symbol: str, cadence: str) -> None:
        """Start gathering the changes of ``symbol`` for ``cadence`` (a subscriber wants them)."""
        if (symbol, cadence) not in self._pending:
            pending = self._pending[(symbol, cadence)] = _Pending(self.published_id(symbol))
            self._by_symbol.setdefault(symbol, []).append(pending)

    def _on_change(self, symbol: str, side: str, price: Decimal, update_id: int) -> None:
        for pending in self._by_symbol.get(symbol, ()):
            if pending.first_id == 0:
                pending.first_id = update_id * self.stride
            (pending.bids if side == "BUY" else pending.asks).add(price)

    def flush(self, cadence: str, render: RenderDiff) -> list[tuple[str, list[bytes]]]:
        """Each symbol with changes of ``cadence`` and the frames to send it (after the faults)."""
        out = []
        for (symbol, pending_cadence), pending in self._pending.items():
            if pending_cadence != cadence:
                continue
            if pending.first_id == 0:       # nothing changed: the interval is empty at the last id
                self.interval_ids[(symbol, cadence)] = (pending.prev_final, pending.prev_final, pending.prev_final)
                continue
            book = self.books[symbol]
            final = self.published_id(symbol)
            self.interval_ids[(symbol, cadence)] = (pending.first_id, final, pending.prev_final)
            sent_final = final + FAR_AHEAD if self.faults.take("future_diff_id", symbol) else final
            event = render(symbol, pending.first_id, sent_final, pending.prev_final,
                           [(p, book.level_qty("BUY", p)) for p in sorted(pending.bids, reverse=True)],
                           [(p, book.level_qty("SELL", p)) for p in sorted(pending.asks)])
            pending.first_id, pending.prev_final, pending.bids, pending.asks = 0, final, set(), set()
            out.append((symbol, self._faulted(symbol, cadence, event)))
        return out

    def _faulted(self, symbol: str, cadence: str, event: bytes) -> list[bytes]:
        if self.faults.take("drop_diff", symbol):
            return []
        if self.faults.take("duplicate_diff", symbol):
            return [event, event]
        if self.faults.take("reorder_diff", symbol):
            self._held[(symbol, cadence)] = event
            return []
        held = self._held.pop((symbol, cadence), None)
        return [event] if held is None else [event, held]

    def restart(self, symbol: str | None = None) -> None:
        """A venue restart: the update ids of ``symbol`` (every symbol) start again from 0.

        Flush what is pending first: those changes go out with the old ids. Levels are kept.
        """
        for name, book in self.books.items():
            if symbol is None or name == symbol:
                book.update_id = 0
        for (name, _), pending in self._pending.items():
            if symbol is None or name == symbol:
                pending.prev_final = 0
