"""The bus's subjects and message shapes (hummingbot_conn/bus/wire.py; docs/bus.md, "Subjects", "Messages")."""
import pytest

from hummingbot_conn.bus import wire


@pytest.mark.parametrize("token", ["", "BTC.USDT", "BTC*", "BTC>", "BTC USDT", "a\tb", None, 5])
def test_a_token_that_would_change_the_subjects_meaning_is_refused(token):
    with pytest.raises(ValueError, match="subject token"):
        wire.check_token("trading pair", token)


def test_subjects_of_a_venue():
    subjects = wire.Subjects("binance")
    assert subjects.book("BTC-USDT") == "hbconn.book.binance.BTC-USDT"
    assert subjects.snapshot("BTC-USDT") == "hbconn.snap.binance.BTC-USDT"
    assert subjects.snapshots == "hbconn.snap.binance.*"
    assert subjects.heartbeat == "hbconn.feed.binance.heartbeat"
    assert subjects.pair_of_snapshot(subjects.snapshot("ETH-BTC")) == "ETH-BTC"
    assert wire.Subjects("binance", prefix="desk.a").book("X-Y") == "desk.a.book.binance.X-Y"
    with pytest.raises(ValueError):
        wire.Subjects("binance", prefix="desk..a")
    with pytest.raises(ValueError):
        wire.Subjects("bin.ance")


@pytest.mark.parametrize("payload", [b"", b"not json", b"{}", b"[]", b"[1, 2]", b'"d"'])
def test_what_is_not_a_tagged_list_is_refused(payload):
    with pytest.raises(wire.BusMessageError):
        wire.decode(payload)


@pytest.mark.parametrize("message", [["d"], ["d", 0], ["d", -3], ["d", True], ["d", 1.0], ["o", "7"]])
def test_a_sequenced_message_needs_a_sequence_number_of_one_or_more(message):
    with pytest.raises(wire.BusMessageError):
        wire.sequenced(message)


def test_a_diff_round_trips_its_doubles_exactly():
    rows = [[0.1 + 0.2, 1e-8], [123456.789012345, 3.0]]
    decoded = wire.decode(wire.encode(["d", 5, 1.5, rows, []]))
    assert wire.sequenced(decoded) == ("d", 5) and decoded[3] == rows


def test_heartbeat_keeps_integer_numbers_only():
    assert wire.heartbeat_seqs(["h", {"A-B": 3, "C-D": "x", "E-F": 4}]) == {"A-B": 3, "E-F": 4}
    with pytest.raises(wire.BusMessageError):
        wire.heartbeat_seqs(["h", [1]])
