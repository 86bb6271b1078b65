"""Files that lie or are shaped wrong: a header whose fields have the wrong shape, a record of the wrong
shape, a line that inflates without end.  Each gives one sentence (RecordingError) or a replay that stops
where the file stopped making sense; never another exception."""
import orjson
import pytest
import zstandard

from hummingbot_conn.recording import file_format
from hummingbot_conn.recording.file_format import RecordingError, RecordingReader
from hummingbot_conn.recording.replay import load_recording, replay_file

_HEADER = {"kind": "hbconn-recording", "format": 1, "library": "0.1.0", "venue": "binance",
           "pairs": ["BTC-USDT"], "options": {"trading_required": False,
                                              "endpoints": {"rest_url": "http://127.0.0.1:9/api/v3",
                                                            "stream_url": "ws://127.0.0.1:9"}},
           "wall_start": 1_765_000_000.0, "mono_start": 100.0}


def _file(tmp_path, header: dict, *lines: bytes) -> str:
    path = tmp_path / "f.hbrec.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(b"\n".join([orjson.dumps(header), *lines]) + b"\n"))
    return str(path)


@pytest.mark.parametrize("field, value, words", [
    ("pairs", "BTC-USDT", "pairs"), ("pairs", [1, 2], "pairs"), ("pairs", [], "pairs"),
    ("pairs", ["BTCUSDT"], "pairs"), ("pairs", {"BTC-USDT": 1}, "pairs"), ("venue", ["binance"], "venue"),
    ("options", [1], "options"), ("options", {"endpoints": "http://x"}, "endpoints"),
    ("options", {"endpoints": [1, 2]}, "endpoints"), ("options", {"trading_required": "yes"}, "trading_required"),
    ("mono_start", "nan", "start times"), ("wall_start", "inf", "start times"),
])
def test_a_header_of_the_wrong_shape_is_one_sentence(tmp_path, field, value, words):
    path = _file(tmp_path, {**_HEADER, field: value})
    with pytest.raises(RecordingError, match=f"damaged header.*{words}"):
        RecordingReader(path)


def test_endpoints_the_venue_does_not_have_are_one_sentence_not_a_type_error(tmp_path):
    path = _file(tmp_path, {**_HEADER, "options": {"endpoints": {"bogus": "http://x"}}},
                 b'{"k":"end","t":101,"records":0,"lost":0}')
    with pytest.raises(RecordingError, match="endpoints do not fit the binance connector"):
        replay_file(path)


@pytest.mark.parametrize("record", [
    b'{"k":"event","t":101}', b'{"k":"event","t":101,"e":5,"f":[]}', b'{"k":"gap","t":101,"n":"x"}',
    b'{"k":"req","t":101,"c":1,"u":5,"m":"GET"}', b'{"k":"req","t":101,"c":1,"m":"GET"}',
    b'{"k":"req","t":101,"c":1,"u":"http://x/api/v3/order?newClientOrderId=a&quantity=zz","m":"POST"}',
])
def test_a_record_of_the_wrong_shape_ends_the_readable_part_with_a_sentence(tmp_path, record):
    path = _file(tmp_path, _HEADER, b'{"k":"in","t":100.5,"c":1,"d":"x"}', record,
                 b'{"k":"end","t":102,"records":2,"lost":0}')
    loaded = load_recording(path)
    assert not loaded.complete and "record 2 is damaged" in loaded.truncated


def test_a_line_that_inflates_without_end_is_not_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(file_format, "MAX_RECORD_BYTES", 4096)
    path = _file(tmp_path, _HEADER, b'{"k":"in","t":100.5,"c":1,"d":"x"}',
                 b'{"k":"in","t":101,"c":1,"d":"' + b"x" * 100_000 + b'"}', b'{"k":"end","t":102,"records":2,"lost":0}')
    with RecordingReader(path) as reader:
        records = list(reader.records())
    assert len(records) == 1 and "record 2 is longer than" in (reader.problem or "")
