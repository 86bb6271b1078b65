"""``hbconn demo --venue kraken`` and ``hbconn book --venue kraken`` as a user runs them (subprocesses):
KrakenExchange trades on the Kraken simulator, a dropped update and a corrupted checksum are each caught
by the book's checksum and repaired, and every book and balance ends equal to the simulator's."""
import re
import subprocess
import sys
import tempfile


def _hbconn(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hummingbot_conn", *args], capture_output=True, text=True,
                          timeout=180, cwd=tempfile.gettempdir())


def test_the_kraken_demo_repairs_a_lost_update_and_a_corrupted_checksum_and_every_check_holds():
    proc = _hbconn("demo", "--venue", "kraken", "--duration", "12", "--no-ui")
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr
    assert "through KrakenExchange" in out
    assert "the exchange drops the next BTC-USD depth diff on purpose" in out
    assert "the exchange corrupts the next BTC-USD book checksum on purpose" in out
    # each book fault: caught by the checksum, the pair resynced by subscribing it again
    assert len(re.findall(r"Book +BTC-USD out of sync \(checksum\)", out)) >= 2, out
    assert len(re.findall(r"Book +BTC-USD resynced at update \d+ \(repaired: checksum\)", out)) >= 2, out
    assert "User stream reconnected (connection 2)" in out
    summary = out[out.index("Summary after"):]
    assert re.search(r"BTC-USD +equal at update \d+: 10 bids / 10 asks", summary), summary
    assert "every book equal: yes; balances equal: yes" in summary, summary


def test_the_kraken_demo_with_no_duration_still_proves_each_book_current():
    proc = _hbconn("demo", "--venue", "kraken", "--duration", "0", "--no-ui")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "every book equal: yes; balances equal: yes" in proc.stdout


def test_hbconn_book_follows_a_kraken_book_on_the_simulator():
    proc = _hbconn("book", "--venue", "kraken", "BTC-USD", "--duration", "2", "--no-ui")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "simulated kraken exchange" in proc.stdout
    assert re.search(r"BTC-USD order book, update \d+: mid [\d,.]+, spread 0\.1", proc.stdout), proc.stdout
