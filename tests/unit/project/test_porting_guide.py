"""docs/porting.md cannot drift: every row of its import table imports, under the same name.

The table's rows are ``| `hummingbot.x.y.Name` | `hummingbot_conn.a.b.Name` | notes |``;
a row may name a module instead of an attribute (``...binance_constants``).
"""
import importlib
import re

import pytest
from support.paths import REPO

GUIDE = REPO / "docs" / "porting.md"
_ROW = re.compile(r"^\|\s*`(hummingbot(?:\.\w+)+)`\s*\|\s*`([\w.]+)`\s*\|", re.MULTILINE)
_OWN = re.compile(r"^\|\s*`(hummingbot_conn(?:\.\w+)+)`\s*\|[^`|]", re.MULTILINE)   # "Names of our own"


def _rows():
    return _ROW.findall(GUIDE.read_text(encoding="utf-8"))


def _resolve(path: str):
    """Import ``path`` as a module, or as ``module.attribute``."""
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name != path:  # the module exists but fails to import: that is the error to show
            raise
    module, _, attribute = path.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def test_the_table_is_read():
    rows = _rows()
    assert len(rows) >= 60, f"only {len(rows)} rows parsed from {GUIDE}"
    ours = [o for _, o in rows]
    assert len(ours) == len(set(ours)), "a name of ours is listed twice"


@pytest.mark.parametrize("theirs, ours", _rows(), ids=[o for _, o in _rows()])
def test_row_imports_under_hummingbots_name(theirs, ours):
    assert ours.split(".")[0] == "hummingbot_conn", ours
    # public names follow hummingbot's: only the path changes
    assert theirs.rsplit(".", 1)[1] == ours.rsplit(".", 1)[1], (theirs, ours)
    obj = _resolve(ours)
    if not isinstance(obj, type(importlib)):
        assert getattr(obj, "__name__", ours.rsplit(".", 1)[1]) == ours.rsplit(".", 1)[1], obj


def _own_names():
    return _OWN.findall(GUIDE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("ours", _own_names())
def test_names_of_our_own_import(ours):
    assert _resolve(ours) is not None
