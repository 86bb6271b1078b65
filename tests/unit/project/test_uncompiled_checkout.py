"""Importing a source checkout that was never built says what to do, in a sentence.

Without the check in ``hummingbot_conn/core/__init__.py`` the first import of a
core module dies with ``ModuleNotFoundError: hummingbot_conn.core.order_book``.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import hummingbot_conn

PACKAGE = Path(hummingbot_conn.__file__).resolve().parent


def _uncompiled_copy(root: Path) -> None:
    """The package's Python files and sources, no compiled module (what a fresh clone holds)."""
    shutil.copytree(PACKAGE, root / "hummingbot_conn",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "*.c", "*.cpp", "__pycache__"))


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def test_importing_the_core_of_an_unbuilt_checkout_says_what_to_do(tmp_path):
    _uncompiled_copy(tmp_path)
    done = _run("import hummingbot_conn.core.order_book", tmp_path)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: hummingbot_conn's compiled core is not built"), done.stderr
    assert "pip install -e '.[dev]'" in last and "pip install ." in last
    assert "ModuleNotFoundError" not in done.stderr


def test_the_parts_that_need_no_compiled_core_still_import(tmp_path):
    _uncompiled_copy(tmp_path)
    done = _run("import hummingbot_conn, hummingbot_conn.sim; print(hummingbot_conn.__file__)", tmp_path)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve().is_relative_to(tmp_path.resolve())


def test_the_built_package_imports_its_core():
    import hummingbot_conn.core.order_book as order_book
    assert order_book.OrderBook().bid_level_count == 0
