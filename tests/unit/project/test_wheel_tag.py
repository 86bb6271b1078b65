"""The compiled modules fit the wheels' tag, ``manylinux_2_17_x86_64`` (README, "Python versions and
wheels"): no symbol of a glibc newer than 2.17 and none of libstdc++ (``GLIBCXX_*``, ``CXXABI_*``: a C++
library type such as ``std::string`` needs them, and the libstdc++ of manylinux_2_17 is too old for
C++11's).  Read from the version names each module's dynamic section asks for, so a checkout built in
place and an installation are checked alike, with no tool beyond Python.

Closed here: any compiled module pulling in a C++ library type or a newer glibc symbol, which would
silently raise the tag (``.ci/wheel-check`` names the tag and fails such a wheel; this fails first,
without building one)."""
import importlib.machinery
import pathlib
import re

import pytest

import hummingbot_conn

PACKAGE_DIR = pathlib.Path(hummingbot_conn.__file__).parent
SUFFIXES = tuple(importlib.machinery.EXTENSION_SUFFIXES)
MODULES = sorted(p for p in PACKAGE_DIR.rglob("*") if p.name.endswith(SUFFIXES) and (p.parent / "__init__.py").exists())
GLIBC_MAX = (2, 17)
VERSION_NAME = re.compile(rb"\x00(GLIBCXX_[0-9.]+|CXXABI_[0-9.]+|GLIBC_2\.[0-9]+(?:\.[0-9]+)?)\x00")


def _version_names(path: pathlib.Path) -> set:
    return {m.group(1).decode() for m in VERSION_NAME.finditer(path.read_bytes())}


def test_there_are_compiled_modules_to_check():
    assert len(MODULES) >= 10, MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name.split(".")[0])
def test_a_compiled_module_needs_nothing_newer_than_manylinux_2_17(path):
    assert path.read_bytes()[:4] == b"\x7fELF", f"{path.name} is not an ELF module"
    # a module may ask for no versioned glibc symbol at all (e.g. on 3.12 and 3.13 a small one): that
    # needs nothing newer than 2.17 either
    names = _version_names(path)
    cxx = sorted(n for n in names if not n.startswith("GLIBC_"))
    assert not cxx, f"{path.name} needs libstdc++ {cxx}: a C++ library type raises the wheel's tag"
    newer = sorted(n for n in names if n.startswith("GLIBC_")
                   and tuple(int(x) for x in n[6:].split(".")[:2]) > GLIBC_MAX)
    assert not newer, f"{path.name} needs glibc {newer}: newer than manylinux_2_17"
