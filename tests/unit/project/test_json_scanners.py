"""The venues' C frame scanners share one set of JSON scanning helpers (core/_json_scan.pxd).

Each scanner recognises one frame shape and steps aside for anything else; the pieces every
shape needs (whitespace, strings, integers, numbers by RFC 8259's grammar, skipping a scalar,
the symbol cache) live once in ``core/_json_scan.pxd``, so a bounds or grammar fix reaches every
venue.  A scanner that defines its own copy again would drift from the others: refused here.
Sources only: an installation without them skips."""
import re

import pytest
from support.paths import REPO

HELPER = REPO / "hummingbot_conn" / "core" / "_json_scan.pxd"
SCANNERS = [
    REPO / "hummingbot_conn" / "exchanges" / "binance" / "_binance_depth.pyx",
    REPO / "hummingbot_conn" / "exchanges" / "kraken" / "_kraken_book.pyx",
]
SHARED = ("ws", "string_end", "digits", "integer", "number_end", "number_grammar", "scalar_end", "symbol")
# a C-level function definition of one of the shared pieces under its old private name or its shared one
LOCAL_COPY = re.compile(r"^cdef\s+(?:inline\s+)?[\w*]+\s+_?(?:json_)?(" + "|".join(SHARED) + r")\s*\(", re.M)

pytestmark = pytest.mark.skipif(not HELPER.exists(), reason="no sources (an installation): nothing to read")


@pytest.mark.parametrize("scanner", SCANNERS, ids=lambda p: p.stem)
def test_scanner_uses_the_shared_helpers(scanner):
    text = scanner.read_text()
    assert "from hummingbot_conn.core._json_scan cimport" in text
    copies = LOCAL_COPY.findall(text)
    assert not copies, f"{scanner.name} defines its own {copies}: use core/_json_scan.pxd"


def test_shared_helpers_raise_nothing_they_could_hide():
    # every helper is `noexcept`: allowed only because none can raise (json_symbol, which allocates,
    # is not noexcept and propagates MemoryError)
    text = HELPER.read_text()
    for name in ("json_ws", "json_string_end", "json_digits", "json_integer", "json_number_grammar",
                 "json_number_end", "json_scalar_end"):
        assert re.search(rf"cdef inline Py_ssize_t {name}\([^)]*\) noexcept:", text), name
    assert re.search(r"cdef inline object json_symbol\([^)]*\):", text)
