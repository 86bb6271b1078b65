"""``hbconn bench`` and the chart it draws: benchmarks/chart.py on a small pytest-benchmark JSON,
then the command as a user runs it (a subprocess) on a copy of the renderers."""
import importlib.util
import json
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from support.paths import REPO

FIXTURE = Path(__file__).resolve().parent / "data" / "bench_run_small.json"


def _load_chart():
    spec = importlib.util.spec_from_file_location("_test_bench_chart", REPO / "benchmarks" / "chart.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _hbconn(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hummingbot_conn", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A checkout-shaped folder holding the repository's renderers (and no suites)."""
    bench = tmp_path / "repo" / "benchmarks"
    bench.mkdir(parents=True)
    for name in ("report.py", "chart.py"):
        shutil.copy(REPO / "benchmarks" / name, bench / name)
    return tmp_path / "repo"


def test_chart_compares_ours_with_each_peer_per_operation():
    chart = _load_chart()
    report = chart._load_report()
    groups = report._rows(json.loads(FIXTURE.read_text()))
    data = dict(chart.comparisons(groups))
    # the simulator's throughput has no peer: nothing to compare, left out
    assert set(data) == {"order book: single-level diff", "pubsub: trigger 1 listener"}
    diff = dict(data["order book: single-level diff"])
    assert list(diff) == ["hbconn", "hummingbot", "order_book"]      # ours first, peers in report order
    # per operation: the round's median divided by its 1000 ops
    assert diff["hbconn"] == pytest.approx(72.0)
    assert diff["hummingbot"] / diff["hbconn"] == pytest.approx(964 / 72)


def test_chart_draws_a_png(tmp_path):
    chart = _load_chart()
    out = tmp_path / "chart.png"
    assert chart.main([str(FIXTURE), "-o", str(out)]) == 0
    width, height = _png_size(out)
    assert width > 600 and height > 200


def test_chart_refuses_a_run_without_peers(tmp_path):
    run = json.loads(FIXTURE.read_text())
    run["benchmarks"] = [b for b in run["benchmarks"] if b["group"].startswith("sim")]
    lonely = tmp_path / "lonely.json"
    lonely.write_text(json.dumps(run))
    chart = _load_chart()
    assert chart.main([str(lonely), "-o", str(tmp_path / "x.png")]) == 1
    assert not (tmp_path / "x.png").exists()


def test_bench_renders_results_and_chart_from_a_json(checkout):
    proc = _hbconn("bench", "--from-json", str(FIXTURE), "--dir", str(checkout), cwd=checkout.parent)
    assert proc.returncode == 0, proc.stderr
    results = (checkout / "benchmarks" / "RESULTS.md").read_text()
    assert "### order book: single-level diff" in results and "13.39x" in results    # 964 / 72
    assert "2 of 2 targets met" in results
    _png_size(checkout / "benchmarks" / "results.png")


def test_bench_runs_the_suites_and_writes_both(checkout):
    # a tiny suite following benchmarks/README.md's conventions, so the real pipeline runs in seconds
    (checkout / "benchmarks" / "test_bench_tiny.py").write_text(
        "def _work():\n"
        "    return sum(range(100))\n\n"
        "def test_tiny_hbconn(benchmark):\n"
        "    benchmark.group = 'tiny: sum'\n"
        "    benchmark.extra_info.update(impl='hbconn', ops=1, targets={'pure_python': 0.01})\n"
        "    benchmark(_work)\n\n"
        "def test_tiny_pure_python(benchmark):\n"
        "    benchmark.group = 'tiny: sum'\n"
        "    benchmark.extra_info.update(impl='pure_python', ops=1)\n"
        "    benchmark(lambda: sum(list(range(100))))\n")
    proc = _hbconn("bench", "--benchmark-max-time=0.05", cwd=checkout / "benchmarks")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    results = (checkout / "benchmarks" / "RESULTS.md").read_text()
    assert "### tiny: sum" in results and "| pure_python |" in results
    _png_size(checkout / "benchmarks" / "results.png")
    # a -k that selects nothing is a sentence, not a pytest dump to decode
    proc = _hbconn("bench", "-k", "nothing_matches_this", cwd=checkout)
    assert proc.returncode == 2 and "no benchmark matches -k 'nothing_matches_this'" in proc.stderr


_TINY_INTERLEAVED = """
import json, os

def test_tiny(interleave, peers):
    calls = {"hbconn": 0, "pure_python": 0}

    def side(impl, work):
        def run():
            calls[impl] += 1
            work()
        return interleave.Side(impl, run, ops=10)

    sides = [side("hbconn", lambda: sum(range(100))), side("pure_python", lambda: sum(list(range(1000))))]
    interleave.run("tiny: sum", sides, rounds=7, warmup=2, targets={"pure_python": 0.01})
    with open(os.environ["TINY_CALLS"], "w") as out:
        json.dump(calls, out)
"""


def _interleaving_checkout(checkout: Path) -> Path:
    bench = checkout / "benchmarks"
    for name in ("conftest.py", "interleave.py", "peers/build_peers.py"):
        (bench / name).parent.mkdir(exist_ok=True)
        shutil.copy(REPO / "benchmarks" / name, bench / name)
    (bench / "test_bench_tiny.py").write_text(_TINY_INTERLEAVED)
    return bench


def test_bench_times_a_group_interleaved_and_reports_both_ratios(checkout, tmp_path, monkeypatch):
    bench = _interleaving_checkout(checkout)
    calls = tmp_path / "calls.json"
    monkeypatch.setenv("TINY_CALLS", str(calls))
    proc = _hbconn("bench", cwd=bench)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    counts = json.loads(calls.read_text())
    assert counts["pure_python"] == 2 + 7       # one call per round, warm-up included: it is the slowest side
    assert counts["hbconn"] >= counts["pure_python"]
    results = (bench / "RESULTS.md").read_text()
    assert "### tiny: sum" in results
    assert "interleaved in one process: 7 rounds after 2 warm-up rounds" in results
    assert ("| impl | ops/batch | min ns/op | median ns/op | ops/s (median) | ratio on medians "
            "| ratio on mins") in results
    assert "hbconn vs pure_python" in results and "on medians (" in results and "x on mins)" in results
    _png_size(bench / "results.png")
    # the default pytest (timing disabled) is a smoke pass: one round, one call per side
    proc = subprocess.run([sys.executable, "-P", "-m", "pytest", str(bench), "-q", "-p", "no:cacheprovider",
                           "--benchmark-disable"], capture_output=True, text=True, timeout=120, cwd=checkout)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert json.loads(calls.read_text()) == {"hbconn": 1, "pure_python": 1}


def test_bench_outside_a_checkout_says_it_needs_one():
    with tempfile.TemporaryDirectory() as empty:
        proc = _hbconn("bench", cwd=Path(empty))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "ship with the repository, not with the installed package" in proc.stderr
    assert "--dir" in proc.stderr


def test_chart_redraws_from_the_runs_results_md_keeps(tmp_path):
    report = _load_chart()._load_report()
    results = tmp_path / "RESULTS.md"
    assert report.main([str(FIXTURE), "-o", str(results)]) == 0
    chart = _load_chart()
    assert chart.main(["-o", str(tmp_path / "redrawn.png"), "--merge", str(results)]) == 0
    _png_size(tmp_path / "redrawn.png")
    with pytest.raises(SystemExit):       # neither a run nor a RESULTS.md: nothing to draw from
        chart.main(["-o", str(tmp_path / "none.png")])
