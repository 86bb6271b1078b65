"""``hbconn replay --serve`` against hostile clients and a recording with damaged market data: a client
that never reads does not hold back the others (it is dropped), malformed control messages get an error
answer on a connection that keeps working, and a damaged recorded diff or snapshot is never served."""
import asyncio

import aiohttp
import orjson

from hummingbot_conn.recording import serve
from hummingbot_conn.recording.file_format import Header
from hummingbot_conn.recording.serve import RecordedMarket, RecordingServer
from hummingbot_conn.recording.writer import RecordingWriter

FRAMES = 1200
FILLER = [["%d.00" % (20_000 + i), "1.5"] for i in range(600)]      # ~15 KiB a frame: socket buffers fill


def _write(path: str, damaged: bool = False) -> None:
    writer = RecordingWriter(path, Header(library="0.1.0", venue="binance", pairs=["BTC-USDT"],
                                          wall_start=1_765_000_000.0, mono_start=100.0))
    snapshot = {"lastUpdateId": 10, "bids": [["100.00", "1"]], "asks": [["101.00", "1"]]}
    writer.put({"k": "req", "t": 100.0, "c": 1, "m": "GET", "u": "http://h/api/v3/depth?symbol=BTCUSDT&limit=10"})
    writer.put({"k": "resp", "t": 100.0, "c": 1, "s": 200, "b": orjson.dumps(snapshot).decode()})
    for i in range(FRAMES):
        diff = {"e": "depthUpdate", "E": 1, "s": "BTCUSDT", "U": 11 + i, "u": 11 + i,
                "b": [["100.00", str(2 + i)]], "a": FILLER}
        if damaged and i == 5:
            diff["b"] = [["100.00", "NaN"]]
        if damaged and i == 6:
            diff["b"] = [["99.00"]]
        writer.put({"k": "in", "t": 100.001 + i * 0.0005, "c": 2, "d": orjson.dumps(diff).decode()})
    if damaged:     # a forged snapshot answer: not a book
        writer.put({"k": "req", "t": 100.9, "c": 3, "m": "GET", "u": "http://h/api/v3/depth?symbol=BTCUSDT"})
        writer.put({"k": "resp", "t": 100.9, "c": 3, "s": 200, "b": '{"lastUpdateId":99999,"bids":[["x"]]}'})
    writer.close({"k": "end", "t": 101.0, "records": FRAMES + 2, "lost": 0})


async def _poll(condition, seconds: float = 60.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.05)


async def test_a_client_that_never_reads_is_dropped_and_holds_back_no_one(tmp_path, monkeypatch):
    monkeypatch.setattr(serve, "CLIENT_QUEUE", 200, raising=False)
    path = str(tmp_path / "m.hbrec.zst")
    _write(path)
    async with RecordingServer(RecordedMarket(path), speed=1.0) as server, aiohttp.ClientSession() as session:
        url = f"ws://127.0.0.1:{server.port}/ws/btcusdt@depth"
        stalled = await session.ws_connect(url, max_msg_size=0)     # never reads a frame
        reader = await session.ws_connect(url, max_msg_size=0)
        seen = []

        async def read() -> None:
            async for msg in reader:
                seen.append(orjson.loads(msg.data)["u"])
                if seen[-1] == 10 + FRAMES:
                    return
        async with asyncio.timeout(120):
            await read()
        # the timeline is shared: the reader gets every frame from when it connected, none skipped
        assert seen == list(range(seen[0], 11 + FRAMES)) and len(seen) > FRAMES // 2
        await _poll(lambda: server.dropped == 1)
        assert server.finished.is_set()
        await stalled.close()


async def test_malformed_control_messages_get_an_error_and_the_connection_keeps_working(tmp_path):
    path = str(tmp_path / "m.hbrec.zst")
    _write(path)
    async with RecordingServer(RecordedMarket(path), speed=0.001) as server, aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"ws://127.0.0.1:{server.port}/ws")
        for bad in ("not json", "[1, 2]", '"text"', '{"method":"SUBSCRIBE","params":5,"id":1}',
                    '{"method":"SUBSCRIBE","params":"btcusdt@depth","id":2}',
                    '{"method":"UNSUBSCRIBE","params":[1, {}],"id":3}', '{"method":"NOPE","id":4}',
                    '{"method":"SUBSCRIBE","params":[%s],"id":5}' % ",".join(f'"s{i}@trade"' for i in range(2000))):
            await ws.send_str(bad)
            async with asyncio.timeout(30):
                answer = orjson.loads((await ws.receive()).data)
            assert isinstance(answer, dict) and "code" in answer and "msg" in answer, (bad, answer)
        await ws.send_bytes(b"\x00\xff")
        await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":9}')
        async with asyncio.timeout(30):
            assert orjson.loads((await ws.receive()).data) == {"result": [], "id": 9}
        await ws.close()


async def test_a_damaged_recorded_diff_or_snapshot_is_never_served_as_a_book(tmp_path):
    path = str(tmp_path / "m.hbrec.zst")
    _write(path, damaged=True)
    market = RecordedMarket(path)
    assert len(market.snapshots["btcusdt"]) == 1       # the forged one is left out
    async with RecordingServer(market, speed=1.0) as server, aiohttp.ClientSession() as session:
        await _poll(server.finished.is_set)
        async with session.get(f"http://127.0.0.1:{server.port}/api/v3/depth?symbol=BTCUSDT&limit=5") as resp:
            body = await resp.json(content_type=None)
        # the damaged diffs gapped the book and no valid snapshot came after: not served as synced
        assert resp.status == 200 and body["lastUpdateId"] == 15 and body["bids"] == [["100.00", "6"]]
