"""Where the checkout's files are, whatever folder a test lives in (tests move by subject;
``parents[2]`` of a test file would not survive that)."""
from pathlib import Path

#: the ``tests/`` folder
TESTS = Path(__file__).resolve().parents[1]
#: the checkout's root (README.md, docs/, hummingbot_conn/)
REPO = TESTS.parent
#: per-venue payload files (``support.payloads.load``)
FIXTURES = TESTS / "fixtures"

__all__ = ["TESTS", "REPO", "FIXTURES"]
