"""The suite does not depend on where the repository is cloned.

Tests that sort paths into "the library's" and "the caller's" once did it by
substring: in a clone whose folder is named ``hummingbot_conn`` the test files
themselves looked like library code and three secret-leak tests failed.  Paths
are now compared by resolved prefix (the installed package's folder, the
checkout's own tree).  This test copies the repository into a folder of that
name and runs the path-sensitive test files there, against the same installed
package; CI (``.ci/run``) runs the whole suite from such a clone as well.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from support.paths import REPO

CHECKOUT = REPO
# the test files that look at file paths: frames' files, the checkout's tree, the package's sources
PATH_SENSITIVE = ["tests/unit/web/test_web_secrets_and_bounds.py", "tests/unit/project/test_docs_references.py",
                  "tests/unit/project/test_import_graph.py"]
_GENERATED = {".git", ".hypothesis", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".tox", ".eggs",
              "build", "dist", "__pycache__"}


def _tracked_files() -> list:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=CHECKOUT, capture_output=True, text=True, check=True).stdout
        return [Path(line) for line in out.splitlines() if line and (CHECKOUT / line).is_file()]
    except (OSError, subprocess.CalledProcessError):      # a source tree without git
        return [rel for rel in (p.relative_to(CHECKOUT) for p in CHECKOUT.rglob("*") if p.is_file())
                if not any(part in _GENERATED or part.startswith(".venv") or part.endswith(".egg-info")
                           for part in rel.parts[:-1])]


def test_the_path_sensitive_tests_pass_in_a_clone_named_like_the_package(tmp_path):
    clone = tmp_path / "hummingbot_conn"
    for rel in _tracked_files():
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CHECKOUT / rel, clone / rel)
    # -P: the copy's uncompiled hummingbot_conn/ must not shadow the installed package
    # (the same reason the README says to run the pytest script, not ``python -m pytest``)
    done = subprocess.run([sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:randomly", *PATH_SENSITIVE],
                          cwd=clone, capture_output=True, text=True, timeout=600,
                          env=_environment())
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def _environment() -> dict:
    env = dict(os.environ, HYPOTHESIS_PROFILE="dev")
    env.pop("PYTHONPATH", None)       # nothing may point the copy back at the checkout
    return env
