"""The compiled modules are what is tested: prove they are C extensions, wherever they live.

The build compiles every ``.pyx`` under the package (setup.py): the core in
``core/`` and the venues' payload parsers beside their connectors (e.g.
``exchanges/binance/_binance_depth``).  The modules are found by their
compiled files, so an installation (no sources) and a checkout built in place
are checked alike."""
import importlib
import importlib.machinery
import os
import pathlib

import pytest
from support.paths import REPO, TESTS

import hummingbot_conn
import hummingbot_conn.core

PACKAGE_DIR = pathlib.Path(hummingbot_conn.__file__).parent
CORE_DIR = pathlib.Path(hummingbot_conn.core.__file__).parent
EXT_SUFFIXES = tuple(importlib.machinery.EXTENSION_SUFFIXES)


def _compiled_modules():
    """Dotted names of every extension module under the package (a build tree or a venv inside a
    checkout holds none: only package folders, those with an ``__init__.py``, are searched)."""
    names = []
    for path in PACKAGE_DIR.rglob("*"):
        if path.name.endswith(EXT_SUFFIXES) and (path.parent / "__init__.py").exists():
            relative = path.parent.relative_to(PACKAGE_DIR.parent)
            names.append(".".join((*relative.parts, path.name.split(".")[0])))
    return sorted(names)


COMPILED_MODULES = _compiled_modules()
CORE_MODULES = [name.rsplit(".", 1)[1] for name in COMPILED_MODULES if name.startswith("hummingbot_conn.core.")]


def test_core_has_compiled_modules():
    assert "pubsub" in CORE_MODULES


def test_venue_parsers_are_compiled_beside_their_venue():
    """A venue's C payload parser lives with its connector, not in the venue-neutral core."""
    assert any(name.startswith("hummingbot_conn.exchanges.binance.") and name.endswith("._binance_depth")
               for name in COMPILED_MODULES), COMPILED_MODULES
    assert not any("binance" in name for name in CORE_MODULES), CORE_MODULES


@pytest.mark.parametrize("name", COMPILED_MODULES)
def test_compiled_module_is_an_extension_module(name):
    module = importlib.import_module(name)
    assert module.__file__.endswith(EXT_SUFFIXES), module.__file__
    assert isinstance(module.__loader__, importlib.machinery.ExtensionFileLoader)
    # no pure-Python stand-in shipped beside it
    assert not pathlib.Path(module.__file__).with_name(f"{name.rsplit('.', 1)[1]}.py").exists()


@pytest.mark.parametrize("name", COMPILED_MODULES)
def test_compiled_module_ships_stub_and_contract(name):
    folder = pathlib.Path(importlib.import_module(name).__file__).parent
    stem = name.rsplit(".", 1)[1]
    assert (folder / f"{stem}.pyi").exists()
    assert (folder / f"{stem}.pxd").exists()


def test_package_is_typed():
    assert (CORE_DIR.parent / "py.typed").exists()


@pytest.mark.skipif(os.environ.get("HBCONN_TEST_CHECKOUT") == "1",
                    reason="developer run against the checkout's in-place build (tests/conftest.py)")
def test_package_is_imported_from_installation_not_checkout():
    checkout_sources = REPO / "hummingbot_conn"
    pkg = pathlib.Path(hummingbot_conn.__file__).resolve().parent
    if pkg == checkout_sources:  # the development set-up (tests/conftest.py allowed it); CI tests the install
        pytest.skip("testing the checkout built in place, not an installation")
    assert pkg != checkout_sources, pkg
    assert "site-packages" in pkg.parts, pkg


def test_stubs_match_compiled_modules():
    """mypy's stubtest compares each .pyi against the compiled module at run time."""
    import subprocess
    import sys
    modules = COMPILED_MODULES
    allowlist = TESTS / "stubtest_allowlist.txt"
    env = dict(os.environ)
    package_root = CORE_DIR.parents[1]
    if package_root.name != "site-packages":  # an editable install: its import hook is invisible to mypy
        env["MYPYPATH"] = str(package_root)
    proc = subprocess.run([sys.executable, "-m", "mypy.stubtest", "--ignore-unused-allowlist",
                           "--allowlist", str(allowlist), *modules],
                          capture_output=True, text=True, cwd="/", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
