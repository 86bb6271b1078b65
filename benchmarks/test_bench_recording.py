"""Recording and replay (docs/recording.md): what capture costs on the frame path, how fast a replay goes.

1. Capture overhead per frame, as wall time of the frames on the event loop and as CPU time of
   the process (the writer's thread included: each round waits until the thread has written
   its frames).  A raw Binance ``depthUpdate`` text frame (10 + 10 rows) taken from a
   connection and handed to the Binance data source's ``_process_frame`` (C parse ->
   ``OrderBookTracker`` -> ``OrderBook.apply_diffs``), as the default reader does, once from a
   plain connection and once from a ``RecordingWSConnection`` wrapping it (its compiled tap queues
   a tuple; the writer's thread encodes and compresses it to a real file).  In-process, both
   connections hand over prepared frames (the socket is not timed); over a socket, the frames
   come from a server in another process over loopback through aiohttp.  Rounds alternate in a
   shuffled order, each after the same pause (a round after a drain of the writer would otherwise
   start colder than one after a plain round); the overhead is judged on the medians (target:
   under 10 % of the frame's cost).
2. Replay speed: a recording of the simulator's market (REST snapshot, subscriptions) extended
   by ``REPLAY_FRAMES`` depth diffs 10 ms apart, replayed by ``replay_file`` through the full
   connector and tracker on virtual time; frames per second of wall time, start-up included.
"""
from __future__ import annotations

import asyncio
import random
import statistics
import time

import orjson

from hummingbot_conn.cli.event_loop import new_event_loop
from hummingbot_conn.exchanges.binance import BinanceAPIOrderBookDataSource, BinanceOrderBook
from hummingbot_conn.recording import Recorder, replay_file
from hummingbot_conn.recording.capture import RecordingWSConnection
from hummingbot_conn.recording.file_format import RecordingReader
from hummingbot_conn.recording.writer import RecordingWriter
from hummingbot_conn.tracking import OrderBookTracker
from hummingbot_conn.web.connections import WSConnection
from hummingbot_conn.web.data_types import WSResponse

SEED = 19
FRAMES = 200
PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
MID, TICK, DEPTH = 30000.0, 0.01, 1000
REPLAY_FRAMES = 20_000


def _rows(rng: random.Random, is_bid: bool) -> str:
    rows = []
    for _ in range(10):
        offset = min(int(rng.expovariate(1 / 7)), DEPTH)
        price = MID - TICK * (offset + 1) if is_bid else MID + TICK * offset
        amount = "0.00000000" if rng.random() < 0.25 else f"{rng.uniform(0.001, 5):.5f}"
        rows.append([f"{price:.2f}", amount])
    return orjson.dumps(rows).decode()


def _frames(first_id: int, count: int, rng: random.Random) -> list:
    out = []
    for i in range(count):
        out.append(f'{{"e":"depthUpdate","E":1764400000000,"s":"{SYMBOL}","U":{first_id + i},"u":{first_id + i},'
                   f'"b":{_rows(rng, True)},"a":{_rows(rng, False)}}}')
    return out


def _figures(what: str, wall: dict, cpu: dict, rounds: str) -> dict:
    out = {}
    for label, data in (("on the event loop (wall time of the frames)", wall),
                        ("CPU of the process, writer thread included", cpu)):
        plain, captured = (statistics.median(data[k]) * 1e6 for k in ("plain", "captured"))
        out[f"{what}, {label}"] = (f"plain {plain:.2f} us, captured {captured:.2f} us: overhead "
                                   f"{(captured - plain) / plain * 100:.1f} % (target < 10 %; medians of {rounds})")
    return out


async def _drained(recorder) -> None:
    """Until the writer's thread has encoded, compressed and written every queued record (a blocking
    sleep: it costs this process no CPU, so the CPU time counted is the thread's and ours)."""
    writer = recorder.writer
    writer._wake.set()
    while writer.queue or writer.busy:      # in this order: a batch is taken only while busy is set
        time.sleep(0.0002)
    time.sleep(0.001)       # every round then starts after the same pause, whichever side ran before it


class _Prepared(WSConnection):
    """A connection whose next frame is already there (the socket is not what is timed); its frame
    tap is called as ``WSConnection.receive`` calls it."""

    def __init__(self) -> None:
        super().__init__(None)      # no session: nothing here touches the network
        self.next: WSResponse = WSResponse("")
        self._connected = True

    async def receive(self):
        if self.frame_tap is not None:
            self.frame_tap(self.next.received_at, self.next.data)
        return self.next


class _IdleSocket:
    reconnect_count = 0
    on_reconnected = None

    async def receive(self):
        await asyncio.Event().wait()

    async def disconnect(self):
        return None


class _OfflineSource(BinanceAPIOrderBookDataSource):
    async def _order_book_snapshot(self, trading_pair):
        rng = random.Random(SEED)
        bids = [[f"{MID - TICK * (i + 1):.2f}", f"{rng.uniform(0.001, 5):.5f}"] for i in range(DEPTH)]
        asks = [[f"{MID + TICK * i:.2f}", f"{rng.uniform(0.001, 5):.5f}"] for i in range(DEPTH)]
        return BinanceOrderBook.snapshot_message_from_exchange({"lastUpdateId": 1, "bids": bids, "asks": asks},
                                                               0.0, {"trading_pair": trading_pair})

    async def _connected_websocket_assistant(self):
        return _IdleSocket()

    async def _subscribe_channels(self, ws, trading_pairs):
        return None


def test_capture_overhead_on_the_frame_path(benchmark, tmp_path):
    rounds = 5 if benchmark.disabled else 300
    loop = new_event_loop()
    source = _OfflineSource([PAIR], symbol_map={SYMBOL: PAIR}, fast_parser=True)
    tracker = OrderBookTracker(source, [PAIR], snapshot_interval=None)
    recorder = Recorder(str(tmp_path / "bench.hbrec.zst"), "binance", [PAIR])
    plain, inner = _Prepared(), _Prepared()
    captured = RecordingWSConnection(inner, recorder)
    process, clock = source._process_frame, time.monotonic
    rng = random.Random(SEED + 1)
    next_id = [2]
    timings = {"plain": [], "captured": []}         # wall time of the frames on the loop
    cpu = {"plain": [], "captured": []}             # CPU of the process, the writer's thread included

    async def one_round(name, conn, feed):
        frames = _frames(next_id[0], FRAMES, rng)
        next_id[0] += FRAMES
        began_cpu, began = time.process_time(), time.perf_counter()
        for text in frames:
            feed.next = WSResponse(text, clock())
            response = await conn.receive()
            process(response.data, response.received_at, None)
        timings[name].append((time.perf_counter() - began) / FRAMES)
        await _drained(recorder)        # the writer's work for these frames is theirs (not the next round's)
        cpu[name].append((time.process_time() - began_cpu) / FRAMES)

    async def main():
        tracker.start()
        await tracker.wait_ready(timeout=10)
        order = random.Random(SEED)
        for _ in range(rounds):
            sides = [("plain", plain, plain), ("captured", captured, inner)]
            order.shuffle(sides)
            for name, conn, feed in sides:
                await one_round(name, conn, feed)
        await tracker.stop()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    stats = recorder.close()
    metrics = tracker.metrics.pairs[PAIR]
    assert metrics.diffs_applied == 2 * rounds * FRAMES and metrics.gaps == 0
    assert stats["lost"] == 0 and stats["written"] == rounds * FRAMES
    with RecordingReader(recorder.path) as reader:
        assert sum(1 for _ in reader.records()) == rounds * FRAMES and reader.complete
    benchmark.group = "recording: capture overhead per depthUpdate frame (10+10 levels)"
    benchmark.extra_info["impl"] = "hbconn"
    benchmark.extra_info["figures"] = _figures("frame path", timings, cpu, f"{rounds} rounds of {FRAMES} frames")
    print(benchmark.extra_info["figures"])
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


def _extended_recording(tmp_path, frames: int) -> str:
    """A simulator session's recording (snapshot, subscription) plus ``frames`` synthetic diffs."""
    from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
    from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
    from hummingbot_conn.recording import endpoints_options
    from hummingbot_conn.sim import SimulatedExchange, default_symbols

    base = str(tmp_path / "base.hbrec.zst")

    async def record():
        specs = [s for s in default_symbols() if s.symbol == SYMBOL]
        async with SimulatedExchange(seed=SEED, symbols=specs, traders={"rate": 0.0001, "seed_levels": 20}) as sim:
            endpoints = BinanceEndpoints.local(sim.rest_url.split("://", 1)[1])
            rec = Recorder(base, "binance", [PAIR], {"endpoints": endpoints_options(endpoints)})
            with rec.capture():
                connector = BinanceExchange("", "", trading_pairs=[PAIR], trading_required=False, domain=endpoints)
            await connector.start_network()
            await connector.wait_ready(30)
            await connector.stop_network()
            await rec.aclose()
    asyncio.run(record())
    with RecordingReader(base) as reader:
        header, records = reader.header, list(reader.records())
    snapshot = next(orjson.loads(r["b"]) for r in records if r["k"] == "resp" and '"lastUpdateId"' in (r["b"] or ""))
    market = next(r["c"] for r in records if r["k"] == "in" and '"result"' in r.get("d", ""))
    last = max(r["t"] for r in records if r["k"] != "close")
    mid = float(snapshot["bids"][0][0])
    rng = random.Random(SEED)
    global MID
    MID = mid
    path = str(tmp_path / "replay.hbrec.zst")
    writer = RecordingWriter(path, header)
    for r in records:
        if r["k"] == "close":
            continue
        writer.put(r)
    for i, text in enumerate(_frames(int(snapshot["lastUpdateId"]) + 1, frames, rng)):
        writer.put({"k": "in", "t": last + 0.01 * (i + 1), "c": market, "d": text})
    writer.close({"k": "end", "t": last + 0.01 * (frames + 1), "records": 0, "lost": 0})
    return path


def test_replay_frames_per_second_through_the_full_tracker(benchmark, tmp_path):
    frames = 2_000 if benchmark.disabled else REPLAY_FRAMES
    path = _extended_recording(tmp_path, frames)
    result = replay_file(path)
    assert result.reached_end and result.frames >= frames, (result.miss, result.frames)
    assert result.health[PAIR]["diffs_applied"] >= frames and result.health[PAIR]["gaps"] == 0
    rate = result.frames / result.wall_seconds
    benchmark.group = "recording: replay through the connector and tracker"
    benchmark.extra_info["impl"] = "hbconn"
    benchmark.extra_info["figures"] = {
        "replay speed": f"{rate:,.0f} frames/s ({result.frames} frames, {result.virtual_seconds:.0f} s of session "
                        f"in {result.wall_seconds:.2f} s, connector start-up included)",
    }
    print(benchmark.extra_info["figures"])
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


_SERVER = r"""
import asyncio, sys
from aiohttp import web
frames = [line.rstrip("\n") for line in open(sys.argv[1])]

async def ws(request):
    sock = web.WebSocketResponse()
    await sock.prepare(request)
    start, count = int(request.query["start"]), int(request.query["count"])
    for text in frames[start:start + count]:
        await sock.send_str(text)
    await sock.receive()
    return sock

async def main():
    app = web.Application()
    app.router.add_get("/ws", ws)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def test_capture_overhead_on_the_whole_frame_over_a_socket(benchmark, tmp_path):
    """The frame as a bot pays for it: read from a loopback socket (aiohttp), then the data source and
    tracker; CPU time of this process per frame (the writer's thread included), plain against captured."""
    import subprocess
    import sys

    import aiohttp

    rounds = 2 if benchmark.disabled else 40
    per_round = 200 if benchmark.disabled else 2000
    rng = random.Random(SEED + 2)
    frames = _frames(2, 2 * rounds * per_round, rng)
    feed = tmp_path / "frames.txt"
    feed.write_text("\n".join(frames) + "\n")
    script = tmp_path / "server.py"
    script.write_text(_SERVER)
    server = subprocess.Popen([sys.executable, str(script), str(feed)], stdout=subprocess.PIPE, text=True)
    port = int(server.stdout.readline())
    loop = new_event_loop()
    source = _OfflineSource([PAIR], symbol_map={SYMBOL: PAIR}, fast_parser=True)
    tracker = OrderBookTracker(source, [PAIR], snapshot_interval=None)
    recorder = Recorder(str(tmp_path / "socket.hbrec.zst"), "binance", [PAIR])
    process = source._process_frame
    cpu = {"plain": [], "captured": []}
    timings = {"plain": [], "captured": []}

    async def one_round(session, name, start):
        conn = WSConnection(session)
        if name == "captured":
            conn = RecordingWSConnection(conn, recorder)
        await conn.connect(f"ws://127.0.0.1:{port}/ws?start={start}&count={per_round}", decode_json=False,
                           ping_timeout=None)
        began, began_wall = time.process_time(), time.perf_counter()
        for _ in range(per_round):
            response = await conn.receive()
            process(response.data, response.received_at, None)
        timings[name].append((time.perf_counter() - began_wall) / per_round)
        await _drained(recorder)
        cpu[name].append((time.process_time() - began) / per_round)
        await conn.disconnect()

    async def main():
        tracker.start()
        await tracker.wait_ready(timeout=10)
        order = random.Random(SEED)
        start = 0
        async with aiohttp.ClientSession() as session:
            for _ in range(rounds):
                names = ["plain", "captured"]
                order.shuffle(names)
                for name in names:
                    await one_round(session, name, start)
                    start += per_round
        await tracker.stop()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
        server.terminate()
        server.wait(10)
    stats = recorder.close()
    assert stats["lost"] == 0 and stats["written"] >= rounds * per_round
    assert tracker.metrics.pairs[PAIR].gaps == 0
    benchmark.group = "recording: capture overhead per frame read from a socket"
    benchmark.extra_info["impl"] = "hbconn"
    benchmark.extra_info["figures"] = _figures("whole frame", timings, cpu, f"{rounds} rounds of {per_round} frames")
    print(benchmark.extra_info["figures"])
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
