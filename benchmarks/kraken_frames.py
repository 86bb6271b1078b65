"""Seeded Kraken Spot WS v2 ``book`` frames for benchmarks/test_bench_kraken.py (docs/kraken_spot.md sections 1, 2).

A venue book deeper than the subscription (``VENUE_LEVELS`` per side) changes a
few levels per update; a client subscribed at ``DEPTH`` 10 is sent what
Kraken sends it: every change to a level inside its view, the levels that
enter the view when one inside leaves it, and nothing for a level pushed out
of the view by a better one (the client truncates its book to the depth) or
for a change deeper down.  Every frame carries the CRC-32 of the venue's top
10 asks and bids, computed here from integer units with ``zlib`` (so it does
not share a line with the C checksum it checks): price and quantity in units
of the pair's decimals, as decimal text without leading zeros.

Prices and quantities are JSON numbers (``45283.5``, ``0.1``): an integer
number of units divided by ``10**decimals`` gives the double nearest the
decimal value, which JSON writes back with at most the pair's decimals.

``kraken_frames(seed, frames)`` returns a ``KrakenFrames``: the v2 texts
(``snapshot_text``, ``update_texts``), the same updates as Kraken's legacy WS v1
book messages (``v1_update_texts``: what hummingbot's Kraken connector
subscribes to and parses) and the expected book after the snapshot and after
the last update (top ``DEPTH`` levels per side, and every level any update
named, for a client that does not truncate).
"""
from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import orjson

SYMBOL, PAIR, V1_PAIR = "BTC/USD", "BTC-USD", "XBT/USD"
PRICE_DECIMALS, QTY_DECIMALS = 1, 8
DEPTH = 10                  # the subscribed depth; the checksum covers 10 levels per side
VENUE_LEVELS = 40           # levels per side of the venue's own book (refilled deep down)
MID = 452_830               # 45283.0 in price units
ASSET_PAIRS = {"XXBTZUSD": {"altname": "XBTUSD", "wsname": SYMBOL, "base": "XXBT", "quote": "ZUSD",
                            "pair_decimals": PRICE_DECIMALS, "lot_decimals": QTY_DECIMALS, "ordermin": "0.0001",
                            "costmin": "0.5", "tick_size": "0.1", "status": "online"}}

Side = Dict[int, int]       # price units -> quantity units


def _top(side: Side, is_bid: bool, n: int = DEPTH) -> Side:
    return {p: side[p] for p in sorted(side, reverse=is_bid)[:n]}


def checksum(asks: Side, bids: Side) -> int:
    """Kraken's CRC-32 of the top 10 asks (lowest first) then bids (highest first)."""
    text = "".join(f"{p}{asks[p]}" for p in sorted(asks)[:DEPTH])
    text += "".join(f"{p}{bids[p]}" for p in sorted(bids, reverse=True)[:DEPTH])
    return zlib.crc32(text.encode())


def _price(units: int) -> float:
    return units / 10 ** PRICE_DECIMALS


def _qty(units: int) -> float:
    return units / 10 ** QTY_DECIMALS


def _v2_rows(rows: List[Tuple[int, int]]) -> list:
    return [{"price": _price(p), "qty": _qty(q)} for p, q in rows]


def _v1_rows(rows: List[Tuple[int, int]], stamp: str) -> list:
    # WS v1 (hummingbot's feed): decimal strings (5 price decimals for XBT/USD, 8 for volume) and a timestamp
    return [[f"{_price(p):.5f}", f"{_qty(q):.8f}", stamp] for p, q in rows]


@dataclass
class KrakenFrames:
    snapshot_text: str
    update_texts: List[str]
    v1_update_texts: List[str]
    #: (bids, asks) as [(price, qty)] floats, best first: the top DEPTH levels
    snapshot_levels: Tuple[list, list]
    final_levels: Tuple[list, list]
    #: every level of the snapshot and of any update, applied without truncation (a client keeping all)
    final_untruncated: Tuple[list, list]
    rows_per_update: float = 0.0
    checksums: List[int] = field(default_factory=list)


class _Venue:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.bids: Side = {}
        self.asks: Side = {}
        for is_bid, side in ((True, self.bids), (False, self.asks)):
            price = MID - 1 if is_bid else MID + 1
            for _ in range(VENUE_LEVELS):
                side[price] = self.qty()
                price += -rng.randint(1, 3) if is_bid else rng.randint(1, 3)

    def qty(self) -> int:
        # 0.0001 .. 5 BTC, written with 3, 5 or 8 decimals as real books mix them
        units = self.rng.randint(10_000, 500_000_000)
        step = 10 ** (QTY_DECIMALS - self.rng.choice((3, 5, 8)))
        return max(step, units // step * step)

    def change(self, is_bid: bool) -> Tuple[int, int, bool]:
        """One change to one side: (price, new qty or 0, whether it was inside the view when made)."""
        rng, side = self.rng, self.bids if is_bid else self.asks
        view = sorted(side, reverse=is_bid)[:DEPTH]
        kind = rng.random()
        if kind < 0.5:                                          # a size change in view
            price = rng.choice(view)
            side[price] = qty = self.qty()
            return price, qty, True
        if kind < 0.7:                                          # a level in view leaves the book
            price = rng.choice(view)
            del side[price]
            return price, 0, True
        if kind < 0.9:                                          # a new level in view (or a better best)
            other_best = min(self.asks) if is_bid else max(self.bids)
            best, tenth = view[0], view[-1]
            low, high = (tenth + 1, min(best + 2, other_best - 1)) if is_bid else (max(best - 2, other_best + 1),
                                                                                   tenth - 1)
            free = [p for p in range(low, high + 1) if p not in side]
            if free:
                price = rng.choice(free)
                side[price] = qty = self.qty()
                return price, qty, True
        deep = sorted(side, reverse=is_bid)[DEPTH:]             # deeper down: not sent
        price = rng.choice(deep)
        if rng.random() < 0.5 and len(deep) > DEPTH:
            del side[price]
            return price, 0, False
        side[price] = qty = self.qty()
        return price, qty, False

    def refill(self) -> None:
        for is_bid, side in ((True, self.bids), (False, self.asks)):
            while len(side) < VENUE_LEVELS:
                worst = min(side) if is_bid else max(side)
                side[worst - self.rng.randint(1, 3) if is_bid else worst + self.rng.randint(1, 3)] = self.qty()


def _apply_row(view: Side, price: int, qty: int, is_bid: bool) -> None:
    """One row into a client view truncated after every row (python-kraken-sdk does so; the stricter
    reading: a level pushed out by one row is gone even if a later row of the message frees room)."""
    if qty:
        view[price] = qty
    else:
        view.pop(price, None)
    if len(view) > DEPTH:
        del view[min(view) if is_bid else max(view)]


def _reconcile(view: Side, target: Side, rows: List[Tuple[int, int]], is_bid: bool) -> Side:
    """Add the rows that make the client's view the venue's top DEPTH (a level in view that left the
    book, levels entering the view, a level pushed out and back within the message); returns the
    view.  The rows are right for a client truncating after every row and for one truncating after
    the message (checked)."""
    before = dict(view)
    for p, q in rows:
        _apply_row(view, p, q, is_bid)
    while view != target:
        for p in [p for p in view if p not in target]:
            rows.append((p, 0))
            _apply_row(view, p, 0, is_bid)
        for p, q in target.items():
            if view.get(p) != q:
                rows.append((p, q))
                _apply_row(view, p, q, is_bid)
    for p, q in rows:        # a client truncating after the whole message ends at the same view
        if q:
            before[p] = q
        else:
            before.pop(p, None)
    if _top(before, is_bid) != target:
        raise AssertionError("frame generator: rows differ for a client truncating per message")
    return view


def kraken_frames(seed: int, frames: int, max_changes: int = 4, resize_all: bool = False) -> KrakenFrames:
    """``frames`` valid book updates after one snapshot, each from 1..``max_changes`` venue changes
    (more while none of them is in view); ``resize_all``: every update also changes the size of
    every level in view, so it carries at least 10 + 10 rows."""
    rng = random.Random(seed)
    venue = _Venue(rng)
    bids_view, asks_view = _top(venue.bids, True), _top(venue.asks, False)
    all_bids, all_asks = dict(bids_view), dict(asks_view)
    snap_sum = checksum(venue.asks, venue.bids)
    snapshot = {"channel": "book", "type": "snapshot", "data": [{
        "symbol": SYMBOL, "bids": _v2_rows(sorted(bids_view.items(), reverse=True)),
        "asks": _v2_rows(sorted(asks_view.items())), "checksum": snap_sum}]}
    updates, v1_updates, sums, row_count = [], [], [], 0
    for i in range(frames):
        sent: Dict[bool, List[Tuple[int, int]]] = {True: [], False: []}
        if resize_all:
            for is_bid, side in ((True, venue.bids), (False, venue.asks)):
                for price in sorted(side, reverse=is_bid)[:DEPTH]:
                    side[price] = qty = venue.qty()
                    sent[is_bid].append((price, qty))
        changes = rng.randint(1, max_changes)
        while changes > 0 or not (sent[True] or sent[False]):     # Kraken sends no empty update
            changes -= 1
            is_bid = rng.random() < 0.5
            price, qty, in_view = venue.change(is_bid)
            if in_view:
                sent[is_bid].append((price, qty))
        venue.refill()
        bids_view = _reconcile(bids_view, _top(venue.bids, True), sent[True], True)
        asks_view = _reconcile(asks_view, _top(venue.asks, False), sent[False], False)
        total = checksum(venue.asks, venue.bids)
        sums.append(total)
        for is_bid, full in ((True, all_bids), (False, all_asks)):
            for p, q in sent[is_bid]:
                if q:
                    full[p] = q
                else:
                    full.pop(p, None)
        row_count += len(sent[True]) + len(sent[False])
        stamp = f"2026-12-07T04:{i // 6000 % 60:02d}:{i // 100 % 60:02d}.{i % 100:02d}0000Z"
        updates.append(orjson.dumps({"channel": "book", "type": "update", "data": [{
            "symbol": SYMBOL, "bids": _v2_rows(sent[True]), "asks": _v2_rows(sent[False]),
            "checksum": total, "timestamp": stamp}]}).decode())
        # WS v1 splits a two-sided update into two objects; hummingbot reads only the first, so both
        # sides go in one object here and its parser does the same work as the other clients
        body: dict = {}
        v1_stamp = f"{1765080000 + i / 100:.6f}"
        if sent[False]:
            body["a"] = _v1_rows(sent[False], v1_stamp)
        if sent[True]:
            body["b"] = _v1_rows(sent[True], v1_stamp)
        body["c"] = str(total)
        v1_updates.append(orjson.dumps([336, body, f"book-{DEPTH}", V1_PAIR]).decode())

    def levels(side: Side, is_bid: bool) -> list:
        return [(_price(p), _qty(side[p])) for p in sorted(side, reverse=is_bid)]

    first_bids, first_asks = snapshot["data"][0]["bids"], snapshot["data"][0]["asks"]
    return KrakenFrames(
        snapshot_text=orjson.dumps(snapshot).decode(), update_texts=updates, v1_update_texts=v1_updates,
        snapshot_levels=([(r["price"], r["qty"]) for r in first_bids], [(r["price"], r["qty"]) for r in first_asks]),
        final_levels=(levels(bids_view, True), levels(asks_view, False)),
        final_untruncated=(levels(all_bids, True), levels(all_asks, False)),
        rows_per_update=row_count / frames, checksums=sums)
