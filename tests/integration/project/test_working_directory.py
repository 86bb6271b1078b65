"""Integration tests run outside the checkout (tests/integration/conftest.py).

A subprocess started with ``python -m hummingbot_conn`` imports from its working
directory first; inside the checkout that is the uncompiled source tree, which
a non-editable install (the README's ``pip install '.[test]'``) never built.
"""
import pathlib
import subprocess
import sys

CHECKOUT = pathlib.Path(__file__).resolve().parents[3]


def test_an_integration_test_runs_outside_the_checkout():
    cwd = pathlib.Path.cwd().resolve()
    assert cwd != CHECKOUT and CHECKOUT not in cwd.parents, cwd


def test_a_python_m_child_imports_the_package_the_tests_import():
    import hummingbot_conn

    child = subprocess.run([sys.executable, "-c", "import hummingbot_conn; print(hummingbot_conn.__file__)"],
                           capture_output=True, text=True, timeout=60, check=True)
    assert pathlib.Path(child.stdout.strip()).resolve() == pathlib.Path(hummingbot_conn.__file__).resolve()
