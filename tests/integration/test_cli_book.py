"""``hbconn book`` as a user runs it (a subprocess): it prints live books kept by the tracker, and refuses
bad input in one sentence."""
import re
import subprocess
import sys
import tempfile

import pytest


def hbconn(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hummingbot_conn", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=tempfile.gettempdir())


def test_book_prints_ladders_in_each_pairs_precision_and_health():
    proc = hbconn("book", "BTC-USDT", "ethbtc", "--duration", "1.5", "--levels", "3", "--interval", "0.5")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout      # a pipe, not a terminal: plain lines without --no-ui
    assert "Traceback" not in proc.stderr
    # periodic top-of-book and health lines for every pair
    assert re.search(r"^BTC-USDT: bid [\d,]+\.\d{2} x \d+\.\d{5} \| ask [\d,]+\.\d{2} x", out, re.M), out
    assert re.search(r"^ETH-BTC: bid 0\.\d{5} x \d+\.\d{3} \| ask 0\.\d{5} x", out, re.M), out
    assert re.search(r"BTC-USDT: [\d.]+ diffs/s, apply latency p50 [\d.]+ ms p99 [\d.]+ ms, gaps 0", out), out
    # on exit, each ladder: a header and three levels, prices at each pair's tick
    for pair, price in (("BTC-USDT", r"[\d,]+\.\d{2}"), ("ETH-BTC", r"0\.\d{5}")):
        block = out[out.index(f"{pair} order book, update "):]
        rows = block.splitlines()[2:5]
        assert len(rows) == 3, block
        for row in rows:
            assert re.fullmatch(rf"\s*[\d.]+ {price} \| {price} [\d.]+", row), row


@pytest.mark.parametrize("args, status, words", [
    (["book", "DOGEUSDT", "--duration", "1"], 2, ["unknown pair DOGEUSDT", "BTC-USDT, ETH-BTC, ETH-USDT"]),
    (["book", "BTC-USDT", "--rest-url", "http://127.0.0.1:9"], 2, ["--rest-url and --stream-url go together"]),
    (["book", "BTC-USDT", "--rest-url", "nope", "--stream-url", "ws://x"], 2, ["'nope' is not a URL"]),
    (["book", "BTC-USDT", "--levels", "0"], 2, ["--levels must be 1 or more"]),
    # port 9 (discard) is not served here: the connection is refused
    (["book", "BTC-USDT", "--rest-url", "http://127.0.0.1:9", "--stream-url", "ws://127.0.0.1:9"], 1,
     ["Cannot reach the exchange", "Check the URL"]),
])
def test_book_refuses_bad_input_in_one_sentence(args, status, words):
    proc = hbconn(*args)
    assert proc.returncode == status, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for word in words:
        assert word in proc.stderr


def test_book_watches_any_venue_from_the_urls_a_user_pastes():
    # `hbconn sim` in its own process stands for a remote venue; its printed URLs are pasted as they are
    sim = subprocess.Popen([sys.executable, "-m", "hummingbot_conn", "sim", "--symbols", "ETHBTC"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tempfile.gettempdir())
    try:
        urls = {}
        while "market streams" not in urls:
            line = sim.stdout.readline()
            assert line, sim.stderr.read()
            name, _, value = line.partition(":")
            urls[name.strip()] = value.strip()
        rest = urls["REST"]                                  # http://127.0.0.1:PORT/api/v3
        stream = urls["market streams"].split()[0]           # ws://127.0.0.1:PORT/ws/<stream>
        proc = hbconn("book", "ETHBTC", "--rest-url", rest, "--stream-url", stream, "--duration", "1",
                      "--levels", "2")
    finally:
        sim.terminate()
        sim.communicate(timeout=20)
    assert proc.returncode == 0, proc.stderr
    assert "simulated exchange" not in proc.stdout          # the venue given, not an in-process one
    assert re.search(r"^ETH-BTC order book, update \d+: mid 0\.\d{6}, spread 0\.\d{5}$", proc.stdout, re.M), \
        proc.stdout
