"""The kit run as a connector author outside this repository runs it (docs/conformance.md): a pytest
run in an empty directory, no conftest and no configuration of ours (pytest-asyncio in its default
strict mode), with a fixture module of their own pointing at their simulator (here: a copy of
tests/support/venues.py and the spot simulator). A venue that lies about its state fails the kit."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import support.venues

OUTSIDER_TESTS = '''
import pytest_asyncio

from binance_venues import BinanceSpotVenue
from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.testing.conformance import ConformanceSuite


class TestOutsiderVenue(ConformanceSuite):
    @pytest_asyncio.fixture
    async def venue(self):
        async with SimulatedExchange(seed=1) as sim:
            yield BinanceSpotVenue(sim)


class LyingVenue(BinanceSpotVenue):
    def venue_open_orders(self):
        return []          # says the venue holds nothing, whatever it holds


class TestLyingVenue(ConformanceSuite):
    @pytest_asyncio.fixture
    async def venue(self):
        async with SimulatedExchange(seed=1) as sim:
            yield LyingVenue(sim)
'''


def test_an_outside_project_runs_the_kit_against_its_own_fixture_module(tmp_path: Path):
    shutil.copy(support.venues.__file__, tmp_path / "binance_venues.py")
    (tmp_path / "test_my_venue.py").write_text(OUTSIDER_TESTS)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    pytest_script = Path(sys.executable).with_name("pytest")
    run = subprocess.run([str(pytest_script), "-p", "no:cacheprovider", "-p", "no:randomly", "-rA", "-q",
                          "-k", "cancelled_order or refused_locally", "test_my_venue.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    passed = [line for line in out.splitlines() if line.startswith("PASSED")]
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    # the honest venue passes every selected check; the lying one fails the check that reads its orders
    assert sum("TestOutsiderVenue" in line for line in passed) == 5, out
    assert not any("TestOutsiderVenue" in line for line in failed), out
    assert [line.split(" ")[1].split("::")[-1] for line in failed if "TestLyingVenue" in line] == \
        ["test_a_cancelled_order_gets_exactly_one_cancelled_event"], out
    assert run.returncode == 1, out
    # the failure report shows the operands (the kit's asserts are rewritten by pytest)
    assert "AssertionError: assert [] == ['" in out, out
