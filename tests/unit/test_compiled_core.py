"""The compiled core is what is tested: prove the core modules are C extensions."""
import importlib
import importlib.machinery
import os
import pathlib

import pytest

import hummingbot_conn.core

CORE_DIR = pathlib.Path(hummingbot_conn.core.__file__).parent
EXT_SUFFIXES = tuple(importlib.machinery.EXTENSION_SUFFIXES)
CORE_MODULES = sorted(p.name.split(".")[0] for p in CORE_DIR.iterdir()
                      if p.name.endswith(EXT_SUFFIXES))


def test_core_has_compiled_modules():
    assert "pubsub" in CORE_MODULES


@pytest.mark.parametrize("name", CORE_MODULES)
def test_core_module_is_an_extension_module(name):
    module = importlib.import_module(f"hummingbot_conn.core.{name}")
    assert module.__file__.endswith(EXT_SUFFIXES), module.__file__
    assert isinstance(module.__loader__, importlib.machinery.ExtensionFileLoader)
    # no pure-Python stand-in shipped beside it
    assert not (CORE_DIR / f"{name}.py").exists()


@pytest.mark.parametrize("name", CORE_MODULES)
def test_core_module_ships_stub_and_contract(name):
    assert (CORE_DIR / f"{name}.pyi").exists()
    assert (CORE_DIR / f"{name}.pxd").exists()


def test_package_is_typed():
    assert (CORE_DIR.parent / "py.typed").exists()


@pytest.mark.skipif(os.environ.get("HBCONN_TEST_CHECKOUT") == "1",
                    reason="developer run against the checkout's in-place build (tests/conftest.py)")
def test_package_is_imported_from_installation_not_checkout():
    checkout_sources = pathlib.Path(__file__).resolve().parents[2] / "hummingbot_conn"
    pkg = pathlib.Path(hummingbot_conn.__file__).resolve().parent
    if pkg == checkout_sources:  # the development set-up (tests/conftest.py allowed it); CI tests the install
        pytest.skip("testing the checkout built in place, not an installation")
    assert pkg != checkout_sources, pkg
    assert "site-packages" in pkg.parts, pkg


def test_stubs_match_compiled_modules():
    """mypy's stubtest compares each .pyi against the compiled module at run time."""
    import subprocess
    import sys
    modules = [f"hummingbot_conn.core.{name}" for name in CORE_MODULES]
    allowlist = pathlib.Path(__file__).resolve().parents[1] / "stubtest_allowlist.txt"
    env = dict(os.environ)
    package_root = CORE_DIR.parents[1]
    if package_root.name != "site-packages":  # an editable install: its import hook is invisible to mypy
        env["MYPYPATH"] = str(package_root)
    proc = subprocess.run([sys.executable, "-m", "mypy.stubtest", "--ignore-unused-allowlist",
                           "--allowlist", str(allowlist), *modules],
                          capture_output=True, text=True, cwd="/", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
