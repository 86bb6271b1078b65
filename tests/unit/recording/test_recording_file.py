"""The recording file: header, records, end; foreign, corrupt and truncated files; the bounded writer."""
import os
import threading

import orjson
import pytest
import zstandard

from hummingbot_conn.recording.file_format import Header, RecordingError, RecordingReader
from hummingbot_conn.recording.writer import RecordingWriter


def _header() -> Header:
    return Header(library="0.1.0", venue="binance", pairs=["BTC-USDT"], options={"trading_required": False},
                  wall_start=1_765_000_000.0, mono_start=100.0)


def _write(path, n: int, end: bool = True) -> None:
    writer = RecordingWriter(str(path), _header())
    for i in range(n):
        assert writer.put({"k": "in", "t": 100.0 + i * 0.01, "c": 1, "d": '{"e":"depthUpdate","u":%d}' % i})
    writer.close({"k": "end", "t": 200.0, "records": n, "lost": 0} if end else None)


def test_a_recording_reads_back_with_its_header_records_and_end(tmp_path):
    path = tmp_path / "s.hbrec.zst"
    _write(path, 500)
    with RecordingReader(str(path)) as reader:
        assert reader.header.venue == "binance" and reader.header.pairs == ["BTC-USDT"]
        assert reader.header.options == {"trading_required": False}
        records = list(reader.records())
        assert [r["d"] for r in records[:2]] == ['{"e":"depthUpdate","u":0}', '{"e":"depthUpdate","u":1}']
        assert len(records) == 500 and reader.complete and reader.problem is None
        assert reader.where_it_ended() == ""


def test_a_truncated_file_gives_what_it_holds_and_says_where_it_ended(tmp_path):
    path = tmp_path / "s.hbrec.zst"
    _write(path, 20_000)
    data = path.read_bytes()
    cut = tmp_path / "cut.hbrec.zst"
    cut.write_bytes(data[: len(data) * 6 // 10])
    with RecordingReader(str(cut)) as reader:
        records = list(reader.records())
        assert 0 < len(records) < 20_000
        # what it holds is the recording's own beginning, record for record
        assert all(r["d"] == '{"e":"depthUpdate","u":%d}' % i for i, r in enumerate(records))
        assert not reader.complete
        sentence = reader.where_it_ended()
        assert sentence.startswith(f"{cut}: ") and f"replayed the {len(records)} records before it" in sentence
        assert "s into the session" in sentence and sentence.endswith(".") and "\n" not in sentence


def test_a_file_without_its_end_record_is_reported_as_cut(tmp_path):
    path = tmp_path / "s.hbrec.zst"
    _write(path, 10, end=False)
    with RecordingReader(str(path)) as reader:
        assert len(list(reader.records())) == 10
        assert not reader.complete and "without its end record" in reader.where_it_ended()


@pytest.mark.parametrize("content, words", [
    (b"", "the file is empty"),
    (b"hello, this is text\n", "not zstd-compressed"),
    (zstandard.ZstdCompressor().compress(b'{"some": "json"}\n'), "no hbconn-recording header"),
    (zstandard.ZstdCompressor().compress(b"not json at all\n"), "first line is not JSON"),
    (zstandard.ZstdCompressor().compress(orjson.dumps({"kind": "hbconn-recording", "format": 99}) + b"\n"),
     "format 99"),
    (zstandard.ZstdCompressor().compress(orjson.dumps({"kind": "hbconn-recording", "format": 1}) + b"\n"),
     "damaged header"),
    (b"\x28\xb5\x2f\xfd" + os.urandom(64), "not an hbconn recording"),
], ids=lambda value: value if isinstance(value, str) else "content")   # ids from the words: the same in every
def test_foreign_and_corrupt_files_give_one_sentence(tmp_path, content, words):
    path = tmp_path / "f.hbrec.zst"
    path.write_bytes(content)
    with pytest.raises(RecordingError) as info:
        RecordingReader(str(path))
    message = str(info.value)
    assert words in message and message.endswith(".") and "\n" not in message


def test_a_missing_file_is_one_sentence(tmp_path):
    with pytest.raises(RecordingError, match=r"cannot open .*missing"):
        RecordingReader(str(tmp_path / "missing.hbrec.zst"))


def test_a_damaged_record_in_the_middle_stops_reading_there_with_a_sentence(tmp_path):
    path = tmp_path / "s.hbrec.zst"
    lines = [_header().to_json(), b'{"k":"in","t":1.0,"c":1,"d":"a"}', b"{broken", b'{"k":"in","t":2.0,"c":1,"d":"b"}']
    path.write_bytes(zstandard.ZstdCompressor().compress(b"\n".join(lines) + b"\n"))
    with RecordingReader(str(path)) as reader:
        assert [r["d"] for r in reader.records()] == ["a"]
        assert "record 2 is not JSON" in reader.where_it_ended()


def test_a_full_queue_counts_the_lost_records_and_the_file_marks_the_gap(tmp_path):
    # a slow disk: the writer's thread holds its first chunk until the gate opens
    gate, taken = threading.Event(), threading.Event()
    path = tmp_path / "s.hbrec.zst"
    writer = RecordingWriter(str(path), _header(), max_queue=3)
    real_write = writer._zstd.write

    def slow_write(data: bytes) -> int:
        taken.set()
        gate.wait(30)
        return real_write(data)

    writer._sink_write = slow_write
    assert writer.put({"k": "in", "t": 1.0, "c": 1, "d": "first"})
    assert taken.wait(30)                      # the thread holds "first" and waits on the disk
    accepted = [writer.put({"k": "in", "t": 2.0, "c": 1, "d": f"q{i}"}) for i in range(8)]
    assert accepted == [True] * 3 + [False] * 5
    assert writer.lost == 5 and writer.full_episodes == 1 and writer.peak == 3
    gate.set()
    pause = threading.Event()
    for _ in range(3000):                      # the queue drains once the disk answers
        if writer.depth == 0:
            break
        pause.wait(0.01)
    assert writer.put({"k": "in", "t": 3.0, "c": 1, "d": "after"}), (writer.depth, writer._stopping, writer._error)
    writer.close({"k": "end", "t": 4.0, "records": writer.queued, "lost": writer.lost})
    with RecordingReader(str(path)) as reader:
        records = list(reader.records())
    assert [(r["k"], r.get("d") or r.get("n")) for r in records] == [
        ("in", "first"), ("in", "q0"), ("in", "q1"), ("in", "q2"), ("gap", 5), ("in", "after")]


def test_received_frames_come_back_byte_for_byte_even_when_they_are_not_json(tmp_path):
    path = tmp_path / "s.hbrec.zst"
    texts = ['{"e":"depthUpdate","b":[["1.10","2"]]}', "pong", '{"broken":', 'with "quotes" and \\ and ,"j":',
             "two\nlines", "ünïcode ✓"]
    writer = RecordingWriter(str(path), _header())
    for i, text in enumerate(texts):
        assert writer.put_frame(100.0 + i, 7, text)
    writer.close({"k": "end", "t": 200.0, "records": len(texts), "lost": 0})
    with RecordingReader(str(path)) as reader:
        records = list(reader.records())
        assert reader.complete
    assert [(r["k"], r["t"], r["c"], r["d"]) for r in records] == [
        ("in", 100.0 + i, 7, text) for i, text in enumerate(texts)]


def test_a_disk_that_fails_is_said_by_close_and_the_file_is_closed(tmp_path):
    # the writer's thread fails (a full disk): close() raises that error, once, and closes the file
    failed = threading.Event()
    writer = RecordingWriter(str(tmp_path / "s.hbrec.zst"), _header())

    def full_disk(data: bytes) -> int:
        failed.set()
        raise OSError(28, "No space left on device")

    writer._sink_write = full_disk
    assert writer.put({"k": "in", "t": 1.0, "c": 1, "d": "x"})
    assert failed.wait(30)
    writer._thread.join(30)
    assert not writer.put({"k": "in", "t": 2.0, "c": 1, "d": "y"}) and writer.lost == 1
    with pytest.raises(OSError, match="No space left"):
        writer.close({"k": "end", "t": 3.0, "records": 1, "lost": 1})
    assert writer._file.closed
    writer.close()          # a second close is quiet
