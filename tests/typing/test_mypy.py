"""The typed surface users get: mypy's ``reveal_type`` for the main calls (msgspec's approach).

``typing_examples.py`` calls the public API; each ``reveal_type(...)`` carries the
expected answer in a ``# R: <type>`` comment. mypy checks the file against the
package that is imported here (the installed wheel's ``.pyi`` stubs and
annotations, or the checkout with ``HBCONN_TEST_CHECKOUT=1``), from an empty
folder so the checkout's sources cannot stand in for what users install.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import hummingbot_conn

pytest.importorskip("mypy")

EXAMPLES = Path(__file__).with_name("typing_examples.py")
_EXPECTED = re.compile(r"reveal_type\(.*\)\s*# R: (.+)$")
_REVEALED = re.compile(r'^typing_examples\.py:(\d+): note: Revealed type is "(.+)"$')
_ERROR = re.compile(r"^typing_examples\.py:(\d+): error: (.+)$")
# incremental cache shared between runs (a cold run type-checks aiohttp and numpy stubs too)
CACHE = Path(tempfile.gettempdir()) / "hbconn-typing-mypy-cache"


def _expected() -> dict:
    out = {}
    for number, line in enumerate(EXAMPLES.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECTED.search(line)
        if match:
            out[number] = match.group(1).strip()
    return out


def _run_mypy(workdir: Path) -> str:
    shutil.copy(EXAMPLES, workdir / EXAMPLES.name)
    (workdir / "mypy.ini").write_text("[mypy]\n")
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    package_root = Path(hummingbot_conn.__file__).resolve().parents[1]
    if package_root.name != "site-packages":  # a checkout (HBCONN_TEST_CHECKOUT=1): point mypy at it
        env["MYPYPATH"] = str(package_root)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--python-version", "3.11",
         "--cache-dir", str(CACHE), "--no-error-summary", "--hide-error-context", "--no-pretty",
         "--no-color-output", EXAMPLES.name],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode not in (0, 1):
        pytest.fail(f"mypy crashed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def test_reveal_type_of_the_main_calls(tmp_path):
    expected = _expected()
    assert len(expected) >= 25, "typing_examples.py lost its reveal_type lines"
    output = _run_mypy(tmp_path)
    revealed = {int(m.group(1)): m.group(2) for m in map(_REVEALED.match, output.splitlines()) if m}
    errors = [line for line in output.splitlines() if _ERROR.match(line)]
    assert not errors, "the examples do not type-check:\n" + "\n".join(errors)
    wrong = {n: (want, revealed.get(n)) for n, want in expected.items() if revealed.get(n) != want}
    assert not wrong, "\n".join(f"line {n}: expected {w!r}, mypy says {g!r}" for n, (w, g) in sorted(wrong.items()))
    # the point of the stubs: the main calls never degrade to Any
    assert not [t for t in revealed.values() if t == "Any"]
