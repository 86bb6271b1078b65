"""``hbconn feed``'s next step when no NATS server answers names the server the user asked for.

It always suggested ``nats-server -a 127.0.0.1 -p 4222``, whatever ``--nats`` said.
"""
import pytest

from hummingbot_conn.cli.feed import no_server_hint


@pytest.mark.parametrize("url, command", [
    ("nats://127.0.0.1:4222", "nats-server -a 127.0.0.1 -p 4222"),
    ("nats://127.0.0.1:4999", "nats-server -a 127.0.0.1 -p 4999"),
    ("nats://localhost:5000", "nats-server -a localhost -p 5000"),
    ("nats://127.0.0.1", "nats-server -a 127.0.0.1 -p 4222"),
])
def test_a_local_url_gets_the_command_that_starts_its_server(url, command):
    hint = no_server_hint(url)
    assert f"Start one ({command}, from the nats extra)" in hint and "--nats" in hint


def test_a_remote_url_gets_a_check_not_a_local_command():
    hint = no_server_hint("nats://bus.example.com:4333")
    assert "nats-server -a" not in hint and "bus.example.com:4333" in hint


def test_a_url_whose_port_is_not_a_number_is_the_thing_to_fix():
    assert no_server_hint("nats://127.0.0.1:abc").startswith("Fix --nats")
