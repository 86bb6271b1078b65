"""The wheel a user installs: compiled modules, stubs and py.typed inside, no
sources; it installs into a fresh environment with no Cython and runs there."""
import os
import pathlib
import subprocess
import sys
import venv
import zipfile

import pytest
from support.paths import REPO

CHECKOUT = REPO
# every compiled module, wherever its .pyx lives (setup.py): the core and the venues' parsers,
# as paths inside the wheel without a suffix ("hummingbot_conn/core/order_book")
COMPILED_SOURCES = sorted(str(p.relative_to(CHECKOUT).with_suffix("")) for p in
                          (CHECKOUT / "hummingbot_conn").rglob("*.pyx"))

pytestmark = pytest.mark.slow

# a developer run may put the checkout on PYTHONPATH (HBCONN_TEST_CHECKOUT): the fresh
# environment must see only what the wheel installed
CLEAN_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


# .ci/run builds the manylinux wheels in its step 6 and runs this file there against each of them
# (HBCONN_TEST_WHEEL names the wheel); its step 1 sets HBCONN_WHEEL_TESTS=later so the same
# build is not paid for twice (about two minutes of the run on two cores)
if os.environ.get("HBCONN_WHEEL_TESTS") == "later":
    pytestmark = [pytestmark, pytest.mark.skip(reason="run by .ci/run step 6 against the manylinux wheels")]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> pathlib.Path:
    given = os.environ.get("HBCONN_TEST_WHEEL")
    if given:
        return pathlib.Path(given)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(CHECKOUT)],
                   check=True, capture_output=True, text=True, env=CLEAN_ENV)
    (built,) = out.glob("hummingbot_conn-*.whl")
    return built


def test_wheel_is_a_platform_wheel_with_compiled_core_and_stubs(wheel):
    assert not wheel.name.endswith("-none-any.whl"), wheel.name
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "hummingbot_conn/py.typed" in names
    assert any(m.startswith("hummingbot_conn/exchanges/binance/") and m.endswith("/_binance_depth")
               for m in COMPILED_SOURCES), COMPILED_SOURCES      # a venue's parser, built beside its venue
    for module in COMPILED_SOURCES:
        assert any(n.startswith(f"{module}.cpython-") and n.endswith(".so") for n in names), module
        assert f"{module}.pyi" in names, module
    assert not [n for n in names if n.endswith((".pyx", ".cpp", ".c"))]


def test_wheel_installs_and_runs_without_cython(wheel, tmp_path):
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)],
                   check=True, capture_output=True, text=True, env=CLEAN_ENV)
    script = (
        "import importlib.util, importlib.machinery as m\n"
        "assert importlib.util.find_spec('Cython') is None, 'Cython must not be needed'\n"
        "import hummingbot_conn.core.order_book as ob\n"
        "assert isinstance(ob.__loader__, m.ExtensionFileLoader)\n"
        "book = ob.OrderBook()\n"
        "book.apply_snapshot([['30000.01', '1.5']], [['30000.02', '2']], 10)\n"
        "assert book.apply_diffs([['30000.01', '0']], [], 11, 11) == ob.DiffResult.APPLIED\n"
        "print(book.best_bid, book.best_ask)\n"
        "print(ob.__file__)\n"
        # prometheus-client is an extra: without it the library runs, and its metrics package says what to install
        "assert importlib.util.find_spec('prometheus_client') is None\n"
        "try:\n    import hummingbot_conn.metrics\n"
        "except ImportError as exc:\n"
        "    assert \"pip install '.[metrics]' from a clone\" in str(exc), exc\n"
        "    assert \"pip install 'hummingbot-conn[metrics]' where the package comes from an index\" in str(exc)\n"
        "else:\n    raise AssertionError('hummingbot_conn.metrics imported without prometheus-client')\n"
    )
    done = subprocess.run([str(python), "-c", script], capture_output=True, text=True, cwd=tmp_path,
                          env=CLEAN_ENV)
    assert done.returncode == 0, done.stderr
    prices, module_file = done.stdout.splitlines()
    assert prices.split() == ["nan", "30000.02"]
    # what ran there is the wheel's compiled module, installed in the fresh environment
    assert pathlib.Path(module_file).is_relative_to(env_dir), module_file
