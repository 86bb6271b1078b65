"""Every reference in the repository resolves inside it.

* The test names cited in ``docs/*.md`` (``tests/x.py::test_name``) exist, so
  the weakness table and the contracts cannot point at tests that are gone.
* Relative links in the Markdown files lead to files of the repository.
* No file points outside the repository: not to a build machine's absolute
  path, nor to design notes a reader does not have (cite ``docs/...``).
* A citation of ``docs/<name>.md`` names a file that exists, and its section
  (``docs/binance_spot.md section 6.2``) or contract
  (``docs/contracts.md, Contract 2``) is a heading of that file.

The API reference's pages (``docs/api/*.rst``) are held to the same rules as
the Markdown and the code.
"""
import re
import subprocess
from pathlib import Path

import pytest
from support.paths import REPO

ROOT = REPO
DOCS = sorted((ROOT / "docs").glob("*.md"))
_CITED = re.compile(r"`((?:tests|benchmarks)/[\w/.-]+\.py)?(?:::(\w+))?`")
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
# what a reader of the repository cannot open
_OUTSIDE = re.compile(r"/work/|\.\./shared|DESIGN\.md|hummingbot_inventory|reference/binance_spot")
# docs/x.md, optionally followed by "section 6" / "sections 2.3" / "6.1" / ", Contract 2"
_DOC_CITE = re.compile(r"docs/([\w.-]+\.md)(?:,? (?:(?:section|sections|§) ?)?(\d+(?:\.\d+)?)\b|,? \"?Contract (\d+))?")


_GENERATED = {".git", ".hypothesis", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".tox", ".eggs",
              "build", "dist", "__pycache__"}


def _generated(rel: Path) -> bool:
    """Not part of the repository: git's folder, virtualenvs, tool caches, build output, bytecode.

    Judged on the path inside the checkout: the folders above it may have any name.
    """
    return any(part in _GENERATED or part.startswith(".venv") or part.endswith(".egg-info")
               for part in rel.parts[:-1])


def _repository_files() -> list:
    """Files git tracks (a clone's view); without git, the tree minus build output."""
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        files = [ROOT / line for line in out.splitlines() if line]
    except (OSError, subprocess.CalledProcessError):
        files = [p for p in ROOT.rglob("*") if p.is_file() and not _generated(p.relative_to(ROOT))]
    return [p for p in files if p.is_file() and p.suffix in {".py", ".pyx", ".pxd", ".pyi", ".md", ".rst", ".toml",
                                                            ".txt", ".cfg", ".yaml", ".yml", ""}]


def test_docs_exist():
    names = {p.name for p in DOCS}
    assert {"architecture.md", "contracts.md", "weaknesses.md", "binance_spot.md", "porting.md"} <= names


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_cited_tests_exist(doc):
    missing, current = [], None
    for match in _CITED.finditer(doc.read_text(encoding="utf-8")):
        path, name = match.groups()
        if path:
            current = path
            if not (ROOT / path).exists():
                missing.append(path)
                continue
        if name and current and (ROOT / current).exists():
            if not re.search(rf"def {name}\b", (ROOT / current).read_text(encoding="utf-8")):
                missing.append(f"{current}::{name}")
    assert not missing, f"{doc.name} cites what does not exist: {missing}"


def test_markdown_links_resolve():
    broken = []
    for md in [p for p in _repository_files() if p.suffix == ".md"]:
        for target in _LINK.findall(md.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (md.parent / target).resolve().exists():
                broken.append(f"{md.relative_to(ROOT)} -> {target}")
    assert not broken, broken


def test_nothing_points_outside_the_repository():
    offenders = []
    for path in _repository_files():
        if path == Path(__file__).resolve():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if _OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not offenders, "cite docs/... instead:\n" + "\n".join(offenders)


def _headings(doc: Path) -> tuple:
    """(section numbers, contract numbers) declared by a doc's Markdown headings."""
    sections, contracts = set(), set()
    for line in doc.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#{2,4} (\d+(?:\.\d+)?)[.\s]", line)
        if match:
            sections.add(match.group(1))
        match = re.match(r"#{2,4} Contract (\d+):", line)
        if match:
            contracts.add(match.group(1))
    return sections, contracts


def test_citations_of_docs_resolve():
    broken = []
    for path in _repository_files():
        if path.suffix not in {".py", ".pyx", ".pxd", ".pyi", ".md", ".rst"} or path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for name, section, contract in _DOC_CITE.findall(line):
                doc = ROOT / "docs" / name
                where = f"{path.relative_to(ROOT)}:{number}"
                if not doc.exists():
                    broken.append(f"{where}: docs/{name} does not exist")
                    continue
                sections, contracts = _headings(doc)
                if section and section not in sections:
                    broken.append(f"{where}: docs/{name} has no section {section}")
                if contract and contract not in contracts:
                    broken.append(f"{where}: docs/{name} has no Contract {contract}")
    assert not broken, "\n".join(broken)


def test_every_weakness_id_cited_is_in_the_table():
    table = (ROOT / "docs" / "weaknesses.md").read_text(encoding="utf-8")
    known = set(re.findall(r"^\| (W-\d+) \|", table, re.MULTILINE))
    assert known == {f"W-{n}" for n in range(1, 22)}, sorted(known)
    unknown = []
    for path in _repository_files():
        if path.suffix in {".py", ".pyx", ".pxd", ".pyi", ".md", ".rst"}:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                unknown += [f"{path.relative_to(ROOT)}:{number}: {w}" for w in re.findall(r"\bW-\d+", line)
                            if w not in known]
    assert not unknown, unknown
