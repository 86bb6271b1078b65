"""Screens as lines: small text tables and side-by-side blocks that fit a terminal exactly.

The live views (``hbconn demo``, ``hbconn book``) lay themselves out for the
terminal they find: every section is a list of ``rich.text.Text`` lines whose
width is known before anything is drawn, so a layout can choose its columns
and rows by arithmetic (no trial renders: rendering is the costly part, and it
runs on the event loop that also carries the market data), and the screen is
exactly as tall as its lines. A line wider than its room is cut with an
ellipsis, never wrapped, so a section's height is its number of lines.

This module imports ``rich``: the plain outputs (``--no-ui``, pipes) never load it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Union

from rich.text import Text

__all__ = ["Block", "Cell", "Column", "table", "beside", "clip", "block_width", "join", "name_section"]

#: a section of a screen: its lines, top to bottom
Block = List[Text]
Cell = Union[str, Text]


@dataclass(frozen=True)
class Column:
    """One table column: its header, ``right`` justified or left, and the style of its cells."""

    header: str
    right: bool = False
    style: str = ""


def _text(cell: Cell, style: str = "") -> Text:
    return cell.copy() if isinstance(cell, Text) else Text(cell, style=style)


def clip(line: Text, width: int) -> Text:
    """``line`` cut to ``width`` cells (an ellipsis marks the cut); never wider."""
    if line.cell_len <= width:
        return line
    out = line.copy()
    out.truncate(max(0, width), overflow="ellipsis")
    return out


def block_width(block: Sequence[Text]) -> int:
    return max((line.cell_len for line in block), default=0)


def table(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *, title: Optional[Cell] = None,
          gap: int = 1, header_style: str = "bold dim") -> Block:
    """A title line (if any), a header line and one line per row; columns as wide as their widest cell.

    Rows shorter than ``columns`` leave the rest blank. The result's width is
    ``sum(column widths) + gap * (len(columns) - 1)`` (or the title's, if wider).
    """
    cells = [[_text(row[i], col.style) if i < len(row) else Text("") for i, col in enumerate(columns)]
             for row in rows]
    widths = [max([len(col.header)] + [r[i].cell_len for r in cells]) for i, col in enumerate(columns)]
    lines: Block = []
    if title is not None:
        lines.append(_text(title, "bold"))

    def line_of(parts: List[Text]) -> Text:
        out = Text()
        for i, (part, col) in enumerate(zip(parts, columns)):
            pad = " " * (widths[i] - part.cell_len)
            last = i == len(columns) - 1
            if col.right:
                out.append(pad)
                out.append_text(part)
            else:
                out.append_text(part)
                if not last:
                    out.append(pad)
            if not last:
                out.append(" " * gap)
        out.rstrip()
        return out

    lines.append(line_of([Text(col.header, style=header_style) for col in columns]))
    lines.extend(line_of(r) for r in cells)
    return lines


def name_section(block: Block, name: str, style: str = "bold cyan") -> Block:
    """Colour ``name`` in the block's first line like a title: a table whose header names its section
    needs no title line of its own (a line saved on a 24-line terminal)."""
    start = block[0].plain.find(name) if block else -1
    if start >= 0:
        block[0].stylize(style, start, start + len(name))
    return block


def beside(left: Block, right: Block, gap: int = 3) -> Block:
    """Two blocks side by side, ``left`` padded to its width plus ``gap``; as tall as the taller one."""
    room = block_width(left) + gap
    out: Block = []
    for i in range(max(len(left), len(right))):
        line = left[i].copy() if i < len(left) else Text()
        if i < len(right):
            line.pad_right(room - line.cell_len)
            line.append_text(right[i])
        out.append(line)
    return out


def join(block: Block, width: int) -> Text:
    """One ``Text`` of the block's lines, each cut to ``width``: what a live view hands to rich."""
    out = Text("\n").join(clip(line, width) for line in block)
    out.no_wrap = True
    out.overflow = "ellipsis"
    return out
