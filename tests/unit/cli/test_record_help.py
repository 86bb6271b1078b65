"""``hbconn record --help`` names its default venue, not the repr of an internal object."""
import pytest

from hummingbot_conn.cli import record


def test_record_help_names_the_default_venue(capsys):
    with pytest.raises(SystemExit):
        record.main(["--help"])
    out = capsys.readouterr().out
    assert "Venue(" not in out and "<function" not in out
    assert "(default: binance)" in " ".join(out.split())
