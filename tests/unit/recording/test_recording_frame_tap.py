"""The event loop's side of capture: what a received frame leaves in the writer's queue, and that the
compiled per-frame tap keeps every guarantee of the recording (counted, a full queue marked as a gap,
private frames redacted before anything is written, frames byte for byte, time and connection id)."""
import asyncio
import base64
import threading

import orjson

from hummingbot_conn.recording import Recorder, RecordingReader
from hummingbot_conn.recording.capture import RecordingWSConnection
from hummingbot_conn.web.connections import WSConnection
from hummingbot_conn.web.data_types import WSJSONRequest

KEY = "k" * 64


class _Inner(WSConnection):
    """A socket whose frames the test hands in, through its tap as ``WSConnection.receive`` does."""

    def __init__(self, clock):
        super().__init__(None, clock=clock)      # no session: nothing here touches the network

    async def connect(self, ws_url, **kwargs):
        self._connected, self._url = True, ws_url

    async def send_bytes_as_text(self, payload):
        return None

    def arrive(self, data):
        self._last_recv_time = self._clock()
        self.frame_tap(self._last_recv_time, data)


def _held(recorder):
    """Hold the writer's thread on its next write (a slow disk) until the returned gate is set."""
    writer = recorder.writer
    gate, taken = threading.Event(), threading.Event()
    real = writer._sink_write

    def slow(data):
        taken.set()
        gate.wait(30)
        return real(data)

    writer._sink_write = slow
    return gate, taken


def _wait_drained(writer):
    pause = threading.Event()
    for _ in range(3000):
        if writer.depth == 0 and not writer.busy:
            return
        pause.wait(0.01)
    raise AssertionError("the writer's queue did not drain")


def test_a_received_frame_leaves_the_loop_as_references_not_as_an_encoded_record(tmp_path):
    # the loop's whole share of a public frame: the time the connection read, the id, the very
    # object received (no copy, no encoding, no dict): the writer's thread makes the record
    clock = iter(float(i) for i in range(100)).__next__
    recorder = Recorder(str(tmp_path / "t.hbrec.zst"), "binance", ["BTC-USDT"], clock=clock)
    inner = _Inner(clock)
    conn = RecordingWSConnection(inner, recorder)
    gate, taken = _held(recorder)
    asyncio.run(conn.connect("ws://h/ws"))
    recorder.writer._wake.set()
    assert taken.wait(30)                       # the thread holds "open" and "opened" on the disk
    text, raw = '{"e":"depthUpdate","U":1,"u":2,"b":[],"a":[]}', b"\x00\x01binary"
    inner.arrive(text)
    inner.arrive(raw)
    queued = list(recorder.writer.queue)
    assert [type(item) for item in queued] == [tuple, tuple]
    assert queued[0] == (inner.last_recv_time - 1, 1, text) and queued[0][2] is text   # the time it read
    assert queued[1][1:] == (1, raw) and queued[1][2] is raw
    gate.set()
    recorder.close()
    with RecordingReader(recorder.path) as reader:
        records = list(reader.records())
    assert records[2:] == [{"k": "in", "t": queued[0][0], "c": 1, "d": text},
                           {"k": "in", "t": queued[1][0], "c": 1, "x": "AAFiaW5hcnk="}]


def test_a_private_frame_is_redacted_by_the_writer_before_anything_is_written(tmp_path):
    recorder = Recorder(str(tmp_path / "p.hbrec.zst"), "binance", ["BTC-USDT"])
    inner = _Inner(recorder.clock)
    conn = RecordingWSConnection(inner, recorder)

    async def run():
        await conn.connect("ws://h/ws-api/v3")
        inner.arrive('{"id":0,"result":{"serverTime":1}}')          # before the logon: public
        await conn.send(WSJSONRequest(payload={"id": 1, "method": "session.logon",
                                               "params": {"apiKey": KEY, "signature": "ab"}}))
        inner.arrive(orjson.dumps({"id": 1, "result": {"apiKey": KEY}}).decode())
        inner.arrive(b'{"apiKey":"' + KEY.encode() + b'"}')        # a binary frame holding text is read too

    asyncio.run(run())
    stats = recorder.close()
    with RecordingReader(recorder.path) as reader:
        records = list(reader.records())
    assert [r["k"] for r in records] == ["open", "opened", "in", "out", "in", "in"]
    assert stats["records"] == 6 and stats["written"] == 6 and stats["lost"] == 0
    assert records[2]["d"] == '{"id":0,"result":{"serverTime":1}}'
    assert orjson.loads(records[4]["d"]) == {"id": 1, "result": {"apiKey": "REDACTED"}}
    assert base64.b64decode(records[5]["x"]) == b'{"apiKey":"REDACTED"}'
    assert KEY not in orjson.dumps(records).decode() and KEY.encode() not in base64.b64decode(records[5]["x"])
    assert [r["t"] for r in records] == sorted(r["t"] for r in records)


def test_frames_that_find_the_queue_full_are_counted_and_the_file_marks_the_gap(tmp_path):
    clock = iter(float(i) for i in range(1000)).__next__
    recorder = Recorder(str(tmp_path / "f.hbrec.zst"), "binance", ["BTC-USDT"], clock=clock, max_queue=3)
    inner = _Inner(clock)
    conn = RecordingWSConnection(inner, recorder)
    gate, taken = _held(recorder)
    asyncio.run(conn.connect("ws://h/ws"))
    recorder.writer._wake.set()
    assert taken.wait(30)                       # the thread holds "open" and "opened" on the disk
    for i in range(8):
        inner.arrive(f'{{"u":{i}}}')
    assert recorder.stats["lost"] == 5 and recorder.stats["full_episodes"] == 1
    gate.set()
    _wait_drained(recorder.writer)
    inner.arrive('{"u":"after"}')               # room again: the gap goes first, then the frame
    stats = recorder.close()
    assert stats["lost"] == 5 and stats["records"] == 6 and stats["written"] == 7     # gap record included
    with RecordingReader(recorder.path) as reader:
        records = list(reader.records())
    assert [(r["k"], r.get("d") or r.get("n")) for r in records] == [
        ("open", None), ("opened", None), ("in", '{"u":0}'), ("in", '{"u":1}'), ("in", '{"u":2}'), ("gap", 5),
        ("in", '{"u":"after"}')]
    assert records[5]["t"] == records[6]["t"]
