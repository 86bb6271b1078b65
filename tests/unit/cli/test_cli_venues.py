"""The venue registry of the ``hbconn`` commands (``hummingbot_conn/cli/venues.py``).

Each command takes ``--venue`` from the one registry; the registry says which
commands take each venue and holds what each of those commands needs. ``hbconn
sim`` keeps its own table (the simulator imports nothing of ours outside
``sim``): both must name the same venues.
"""
import inspect

import pytest

from hummingbot_conn.cli.venues import COMMANDS, VENUES, venue_named, venues_for
from hummingbot_conn.sim import __main__ as sim_main


def test_names_are_hummingbots_connector_names_and_commands_are_known():
    assert list(VENUES) == ["binance", "binance_perpetual", "kraken"]
    for name, venue in VENUES.items():
        assert venue.name == name
        assert venue.commands and set(venue.commands) <= set(COMMANDS), venue.commands
        assert "book" in venue.commands and "sim" in venue.commands


def test_every_venue_the_demo_takes_has_a_connector_and_the_rest_are_refused():
    assert venues_for("demo") == ["binance", "kraken"]
    for venue in VENUES.values():
        assert ("demo" in venue.commands) == (venue.connector is not None), venue.name


def test_hbconn_sim_names_the_same_venues_as_the_registry():
    assert list(sim_main.VENUES) == venues_for("sim")
    assert list(sim_main.DEFAULT_BALANCES) == venues_for("sim")


@pytest.mark.parametrize("name", list(VENUES))
def test_each_venue_names_its_simulator_and_the_pairs_it_lists(name):
    venue = VENUES[name]
    cls = venue.simulator_class()
    assert {"seed", "symbols", "traders"} <= set(inspect.signature(cls).parameters)
    pairs = venue.pairs()
    expected = {"binance": ("BTC-USDT", "BTCUSDT"), "binance_perpetual": ("BTC-USDT", "BTCUSDT"),
                "kraken": ("BTC-USD", "BTC/USD")}[name]
    assert pairs[expected[0]] == expected[1]
    assert len(pairs) == len(venue.simulator_symbols())
    endpoints = venue.local("127.0.0.1:8080")
    assert venue.rest_url(endpoints).startswith("http://127.0.0.1:8080/")
    assert venue.depth_stream_url(endpoints).startswith("ws://127.0.0.1:8080")


@pytest.mark.parametrize("text", ["binance_perpetual", "Binance-Perpetual", " binance_perpetual "])
def test_a_venue_is_read_as_hummingbot_spells_it_or_with_a_dash(text):
    assert venue_named(text, "book") is VENUES["binance_perpetual"]


@pytest.mark.parametrize("text, command, sentence", [
    ("okx", "book", "unknown venue 'okx'; choose binance, binance_perpetual or kraken"),
    ("okx", "demo", "unknown venue 'okx'; choose binance or kraken"),
    ("binance_perpetual", "demo", "hbconn demo takes binance or kraken only; binance_perpetual (Binance USDⓈ-M "
                                  "perpetuals) works with hbconn book, hbconn sim and hbconn feed"),
])
def test_a_venue_a_command_does_not_take_is_refused_naming_those_it_takes(text, command, sentence):
    with pytest.raises(ValueError) as err:
        venue_named(text, command)
    assert str(err.value) == sentence


async def test_the_demo_refuses_a_venue_without_a_connector_when_called_directly():
    from hummingbot_conn.cli.demo.run import run_demo
    from hummingbot_conn.cli.edge import CommandError

    with pytest.raises(CommandError, match="hbconn demo takes binance or kraken only, not binance_perpetual"):
        await run_demo(duration=0, venue=VENUES["binance_perpetual"])
