"""The WS v2 ``book`` channel: per-subscription views kept at their depth, the CRC32 checksum, the faults.

Each subscription keeps the levels it was last sent (its *view*, at most
``depth`` per side). A flush compares a view with the book's top ``depth``
levels and sends what a client needs so that, applying the rows in order
and truncating to its depth after each, it holds exactly that top
(docs/kraken_spot.md, section 1):

* a level that left the book is sent with ``qty`` 0, before the other rows
  (so a client that truncates after every row never drops a level it keeps);
* a new or changed level within the depth is sent with its quantity;
* a level only pushed beyond the depth by better ones is not sent: the
  client's truncation drops it, as on Kraken.

The checksum is the CRC32 of the top 10 asks (lowest first) then the top
10 bids (highest first), each price and quantity written with the pair's
decimals, the point removed and the leading zeros stripped (section 2). It
is computed here with ``zlib.crc32``, independently of the connector.

Faults (``sim.faults``; the symbol scope is the WS v2 name): ``drop_diff``,
``duplicate_diff``, ``reorder_diff`` act on the next update message of the
symbol; ``corrupt_checksum`` gives the next book message of the symbol
(snapshot or update) a wrong checksum.
"""
from __future__ import annotations

import zlib
from decimal import Decimal

from ..kernel.book import SymbolBook
from ..kernel.faults import FaultInjector
from .pairs import KrakenPair, fixed, number
from .records import iso
from .wsjson import Raw, dumps

__all__ = ["checksum", "checksum_text", "BookView", "BookFeed", "BOOK_DEPTHS"]

BOOK_DEPTHS = (10, 25, 100, 500, 1000)
Levels = list[tuple[Decimal, Decimal]]


def _digits(value: Decimal, decimals: int) -> str:
    return fixed(value, decimals).replace(".", "").lstrip("0")


def checksum_text(asks: Levels, bids: Levels, price_decimals: int, qty_decimals: int) -> str:
    """The string Kraken's checksum is taken of: asks best first, then bids best first, 10 each."""
    parts = [_digits(p, price_decimals) + _digits(q, qty_decimals) for p, q in asks[:10]]
    parts += [_digits(p, price_decimals) + _digits(q, qty_decimals) for p, q in bids[:10]]
    return "".join(parts)


def checksum(asks: Levels, bids: Levels, price_decimals: int, qty_decimals: int) -> int:
    """Kraken's book checksum: unsigned CRC32 of :func:`checksum_text`."""
    return zlib.crc32(checksum_text(asks, bids, price_decimals, qty_decimals).encode()) & 0xFFFFFFFF


class BookView:
    """What one subscription was last sent: ``depth`` and the levels per side (price -> qty)."""
    __slots__ = ("depth", "bids", "asks", "held")

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.held: str | None = None          # reorder_diff: a message sent after the next one


def _rows(book: SymbolBook, side: str, old: dict[Decimal, Decimal], new: Levels) -> list[tuple[Decimal, Decimal]]:
    fresh = dict(new)
    gone = [(p, Decimal(0)) for p in old if p not in fresh and not book.level_qty(side, p)]
    changed = [(p, q) for p, q in new if old.get(p) != q]
    return gone + changed


class BookFeed:
    """Renders snapshots and updates of the book channel and applies the book faults."""

    def __init__(self, books: dict[str, SymbolBook], specs: dict[str, KrakenPair], faults: FaultInjector,
                 clock) -> None:
        self.books = books
        self.specs = specs
        self.faults = faults
        self.clock = clock

    def _levels(self, spec: KrakenPair, levels: Levels) -> list[dict]:
        return [{"price": Raw(number(p, spec.pair_decimals)), "qty": Raw(number(q, spec.lot_decimals))}
                for p, q in levels]

    def _checksum(self, symbol: str, spec: KrakenPair, bids: Levels, asks: Levels) -> int:
        value = checksum(asks, bids, spec.pair_decimals, spec.lot_decimals)
        if self.faults.take("corrupt_checksum", symbol):
            value = (value + 1) & 0xFFFFFFFF
        return value

    def snapshot(self, symbol: str, view: BookView) -> str:
        """The snapshot message of ``symbol`` at the view's depth; the view now holds it."""
        spec = self.specs[symbol]
        bids, asks = self.books[symbol].depth(view.depth)
        view.bids, view.asks = dict(bids), dict(asks)
        return dumps({"channel": "book", "type": "snapshot", "data": [{
            "symbol": symbol, "bids": self._levels(spec, bids), "asks": self._levels(spec, asks),
            "checksum": self._checksum(symbol, spec, bids, asks)}]})

    def updates(self, symbol: str, views: list[BookView]) -> list[list[str]]:
        """For each view, the messages to send it now (none when nothing within its depth changed)."""
        spec, book = self.specs[symbol], self.books[symbol]
        tops: dict[int, tuple[Levels, Levels]] = {}
        changed = []
        for view in views:
            if view.depth not in tops:
                tops[view.depth] = book.depth(view.depth)
            bids, asks = tops[view.depth]
            bid_rows = _rows(book, "BUY", view.bids, bids)
            ask_rows = _rows(book, "SELL", view.asks, asks)
            view.bids, view.asks = dict(bids), dict(asks)
            changed.append((view, bid_rows, ask_rows) if bid_rows or ask_rows else None)
        if not any(changed):
            return [[] for _ in views]
        top_bids, top_asks = book.depth(10)
        value = self._checksum(symbol, spec, top_bids, top_asks)
        stamp = iso(self.clock.now_ms())
        drop = self.faults.take("drop_diff", symbol) is not None
        duplicate = not drop and self.faults.take("duplicate_diff", symbol) is not None
        reorder = not drop and not duplicate and self.faults.take("reorder_diff", symbol) is not None
        out: list[list[str]] = []
        for entry in changed:
            if entry is None:
                out.append([])
                continue
            view, bid_rows, ask_rows = entry
            message = dumps({"channel": "book", "type": "update", "data": [{
                "symbol": symbol, "bids": self._levels(spec, bid_rows), "asks": self._levels(spec, ask_rows),
                "checksum": value, "timestamp": stamp}]})
            if drop:
                out.append([])
            elif duplicate:
                out.append([message, message])
            elif reorder:
                view.held = message
                out.append([])
            else:
                held, view.held = view.held, None
                out.append([message] if held is None else [message, held])
        return out
