"""The capture wrappers: frames both ways recorded with their connection, secrets redacted on private
connections (a signed send, a listen key in the URL), the connector shown what it would have seen."""
import asyncio

import orjson

from hummingbot_conn.recording import Recorder, RecordingReader
from hummingbot_conn.recording.capture import RecordingWSConnection
from hummingbot_conn.web.connections import WSConnection
from hummingbot_conn.web.data_types import WSJSONRequest, WSResponse
from hummingbot_conn.web.errors import WSDisconnectedError

KEY = "k" * 64


class _Inner(WSConnection):
    """A socket that hands out prepared text frames (through its taps, as ``WSConnection.receive``
    does), then dies of the server's close."""

    def __init__(self, frames):
        super().__init__(None)      # no session: nothing here touches the network
        self.frames, self.sent = list(frames), []

    async def connect(self, ws_url, **kwargs):
        self._connected, self._url = True, ws_url

    async def send_bytes_as_text(self, payload):
        self.sent.append(payload)

    async def receive(self):
        if not self.frames:
            raise await self._dead(WSDisconnectedError("WS was closed by the server (close code 1006)"))
        text = self.frames.pop(0)
        self.frame_tap(self._clock(), text)
        try:
            return WSResponse(orjson.loads(text), 5.0)
        except orjson.JSONDecodeError:
            return WSResponse(text, 5.0)


def _session(tmp_path, url, frames, send=None):
    recorder = Recorder(str(tmp_path / "c.hbrec.zst"), "binance", ["BTC-USDT"], clock=iter(range(100)).__next__)
    conn = RecordingWSConnection(_Inner(frames), recorder)
    got = []

    async def run():
        await conn.connect(url)
        if send is not None:
            await conn.send(WSJSONRequest(payload=send))
        while True:
            try:
                got.append((await conn.receive()).data)
            except WSDisconnectedError:
                return

    asyncio.run(run())
    recorder.close()
    with RecordingReader(recorder.path) as reader:
        return got, list(reader.records())


def test_a_signed_connection_is_private_and_its_frames_lose_their_secrets(tmp_path):
    answer = orjson.dumps({"id": 1, "result": {"apiKey": KEY, "authorizedSince": 1}}).decode()
    got, records = _session(tmp_path, "ws://h/ws-api/v3", [answer, "not json"],
                            send={"id": 1, "method": "session.logon", "params": {"apiKey": KEY, "signature": "ab"}})
    assert got == [{"id": 1, "result": {"apiKey": KEY, "authorizedSince": 1}}, "not json"]   # the connector's view
    assert [r["k"] for r in records] == ["open", "opened", "out", "in", "in", "close"]
    assert KEY not in orjson.dumps(records).decode() and '"signature":"ab"' not in orjson.dumps(records).decode()
    assert orjson.loads(records[3]["d"])["result"] == {"apiKey": "REDACTED", "authorizedSince": 1}
    assert records[-1]["by"] == "remote" and "1006" in records[-1]["msg"]
    assert {r["c"] for r in records} == {records[0]["c"]}
    assert [r["t"] for r in records] == sorted(r["t"] for r in records)


def test_a_listen_key_url_makes_the_connection_private(tmp_path):
    event = orjson.dumps({"e": "listenKeyExpired", "listenKey": KEY}).decode()
    _, records = _session(tmp_path, f"wss://fstream.binance.com/ws/{KEY}", [event])
    assert records[0]["u"] == "wss://fstream.binance.com/ws/REDACTED"
    assert KEY not in orjson.dumps(records).decode()


def test_a_public_stream_is_recorded_byte_for_byte(tmp_path):
    frame = '{"e":"depthUpdate","s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]}'
    got, records = _session(tmp_path, "ws://h/ws", [frame])
    assert got == [orjson.loads(frame)] and records[2] == {"k": "in", "t": 3, "c": 1, "d": frame}
