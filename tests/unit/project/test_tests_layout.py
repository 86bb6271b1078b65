"""The tests are sorted by subject (tests/README.md): no test file is named after an issue or a round
of work, no test cites an issue number (it says what it checks, or cites docs/ and W-numbers), and
the folders of unit and integration tests hold no loose test files."""
import re
from pathlib import Path

from support.paths import TESTS

_CAMPAIGN_NAME = re.compile(r"(findings|_round\d*|round_?\d+|issue_?\d+|_fixes?\b|_fixes_)", re.IGNORECASE)
_ISSUE_CITE = re.compile(r"\b[Ii]ssues? ?#?\d+|\(#\d+\)")


def _test_sources():
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_test_file_is_named_after_an_issue_or_a_round_of_work():
    offenders = [str(p.relative_to(TESTS)) for p in _test_sources() if _CAMPAIGN_NAME.search(p.stem)]
    assert offenders == []


def test_no_test_cites_an_issue_number():
    offenders = []
    for path in _test_sources():
        if path.resolve() == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _ISSUE_CITE.search(line):
                offenders.append(f"{path.relative_to(TESTS)}:{number}: {line.strip()[:100]}")
    assert offenders == [], "say what the test checks, or cite docs/ or a W-number:\n" + "\n".join(offenders)


def test_unit_and_integration_tests_live_in_subject_folders():
    loose = [str(p.relative_to(TESTS)) for folder in ("unit", "integration")
             for p in (TESTS / folder).glob("test_*.py")]
    assert loose == []
