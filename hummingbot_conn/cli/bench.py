"""``hbconn bench``: time the benchmark suites beside their peers and render the results.

It runs a checkout's ``benchmarks/`` with pytest-benchmark (what ``make bench``
runs), then writes ``benchmarks/RESULTS.md`` with ``benchmarks/report.py`` and
``benchmarks/results.png`` (our time per operation against each peer) with
``benchmarks/chart.py``, both from the run's pytest-benchmark JSON. The suites
and the peers' build script live in the repository, not in the installed
wheel: the command needs a checkout (``--dir``, or run it from inside one).

Needs the ``bench`` extra (pytest-benchmark, matplotlib), installed from the
checkout it times: ``pip install '.[bench]'`` there.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Optional, Sequence

from hummingbot_conn.cli.edge import CommandError, CommandParser, run_command

#: what marks a folder as the repository's benchmarks/ (the renderers this command calls)
_NEEDED = ("report.py", "chart.py")
_PROG = "hbconn bench"


def find_benchmarks(explicit: Optional[Path], start: Path) -> Path:
    """The benchmarks/ folder: ``explicit`` if given, else ``benchmarks/`` in ``start`` or a parent.

    Raises ``CommandError`` when there is none (an installed wheel carries no benchmarks).
    """
    if explicit is not None:
        folder = explicit / "benchmarks" if (explicit / "benchmarks").is_dir() else explicit
        missing = [name for name in _NEEDED if not (folder / name).is_file()]
        if missing:
            raise CommandError(f"{explicit} is not a benchmarks folder (it has no {', '.join(missing)})",
                               "Pass --dir the repository checkout or its benchmarks/ folder.")
        return folder.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "benchmarks"
        if all((candidate / name).is_file() for name in _NEEDED):
            return candidate.resolve()
    raise CommandError(
        "no benchmarks/ folder here: the benchmark suites ship with the repository, not with the installed "
        "package", "Run hbconn bench inside a checkout (git clone the repository), or pass --dir CHECKOUT.")


def _require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise CommandError(f"{module} is not installed; hbconn bench needs it",
                           "Install the bench extra from the checkout: pip install '.[bench]'.")


def _load(folder: Path, name: str) -> ModuleType:
    # benchmarks/ is not a package: its renderers are loaded by path
    spec = importlib.util.spec_from_file_location(f"_hbconn_bench_{name}", folder / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_suites(folder: Path, json_path: Path, select: Optional[str], extra: Sequence[str]) -> None:
    """Run pytest-benchmark on ``folder`` (output to the terminal), writing its JSON to ``json_path``.

    Raises ``CommandError`` when pytest fails or selects nothing.
    """
    # -P: the checkout's uncompiled sources must not shadow the installed package
    # (the same reason the README says to run the pytest script, not python -m pytest)
    cmd = [sys.executable, "-P", "-m", "pytest", str(folder), "--benchmark-enable", "--benchmark-only",
           f"--benchmark-json={json_path}", *(["-k", select] if select else []), *extra]
    # a run started from inside a pytest-xdist worker (a test of this command) must not look like
    # one to the child: pytest-benchmark turns timing off under xdist
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST") and k != "PYTEST_CURRENT_TEST"}
    status = subprocess.call(cmd, cwd=folder.parent, env=env)
    if status == 5:
        raise CommandError(f"no benchmark matches -k {select!r}" if select else "no benchmarks were collected",
                           "List them with: pytest benchmarks --collect-only -q.")
    if status != 0:
        raise CommandError(f"the benchmark run failed (pytest exit status {status}); its output is above",
                           "Fix the failure, or time a subset with -k.", status=1)


def render(folder: Path, json_path: Path, merge: bool) -> tuple[Path, Path]:
    """Write RESULTS.md and results.png in ``folder`` from ``json_path``; returns their paths."""
    results, chart_png = folder / "RESULTS.md", folder / "results.png"
    report = _load(folder, "report")
    if report.main([str(json_path), "-o", str(results), *(["--merge"] if merge else [])]) != 0:
        raise CommandError(f"{json_path} holds no benchmark results", "Check the run's output above.", status=1)
    chart = _load(folder, "chart")
    # the chart draws every group RESULTS.md now holds, so a subset run does not shrink it
    if chart.main([str(json_path), "-o", str(chart_png), "--merge", str(results)]) != 0:
        raise CommandError("no benchmark group compares hbconn with a peer, so there is no chart to draw",
                           "Run the suites without -k, or with a -k that keeps the peers' rows.", status=1)
    return results, chart_png


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = CommandParser(
        _PROG,
        "Time the benchmark suites side by side with their peers (hummingbot built from its PyPI sdist,\n"
        "the order-book C library, pure Python) and write benchmarks/RESULTS.md and\n"
        "benchmarks/results.png. Needs a checkout of the repository and the bench extra.\n"
        "The whole run takes several minutes; the first one also builds the peers (about a minute).")
    parser.add_argument("-k", dest="select", metavar="EXPR", default=None,
                        help="time only the benchmarks matching this pytest -k expression and merge them "
                             "into the existing RESULTS.md (default: all, RESULTS.md rewritten)")
    parser.add_argument("--dir", type=Path, default=None,
                        help="the repository checkout or its benchmarks/ folder (default: found from the "
                             "current directory upwards)")
    parser.add_argument("--from-json", type=Path, default=None, metavar="RUN.json",
                        help="render an earlier pytest-benchmark JSON instead of running the suites")
    parser.add_argument("--merge", action="store_true",
                        help="merge into the existing RESULTS.md instead of rewriting it (implied by -k)")
    parser.add_argument("--keep-json", type=Path, default=None, metavar="PATH",
                        help="also keep the run's pytest-benchmark JSON here")
    parser.epilog = "Any other option is passed to pytest (for example --benchmark-max-time=0.5)."
    args, extra = parser.parse_known_args(argv)
    if extra and args.from_json is not None:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")

    def body() -> int:
        folder = find_benchmarks(args.dir, Path.cwd())
        _require("matplotlib")
        if args.from_json is not None:
            if not args.from_json.is_file():
                raise CommandError(f"{args.from_json} does not exist", "Pass the path of a --benchmark-json file.")
            results, png = render(folder, args.from_json, merge=args.merge or args.select is not None)
        else:
            _require("pytest_benchmark")
            with tempfile.TemporaryDirectory(prefix="hbconn-bench-") as tmp:
                json_path = args.keep_json or Path(tmp) / "run.json"
                run_suites(folder, json_path, args.select, extra)
                results, png = render(folder, json_path, merge=args.merge or args.select is not None)
        print(f"wrote {results} and {png}")
        return 0

    return run_command(_PROG, body, args.verbose)
