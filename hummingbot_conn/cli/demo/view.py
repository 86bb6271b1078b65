"""What ``hbconn demo`` shows: one :class:`DemoFrame` per look, the plain status lines, the closing summary.

Everything here formats a :class:`DemoFrame` (what the demo read at one
moment) and never touches the connector, so the view cannot disturb trading.
Prices and amounts print in each pair's own precision (``PairFormat``). The
live screen, laid out for the terminal's size, is ``screen.py``; both
print the health figures of the same :class:`Health` rows, so the live view
and the plain lines show the same numbers for the same run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, List, Optional, Sequence, Tuple

from hummingbot_conn.cli.demo.recorder import DemoCounts, FaultRecord
from hummingbot_conn.cli.live_view import BookTop, Health, PairFormat, ms_text, rate_text


@dataclass
class OpenOrder:
    order_id: str
    pair: str
    side: str
    price: Optional[Decimal]
    amount: Decimal
    filled: Decimal
    state: str


@dataclass
class DemoFrame:
    """One look at the demo: its clock, the focus book, our orders, events, balances, health and faults.

    ``faults``: the faults and incidents still listed (each until a while after its repair);
    ``pending``: the faults still to come, as (demo seconds, what).
    """

    elapsed: float
    duration: float
    focus: BookTop
    formats: Dict[str, PairFormat]
    orders: List[OpenOrder]
    lines: List[Tuple[float, str]]
    balances: Dict[str, Tuple[Decimal, Decimal]]          # asset -> (total, available)
    health: List[Health]
    counts: DemoCounts
    user_reconnects: int
    faults: List[FaultRecord] = field(default_factory=list)
    pending: List[Tuple[float, str]] = field(default_factory=list)


def amount_text(value: Decimal) -> str:
    """An exact amount with thousands separators, as the book prints prices: ``99,987.1234567``, ``100,000``."""
    return f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value:,f}".rstrip("0")


def counts_line(c: DemoCounts) -> str:
    return (f"orders created {c.created}, filled {c.filled}, cancelled {c.cancelled}, failed {c.failed}; "
            f"fills {c.fills}")


def status_line(frame: DemoFrame) -> str:
    """The plain one-line status (``--no-ui``, pipes): focus book, our orders, counts, health."""
    top = frame.focus
    fmt = frame.formats.get(top.pair, PairFormat())
    book = (f"{top.pair} bid {fmt.price(top.best_bid)} ask {fmt.price(top.best_ask)} spread {fmt.price(top.spread)}"
            if top.synced else f"{top.pair} syncing")
    health = ", ".join(f"{h.pair} {rate_text(h.diffs_per_s)} diffs/s p50 {ms_text(h.p50_ms)} "
                       f"p99 {ms_text(h.p99_ms)} ms gaps {h.gaps} resyncs {h.resyncs} reconnects {h.reconnects} "
                       f"stale {h.stale}" for h in frame.health)
    return (f"[{frame.elapsed:5.1f}s] {book} | open orders {len(frame.orders)} | {counts_line(frame.counts)} "
            f"| {health} | user stream reconnects {frame.user_reconnects}")


#: characters of a client order id the live view keeps: its end, where the ids of one run differ
ID_TAIL = 8
# a client order id: a run of id characters (letters, digits, ``_``, ``-``; a digit among them) long enough
# to shorten, standing alone (not a piece of a URL or a path; a ``:`` may follow it)
_LONG_ID = re.compile(rf"(?<![\w/:.-])(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{{{ID_TAIL},}}"
                      rf"([A-Za-z0-9_-]{{{ID_TAIL}}})(?![\w/-])")


def short_ids(text: str) -> str:
    """Every client order id in ``text`` (~32 characters) shortened for the live view to ``…`` and its last
    ``ID_TAIL`` characters, the same in the orders table and in the events (``x-MG43PCSNBBTUT18c4e1f2a9b3d``
    -> ``…1f2a9b3d``); the plain log keeps them whole."""
    return _LONG_ID.sub(r"…\1", text)


# -- the summary -----------------------------------------------------------------------------------

@dataclass
class BookCheck:
    pair: str
    equal: bool
    update_id: int
    bid_levels: int
    ask_levels: int
    resynced_at_exit: bool
    detail: str = ""


@dataclass
class BalanceCheck:
    asset: str
    ours: Tuple[Decimal, Decimal]
    exchange: Tuple[Decimal, Decimal]

    @property
    def equal(self) -> bool:
        return self.ours == self.exchange


# where a line of the summary may break: after a "," ";" or ":" that ends a field, or at a run of spaces
_FIELD_BREAK = re.compile(r"(?<=[,;:]) +| {2,}")


def wrap_fields(line: str, width: Optional[int]) -> List[str]:
    """``line`` as lines of at most ``width`` columns, broken between its fields (after ``,`` ``;`` ``:`` or
    at a run of spaces), never inside one (``ETH-BTC sell 3`` stays whole); a field wider than the room
    breaks between words. Continuation lines are indented four more than ``line``. None: ``[line]``."""
    if width is None or len(line) <= width:
        return [line]
    body = line.lstrip(" ")
    hang = " " * (len(line) - len(body) + 4)
    out: List[str] = []
    current = line[:len(line) - len(body)]

    def put(piece: str) -> None:
        nonlocal current
        sep = " " if current.strip() else ""
        if len(current) + len(sep) + len(piece) <= width:
            current += sep + piece
        else:
            if current.strip():
                out.append(current)
            current = hang + piece

    for field_text in _FIELD_BREAK.split(body):
        if len(hang) + len(field_text) <= width:
            put(field_text)
        else:
            for word in field_text.split(" "):
                put(word)
    out.append(current)
    return out


def summary_lines(counts: DemoCounts, books: Sequence[BookCheck], balances: Sequence[BalanceCheck],
                  interrupted: bool, elapsed: float, width: Optional[int] = None) -> List[str]:
    """The closing summary, each line wrapped to ``width`` columns between fields (``wrap_fields``; None:
    unwrapped, for pipes and logs)."""
    lines = ["", f"Summary after {elapsed:.1f} s{' (interrupted)' if interrupted else ''}:",
             f"  {counts_line(counts)} (orders placed {counts.created + counts.failed})"]
    traded = ", ".join(f"{pair} {side.lower()} {n}" for (pair, side), n in sorted(counts.traded.items()))
    lines.append(f"  fills by pair and side: {traded or 'none'}")
    fees = ", ".join(f"{amount_text(v)} {k}" for k, v in sorted(counts.fees.items()))
    lines.append(f"  fees paid: {fees or 'none'}")
    lines.append(f"  book repairs: {counts.gaps} out of sync, {counts.resyncs} resynced; "
                 f"user stream connections {counts.user_connections}")
    lines.append("  final balances (ours = the exchange's?):")
    for b in balances:
        theirs = f"{amount_text(b.exchange[0])} / {amount_text(b.exchange[1])}"
        mark = "equal" if b.equal else f"NOT EQUAL (exchange: {theirs})"
        lines.append(f"    {b.asset:<6} total {amount_text(b.ours[0]):>16}  "
                     f"available {amount_text(b.ours[1]):>16}  {mark}")
    lines.append("  order books against the exchange's:")
    for c in books:
        how = " after a resync at exit (the last diff was lost and nothing later revealed it)" \
            if c.resynced_at_exit else ""
        verdict = "equal" if c.equal else f"NOT EQUAL ({c.detail})"
        lines.append(f"    {c.pair:<9} {verdict} at update {c.update_id}: {c.bid_levels} bids / "
                     f"{c.ask_levels} asks{how}")
    ok = all(c.equal for c in books) and all(b.equal for b in balances)
    lines.append(f"every book equal: {'yes' if all(c.equal for c in books) else 'NO'}; "
                 f"balances equal: {'yes' if all(b.equal for b in balances) else 'NO'}")
    if not ok:
        lines.append("A check failed: run again with --verbose and report the output.")
    return [part for line in lines for part in wrap_fields(line, width)]
