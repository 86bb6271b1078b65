"""Helpers shared by the tests (importable as ``support``: pyproject's ``pythonpath = ["tests"]``).

``until``: the one polling wait (the conformance kit's, ``hummingbot_conn.testing.conformance``);
``venues``: the Binance venues as the kit's ``VenueFixture`` (connector, simulator, counterparty).
"""
from hummingbot_conn.testing.conformance import until

__all__ = ["until"]
