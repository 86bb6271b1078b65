"""The compiled hot path.  Every module here is a Cython extension type
(``.pxd`` contract, ``.pyx`` code, ``.pyi`` typed surface); it imports nothing
of ours outside this package."""
from importlib.machinery import EXTENSION_SUFFIXES as _SUFFIXES
from pathlib import Path as _Path

# A source checkout holds the .pyx files but no compiled modules until it is
# built.  Importing it would die later with "No module named
# hummingbot_conn.core.order_book"; say what to do instead.  (A check for a
# file is enough: a compiled module that is present but broken still raises
# its own, more precise, ImportError when it is imported.)
if not any((_Path(__file__).parent / f"order_book{suffix}").exists() for suffix in _SUFFIXES):
    raise ImportError(
        f"hummingbot_conn's compiled core is not built in {_Path(__file__).parent}: this is a source "
        "checkout. Either install the package (pip install .) and run from outside the checkout, or "
        "build the extensions in place for development: pip install -e '.[dev]' (see the README, Development)")
