"""Test kits shipped with the package for connector authors (``testing/conformance``: the checks a
venue's connector inherits). Nothing here is imported by the library; it needs the test extra
(pytest, pytest-asyncio)."""
