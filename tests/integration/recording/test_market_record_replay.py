"""Market data recorded from the simulator through the connector, replayed on virtual time: the replayed
books equal the live connector's; a truncated file replays what it holds; a missing request stops it."""
import asyncio
import re
import subprocess
import sys

import orjson
import zstandard

from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.recording import Recorder, end_state, endpoints_options, replay_file
from hummingbot_conn.sim import SimulatedExchange, default_symbols

PAIRS = ["BTC-USDT", "ETH-BTC"]


async def _record(path: str, seconds: float = 2.0) -> dict:
    specs = [s for s in default_symbols() if f"{s.base_asset}-{s.quote_asset}" in PAIRS]
    async with SimulatedExchange(seed=5, symbols=specs, traders={"rate": 40, "seed_levels": 20}) as sim:
        endpoints = BinanceEndpoints.local(sim.rest_url.split("://", 1)[1])
        recorder = Recorder(path, "binance", PAIRS, {"endpoints": endpoints_options(endpoints),
                                                     "trading_required": False})
        with recorder.capture():
            connector = BinanceExchange("", "", trading_pairs=PAIRS, trading_required=False, domain=endpoints)
        await connector.start_network()
        await connector.wait_ready(30)
        await asyncio.sleep(seconds)
        sim.traders.pause()
        # quiet market: every diff sent has been applied once the books stop moving
        await asyncio.sleep(0.5)
        live = end_state(connector)
        await connector.stop_network()
        stats = await recorder.aclose()
    assert stats["lost"] == 0 and stats["records"] > 20
    return live


def _lines(path: str) -> list:
    raw = zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), read_across_frames=True).read()
    return raw.splitlines()


def _write(path: str, lines: list) -> None:
    with open(path, "wb") as f:
        f.write(zstandard.ZstdCompressor().compress(b"\n".join(lines) + b"\n"))


async def test_replayed_books_equal_the_live_connectors_and_the_replay_is_repeatable(tmp_path):
    path = str(tmp_path / "m.hbrec.zst")
    live = await _record(path)
    first = await asyncio.to_thread(replay_file, path)
    second = await asyncio.to_thread(replay_file, path)
    assert first.reached_end and first.miss is None and first.truncated == ""
    assert first.state["books"] == live["books"]
    assert all(book["bids"] and book["asks"] for book in live["books"].values())
    assert first.digest == second.digest
    assert first.frames > 20 and all(h["diffs_applied"] > 0 for h in first.health.values())


async def test_a_truncated_recording_replays_what_it_holds_and_says_where_it_ended(tmp_path):
    path = str(tmp_path / "m.hbrec.zst")
    await _record(path, seconds=2.0)
    lines = _lines(path)
    cut = str(tmp_path / "cut.hbrec.zst")
    raw = open(path, "rb").read()
    with open(cut, "wb") as f:
        # the file as a killed recorder leaves it: its end record and tail are gone
        f.write(raw[: len(raw) * 7 // 10])
    result = await asyncio.to_thread(replay_file, cut)
    assert result.truncated.startswith(f"{cut}: ") and "replayed the" in result.truncated
    assert result.records < len(lines) - 1 and result.frames > 0
    proc = subprocess.run([sys.executable, "-m", "hummingbot_conn", "replay", cut], capture_output=True, text=True,
                          timeout=300)
    out = proc.stdout.strip().splitlines()
    assert proc.returncode == 1 and out[-1].startswith("digest: ") and len(out[-1]) == len("digest: ") + 64
    assert out[-2] == result.truncated


async def test_a_request_the_recording_does_not_hold_stops_the_replay_with_a_precise_sentence(tmp_path):
    path = str(tmp_path / "m.hbrec.zst")
    await _record(path, seconds=1.0)
    lines = _lines(path)
    # take out the depth snapshot the connector asks for: a replay must not invent it
    drop = {orjson.loads(line)["c"] for line in lines[1:]
            if orjson.loads(line)["k"] == "req" and "/depth" in orjson.loads(line)["u"]
            and "BTCUSDT" in orjson.loads(line)["u"]}
    kept = [lines[0]] + [line for line in lines[1:] if orjson.loads(line).get("c") not in drop
                         or orjson.loads(line)["k"] not in ("req", "resp")]
    broken = str(tmp_path / "missing.hbrec.zst")
    _write(broken, kept)
    result = await asyncio.to_thread(replay_file, broken)
    assert not result.reached_end
    assert result.miss is not None and "/api/v3/depth" in result.miss and "symbol=BTCUSDT" in result.miss
    assert "the recording does not hold that request" in result.miss
    proc = subprocess.run([sys.executable, "-m", "hummingbot_conn", "replay", broken], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 1 and f"stopped: {result.miss}." in proc.stdout
    assert proc.stdout.strip().splitlines()[-1].startswith("digest: ")


def test_foreign_files_get_one_sentence_from_the_command(tmp_path):
    foreign = tmp_path / "notes.txt"
    foreign.write_text("hello\n")
    proc = subprocess.run([sys.executable, "-m", "hummingbot_conn", "replay", str(foreign)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip() == f"hbconn replay: {foreign} is not an hbconn recording (the file is not " \
                                  "zstd-compressed)."


def test_the_record_command_records_the_simulator_and_the_replay_command_replays_it(tmp_path):
    path = str(tmp_path / "cli.hbrec.zst")
    proc = subprocess.run([sys.executable, "-m", "hummingbot_conn", "record", "--venue", "binance", "--pairs",
                           "BTC-USDT,ETH-BTC", "--duration", "2", "-o", path], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "no --rest-url: recording the embedded simulated binance exchange" in proc.stdout
    assert re.search(r"recorded \d+ records on \d+ connections in [\d.]+ s to .*; lost 0$", proc.stdout, re.M)
    runs = [subprocess.run([sys.executable, "-m", "hummingbot_conn", "replay", path], capture_output=True,
                           text=True, timeout=300) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stdout[-2000:] + runs[0].stderr[-2000:]
    lasts = [r.stdout.strip().splitlines()[-1] for r in runs]
    assert lasts[0] == lasts[1] and re.fullmatch(r"digest: [0-9a-f]{64}", lasts[0])
    assert re.search(r"book BTC-USDT: \d+ diffs applied", runs[0].stdout)


def test_the_record_command_refuses_a_stream_url_alone(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hummingbot_conn", "record", "--stream-url", "wss://x.test",
                           "-o", str(tmp_path / "f")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.strip() == \
        "hbconn record: --stream-url needs --rest-url. Pass both, or neither for the simulator."
