"""Helpers shared by the tests (importable as ``support``: pyproject's ``pythonpath = ["tests"]``).

``until``: the one polling wait (the conformance kit's, ``hummingbot_conn.testing.conformance``;
``polling.holds_within`` for a bool); ``paths``: the checkout's folders; ``sockets``: fake sockets
for sources driven without a network; ``spot`` / ``perpetual``: a Binance connector on its simulator,
the counterparty and the event-logging session; ``payloads``: per-venue payload files under
tests/fixtures; ``venues``: the Binance venues as the kit's ``VenueFixture``.
"""
from hummingbot_conn.testing.conformance import until

__all__ = ["until"]
