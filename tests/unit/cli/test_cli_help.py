"""Every ``hbconn`` command's ``--help`` reads as text a user types: no object reprs.

A default that is an object (a venue from cli/venues.py) showed as its dataclass repr,
thirty lines of lambdas and addresses, in ``hbconn record --help``.
"""
import re

import pytest

from hummingbot_conn.cli import SUBCOMMANDS, main

REPR = re.compile(r" at 0x[0-9a-f]+|<(function|bound method|class) |\w+\(name=")


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_help_shows_no_object_repr(command, capsys):
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: hbconn {command}"), text[:200]
    assert not REPR.search(text), REPR.search(text)


@pytest.mark.parametrize("command", ["book", "demo", "feed", "record"])
def test_the_default_venue_is_shown_by_its_name(command, capsys):
    assert main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    shown = r"--venue VENUE the market, by hummingbot's connector name: [^()]*\(default: binance\)"
    assert re.search(shown, text), text


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_choices_read_as_a_sentence(command, capsys):
    # three venues read "binance, binance_perpetual or kraken", never "binance or binance_perpetual or kraken"
    assert main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert not re.search(r"\b\w+ or \w+ or \w+\b", text), re.search(r"\b\w+ or \w+ or \w+\b", text)
