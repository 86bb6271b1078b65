"""Draw a pytest-benchmark JSON file as a PNG: our time per operation against each peer.

    python benchmarks/chart.py RUN.json -o benchmarks/results.png
    python benchmarks/chart.py RUN.json -o benchmarks/results.png --merge benchmarks/RESULTS.md
        # also draw the groups of RESULTS.md that RUN.json lacks (a subset run)
    python benchmarks/chart.py -o benchmarks/results.png --merge benchmarks/RESULTS.md
        # redraw from the runs RESULTS.md holds (report.py keeps each run's figures in it)

One row of bars per benchmark group that has an ``hbconn`` row and at least
one peer: the median time per operation of each implementation (divided by
its ops per batch, exactly as ``report.py`` computes it: for an interleaved
group, the median of its interleaved rounds), on a log scale
because the ratios span 1x to 10,000x, each peer bar labelled with how many
times slower than ours it is.  Groups without a peer (the simulator's own
throughput) have nothing to compare and are left out.

Needs matplotlib (the ``bench`` extra); it draws with the Agg canvas directly,
so no display and no pyplot global state are involved.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

#: one colour per implementation, ours first; others take the spare colours in order of appearance
COLOURS = {"hbconn": "#1b9e77", "hummingbot": "#d95f02", "order_book": "#7570b3",
           "sortedcontainers": "#e7298a", "pure_python": "#66a61e"}
_SPARE = ("#a6761d", "#1f78b4", "#e6ab02", "#666666", "#b2df8a", "#fb9a99")
_OTHER = "#999999"


def _colours(impls: list[str]) -> dict[str, str]:
    out = {impl: COLOURS[impl] for impl in impls if impl in COLOURS}
    spare = iter(_SPARE)
    for impl in impls:
        if impl not in out:
            out[impl] = next(spare, _OTHER)
    return out


def _load_report() -> ModuleType:
    # benchmarks/ is not a package: load report.py (the one source of the per-op figures) by path
    path = Path(__file__).resolve().parent / "report.py"
    spec = importlib.util.spec_from_file_location("_hbconn_bench_report", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def comparisons(groups: dict[str, dict]) -> list[tuple[str, list[tuple[str, float]]]]:
    """[(group, [(impl, median ns/op), ...] with hbconn first)] for groups with ours and a peer, sorted by name."""
    report = _load_report()
    out = []
    for name in sorted(groups):
        rows = sorted(groups[name]["rows"], key=report._row_key)
        impls: dict[str, float] = {}
        for row in rows:
            impls.setdefault(row["impl"], row["median_ns"])   # first row of an impl, as report.py ranks them
        if "hbconn" in impls and len(impls) > 1:
            out.append((name, list(impls.items())))
    return out


def _time_label(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def draw(groups: dict[str, dict], output: Path, subtitle: str = "") -> int:
    """Write the chart of ``groups`` (report.py's group dicts) to ``output``; returns the number of groups drawn.

    Raises ``ValueError`` when no group has both an hbconn row and a peer row.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    data = comparisons(groups)
    if not data:
        raise ValueError("no benchmark group has both an hbconn row and a peer row: nothing to compare")
    bar, gap = 0.8, 0.9
    positions, group_ticks = [], []
    y = 0.0
    for name, impls in data:
        start = y
        for impl, ns in impls:
            positions.append((y, impl, ns, impls[0][1]))
            y += bar
        group_ticks.append(((start + y - bar) / 2, name))
        y += gap
    drawn = [impl for impl in COLOURS if any(impl == p[1] for p in positions)]
    drawn += sorted({p[1] for p in positions} - set(drawn))
    colour = _colours(drawn)
    fig = Figure(figsize=(10, 0.9 + 0.28 * y), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for pos, impl, ns, ours in positions:
        ax.barh(pos, ns, height=bar * 0.9, color=colour[impl])
        text = _time_label(ns) if impl == "hbconn" else f"{_time_label(ns)}  ({ns / ours:,.1f}x ours)"
        ax.text(ns * 1.08, pos, text, va="center", fontsize=7)
    ax.set_xscale("log")
    ax.set_yticks([t for t, _ in group_ticks], [n for _, n in group_ticks], fontsize=8)
    ax.invert_yaxis()
    left = min(ns for _, _, ns, _ in positions)
    right = max(ns for _, _, ns, _ in positions)
    ax.set_xlim(left / 3, right * 300)   # room for the labels right of the longest bar
    ax.set_xlabel("median time per operation (log scale; shorter is faster)")
    ax.grid(axis="x", which="major", alpha=0.3)
    ax.set_title("hummingbot_conn against its peers (each group timed interleaved in one run; medians)"
                 + (f"\n{subtitle}" if subtitle else ""), fontsize=10)
    handles = [Patch(color=colour[impl]) for impl in drawn]
    ax.legend(handles, drawn, loc="upper right", fontsize=8)   # the top rows are the shortest
    fig.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, format="png")
    return len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", type=Path, nargs="?", help="pytest-benchmark --benchmark-json output")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the PNG to write")
    parser.add_argument("--merge", type=Path, metavar="RESULTS.md",
                        help="also draw the groups stored in this RESULTS.md that RUN.json lacks")
    args = parser.parse_args(argv)
    if args.json is None and args.merge is None:
        parser.error("give RUN.json, --merge RESULTS.md, or both")
    report = _load_report()
    groups = report._rows(json.loads(args.json.read_text())) if args.json is not None else {}
    if args.merge is not None:
        groups = {**report.load_existing(args.merge), **groups}
    source = args.json or args.merge
    if not groups:
        print(f"{source}: no benchmarks in it", file=sys.stderr)
        return 1
    latest = max(groups.values(), key=lambda g: g["run"]["date"])["run"]
    try:
        count = draw(groups, args.output, f"{latest['date']}, {latest['cpu']}, Python {latest['python']}")
    except ValueError as err:
        print(f"{source}: {err}", file=sys.stderr)
        return 1
    print(f"wrote {args.output} ({count} groups)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
