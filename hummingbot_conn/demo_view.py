"""The screens of ``hbconn demo``: a live rich view, plain status lines, and the closing summary.

Everything here formats a :class:`DemoFrame` (what the demo read at one
moment) and never touches the connector, so the view cannot disturb trading.
Prices and amounts print in each pair's own precision (``PairFormat``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from hummingbot_conn.demo_recorder import DemoCounts
from hummingbot_conn.live_view import BookTop, Health, PairFormat, health_table, ladder_table, ms_text

if TYPE_CHECKING:
    from rich.console import RenderableType


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
    """One look at the demo: its clock, the focus book, our orders, events, balances and health."""

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
    note: str = ""
    extra: Dict[str, str] = field(default_factory=dict)


def _amount(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}".rstrip("0")


def counts_line(c: DemoCounts) -> str:
    return (f"orders created {c.created}, filled {c.filled}, cancelled {c.cancelled}, failed {c.failed}; "
            f"fills {c.fills}")


def status_line(frame: DemoFrame) -> str:
    """The plain one-line status (``--no-ui``, pipes): focus book, our orders, counts, health."""
    top = frame.focus
    fmt = frame.formats.get(top.pair, PairFormat())
    book = (f"{top.pair} bid {fmt.price(top.best_bid)} ask {fmt.price(top.best_ask)} spread {fmt.price(top.spread)}"
            if top.synced else f"{top.pair} syncing")
    health = ", ".join(f"{h.pair} {h.diffs_per_s:.1f} diffs/s p50 {ms_text(h.p50_ms)} p99 {ms_text(h.p99_ms)} ms "
                       f"gaps {h.gaps} resyncs {h.resyncs}" for h in frame.health)
    return (f"[{frame.elapsed:5.1f}s] {book} | open orders {len(frame.orders)} | {counts_line(frame.counts)} "
            f"| {health} | user stream reconnects {frame.user_reconnects}")


_LONG_ID = re.compile(r"\b(\S{2})\S{8,}(\S{8})\b")


def _short_ids(text: str) -> str:
    # client order ids are ~32 characters: the view keeps their ends, the plain log keeps them whole
    return _LONG_ID.sub(r"\1…\2", text)


def render(frame: DemoFrame, max_events: int = 10) -> "RenderableType":
    """The live view: focus ladder beside our orders, then the last ``max_events`` events, balances, health."""
    from rich.columns import Columns
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    fmt = frame.formats.get(frame.focus.pair, PairFormat())
    ours = [float(o.price) for o in frame.orders if o.pair == frame.focus.pair and o.price is not None]
    ladder = ladder_table(frame.focus, fmt, highlight=ours)

    orders = Table(title="our open orders", title_justify="left", padding=(0, 1))
    for name in ("order", "pair", "side", "price", "amount", "filled", "state"):
        orders.add_column(name, justify="right" if name in ("price", "amount", "filled") else "left")
    for o in frame.orders:
        f = frame.formats.get(o.pair, PairFormat())
        colour = "green" if o.side == "BUY" else "red"
        orders.add_row(_short_ids(o.order_id), o.pair, f"[{colour}]{o.side}[/{colour}]", f.price(o.price),
                       f.amount(o.amount), f.amount(o.filled), o.state)

    balances = Table(title="balances", title_justify="left", padding=(0, 1))
    for name in ("asset", "total", "available"):
        balances.add_column(name, justify="left" if name == "asset" else "right")
    for asset, (total, available) in sorted(frame.balances.items()):
        balances.add_row(asset, _amount(total), _amount(available))

    events = "\n".join(f"[dim]{t:5.1f}s[/dim] {_colour(_short_ids(text))}"
                       for t, text in frame.lines[-max_events:]) or "(none yet)"
    header = (f"[b]hbconn demo[/b]  {frame.elapsed:5.1f} / {frame.duration:g} s   {counts_line(frame.counts)}   "
              f"user stream reconnects {frame.user_reconnects}   [dim]Ctrl+C stops, cancels our orders, "
              "prints the summary[/dim]")
    health = health_table(frame.health, title="order book health (through the OrderBookTracker)")
    return Group(header, Columns([ladder, orders], padding=(0, 3)),
                 Panel(events, title="order events", title_align="left"),
                 Columns([balances, health], padding=(0, 3)))


def _colour(text: str) -> str:
    kind = text.split(" ", 1)[0]
    colour = {"Filled": "green", "Completed": "bold green", "Cancelled": "yellow", "Failure": "bold red",
              "Book": "magenta", "Fault": "bold magenta", "User": "magenta"}.get(kind)
    return f"[{colour}]{text}[/{colour}]" if colour else text


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


def summary_lines(counts: DemoCounts, books: Sequence[BookCheck], balances: Sequence[BalanceCheck],
                  interrupted: bool, elapsed: float) -> List[str]:
    lines = ["", f"Summary after {elapsed:.1f} s{' (interrupted)' if interrupted else ''}:",
             f"  {counts_line(counts)} (orders placed {counts.created + counts.failed})"]
    traded = ", ".join(f"{pair} {side.lower()} {n}" for (pair, side), n in sorted(counts.traded.items()))
    lines.append(f"  fills by pair and side: {traded or 'none'}")
    fees = ", ".join(f"{_amount(v)} {k}" for k, v in sorted(counts.fees.items()))
    lines.append(f"  fees paid: {fees or 'none'}")
    lines.append(f"  book repairs: {counts.gaps} out of sync, {counts.resyncs} resynced; "
                 f"user stream connections {counts.user_connections}")
    lines.append("  final balances (ours = the exchange's?):")
    for b in balances:
        mark = "equal" if b.equal else f"NOT EQUAL (exchange: {_amount(b.exchange[0])} / {_amount(b.exchange[1])})"
        lines.append(f"    {b.asset:<6} total {_amount(b.ours[0]):>16}  available {_amount(b.ours[1]):>16}  {mark}")
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
    return lines
