"""Fixtures of the bus tests: a real nats-server (tests/support/nats_server.py), the simulator, a feed."""
import pytest
from support.nats_server import NatsServer


@pytest.fixture
def nats_server():
    with NatsServer() as server:
        yield server
