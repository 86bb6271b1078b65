"""The conformance kit: the behaviour every connector on this framework owes its users, as checks a
venue inherits (docs/conformance.md).

A venue supplies one :class:`VenueFixture` (its connector, its simulator, a counterparty, fault
injection by kind name, and a view of the venue's own state) through a pytest fixture named
``venue`` on a subclass of :class:`ConformanceSuite`; every check of the suite then runs against it::

    class TestMyVenue(ConformanceSuite):
        @pytest.fixture
        async def venue(self):
            async with MyVenueFixture() as fixture:
                yield fixture

The kit never imports a simulator (the library may not: tests/unit/project/test_import_graph.py); the
fixture module, which lives with the venue's tests, does.
"""
import pytest

# the checks' asserts show their operands in a failure report (pytest rewrites only test modules
# and the modules registered here, before they are imported)
pytest.register_assert_rewrite("hummingbot_conn.testing.conformance.suite",
                               "hummingbot_conn.testing.conformance.hostile",
                               "hummingbot_conn.testing.conformance.ported")

from .session import Session, until  # noqa: E402
from .suite import ConformanceSuite  # noqa: E402
from .venue import FAULT_KINDS, OPERATIONS, OPTIONAL_MEMBERS, STREAMS, VenueFixture, VenueFixtureDefaults  # noqa: E402

__all__ = ["ConformanceSuite", "VenueFixture", "VenueFixtureDefaults", "Session", "until", "FAULT_KINDS",
           "OPERATIONS", "STREAMS", "OPTIONAL_MEMBERS"]
