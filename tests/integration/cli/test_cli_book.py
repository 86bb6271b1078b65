"""``hbconn book`` as a user runs it (a subprocess): it prints live books kept by the tracker, and refuses
bad input in one sentence."""
import contextlib
import io
import re
import subprocess
import sys
import tempfile

import pytest
from rich.console import Console


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
    # port 9 (discard) is not served here: the connection is refused. REST is asked first, and named
    (["book", "BTC-USDT", "--rest-url", "http://127.0.0.1:9", "--stream-url", "ws://127.0.0.1:9"], 1,
     ["the REST API failed: http://127.0.0.1:9/api/v3/exchangeInfo: cannot connect", "Check --rest-url"]),
    (["book", "BTC-USDT", "--venue", "binance_perpetual", "--rest-url", "http://127.0.0.1:9/fapi/v1",
      "--stream-url", "ws://127.0.0.1:9"], 1,
     ["the REST API failed: http://127.0.0.1:9/fapi/v1/exchangeInfo", "e.g. https://fapi.binance.com"]),
    (["book", "BTC-USDT", "--venue", "okx"], 2, ["unknown venue 'okx'; choose binance, binance_perpetual or kraken"]),
])
def test_book_refuses_bad_input_in_one_sentence(args, status, words):
    proc = hbconn(*args)
    assert proc.returncode == status, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for word in words:
        assert word in proc.stderr


@contextlib.contextmanager
def remote_sim(*args: str):
    """`hbconn sim` in its own process stands for a remote venue: yields its printed lines by name."""
    sim = subprocess.Popen([sys.executable, "-m", "hummingbot_conn", "sim", *args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tempfile.gettempdir())
    try:
        urls = {}
        while "Ctrl+C to stop." not in urls:
            line = sim.stdout.readline()
            assert line, sim.stderr.read()
            name, _, value = line.partition(":")
            urls[name.strip()] = value.strip()
        yield urls
    finally:
        sim.terminate()
        sim.communicate(timeout=20)


@pytest.mark.parametrize("stream, reason", [
    ("ws://127.0.0.1:9", "ws://127.0.0.1:9/ws: connection refused"),
    # an HTTP server that is no stream host: the venue's own REST base with a wrong path
    ("{rest}/nothing", "/nothing/ws: not a WebSocket endpoint (HTTP 404)"),
])
def test_book_with_a_dead_stream_url_names_the_stream_not_the_pair(stream, reason):
    with remote_sim("--symbols", "BTCUSDT", "--traders-rate", "0") as urls:
        rest = urls["REST"].removesuffix("/api/v3")
        proc = hbconn("book", "BTC-USDT", "--rest-url", urls["REST"], "--stream-url", stream.format(rest=rest),
                      "--duration", "1", "--sync-timeout", "20")
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr      # one sentence, no log records
    assert f"hbconn book: the market stream failed: {stream.format(rest=rest)}" in proc.stderr, proc.stderr
    assert reason in proc.stderr and "Check --stream-url" in proc.stderr and "(the REST API answered)" in proc.stderr
    assert "refused BTC-USDT" not in proc.stderr and "Check the pair" not in proc.stderr


def test_book_watches_futures_books_of_its_own_simulator():
    proc = hbconn("book", "--venue", "binance_perpetual", "BTC-USDT", "ethusdt", "--duration", "2", "--levels", "3",
                  "--interval", "0.5")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"^simulated binance_perpetual exchange on http://127\.0\.0\.1:\d+ \(depth stream "
                     r"ws://127\.0\.0\.1:\d+/public/ws\)$", out, re.M), out
    # the futures ticks: 0.1 on BTCUSDT, 0.01 on ETHUSDT; background traders make the diffs flow
    for pair, price in (("BTC-USDT", r"[\d,]+\.\d"), ("ETH-USDT", r"[\d,]+\.\d{2}")):
        assert re.search(rf"^{pair}: bid {price} x \d+\.\d{{3}} \| ask {price} x", out, re.M), out
        block = out[out.index(f"{pair} order book, update "):]
        for row in block.splitlines()[2:5]:
            assert re.fullmatch(rf"\s*[\d.]+ {price} \| {price} [\d.]+", row), row
    rates = [float(r) for r in re.findall(r"BTC-USDT: ([\d.]+) diffs/s", out)]
    assert rates and max(rates) > 0, out


def test_book_watches_a_futures_venue_from_the_urls_a_user_pastes():
    with remote_sim("--venue", "binance_perpetual", "--symbols", "ETHUSDT") as urls:
        rest = urls["REST"]                                  # http://127.0.0.1:PORT/fapi/v1
        stream = urls["market streams"].split()[0]           # ws://127.0.0.1:PORT/public/ws/<stream>
        proc = hbconn("book", "--venue", "binance_perpetual", "ETH-USDT", "--rest-url", rest, "--stream-url", stream,
                      "--duration", "1", "--levels", "2")
    assert proc.returncode == 0, proc.stderr
    assert "simulated" not in proc.stdout
    assert re.search(r"^ETH-USDT order book, update \d+: mid [\d,]+\.\d{3}, spread 0\.\d{2}$", proc.stdout, re.M), \
        proc.stdout


def test_book_watches_any_venue_from_the_urls_a_user_pastes():
    with remote_sim("--symbols", "ETHBTC") as urls:
        rest = urls["REST"]                                  # http://127.0.0.1:PORT/api/v3
        stream = urls["market streams"].split()[0]           # ws://127.0.0.1:PORT/ws/<stream>
        proc = hbconn("book", "ETHBTC", "--rest-url", rest, "--stream-url", stream, "--duration", "1",
                      "--levels", "2")
    assert proc.returncode == 0, proc.stderr
    assert "simulated" not in proc.stdout          # the venue given, not an in-process one
    assert re.search(r"^ETH-BTC order book, update \d+: mid 0\.\d{6}, spread 0\.\d{5}$", proc.stdout, re.M), \
        proc.stdout


@pytest.mark.parametrize("width, height", [(80, 24), (120, 40)])
async def test_the_lines_printed_above_the_live_view_keep_their_rows_and_the_view_fits_below(width, height,
                                                                                            monkeypatch):
    # the simulator's line (wider than 80 columns) and the metrics URL are printed before the live view: each
    # is cut to one row and every frame is laid out for the rows left, so nothing scrolls off a 24-line terminal
    from hummingbot_conn.cli import book, book_screen
    from hummingbot_conn.cli.venues import VENUES

    frames = []

    def recording_render(tops, formats, health, levels, w, h):
        text = book_screen.join(book_screen.screen(tops, formats, health, levels, w, h), w)
        buf = io.StringIO()
        Console(file=buf, width=w, height=h, color_system=None).print(text)
        frames.append(buf.getvalue().rstrip("\n").split("\n"))
        return text

    monkeypatch.setattr(book_screen, "render", recording_render)
    said = []
    tell = book.LinesAbove(width, said.append)
    venue = VENUES["binance"]
    async with venue.simulator(7, book.TRADERS) as sim:
        endpoints = venue.endpoints_of(sim)
        tell(f"simulated {venue.name} exchange on {sim.rest_url} (depth stream {venue.depth_stream_url(endpoints)})")
        console = Console(file=io.StringIO(), width=width, height=height, force_terminal=True)
        status = await book.watch(venue, endpoints, ["BTC-USDT", "ETH-BTC"], levels=10, duration=1.5, ui=True,
                                  interval=1.0, sync_timeout=30, out=tell, metrics_port=0, console=console)
    assert status == 0 and len(frames) > 2
    assert [line.split(" ", 1)[0] for line in said] == ["simulated", "metrics"], said
    assert max(map(len, said)) <= width, said
    assert width > 100 or said[0].endswith("…"), said
    for lines in frames:
        assert len(said) + len(lines) < height and max(map(len, lines)) <= width, lines
        text = "\n".join(lines)
        assert "BTC-USDT mid" in text and "ETH-BTC mid" in text and "Ctrl+C to stop" in text, text
