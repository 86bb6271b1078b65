"""The bus benchmark's smoke run (CI): ``bus_scale.py`` with 3 pairs, 1 consumer, 1 second.

The real run (100 pairs, 1 / 8 / 32 consumers) is ``python benchmarks/bus_scale.py``; its
figures are in benchmarks/RESULTS.md, "Bus scale".
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nats", reason="the bus benchmark needs the nats extra")

_SCRIPT = Path(__file__).resolve().parent / "bus_scale.py"


def test_bus_scale_smoke(tmp_path):
    out = tmp_path / "bus.json"
    done = subprocess.run([sys.executable, str(_SCRIPT), "--pairs", "3", "--consumers", "1", "--seconds", "1",
                           "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    (round_,) = result["rounds"]
    assert round_["consumers"] == 1 and round_["diffs_applied"] > 0
    assert round_["latency_p50_ms"] > 0 and round_["feed_cpu"] > 0
    assert result["venue"]["feed_sockets"] == 1 and result["venue"]["feed_snapshots"] >= 3
    assert "| 1 |" in done.stdout
