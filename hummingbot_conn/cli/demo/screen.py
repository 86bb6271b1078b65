"""The live screen of ``hbconn demo``, laid out for the terminal it finds.

``screen(frame, width, height)`` returns the lines of one screen; every
section a user needs is on it at 80x24 and up: the focus book's ladder, our
orders, balances, the books' health, the faults injected on purpose with
their repairs, and the latest events. The layout is chosen by arithmetic on
the sections' sizes (``text_layout``), once per frame:

* the ladder on the left; our orders over the balances on the right (one
  column above the other when the terminal is too narrow for both);
* the health table, then the faults, then the events across the whole width;
* the height left over is shared between the ladder's levels (3 to 10 per
  side) and the event lines; where the orders table is too wide for its
  room it drops the filled, then the ordered amounts (never the order id,
  the pair, the side, the price or the state); the health table keeps every
  column (stale diffs, the user stream's reconnects in a row of its own),
  its headers shortened when it is too wide.

The same words at every width: order states by their short names
(``_STATE``: ``partial`` for ``PARTIALLY_FILLED``), client order ids as
``…`` and their last characters in the orders table and in the events alike
(``view.short_ids``), amounts with thousands separators as in the book.

Faults and their repairs are listed from their injection until ``FAULT_HOLD``
seconds after their repair on the demo's clock (``Demo.frame`` selects them),
never pushed away by newer events. The screen keeps its last line free, so
the final frame stays whole on the terminal after the run.
"""
from __future__ import annotations

from typing import Dict, List, Sequence

from rich.text import Text

from hummingbot_conn.cli.demo.view import DemoFrame, OpenOrder, amount_text, short_ids
from hummingbot_conn.cli.live_view import PairFormat, health_block, ladder_block
from hummingbot_conn.cli.text_layout import Block, Cell, Column, beside, block_width, clip, join, name_section, table

__all__ = ["screen", "render", "FAULT_HOLD", "MAX_LEVELS", "STATE_NAMES"]

#: seconds (demo clock) a repaired fault stays listed
FAULT_HOLD = 10.0
#: ladder levels per side at most, and at least while the terminal has room
MAX_LEVELS, MIN_LEVELS = 10, 3
#: fault records listed at once (two lines each), most pressing first
MAX_FAULTS = 3

#: how the orders table names each order state (``core/order_state``), at every width
STATE_NAMES = {"PENDING_CREATE": "creating", "OPEN": "open", "PENDING_CANCEL": "canceling",
               "PARTIALLY_FILLED": "partial", "FILLED": "filled", "CANCELED": "canceled", "FAILED": "failed",
               "EXPIRED": "expired"}
#: the orders table's columns, richest first: the first that fits its room is shown
_ORDER_COLUMNS = (("orders", "pair", "side", "price", "amount", "filled", "state"),
                  ("orders", "pair", "side", "price", "amount", "state"),
                  ("orders", "pair", "side", "price", "state"))
#: columns between the ladder and the orders / balances beside it
_GAP = 2
_EVENT_COLOUR = {"Filled": "green", "Completed": "bold green", "Cancelled": "yellow", "Failure": "bold red",
                 "Book": "magenta", "Fault": "bold magenta", "User": "magenta", "Stop": "bold yellow",
                 "Start": "cyan"}


def render(frame: DemoFrame, width: int, height: int) -> Text:
    """The screen as one rich ``Text`` (no line wider than ``width``, fewer lines than ``height``)."""
    return join(screen(frame, width, height), width)


def screen(frame: DemoFrame, width: int, height: int) -> Block:
    """The lines of one screen for a ``width`` x ``height`` terminal (see the module doc)."""
    budget = max(1, height - 1)
    header = [_header(frame, width)]
    balances = _balances(frame)
    health = health_block(frame.health, width, user_reconnects=frame.user_reconnects)
    faults = _faults(frame, budget)
    ladder_w = block_width(_ladder(frame, MAX_LEVELS))
    beside_room = width - ladder_w - _GAP
    narrowest = _orders(frame.orders, frame, 0, len(frame.orders))
    # side by side whenever both fit, and from 80 columns on in any case (a rare wide price is cut at the right)
    side_by_side = max(block_width(narrowest), block_width(balances)) <= beside_room or width >= 80
    room_w = beside_room if side_by_side else width
    orders_all = _orders(frame.orders, frame, room_w, len(frame.orders))

    fixed = len(header) + len(health) + len(faults)
    room = budget - fixed                       # the grid and the events (a title and its lines) share it
    if side_by_side:
        levels = max(MIN_LEVELS, min(MAX_LEVELS, (room - 2) // 2))
        grid_h = max(2 + levels, len(orders_all) + len(balances))
        if room - grid_h < 3:       # keep a title and two event lines: fewer levels, fewer orders listed
            grid_h = max(2 + MIN_LEVELS, min(grid_h, room - 3))
            if room - grid_h < 1:
                grid_h = max(3, room - 1)
        orders = _orders(frame.orders, frame, room_w, max(1, grid_h - len(balances) - 1))
        grid = beside(_ladder(frame, min(MAX_LEVELS, grid_h - 2)), orders + balances, gap=_GAP)
    else:
        levels = max(1, min(MAX_LEVELS, (room - len(orders_all) - len(balances) - 4) // 2))
        grid = _ladder(frame, levels) + orders_all + balances
    events = _events(frame, budget - fixed - len(grid))
    lines = header + grid + health + faults + events
    if len(lines) > budget or len(events) < 2:
        # a terminal under 80x24: what fits, and the size that shows everything (also when only the
        # events lost their room: a section missing without a word would look like nothing happened)
        lines = lines[:budget - 1] + [Text("too small: 80x24 shows it all", style="dim")]
    return [clip(line, width) for line in lines]


# -- sections -------------------------------------------------------------------------------------

def _header(frame: DemoFrame, width: int) -> Text:
    c = frame.counts
    parts = [Text.assemble(("hbconn demo", "bold"), f"  {frame.elapsed:5.1f} / {frame.duration:g} s"),
             Text(f"created {c.created} filled {c.filled} cancelled {c.cancelled} failed {c.failed} fills {c.fills}"),
             Text("Ctrl+C stops, cancels our orders, prints the summary", style="dim")]
    while len(parts) > 1 and sum(p.cell_len for p in parts) + 2 * (len(parts) - 1) > width:
        parts.pop()
    return Text("  ").join(parts)


def _ladder(frame: DemoFrame, levels: int) -> Block:
    top = frame.focus
    ours = [float(o.price) for o in frame.orders if o.pair == top.pair and o.price is not None]
    return ladder_block(top, frame.formats.get(top.pair, PairFormat()), levels, ours)


def _orders(orders: Sequence[OpenOrder], frame: DemoFrame, room: int, rows: int) -> Block:
    """Our open orders in at most ``rows`` lines under the header ("… N more" when cut), with the richest
    columns that fit ``room`` columns (``_ORDER_COLUMNS``; the narrowest set when none fits)."""
    shown = list(orders) if len(orders) <= rows else list(orders[:max(0, rows - 1)])
    cells: List[Dict[str, Cell]] = []
    for o in shown:
        f = frame.formats.get(o.pair, PairFormat())
        cells.append({"orders": short_ids(o.order_id), "pair": o.pair,
                      "side": Text(o.side, style="green" if o.side == "BUY" else "red"), "price": f.price(o.price),
                      "amount": f.amount(o.amount), "filled": f.amount(o.filled),
                      "state": STATE_NAMES.get(o.state, o.state.lower())})
    block: Block = []
    for names in _ORDER_COLUMNS:
        out: List[List[Cell]] = [[row[n] for n in names] for row in cells]
        if len(shown) < len(orders):
            out.append([Text(f"… {len(orders) - len(shown)} more", style="dim")])
        if not orders:
            out.append([Text("none open", style="dim")])
        # the first header names the section: it heads the order ids
        block = table([Column(n, n in ("price", "amount", "filled")) for n in names], out)
        if block_width(block) <= room:
            break
    return name_section(block, "orders")


def _balances(frame: DemoFrame) -> Block:
    rows = [[asset, amount_text(total), amount_text(available)]
            for asset, (total, available) in sorted(frame.balances.items())]
    return name_section(table([Column("balance"), Column("total", True), Column("available", True)], rows), "balance")


def _faults(frame: DemoFrame, budget: int) -> Block:
    """The title, then two lines per fault still listed: what was injected, and its repair."""
    title = Text("faults injected on purpose, and their repair", style="bold magenta")
    records = sorted(frame.faults, key=lambda r: (r.repaired_at is not None, -r.at))
    cap = MAX_FAULTS if budget >= 30 else 2
    lines: Block = [title]
    for record in sorted(records[:cap], key=lambda r: r.at):
        kind = "injected" if record.planned else "incident"
        lines.append(Text.assemble((f"{record.at:6.1f}s ", "dim"), (f"{kind}: ", "bold magenta"), record.what))
        if record.repaired_at is not None:
            lines.append(Text.assemble((f"{record.repaired_at:6.1f}s ", "dim"), ("repaired: ", "bold green"),
                                       record.repair))
        elif record.seen_at is not None:
            lines.append(Text.assemble((f"{record.seen_at:6.1f}s ", "dim"), ("seen: ", "yellow"), record.seen,
                                       ", repairing"))
        else:
            lines.append(Text.assemble("        ", ("waiting for the connector to notice", "yellow")))
    if len(lines) == 1:
        upcoming = ", ".join(f"{what} at {at:.1f} s" for at, what in frame.pending)
        lines.append(Text(f"        none now{'; next: ' + upcoming if upcoming else ''}", style="dim"))
    return lines


def _events(frame: DemoFrame, count: int) -> Block:
    if count <= 0:
        return []
    lines: Block = [Text("events", style="bold cyan")]
    for t, text in frame.lines[-(count - 1):] if count > 1 else []:
        kind = text.split(" ", 1)[0]
        lines.append(Text.assemble((f"{t:6.1f}s ", "dim"), (short_ids(text), _EVENT_COLOUR.get(kind, ""))))
    if count > 1 and not frame.lines:
        lines.append(Text("        none yet", style="dim"))
    return lines
