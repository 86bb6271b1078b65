"""The package's import graph: no cycles (``TYPE_CHECKING`` imports included) and the layering rules.

Read statically with ``ast`` from the source tree, so an import hidden behind
``if TYPE_CHECKING:`` or inside a function counts like any other. An edge goes
from a module to each module of ours it names (``from pkg import sub`` names
``pkg.sub`` when that is a module). A package's ``__init__`` being run because
one of its submodules is imported is not an edge for a module inside that package
(the package is already running); for a module outside it, it is (importing
``web.data_types`` from ``auth.py`` runs ``web/__init__`` and all it imports).

Layering (docs/architecture.md): ``core`` imports nothing of ours outside
``core``; ``sim`` imports nothing outside ``sim`` (it judges the connector, so it
shares no code with it), and the simulator's kernel (``sim/kernel``) nothing of any
venue built on it; only the commands (``cli``) import ``sim``, and only
``__main__`` imports the commands: the library imports neither.
"""
import ast
import functools
import re
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import pytest
from support.paths import REPO

ROOT = REPO / "hummingbot_conn"
PKG = "hummingbot_conn"
_PYX_IMPORT = re.compile(r"^(?:from[ \t]+[\w.]+[ \t]+c?import[ \t]+(?:\([^)]*\)|[^\n]*)|c?import[ \t]+[^\n]*)",
                         re.MULTILINE)
#: the commands (`hbconn`), the one package besides the tests that may start a simulator in process
CLI = f"{PKG}.cli"
SIM = f"{PKG}.sim"
#: what may import the commands besides themselves: `python -m hummingbot_conn`
MAY_IMPORT_CLI = {f"{PKG}.__main__"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict:
    """module name -> (path, is_package) for every .py / .pyx file of the package."""
    out = {}
    for path in sorted(ROOT.rglob("*")):
        if path.suffix in (".py", ".pyx") and "__pycache__" not in path.relative_to(ROOT).parts:
            out[_module_name(path)] = (path, path.stem == "__init__")
    return out


def _parses(statement: str) -> bool:
    try:
        ast.parse(statement)
    except SyntaxError:
        return False
    return True


def _imports(name: str, path: Path, is_package: bool, known: set) -> set:
    """Modules of ours that ``name`` imports (anywhere in the file)."""
    if path.suffix == ".pyx":  # Cython: keep only the import statements, cimport read as import
        statements = [m.group(0).replace(" cimport ", " import ") for m in _PYX_IMPORT.finditer(path.read_text())]
        source = "\n".join(s for s in statements if _parses(s))  # drops docstring prose that matched
    else:
        source = path.read_text()
    tree = ast.parse(source, filename=str(path))
    base = name.split(".") if is_package else name.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
            found.update(t for t in targets if t.split(".")[0] == PKG)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[:len(base) - node.level + 1]
                module = ".".join(anchor + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != PKG:
                continue
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if sub in known else module)
    # importing ``a.b.c`` first runs ``a/__init__`` and ``a.b/__init__``: an edge to each such
    # package the importer is not itself inside (inside it, the package is already running)
    own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
    for target in list(found):
        parts = target.split(".")
        found.update(p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p not in own)
    return {m for m in found if m in known and m != name}


@functools.cache
def _read_graph() -> Mapping[str, frozenset]:
    modules = _modules()
    known = set(modules)
    return MappingProxyType({name: frozenset(_imports(name, path, is_pkg, known))
                             for name, (path, is_pkg) in modules.items()})


def _graph() -> dict:
    """module -> the modules of ours it imports; the sources are parsed once per session (each test
    gets its own copy: parsing them was most of this file's time, once per test)."""
    return {name: set(targets) for name, targets in _read_graph().items()}


def _cycles(graph: dict) -> list:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_the_graph_is_read():
    graph = _graph()
    # a few edges that must be seen, including one written relatively and one behind a function
    assert f"{PKG}.sim.binance.spot.engine" in graph[f"{PKG}.sim.binance.spot.server"]
    assert f"{PKG}.sim.kernel.outbox" in graph[f"{PKG}.sim.kernel.hub"]
    assert f"{PKG}.web.data_types" in graph[f"{PKG}.web.auth"]


def test_finds_a_cycle_hidden_behind_type_checking():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("layer", ["core", "sim", "sim.kernel"])
def test_layer_imports_only_itself(layer):
    prefix = f"{PKG}.{layer}"
    bad = {(m, t) for m, targets in _graph().items() if m == prefix or m.startswith(prefix + ".")
           for t in targets if not (t == prefix or t.startswith(prefix + "."))}
    assert not bad, f"{layer} imports outside itself: {sorted(bad)}"


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_only_the_commands_import_sim():
    graph = _graph()
    # the rule is exercised: the commands that start a simulator are seen importing it
    assert any(_inside(t, SIM) for t in graph[f"{CLI}.demo.run"])
    assert any(_inside(t, SIM) for t in graph[f"{CLI}.venues"])
    bad = {(m, t) for m, targets in graph.items() if not _inside(m, CLI) and not _inside(m, SIM)
           for t in targets if _inside(t, SIM)}
    assert not bad, f"modules outside {CLI} import the simulator: {sorted(bad)}"


def test_the_library_never_imports_the_commands():
    bad = {(m, t) for m, targets in _graph().items() if not _inside(m, CLI) and m not in MAY_IMPORT_CLI
           for t in targets if _inside(t, CLI)}
    assert not bad, f"library modules import the commands: {sorted(bad)}"

