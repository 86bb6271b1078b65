"""`hbconn demo` end to end: simulator, book sync with an injected gap, a signed order."""
from hummingbot_conn.cli import main as cli_main
from hummingbot_conn.demo import run_demo


async def test_demo_syncs_book_catches_gap_and_reports_order():
    lines = []
    status = await run_demo(seconds=1.0, seed=3, rate=40.0, out=lines.append)
    text = "\n".join(lines)
    assert status == 0, text
    assert "local book equals the exchange's book: yes" in text
    assert "gaps caught and resynced: 1" in text
    assert "placed BUY 0.01 BTCUSDT" in text
    assert "execution report: NEW" in text


def test_cli_lists_demo(capsys):
    assert cli_main(["--help"]) == 0
    assert "demo" in capsys.readouterr().out
