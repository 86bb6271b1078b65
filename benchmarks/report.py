"""Render a pytest-benchmark JSON file as benchmarks/RESULTS.md.

    python benchmarks/report.py RUN.json                    # markdown to stdout
    python benchmarks/report.py RUN.json -o RESULTS.md      # write the file
    python benchmarks/report.py RUN.json -o RESULTS.md --merge
        # keep the groups of the existing RESULTS.md that RUN.json lacks
        # (a subset run with `make bench BENCH_K=...`), replace the others

Per group: one row per implementation with min and median time per operation
(divided by ``extra_info["ops"]`` for batched rounds), two ratios, each from
the same statistic on both sides (``peer median / hbconn median`` and
``peer min / hbconn min``: how many times faster ours is), and the target from
the hbconn row's ``extra_info["targets"]``, judged on the medians only.  A
group timed interleaved (benchmarks/interleave.py: one pytest-benchmark entry
whose ``extra_info["interleaved"]`` holds every implementation's round times)
gets its rows from those times; any other entry is one row from its own
pytest-benchmark stats, and a group made of such rows is marked "not
interleaved".  A row's ``extra_info["figures"]`` (``{name: text}``, e.g. a CPU
share) is listed under its group's table.  The data behind the tables is kept
inside RESULTS.md (an HTML comment) so a later ``--merge`` does not have to
parse markdown.  Standard library only.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

_DATA_BEGIN = "<!-- bench-data"
_DATA_END = "bench-data -->"
_DATA_RE = re.compile(re.escape(_DATA_BEGIN) + r"\n(.*?)\n" + re.escape(_DATA_END), re.S)

#: Row order inside a group: ours first, then the peers.
_IMPL_ORDER = ("hbconn", "hummingbot", "order_book", "sortedcontainers", "pure_python")


def _environment(run: dict) -> dict:
    machine = run.get("machine_info", {})
    extra = machine.get("hbconn", {})
    cpu = machine.get("cpu", {})
    peers = extra.get("peers", {})
    return {
        "date": run.get("datetime", "")[:19].replace("T", " ") + " UTC",
        "cpu": f"{extra.get('cpu_model') or cpu.get('brand_raw', '?')}, "
               f"{extra.get('cores') or cpu.get('count', '?')} cores",
        "os": f"{extra.get('os', machine.get('system', '?'))} (kernel {machine.get('release', '?')})",
        "python": f"{machine.get('python_implementation', '')} {machine.get('python_version', '?')}".strip(),
        "hummingbot_conn": extra.get("hummingbot_conn", "?"),
        "numpy": extra.get("numpy", "?"),
        "cython": extra.get("cython_in_venv", "?"),
        "pytest_benchmark": run.get("version", extra.get("pytest_benchmark", "?")),
        "event_loop": extra.get("event_loop", "?"),
        "peers": (f"hummingbot {peers.get('hummingbot', '?')} (PyPI sdist, built with "
                  f"{', '.join(peers.get('build_tools', [])) or '?'}, {peers.get('compile_args', '?')})"),
    }


def _interleaved_rows(bench: dict, extra: dict) -> list[dict]:
    """One row per implementation of an interleaved group, from its recorded round times."""
    data = extra["interleaved"]
    # the row the ratios divide by and the figures hang from: "hbconn" unless the group names another
    # (tick to trade's busy-polling group has only the WebSocket API sides: "hbconn_ws")
    reference = data.get("reference", "hbconn")
    rows = []
    for impl, times in data["rounds"].items():
        if not times:
            continue
        ops = data["ops"].get(impl) or 1
        rows.append({
            "impl": impl,
            "name": bench["name"],
            "min_ns": min(times) * 1e9 / ops,
            "median_ns": statistics.median(times) * 1e9 / ops,
            "rounds": len(times),
            "ops": ops,
            "targets": (extra.get("targets") or {}) if impl == reference else {},
            "figures": (extra.get("figures") or {}) if impl == reference else {},
            "reference": impl == reference,
        })
    return rows


def _rows(run: dict) -> dict[str, dict]:
    """group name -> {"run": environment, "method": how it was timed, "rows": [...]} for one JSON run."""
    env = _environment(run)
    groups: dict[str, dict] = {}
    for bench in run.get("benchmarks", []):
        extra = bench.get("extra_info", {})
        name = bench.get("group") or bench["name"]
        fresh = name not in groups
        group = groups.setdefault(name, {"run": env, "method": {"interleaved": False}, "rows": []})
        if extra.get("interleaved"):
            # a group is interleaved only if all of it was: one separately timed row spoils its ratios
            if fresh:
                group["method"] = {"interleaved": True, "warmup": extra["interleaved"].get("warmup", 0),
                                   "order": extra["interleaved"].get("order", "")}
                if extra["interleaved"].get("description"):
                    # a harness of its own (tick to trade: blocks of orders, not batches of calls) says how
                    group["method"]["description"] = extra["interleaved"]["description"]
            group["rows"] += _interleaved_rows(bench, extra)
            continue
        group["method"] = {"interleaved": False}
        ops = extra.get("ops") or 1
        stats = bench["stats"]
        group["rows"].append({
            "impl": extra.get("impl", bench["name"]),
            "name": bench["name"],
            "min_ns": stats["min"] * 1e9 / ops,
            "median_ns": stats["median"] * 1e9 / ops,
            "rounds": stats["rounds"],
            "ops": ops,
            "targets": extra.get("targets") or {},
            "figures": extra.get("figures") or {},
        })
    return groups


def _ns(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio(value: float) -> str:
    # hundredths where they can matter; above 100x they are noise and make the figure hard to read
    return f"{value:,.0f}x" if value >= 100 else f"{value:.2f}x"


def _rate(ns_per_op: float) -> str:
    # operations per second, so throughput figures (the simulator's) read directly
    return f"{1e9 / ns_per_op:,.0f}" if ns_per_op > 0 else "-"


def _row_key(row: dict) -> tuple:
    impl = row["impl"]
    rank = _IMPL_ORDER.index(impl) if impl in _IMPL_ORDER else len(_IMPL_ORDER)
    return rank, impl, row["name"]


def _interleaved(group: dict) -> bool:
    # groups stored by an older report.py carry no "method": they were not interleaved
    return bool(group.get("method", {}).get("interleaved"))


def _verdicts(group: dict) -> tuple[dict | None, list[dict]]:
    """The hbconn row and one verdict per declared target (judged on the medians)."""
    ours = next((r for r in group["rows"] if r.get("reference")), None) \
        or next((r for r in group["rows"] if r["impl"] == "hbconn"), None)
    verdicts: list[dict] = []
    if ours is None:
        return None, verdicts
    for peer, target in ours["targets"].items():
        peer_rows = [r for r in group["rows"] if r["impl"] == peer]
        ratio = peer_rows[0]["median_ns"] / ours["median_ns"] if peer_rows else None
        ratio_min = peer_rows[0]["min_ns"] / ours["min_ns"] if peer_rows else None
        verdicts.append({"peer": peer, "target": float(target), "ratio": ratio, "ratio_min": ratio_min,
                         "met": ratio is not None and ratio >= float(target)})
    return ours, verdicts


def _method(group: dict) -> str:
    rounds = ", ".join(map(str, sorted({r["rounds"] for r in group["rows"]})))
    if _interleaved(group):
        method = group["method"]
        if method.get("description"):
            return method["description"]
        return (f"interleaved in one process: {rounds} rounds after {method.get('warmup', 0)} warm-up rounds, "
                f"every round one batch of each implementation (batches sized to last about as long as the "
                f"slowest one's), order {method.get('order') or '?'}")
    return f"not interleaved (one benchmark after another), {rounds} rounds"


def _group_table(name: str, group: dict) -> list[str]:
    ours, verdicts = _verdicts(group)
    by_peer = {v["peer"]: v for v in verdicts}
    rows = sorted(group["rows"], key=_row_key)
    lines = [f"### {name}", "",
             f"Run {group['run']['date']}; {_method(group)}.",
             "",
             "| impl | ops/batch | min ns/op | median ns/op | ops/s (median) | ratio on medians | ratio on mins "
             "| target (on medians) | verdict |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for row in rows:
        if ours is None or row is ours:
            ratio = ratio_min = "1.00 (ref)" if row is ours else "-"
        else:
            ratio = _ratio(row["median_ns"] / ours["median_ns"])
            ratio_min = _ratio(row["min_ns"] / ours["min_ns"])
        verdict = by_peer.get(row["impl"]) if row is not ours else None
        target = f">= {verdict['target']:g}x" if verdict else ""
        met = ("met" if verdict["met"] else "**NOT MET**") if verdict else ""
        label = row["impl"] if sum(r["impl"] == row["impl"] for r in rows) == 1 else f"{row['impl']} ({row['name']})"
        lines.append(f"| {label} | {row['ops']:,} | {_ns(row['min_ns'])} | {_ns(row['median_ns'])} "
                     f"| {_rate(row['median_ns'])} "
                     f"| {ratio} | {ratio_min} | {target} | {met} |")
    for verdict in verdicts:
        if verdict["ratio"] is None:
            lines.append(f"| {verdict['peer']} | - | - | - | - | - | - | >= {verdict['target']:g}x "
                         "| **NOT MET** (no row) |")
    if ours is None:
        lines += ["", "_No hbconn row in this group: no ratios._"]
    # measurements a time per op cannot carry (CPU share, rates), as the benchmark stated them
    figures = [(k, v) for row in rows for k, v in (row.get("figures") or {}).items()]
    if figures:
        lines += [""] + [f"- {name}: {value}" for name, value in figures]
    return lines + [""]


def render(groups: dict[str, dict]) -> str:
    runs = sorted({g["run"]["date"] for g in groups.values()})
    latest = max(groups.values(), key=lambda g: g["run"]["date"])["run"] if groups else None
    lines = ["# Benchmark results", "",
             "Generated by `make bench` (benchmarks/report.py) from pytest-benchmark runs; "
             "do not edit by hand.", ""]
    if latest:
        lines += [
            f"Latest run: {latest['date']}.  Machine: {latest['cpu']}; {latest['os']}.",
            "",
            f"Python {latest['python']}, hummingbot_conn {latest['hummingbot_conn']}, numpy {latest['numpy']}, "
            f"Cython {latest['cython']} (in the benchmark venv), pytest-benchmark {latest['pytest_benchmark']}. "
            f"Peers: {latest['peers']}.",
            "",
            f"Event loop of the benchmark harnesses: {latest.get('event_loop', '?')} (uvloop when installed, the "
            "`uvloop` extra; `HBCONN_LOOP=asyncio` forces the standard loop). The tick-to-trade groups run their "
            "clients under each loop and say which.",
            "",
        ]
        if len(runs) > 1:
            lines += [f"Groups come from {len(runs)} runs ({runs[0]} .. {runs[-1]}); each group states its own "
                      "run date, and a group from another environment says so.", ""]
    lines += [
        "Method: every group that compares us with a peer is timed interleaved in one process: after warm-up "
        "rounds that size each implementation's batch to last about as long as the slowest one's, every round "
        "runs one batch of each implementation in a freshly shuffled order, so the load of this shared machine "
        "hits all sides alike. "
        "Every ratio divides the peer's statistic by ours for the same statistic (median of the interleaved "
        "rounds by median, fastest round by fastest round), and targets are judged on the medians.", "",
        "These are shared, noisy machines (2 cores shared with other jobs): every figure comes from the rounds "
        "of a single run, not an average over runs, so ratios of a few percent mean nothing.", "",
        "ns/op = time per operation (a batched round divided by its ops). "
        "ratio = peer / hbconn: how many times faster hummingbot_conn is.", "",
        "## Groups", "",
    ]
    summary = []
    for name in sorted(groups):
        group = groups[name]
        lines += _group_table(name, group)
        if latest and any(group["run"][k] != latest[k] for k in ("cpu", "os", "python", "peers")):
            lines[-1:-1] = ["", f"_Environment of this group: {group['run']['cpu']}; {group['run']['os']}; "
                                f"Python {group['run']['python']}; {group['run']['peers']}._"]
        _, verdicts = _verdicts(group)
        for v in verdicts:
            if v["ratio"] is None:
                got = "no row"
            else:
                got = f"{_ratio(v['ratio'])} on medians ({_ratio(v['ratio_min'])} on mins)"
                if not _interleaved(group):
                    got += ", not interleaved"
            summary.append(f"- {'met' if v['met'] else '**NOT MET**'}: {name}: hbconn vs {v['peer']} "
                           f"{got} (target >= {v['target']:g}x on medians)")
    met = sum(1 for s in summary if s.startswith("- met"))
    lines += ["## Targets", "", f"{met} of {len(summary)} targets met.", ""]
    lines += summary or ["(no group declares a target)"]
    data = json.dumps(groups, indent=1, sort_keys=True)
    lines += ["", f"{_DATA_BEGIN}\n{data}\n{_DATA_END}", ""]
    return "\n".join(lines)


def load_existing(path: Path) -> dict[str, dict]:
    """The groups stored in an earlier RESULTS.md (empty if none)."""
    try:
        match = _DATA_RE.search(path.read_text())
    except OSError:
        return {}
    return json.loads(match.group(1)) if match else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", type=Path, help="pytest-benchmark --benchmark-json output")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    parser.add_argument("--merge", action="store_true",
                        help="keep the groups of the existing OUTPUT that this run lacks")
    args = parser.parse_args(argv)
    run = json.loads(args.json.read_text())
    groups = _rows(run)
    if not groups:
        print(f"{args.json}: no benchmarks in this run", file=sys.stderr)
        return 1
    if args.merge:
        if args.output is None:
            parser.error("--merge needs -o/--output")
        groups = {**load_existing(args.output), **groups}
    text = render(groups)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
        print(f"wrote {args.output} ({len(groups)} groups)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
