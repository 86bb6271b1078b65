"""Benchmark fixtures: the peers we are timed against, and the interleaved harness.

``peers(name)`` returns an imported peer module: hummingbot's own code
(``hummingbot.core...``, compiled from its PyPI sdist) or the ``order_book``
C book.  The first call in a session builds ``benchmarks/.peers/`` if it is
missing or stale; a warm check costs a stamp-file read.  A failed build FAILS
the benchmark with the tail of the build log.

Peers are measured only when benchmarks are timed (``--benchmark-enable``, as
``make bench`` runs them) or when ``HBCONN_BENCH_PEERS=1`` is set; otherwise
the ``peers`` fixture is ``None``.  The default ``pytest`` (timing disabled in
pyproject.toml) runs every group once with ours and the pure-Python baselines
only, as a smoke pass: the test command never downloads or compiles
hummingbot.

The cache directories are *appended* to ``sys.path``, after the installed
``hummingbot_conn`` and its dependencies, so a peer can never shadow our
package or a library version the venv already pins.

Groups that compare us with a peer are timed interleaved
(``benchmarks/interleave.py``): the ``interleave`` fixture gives a test its
``Side`` class and ``run(group, sides, rounds=...)``.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import os
import platform
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable, Optional

import pytest

from hummingbot_conn.cli.event_loop import describe as describe_loop

_HERE = Path(__file__).resolve().parent
_BUILD_SCRIPT = _HERE / "peers" / "build_peers.py"


def _load_by_path(name: str, path: Path) -> ModuleType:
    # benchmarks/ is not a package (pytest runs in importlib mode), so its
    # helper modules are loaded from their paths under private module names
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _load_builder() -> ModuleType:
    return _load_by_path("_hbconn_bench_build_peers", _BUILD_SCRIPT)


PEERS_ENV = "HBCONN_BENCH_PEERS"


def peers_enabled(config: pytest.Config) -> bool:
    """Peers run when benchmarks are timed, or when HBCONN_BENCH_PEERS=1 asks for a peer smoke pass;
    HBCONN_BENCH_PEERS=0 leaves them out of a timed run too (ours alone, e.g. when a peer hangs)."""
    if os.environ.get(PEERS_ENV) == "0":
        return False
    timed = bool(config.getoption("benchmark_enable")) or not config.getoption("benchmark_disable")
    return timed or os.environ.get(PEERS_ENV) == "1"


@pytest.fixture(scope="session")
def peers(pytestconfig: pytest.Config) -> Optional[Callable[[str], ModuleType]]:
    """``peers("hummingbot.core.pubsub")`` -> the peer module (built on first use); ``None`` when peers are off.

    A group then leaves its peer sides out and still times ours and the
    pure-Python baselines (the smoke pass checks their workloads)."""
    if not peers_enabled(pytestconfig):
        return None
    return _importer()


class _Interleave:
    """What the ``interleave`` fixture hands a test: ``Side`` and ``run`` (benchmarks/interleave.py)."""

    def __init__(self, module: ModuleType, benchmark) -> None:
        self.Side = module.Side
        self._module = module
        self._benchmark = benchmark

    def run(self, group: str, sides, **options):
        """``interleave.run_group`` on this test's ``benchmark``: see benchmarks/interleave.py."""
        return self._module.run_group(self._benchmark, group, sides, **options)


@pytest.fixture
def interleave(benchmark) -> _Interleave:
    """Time a group's implementations in alternating rounds of one test (benchmarks/interleave.py)."""
    module = sys.modules.get("_hbconn_bench_interleave") or _load_by_path("_hbconn_bench_interleave",
                                                                           _HERE / "interleave.py")
    return _Interleave(module, benchmark)


def _importer() -> Callable[[str], ModuleType]:
    builder = _load_builder()
    state: dict[str, object] = {}

    def _import(module_name: str) -> ModuleType:
        if "failed" in state:
            # one failed build per session: the other benchmarks fail at once
            pytest.fail(str(state["failed"]), pytrace=False)
        if "ready" not in state:
            try:
                builder.ensure_built()
            except builder.PeerBuildError as exc:
                state["failed"] = f"building the benchmark peers failed:\n{exc}"
                pytest.fail(str(state["failed"]), pytrace=False)
            for entry in builder.PATH_ENTRIES:
                if str(entry) not in sys.path:
                    sys.path.append(str(entry))
            importlib.invalidate_caches()
            state["ready"] = True
        top = module_name.partition(".")[0]
        if top == "hummingbot_conn":
            raise ValueError("peers() is for peers; import hummingbot_conn directly")
        module = importlib.import_module(module_name)
        origin = Path(getattr(module, "__file__", "") or "")
        if top == "hummingbot" and not origin.is_relative_to(builder.CACHE):
            # a `hummingbot` installed in the venv would silently replace the
            # pinned sdist build we mean to measure
            pytest.fail(f"{module_name} resolved to {origin}, not to the peer cache {builder.CACHE}",
                        pytrace=False)
        return module

    return _import


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _os_name() -> str:
    with contextlib.suppress(OSError):  # no os-release: fall back to platform's name
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.partition("=")[2].strip().strip('"')
    return platform.platform()


def _cpu_model() -> str:
    with contextlib.suppress(OSError):  # no /proc (not Linux): fall back to platform's answer
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or platform.machine()


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record what benchmarks/report.py prints in its header (one run's facts)."""
    builder = sys.modules.get("_hbconn_bench_build_peers") or _load_builder()
    machine_info["hbconn"] = {
        "os": _os_name(),
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "hummingbot_conn": _version("hummingbot-conn"),
        "numpy": _version("numpy"),
        "cython_in_venv": _version("Cython"),
        "pytest_benchmark": _version("pytest-benchmark"),
        # the loop the harnesses drive (hummingbot_conn.cli.event_loop: uvloop when installed)
        "event_loop": describe_loop(),
        "peers": {
            "hummingbot": builder.HUMMINGBOT_VERSION,
            "build_tools": list(builder.BUILD_TOOLS),
            "compile_args": " ".join(builder.COMPILE_ARGS),
        },
    }
