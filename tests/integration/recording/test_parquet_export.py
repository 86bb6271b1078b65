"""``hbconn replay --parquet DIR FILE``: book updates and trades of a recording as exact Parquet columns."""
import subprocess
import sys
from decimal import Decimal

import orjson
import pytest

from hummingbot_conn.recording.file_format import Header, RecordingReader
from hummingbot_conn.recording.parquet import export_parquet
from hummingbot_conn.recording.writer import RecordingWriter

pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is in the test extra (the research extra)")


def _recording(path: str) -> None:
    writer = RecordingWriter(path, Header("0.1.0", "binance", ["BTC-USDT"], {}, 1.7e9, 10.0))
    records = [
        {"k": "req", "t": 10.5, "c": 1, "m": "GET", "u": "http://h/api/v3/depth?limit=1000&symbol=BTCUSDT"},
        {"k": "resp", "t": 10.6, "c": 1, "s": 200, "h": {}, "b": orjson.dumps(
            {"lastUpdateId": 7, "bids": [["60000.01000000", "0.50000000"]],
             "asks": [["60000.02000000", "0.00000001"]]}).decode()},
        {"k": "in", "t": 11.0, "c": 2, "d": orjson.dumps(
            {"e": "depthUpdate", "E": 1700000000123, "s": "BTCUSDT", "U": 8, "u": 9,
             "b": [["60000.01000000", "0.00000000"]], "a": [["60000.03000000", "1.25000000"]]}).decode()},
        {"k": "in", "t": 11.5, "c": 2, "d": orjson.dumps(
            {"e": "trade", "E": 1700000000200, "s": "BTCUSDT", "t": 42, "p": "60000.02000000",
             "q": "0.00000001", "T": 1700000000199, "m": True}).decode()},
        {"k": "in", "t": 12.0, "c": 3, "d": '{"e":"executionReport","s":"BTCUSDT"}'},
    ]
    for rec in records:
        writer.put(rec)
    writer.close({"k": "end", "t": 13.0, "records": len(records), "lost": 0})


def test_book_updates_and_trades_come_out_exact(tmp_path):
    path = str(tmp_path / "r.hbrec.zst")
    _recording(path)
    written = export_parquet(path, str(tmp_path / "out"))
    assert written == {"book_updates.parquet": 4, "trades.parquet": 1}
    book = pq.read_table(str(tmp_path / "out" / "book_updates.parquet")).to_pylist()
    assert book[0].pop("t") == pytest.approx(0.6)
    assert book[0] == {"symbol": "BTCUSDT", "kind": "snapshot", "first_update_id": 7, "last_update_id": 7,
                       "event_time_ms": None, "side": "bid", "price": Decimal("60000.01"), "amount": Decimal("0.5")}
    assert book[1]["amount"] == Decimal("1E-8")        # exact, not a float
    assert [(r["kind"], r["side"], r["amount"]) for r in book[2:]] == [("diff", "bid", Decimal(0)),
                                                                       ("diff", "ask", Decimal("1.25"))]
    assert book[2]["event_time_ms"] == 1700000000123 and book[2]["first_update_id"] == 8
    trade, = pq.read_table(str(tmp_path / "out" / "trades.parquet")).to_pylist()
    assert trade["trade_id"] == 42 and trade["price"] == Decimal("60000.02") and trade["buyer_is_maker"] is True
    assert RecordingReader(path).header.venue == "binance"      # the recording itself is untouched


def test_the_command_writes_both_files(tmp_path):
    path = str(tmp_path / "r.hbrec.zst")
    _recording(path)
    out = tmp_path / "research"
    proc = subprocess.run([sys.executable, "-m", "hummingbot_conn", "replay", "--parquet", str(out), path],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out / 'book_updates.parquet'}: 4 rows" in proc.stdout
    assert f"wrote {out / 'trades.parquet'}: 1 rows" in proc.stdout
