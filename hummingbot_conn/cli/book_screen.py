"""The live screen of ``hbconn book``, laid out for the terminal it finds.

One ladder per pair, as many side by side as the width holds, then the
health table and a footer. The levels shown per side are what the height
leaves (at most ``--levels``, at least one): every pair's ladder and its
health row stay on screen, and the last line stays free so the final frame
survives the exit whole. Lines are built by ``text_layout`` (no trial renders).
"""
from __future__ import annotations

from typing import Mapping, Sequence

from rich.text import Text

from hummingbot_conn.cli.live_view import BookTop, Health, PairFormat, health_block, ladder_block
from hummingbot_conn.cli.text_layout import Block, beside, block_width, clip, join

__all__ = ["screen", "render"]

GAP = 3


def render(tops: Sequence[BookTop], formats: Mapping[str, PairFormat], health: Sequence[Health], levels: int,
           width: int, height: int) -> Text:
    return join(screen(tops, formats, health, levels, width, height), width)


def screen(tops: Sequence[BookTop], formats: Mapping[str, PairFormat], health: Sequence[Health], levels: int,
           width: int, height: int) -> Block:
    """The lines for a ``width`` x ``height`` terminal; ``tops`` carry at least ``levels`` levels per side."""
    budget = max(1, height - 1)
    health_lines = health_block(health, width)
    footer = [Text("Ctrl+C to stop", style="dim")]
    ladder_w = max((block_width(ladder_block(t, formats.get(t.pair, PairFormat()), levels)) for t in tops), default=1)
    per_row = max(1, min(len(tops), (width + GAP) // (ladder_w + GAP)))
    rows = -(-len(tops) // per_row)
    room = budget - len(health_lines) - len(footer)
    shown = max(1, min(levels, room // max(1, rows) - 2))
    grid: Block = []
    for r in range(rows):
        row = [ladder_block(t, formats.get(t.pair, PairFormat()), shown) for t in tops[r * per_row:(r + 1) * per_row]]
        block = row[0]
        for ladder in row[1:]:
            block = beside(block, ladder, GAP)
        grid += block
    lines = grid + health_lines + footer
    return [clip(line, width) for line in lines[:budget]]
