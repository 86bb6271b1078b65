"""Build the benchmark peers into the gitignored cache ``benchmarks/.peers/``.

Benchmarks time our compiled code beside hummingbot's own code and beside the
``order-book`` C book (the one cryptofeed uses).  hummingbot is never vendored:
this script downloads its PyPI sdist, extracts only the parts the benchmarks
import, cythonizes and compiles only the extensions those parts need (C++,
``-O3``), and installs the few third-party packages the imports pull in with
``pip install --no-deps --target``.

Layout of the cache::

    .peers/dl/      the downloaded sdist (kept, so a rebuild does not re-download)
    .peers/src/     hummingbot's extracted package tree, extensions built in place
    .peers/site/    pip --target of benchmarks/peers/requirements.txt
    .peers/tools/   pip --target of the pinned build tools (Cython, setuptools):
                    the benchmark venv only has numpy, Cython lives in our
                    package's isolated build env
    .peers/stamp.json   written last; its presence means "built and complete"
    .peers/build.log    output of the last build
    .peers/.lock        flock so two pytest processes never build concurrently

Idempotent: ``ensure_built()`` compares the stamp (sdist version, Python
version and ABI, hash of this script and of requirements.txt) and returns at
once when it matches.  Run directly with ``python benchmarks/peers/build_peers.py``
(``--force`` rebuilds); it uses the interpreter that runs it.
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import time
from pathlib import Path

HUMMINGBOT_VERSION = "20260922"

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent / ".peers"
DL_DIR = CACHE / "dl"
SRC_DIR = CACHE / "src"
SITE_DIR = CACHE / "site"
TOOLS_DIR = CACHE / "tools"
STAMP = CACHE / "stamp.json"
LOG = CACHE / "build.log"
LOCK = CACHE / ".lock"
REQUIREMENTS = HERE / "requirements.txt"

#: Build tools for hummingbot's setup.py (pip download prepares its metadata
#: with them) and for cythonizing the extensions.
BUILD_TOOLS = ("Cython==3.3.1", "setuptools==84.2.1")

#: C++ flags for hummingbot's extensions: -O3 like our own core; -g0 (no debug
#: info) keeps the cold build short; -w because the sdist's warnings are not ours.
COMPILE_ARGS = ("-O3", "-g0", "-std=c++11", "-w")

#: Directories put on sys.path (appended) to import the peers.
PATH_ENTRIES = (SRC_DIR, SITE_DIR)

# Parts of the sdist the benchmarks' imports reach (found by importing the
# modules listed in PEER_MODULES and recording which hummingbot files loaded).
# A prefix ending in "/" takes the whole folder, otherwise one file.
_EXTRACT = (
    "hummingbot/__init__.py",
    "hummingbot/VERSION",
    "hummingbot/logger/",
    "hummingbot/core/__init__.py",
    "hummingbot/core/PyRef.pxd",
    "hummingbot/core/pubsub.pxd",
    "hummingbot/core/pubsub.pyx",
    "hummingbot/core/cpp/PyRef.h",
    "hummingbot/core/cpp/PyRef.cpp",
    "hummingbot/core/cpp/LimitOrder.h",
    "hummingbot/core/cpp/LimitOrder.cpp",
    "hummingbot/core/cpp/OrderBookEntry.h",
    "hummingbot/core/cpp/OrderBookEntry.cpp",
    "hummingbot/core/event/__init__.py",
    "hummingbot/core/event/event_listener.pxd",
    "hummingbot/core/event/event_listener.pyx",
    "hummingbot/core/event/events.py",
    "hummingbot/core/data_type/__init__.py",
    "hummingbot/core/data_type/common.py",
    "hummingbot/core/data_type/in_flight_order.py",
    "hummingbot/core/data_type/trade_fee.py",
    "hummingbot/core/data_type/order_book_row.py",
    "hummingbot/core/data_type/order_book_message.py",
    "hummingbot/core/data_type/OrderBookEntry.pxd",
    "hummingbot/core/data_type/LimitOrder.pxd",
    "hummingbot/core/data_type/limit_order.pxd",
    "hummingbot/core/data_type/limit_order.pyx",
    "hummingbot/core/data_type/order_book_query_result.pxd",
    "hummingbot/core/data_type/order_book_query_result.pyx",
    "hummingbot/core/data_type/order_book.pxd",
    "hummingbot/core/data_type/order_book.pyx",
    "hummingbot/core/api_throttler/",
    "hummingbot/core/utils/__init__.py",
    "hummingbot/core/utils/async_utils.py",
    "hummingbot/core/utils/tracking_nonce.py",
    "hummingbot/core/web_assistant/",
    "hummingbot/connector/__init__.py",
    "hummingbot/connector/client_order_tracker.py",
    "hummingbot/connector/utils.py",
    "hummingbot/connector/time_synchronizer.py",
    # hummingbot's own BinanceExchange (benchmarks/tick_to_trade.py): the connector base classes,
    # clock, trackers, client configuration the connector settings read, and the binance connector.
    # client/settings.py imports the *_utils module of every connector folder it finds: only
    # binance's is extracted, so only binance's is imported.
    "hummingbot/client/__init__.py",
    "hummingbot/client/config/__init__.py",
    "hummingbot/client/config/config_data_types.py",
    "hummingbot/client/config/config_methods.py",
    "hummingbot/client/config/config_validators.py",
    "hummingbot/client/config/config_var.py",
    "hummingbot/client/config/fee_overrides_config_map.py",
    "hummingbot/client/config/trade_fee_schema_loader.py",
    "hummingbot/client/settings.py",
    "hummingbot/connector/budget_checker.py",
    "hummingbot/connector/connector_base.pxd",
    "hummingbot/connector/connector_base.pyx",
    "hummingbot/connector/constants.py",
    "hummingbot/connector/derivative/__init__.py",
    "hummingbot/connector/exchange/__init__.py",
    "hummingbot/connector/exchange/binance/__init__.py",
    "hummingbot/connector/exchange/binance/binance_api_order_book_data_source.py",
    "hummingbot/connector/exchange/binance/binance_api_user_stream_data_source.py",
    "hummingbot/connector/exchange/binance/binance_auth.py",
    "hummingbot/connector/exchange/binance/binance_constants.py",
    "hummingbot/connector/exchange/binance/binance_exchange.py",
    "hummingbot/connector/exchange/binance/binance_order_book.py",
    "hummingbot/connector/exchange/binance/binance_utils.py",
    "hummingbot/connector/exchange/binance/binance_web_utils.py",
    "hummingbot/connector/exchange_base.pxd",
    "hummingbot/connector/exchange_base.pyx",
    "hummingbot/connector/exchange_py_base.py",
    "hummingbot/connector/in_flight_order_base.pxd",
    "hummingbot/connector/in_flight_order_base.pyx",
    "hummingbot/connector/trading_rule.pxd",
    "hummingbot/connector/trading_rule.pyx",
    "hummingbot/core/__init__.py",
    "hummingbot/core/clock.pxd",
    "hummingbot/core/clock.pyx",
    "hummingbot/core/clock_mode.py",
    "hummingbot/core/cpp/OrderBookEntry.h",
    "hummingbot/core/data_type/cancellation_result.py",
    "hummingbot/core/data_type/market_order.py",
    "hummingbot/core/data_type/order_book_tracker.py",
    "hummingbot/core/data_type/order_book_tracker_data_source.py",
    "hummingbot/core/data_type/order_candidate.py",
    "hummingbot/core/data_type/user_stream_tracker.py",
    "hummingbot/core/data_type/user_stream_tracker_data_source.py",
    "hummingbot/core/event/event_forwarder.py",
    "hummingbot/core/event/event_logger.pxd",
    "hummingbot/core/event/event_logger.pyx",
    "hummingbot/core/event/event_reporter.pxd",
    "hummingbot/core/event/event_reporter.pyx",
    "hummingbot/core/network_iterator.pxd",
    "hummingbot/core/network_iterator.pyx",
    "hummingbot/core/time_iterator.pxd",
    "hummingbot/core/time_iterator.pyx",
    "hummingbot/core/utils/estimate_fee.py",
    # hummingbot's Kraken order book path (benchmarks/test_bench_kraken.py): its data source's
    # message parsing, KrakenOrderBook's message constructors and the pair-name conversions.
    # client/settings.py now also finds kraken_utils (pure Python, its imports are extracted).
    "hummingbot/connector/exchange/kraken/__init__.py",
    "hummingbot/connector/exchange/kraken/kraken_api_order_book_data_source.py",
    "hummingbot/connector/exchange/kraken/kraken_constants.py",
    "hummingbot/connector/exchange/kraken/kraken_order_book.py",
    "hummingbot/connector/exchange/kraken/kraken_utils.py",
    "hummingbot/connector/exchange/kraken/kraken_web_utils.py",
)

# The extensions the imported modules need, as (module, extra C++ sources).
_EXTENSIONS = (
    ("hummingbot.core.event.event_listener", ()),
    ("hummingbot.core.pubsub", ("hummingbot/core/cpp/PyRef.cpp",)),
    ("hummingbot.core.data_type.order_book_query_result", ()),
    ("hummingbot.core.data_type.limit_order", ("hummingbot/core/cpp/LimitOrder.cpp",)),
    ("hummingbot.core.data_type.order_book", ("hummingbot/core/cpp/OrderBookEntry.cpp",)),
    # what hummingbot's BinanceExchange imports compiled (tick to trade)
    ("hummingbot.core.time_iterator", ()),
    ("hummingbot.core.network_iterator", ()),
    ("hummingbot.core.clock", ()),
    ("hummingbot.core.event.event_logger", ()),
    ("hummingbot.core.event.event_reporter", ()),
    ("hummingbot.connector.trading_rule", ()),
    ("hummingbot.connector.in_flight_order_base", ()),
    ("hummingbot.connector.connector_base", ()),
    ("hummingbot.connector.exchange_base", ()),
)

#: Modules the benchmarks import; the build is checked by importing each.
PEER_MODULES = (
    "hummingbot.core.pubsub",
    "hummingbot.core.event.event_listener",
    "hummingbot.core.event.events",
    "hummingbot.core.data_type.common",
    "hummingbot.core.data_type.order_book",
    "hummingbot.core.data_type.order_book_row",
    "hummingbot.core.data_type.order_book_message",
    "hummingbot.core.data_type.in_flight_order",
    "hummingbot.core.data_type.trade_fee",
    "hummingbot.core.api_throttler.async_throttler",
    "hummingbot.core.api_throttler.data_types",
    "hummingbot.connector.client_order_tracker",
    "hummingbot.connector.exchange.binance.binance_exchange",
    "hummingbot.connector.exchange.kraken.kraken_api_order_book_data_source",
    "order_book",
)


class PeerBuildError(RuntimeError):
    """The peer cache could not be built; the message carries the log tail."""


def _stamp_content() -> dict:
    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())
    digest.update(REQUIREMENTS.read_bytes())
    digest.update(repr(BUILD_TOOLS).encode())
    return {
        "hummingbot": HUMMINGBOT_VERSION,
        "python": sys.version,
        "soabi": sysconfig.get_config_var("SOABI"),
        # order_book.pyx cimports numpy: its build belongs to one numpy ABI
        "numpy": importlib.metadata.version("numpy"),
        "script_sha256": digest.hexdigest(),
    }


def is_built() -> bool:
    """True when the cache holds a complete build matching this script and interpreter."""
    try:
        return json.loads(STAMP.read_text()) == _stamp_content()
    except (OSError, ValueError):
        return False


def ensure_built(force: bool = False) -> None:
    """Build the cache unless a matching one exists; safe across processes.

    Raises PeerBuildError with the tail of build.log when the build fails.
    """
    if not force and is_built():
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building
        try:
            if not force and is_built():
                return
            _build()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build() -> None:
    STAMP.unlink(missing_ok=True)
    for stale in (SRC_DIR, SITE_DIR, TOOLS_DIR):
        shutil.rmtree(stale, ignore_errors=True)
    started = time.monotonic()
    with open(LOG, "w") as log:
        log.write(f"building peers with {sys.executable} ({sys.version.split()[0]})\n")
        # pip install of the pure-Python deps runs while the extensions compile
        pip = _popen_logged(
            [*_PIP_INSTALL, "--target", str(SITE_DIR), "-r", str(REQUIREMENTS)], log, "pip-install")
        try:
            _wait(_popen_logged(
                [*_PIP_INSTALL, "--target", str(TOOLS_DIR), *BUILD_TOOLS], log, "pip-tools"), log)
            sdist = _download_sdist(log)
            _extract(sdist, log)
            _compile(log)
            _wait(pip, log)
            _check_imports(log)
        except (PeerBuildError, OSError, tarfile.TarError) as exc:
            if pip[1].poll() is None:  # never leave the background install running
                pip[1].kill()
                pip[1].wait()
            log.write(f"\nFAILED: {exc}\n")
            log.flush()
            raise PeerBuildError(f"{exc}\n--- tail of {LOG} ---\n{_tail(LOG)}") from None
        log.write(f"peers built in {time.monotonic() - started:.1f} s\n")
    STAMP.write_text(json.dumps(_stamp_content(), indent=1))


_PIP_INSTALL = (sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-deps", "--no-compile")


def _tools_env() -> dict:
    # the pinned tools come first; numpy still comes from the venv
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(TOOLS_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]))


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _popen_logged(cmd: list[str], log, name: str, **kw) -> tuple[str, subprocess.Popen, Path, float]:
    out = CACHE / f"{name}.out"
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    handle = open(out, "w")
    proc = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, **kw)
    handle.close()
    return name, proc, out, time.monotonic()


def _wait(job: tuple[str, subprocess.Popen, Path, float], log) -> None:
    name, proc, out, started = job
    code = proc.wait()
    elapsed = time.monotonic() - started
    text = out.read_text(errors="replace")
    # pip's warnings about the machine's unreachable mirror folders are noise
    text = "\n".join(line for line in text.splitlines() if "is ignored: it is neither" not in line)
    log.write(f"[{name}] exit {code} after {elapsed:.1f} s\n{text}\n")
    log.flush()
    out.unlink(missing_ok=True)
    if code != 0:
        raise PeerBuildError(f"{name} failed with exit code {code}")


def _download_sdist(log) -> Path:
    name = f"hummingbot-{HUMMINGBOT_VERSION}.tar.gz"
    target = DL_DIR / name
    if target.exists():
        log.write(f"sdist already downloaded: {target}\n")
        return target
    DL_DIR.mkdir(parents=True, exist_ok=True)
    # --no-build-isolation: pip prepares the sdist's metadata with this venv's
    # numpy/Cython instead of building an isolated env (which would fetch both)
    _wait(_popen_logged(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", f"hummingbot=={HUMMINGBOT_VERSION}", "-d", str(DL_DIR)],
        log, "pip-download", env=_tools_env()), log)
    if not target.exists():
        raise PeerBuildError(f"pip download did not produce {name}")
    return target


def _wanted(member: str) -> bool:
    return any(member == p or (p.endswith("/") and member.startswith(p)) for p in _EXTRACT)


def _extract(sdist: Path, log) -> None:
    root = f"hummingbot-{HUMMINGBOT_VERSION}/"
    count = 0
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(root):
                continue
            rel = member.name[len(root):]
            if not _wanted(rel):
                continue
            dest = SRC_DIR / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(member)
            if src is None:
                raise PeerBuildError(f"cannot read {member.name} from {sdist}")
            with src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
            count += 1
    log.write(f"extracted {count} files into {SRC_DIR}\n")


_SETUP = textwrap.dedent('''
    import os, sys
    import numpy
    from Cython.Build import cythonize
    from setuptools import Extension, setup

    exts = []
    for name, extra in {extensions!r}:
        exts.append(Extension(
            name, [name.replace(".", "/") + ".pyx", *extra],
            include_dirs=[numpy.get_include(), "hummingbot/core"],
            extra_compile_args=list({compile_args!r}),
            language="c++",
        ))
    setup(
        name="hummingbot-peers",
        script_args=["build_ext", "--inplace", "--parallel", str(os.cpu_count() or 1)],
        ext_modules=cythonize(
            exts, nthreads=os.cpu_count() or 1, quiet=True,
            compiler_directives={{"language_level": 3, "annotation_typing": False}},
        ),
    )
''')


def _compile(log) -> None:
    setup_py = SRC_DIR / "_build_peers_setup.py"
    setup_py.write_text(_SETUP.format(extensions=_EXTENSIONS, compile_args=COMPILE_ARGS))
    _wait(_popen_logged([sys.executable, str(setup_py)], log, "compile", cwd=SRC_DIR, env=_tools_env()), log)
    shutil.rmtree(SRC_DIR / "build", ignore_errors=True)


def _check_imports(log) -> None:
    script = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in PATH_ENTRIES))
    _wait(_popen_logged([sys.executable, "-c", script, *PEER_MODULES], log, "import-check",
                        env=env, cwd=CACHE), log)


def main(argv: list[str]) -> int:
    force = "--force" in argv
    started = time.monotonic()
    try:
        ensure_built(force=force)
    except PeerBuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"peers ready in {CACHE} ({time.monotonic() - started:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
