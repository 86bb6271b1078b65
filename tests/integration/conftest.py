"""Fixtures of every integration test.

Many of these tests run ``python -m hummingbot_conn ...`` in a subprocess, as a
user would. ``python -m`` puts the working directory first on ``sys.path``; when
that directory is the checkout, the child imports the checkout's uncompiled
sources instead of the installed package, and under the README's test install
(``pip install '.[test]'``, not editable) it stops with "compiled core is not
built". So every integration test runs from its own temporary directory,
outside the checkout, whatever directory pytest was started from; a test that
needs the checkout passes it explicitly (``cwd=``, absolute paths).
"""
import pytest


@pytest.fixture(autouse=True)
def _outside_the_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
