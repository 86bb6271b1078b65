"""The Prometheus endpoint of ``hummingbot_conn.metrics``, scraped over HTTP, checked against the run it watches.

An ``OrderBookTracker`` follows the simulated exchange (real sockets, port 0);
the endpoint is served on 127.0.0.1 port 0 and parsed with
``prometheus_client.parser``.  Figures read while the market moves are checked
to lie between the tracker's own counts just before and just after the scrape;
with the market paused they must be equal; injected gaps show as exactly that
many gaps and resyncs.  Also: a scrape from another thread is handed to the
loop that owns the figures, and a loop that does not answer leaves a scrape
partial, never failed; ``hbconn book --metrics-port`` serves the same figures
from a subprocess; without ``prometheus-client`` the errors name the extra.
"""
import asyncio
import re
import subprocess
import sys
import tempfile
import threading

import aiohttp
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry
from support import until
from support.paths import REPO

from hummingbot_conn.exchanges.binance import (
    BinanceAPIOrderBookDataSource,
    BinanceEndpoints,
    binance_web_utils as web_utils,
)
from hummingbot_conn.metrics import CATALOG, collector_for, register_tracker, start_metrics_server, unregister
from hummingbot_conn.sim import SimulatedExchange
from hummingbot_conn.tracking import OrderBookTracker
from hummingbot_conn.web import ExponentialBackoff

PAIRS = {"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT"}
DOCS = REPO / "docs" / "metrics.md"


def parse(text: str) -> dict:
    """``{(sample name, frozenset(labels.items())): value}`` of an exposition text."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(samples: dict, name: str, **labels) -> float:
    return samples[(name, frozenset(labels.items()))]


async def scrape(url: str) -> dict:
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            return parse(await response.text())


@pytest.fixture
async def sim():
    async with SimulatedExchange(seed=3, traders={"rate": 40.0, "volatility": 0.0005, "seed_levels": 15}) as exchange:
        yield exchange


@pytest.fixture
async def tracked(sim):
    factory = web_utils.build_api_factory_without_time_synchronizer_pre_processor(
        web_utils.create_throttler(), ws_backoff=ExponentialBackoff(initial=0.05, maximum=0.2))
    source = BinanceAPIOrderBookDataSource(list(PAIRS), domain=BinanceEndpoints.local(sim.rest_url.split("://")[1]),
                                           api_factory=factory)
    tracker = OrderBookTracker(source, list(PAIRS))
    tracker.start()
    try:
        await tracker.wait_ready(timeout=10)
        yield tracker
    finally:
        await tracker.stop()
        await factory.close()


async def test_scraped_book_figures_match_the_tracker_and_count_injected_gaps(sim, tracked):
    registry = CollectorRegistry()
    register_tracker(tracked, "binance", registry=registry)
    btc = tracked.metrics.pairs["BTC-USDT"]
    async with await start_metrics_server(0, registry=registry) as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/metrics", server.url) and server.port > 0
        await until(lambda: btc.diffs_applied > 20, timeout=20)

        # while the market moves: each counter lies between the tracker's counts before and after the scrape
        before = btc.diffs_applied
        samples = await scrape(server.url)
        after = btc.diffs_applied
        assert before <= value(samples, "hbconn_book_diffs_applied_total", venue="binance",
                               trading_pair="BTC-USDT") <= after

        # three dropped diffs, each repaired before the next: three gaps, three resyncs, on BTC only
        for n in range(1, 4):
            sim.faults.add("drop_diff", symbol="BTCUSDT", count=1)
            await until(lambda: btc.resyncs == n and tracked.is_synced("BTC-USDT"), timeout=20)   # noqa: B023

        # the market paused and flushed: nothing changes between the scrape and the tracker's own figures
        sim.traders.pause()
        sim.streams.flush("100ms")
        target = sim.engine.books["BTCUSDT"].update_id
        await until(lambda: tracked.order_books["BTC-USDT"].last_diff_uid >= target, timeout=20)
        samples = await scrape(server.url)

    for pair in PAIRS:
        metrics = tracked.metrics.pairs[pair]
        labels = {"venue": "binance", "trading_pair": pair}
        assert value(samples, "hbconn_book_diffs_applied_total", **labels) == metrics.diffs_applied > 0
        assert value(samples, "hbconn_book_diffs_stale_total", **labels) == metrics.diffs_stale
        assert value(samples, "hbconn_book_trades_total", **labels) == metrics.trades
        assert value(samples, "hbconn_book_snapshots_applied_total", **labels) == metrics.snapshots_applied
        assert value(samples, "hbconn_book_reconnects_total", **labels) == 0
        assert value(samples, "hbconn_book_synced", **labels) == 1
        latency = metrics.latency
        assert value(samples, "hbconn_book_apply_latency_seconds_count", **labels) == latency.count
        assert value(samples, "hbconn_book_apply_latency_seconds", quantile="0.5", **labels) == latency.p50
        assert value(samples, "hbconn_book_apply_latency_seconds", quantile="0.99", **labels) == latency.p99
    assert value(samples, "hbconn_book_gaps_total", venue="binance", trading_pair="BTC-USDT") == 3
    assert value(samples, "hbconn_book_resyncs_total", venue="binance", trading_pair="BTC-USDT") == 3
    assert value(samples, "hbconn_book_gaps_total", venue="binance", trading_pair="ETH-USDT") == 0
    assert value(samples, "hbconn_book_resyncs_total", venue="binance", trading_pair="ETH-USDT") == 0
    assert value(samples, "hbconn_book_parse_errors_total", venue="binance") == 0
    assert value(samples, "hbconn_metrics_read_failures_total") == 0


async def test_a_scrape_from_another_thread_reads_on_the_owning_loop(tracked):
    # prometheus_client's own threaded server (or any WSGI app) calls collect() off the loop
    registry = CollectorRegistry()
    register_tracker(tracked, "binance", registry=registry)
    reader_threads = []
    is_synced = tracked.is_synced

    def spy(pair):
        reader_threads.append(threading.get_ident())
        return is_synced(pair)

    tracked.is_synced = spy
    samples = parse((await asyncio.to_thread(generate_latest, registry)).decode())
    # read on the loop's thread (once per pair), not the scraper's
    assert reader_threads == [threading.get_ident()] * len(PAIRS)
    assert value(samples, "hbconn_book_synced", venue="binance", trading_pair="ETH-USDT") == 1


def test_a_loop_that_does_not_answer_leaves_the_scrape_partial_not_failed():
    # a loop in another thread, held busy: the scrape gives up after read_timeout and says so in a counter
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    registry = CollectorRegistry()
    hold, held = threading.Event(), threading.Event()

    async def make_tracker():
        return OrderBookTracker(BinanceAPIOrderBookDataSource(["BTC-USDT"]), ["BTC-USDT"])

    try:
        tracker = asyncio.run_coroutine_threadsafe(make_tracker(), loop).result(10)

        async def register():
            register_tracker(tracker, "binance", registry=registry)
        asyncio.run_coroutine_threadsafe(register(), loop).result(10)
        collector_for(registry).read_timeout = 0.05
        loop.call_soon_threadsafe(lambda: (held.set(), hold.wait(30)))
        assert held.wait(10)
        samples = parse(generate_latest(registry).decode())
        assert value(samples, "hbconn_metrics_read_failures_total") == 1
        assert not any(name == "hbconn_book_unknown_pair_messages_total" for name, _ in samples)
        hold.set()
        collector_for(registry).read_timeout = 10
        samples = parse(generate_latest(registry).decode())     # the loop answers again
        assert value(samples, "hbconn_book_unknown_pair_messages_total", venue="binance") == 0
    finally:
        hold.set()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def test_one_venue_label_per_object_and_unregister(tracked):
    registry = CollectorRegistry()
    register_tracker(tracked, "binance", registry=registry)
    register_tracker(tracked, "binance", registry=registry)          # the same again: no change
    other = OrderBookTracker(tracked.data_source, ["BTC-USDT"])
    with pytest.raises(ValueError, match="'binance' is already registered.*venue="):
        register_tracker(other, "binance", registry=registry)
    with pytest.raises(ValueError, match="venue must be a non-empty str"):
        register_tracker(other, "", registry=registry)
    register_tracker(other, "binance_2", registry=registry)
    samples = parse(generate_latest(registry).decode())
    assert value(samples, "hbconn_book_synced", venue="binance", trading_pair="BTC-USDT") == 1
    assert ("hbconn_book_parse_errors_total", frozenset({("venue", "binance_2")})) in samples
    assert unregister(other, registry=registry) is True
    assert unregister(other, registry=registry) is False
    samples = parse(generate_latest(registry).decode())
    assert ("hbconn_book_parse_errors_total", frozenset({("venue", "binance_2")})) not in samples


async def test_start_metrics_server_refuses_a_bad_or_taken_port():
    with pytest.raises(ValueError, match="port must be an int in 0..65535"):
        await start_metrics_server(70000)
    async with await start_metrics_server(0, registry=CollectorRegistry()) as server:
        with pytest.raises(OSError):
            await start_metrics_server(server.port, registry=CollectorRegistry())


def test_the_docs_list_every_metric_and_no_other():
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(hbconn_\w+)", text)) - {"hbconn_metrics_read_failures_total"}
    assert documented == {spec.name for spec in CATALOG}
    for spec in CATALOG:        # each row states the kind and the labels
        row = next(line for line in text.splitlines() if line.startswith(f"| `{spec.name}`"))
        assert spec.kind in row and all(label in row for label in spec.labels), row


def hbconn(*args: str, timeout: float = 60) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hummingbot_conn", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tempfile.gettempdir())


async def test_hbconn_book_serves_its_figures_on_the_metrics_port():
    proc = hbconn("book", "BTC-USDT", "--no-ui", "--metrics-port", "0", "--duration", "60", "--interval", "0.5")
    try:
        url = None
        while url is None:
            line = await asyncio.to_thread(proc.stdout.readline)
            assert line, proc.stderr.read()
            found = re.search(r"metrics on (http://127\.0\.0\.1:\d+/metrics)", line)
            url = found.group(1) if found else None
        # the figures the plain lines print, scraped while the command runs (after the second health line)
        printed = []
        while len(printed) < 2:
            line = await asyncio.to_thread(proc.stdout.readline)
            assert line, proc.stderr.read()
            found = re.search(r"BTC-USDT: [\d.]+ diffs/s, .* gaps (\d+), resyncs (\d+), reconnects (\d+)", line)
            if found:
                printed.append(tuple(map(int, found.groups())))
        samples = await scrape(url)
        labels = {"venue": "binance", "trading_pair": "BTC-USDT"}
        assert value(samples, "hbconn_book_diffs_applied_total", **labels) > 0
        assert value(samples, "hbconn_book_synced", **labels) == 1
        assert printed[-1] == (0, 0, 0)
        assert value(samples, "hbconn_book_gaps_total", **labels) == 0
        assert value(samples, "hbconn_book_resyncs_total", **labels) == 0
        assert value(samples, "hbconn_book_reconnects_total", **labels) == 0
        assert value(samples, "hbconn_book_apply_latency_seconds", quantile="0.99", **labels) >= 0
        assert any(name == "process_cpu_seconds_total" for name, _ in samples)    # the default registry's own
    finally:
        proc.terminate()
        _, err = await asyncio.to_thread(proc.communicate, timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


_WITHOUT_PROMETHEUS = "import sys; sys.modules['prometheus_client'] = None\n"


#: the install hint every message gives: right from a clone (no wheel is published) and from an index
HINT = ("pip install '.[metrics]' from a clone of the repository "
        "(or pip install 'hummingbot-conn[metrics]' where the package comes from an index)")


def test_without_prometheus_client_the_library_imports_and_the_errors_name_the_extra():
    check = _WITHOUT_PROMETHEUS + (
        "import hummingbot_conn, hummingbot_conn.connector, hummingbot_conn.tracking, hummingbot_conn.cli.book\n"
        "try:\n    import hummingbot_conn.metrics\n"
        "except ImportError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60,
                          cwd=tempfile.gettempdir())
    assert done.returncode == 0, done.stderr
    assert HINT in done.stdout

    # each command refuses the flag before it starts anything: no simulator started, nothing printed
    cli = _WITHOUT_PROMETHEUS + "from hummingbot_conn.cli import main; sys.exit(main(sys.argv[1:]))"
    for command in (["book", "BTC-USDT"], ["demo"]):
        done = subprocess.run([sys.executable, "-c", cli, *command, "--metrics-port", "0", "--duration", "1"],
                              capture_output=True, text=True, timeout=60, cwd=tempfile.gettempdir())
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert done.stdout == "", done.stdout
        assert done.stderr.strip().splitlines() == [
            f"hbconn {command[0]}: --metrics-port needs the prometheus-client package. Install the metrics extra: "
            f"{HINT}."]


def test_the_documented_bot_serves_its_figures(tmp_path):
    # docs/metrics.md's complete example, run as written in a fresh process outside the checkout
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    script = tmp_path / "bot.py"
    script.write_text(next(b for b in blocks if "asyncio.run(main())" in b), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert 'hbconn_connector_ready{venue="binance"} 1.0' in lines
    [diffs] = [line for line in lines if line.startswith("hbconn_book_diffs_applied_total{")]
    assert re.fullmatch(r'hbconn_book_diffs_applied_total\{trading_pair="BTC-USDT",venue="binance"\} \d+\.0', diffs)


async def test_hbconn_demo_serves_its_connectors_figures_while_it_trades():
    from hummingbot_conn.cli.demo.run import run_demo

    lines, scraped = [], []

    async def scrape_when_ready():
        await until(lambda: any("connector ready" in line for line in lines), timeout=60)
        url = next(line.split()[-1] for line in lines if line.startswith("metrics on "))
        scraped.append(await scrape(url))

    task = asyncio.ensure_future(scrape_when_ready())
    status = await run_demo(duration=2.0, pairs=["BTC-USDT"], out=lines.append, metrics_port=0)
    await task
    assert status == 0, lines
    [samples] = scraped
    assert value(samples, "hbconn_connector_ready", venue="binance") == 1
    assert value(samples, "hbconn_book_synced", venue="binance", trading_pair="BTC-USDT") == 1
    assert ("hbconn_open_orders", frozenset({("venue", "binance"), ("trading_pair", "BTC-USDT")})) in samples
    assert value(samples, "hbconn_order_round_trip_seconds_count", venue="binance", action="create") >= 0
