"""The live screen of ``hbconn book``, rendered at the sizes users run it in: every pair's ladder and
health row on screen, no line wider than the terminal, no more lines than it holds."""
import io
import re

import pytest
from rich.console import Console

from hummingbot_conn.cli.book_screen import render
from hummingbot_conn.cli.live_view import BookTop, Health, PairFormat

PAIRS = {"BTC-USDT": (60000.0, 0.01, PairFormat(2, 5)), "ETH-BTC": (0.05, 0.00001, PairFormat(5, 3)),
         "ETH-USDT": (3000.0, 0.01, PairFormat(2, 4))}


def _draw(pairs, levels, width, height):
    tops = [BookTop(p, True, 42, [(mid - tick * (i + 1), 0.5 + i) for i in range(levels)],
                    [(mid + tick * (i + 1), 0.25 + i) for i in range(levels)]) for p, (mid, tick, _) in pairs.items()]
    health = [Health(p, 9.9, 0.05, 0.12, 1, 1, 0, 7) for p in pairs]
    formats = {p: fmt for p, (_, _, fmt) in pairs.items()}
    buf = io.StringIO()
    Console(file=buf, width=width, height=height, color_system=None).print(
        render(tops, formats, health, levels, width, height))
    return buf.getvalue().rstrip("\n").split("\n")


@pytest.mark.parametrize("width, height", [(80, 24), (120, 40), (160, 50), (100, 30)])
@pytest.mark.parametrize("count", [1, 2, 3])
def test_every_pair_and_its_health_fit_the_terminal(width, height, count):
    pairs = dict(list(PAIRS.items())[:count])
    lines = _draw(pairs, 10, width, height)
    text = "\n".join(lines)
    assert len(lines) < height and max(map(len, lines)) <= width, text
    for pair in pairs:
        assert re.search(rf"{pair} mid ", text), text
        assert re.search(rf"^{pair} +9\.9 +0\.050 +0\.12 +1 +1 +0 +7$", text, re.M), text   # stale too
    best = re.findall(r"^ *0?\.?[\d.]+ ([\d,.]+) ([\d,.]+) ", text, re.M)
    assert best, text                                   # at least one level per side of each ladder
    assert "Ctrl+C to stop" in text


def test_levels_shrink_to_the_height_and_never_below_one():
    lines = _draw(PAIRS, 50, 80, 24)
    assert len(lines) < 24
    lines = _draw(PAIRS, 3, 200, 60)
    assert sum(1 for line in lines if "size" in line and "bid" in line) == 1    # three ladders side by side


@pytest.mark.parametrize("width", [50, 60, 69, 80, 120])
def test_the_health_table_keeps_every_column_and_shortens_its_headers_when_narrow(width):
    text = "\n".join(_draw(dict(list(PAIRS.items())[:2]), 3, width, 24))
    full = re.search(r"^health +diffs/s +p50 ms +p99 ms +gaps +resyncs +reconnects +stale$", text, re.M)
    short = re.search(r"^health +d/s +p50 +p99 +gaps +rsyn +recon +stale$", text, re.M)
    assert full or short, text
    assert "…" not in text.split("health", 1)[1], text            # no row of it cut
    for pair in ("BTC-USDT", "ETH-BTC"):
        assert re.search(rf"^{pair} +9\.9 +0\.050 +0\.12 +1 +1 +0 +7$", text, re.M), text
