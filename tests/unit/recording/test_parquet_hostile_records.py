"""The Parquet export of a recording holding damaged market events: each damaged event is left out whole
(never half its levels), the valid ones are exported, and nothing raises."""
import orjson
import pytest

from hummingbot_conn.recording.file_format import Header
from hummingbot_conn.recording.parquet import export_parquet
from hummingbot_conn.recording.writer import RecordingWriter

pq = pytest.importorskip("pyarrow.parquet", reason="the research extra")


def _diff(u: int, bids, s="BTCUSDT", **extra) -> str:
    return orjson.dumps({"e": "depthUpdate", "E": 5, "s": s, "U": u, "u": u, "b": bids, "a": [], **extra}).decode()


DAMAGED = [
    _diff(3, [["1.0", "2"], ["abc", "1"]]), _diff(4, [["1.0", "2"], ["2.0"]]), _diff(5, [["NaN", "1"]]),
    _diff(6, [["1e30", "1"]]), _diff(7, [["1.0000000000000000001", "1"]]),
    _diff(1, [["1.0", "1"]]).replace('"u":1', '"u":%d' % 2 ** 70),
    _diff(8, [["1.0", "1"]], s=5), _diff(9, "x"), _diff(10, [["1.0", "1"]], E="soon"),
    '{"e":"trade","s":"BTCUSDT","t":1,"q":"1"}', '{"e":"trade","s":"BTCUSDT","t":"x","p":"1","q":"1"}',
    '{"e":"depthUpdate"}', '{"stream":"a","data":{"e":"trade"}}',
]


def test_damaged_events_are_left_out_whole_and_the_rest_exported(tmp_path):
    path = str(tmp_path / "m.hbrec.zst")
    writer = RecordingWriter(path, Header(library="0.1.0", venue="binance", pairs=["BTC-USDT"],
                                          wall_start=1_765_000_000.0, mono_start=100.0))
    writer.put({"k": "in", "t": 100.1, "c": 1, "d": _diff(1, [["100.5", "1.25"]])})
    for i, text in enumerate(DAMAGED):
        writer.put({"k": "in", "t": 100.2 + i / 100, "c": 1, "d": text})
    writer.put({"k": "in", "t": 100.9, "c": 1, "d": 5})
    writer.put({"k": "req", "t": 100.9, "c": 2, "m": "GET", "u": "http://h/api/v3/depth?symbol=BTCUSDT"})
    writer.put({"k": "resp", "t": 100.9, "c": 2, "s": 200, "b": '{"lastUpdateId":1,"bids":[["1","x"]],"asks":[]}'})
    writer.put({"k": "in", "t": 101.0, "c": 1,
                "d": '{"e":"trade","E":6,"T":6,"s":"BTCUSDT","t":7,"p":"100.5","q":"0.5","m":true}'})
    writer.close({"k": "end", "t": 102.0, "records": 0, "lost": 0})

    written = export_parquet(path, str(tmp_path / "out"))
    assert written == {"book_updates.parquet": 1, "trades.parquet": 1}
    book = pq.read_table(str(tmp_path / "out" / "book_updates.parquet")).to_pylist()
    assert [(r["last_update_id"], str(r["price"]), str(r["amount"])) for r in book] == \
        [(1, "100.500000000000000000", "1.250000000000000000")]


def test_a_cut_file_is_exported_as_far_as_it_goes_and_says_where_it_ended(tmp_path, caplog):
    path = str(tmp_path / "m.hbrec.zst")
    writer = RecordingWriter(path, Header(library="0.1.0", venue="binance", pairs=["BTC-USDT"],
                                          wall_start=1_765_000_000.0, mono_start=100.0))
    writer.put({"k": "in", "t": 100.1, "c": 1, "d": _diff(1, [["100.5", "1.25"]])})
    writer.close(None)      # no end record: the recorder was stopped abruptly
    with caplog.at_level("WARNING"):
        written = export_parquet(path, str(tmp_path / "out"))
    assert written["book_updates.parquet"] == 1
    assert "ends without its end record" in caplog.text and "exported the 1 records" in caplog.text
