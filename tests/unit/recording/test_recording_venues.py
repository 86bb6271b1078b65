"""The recording layer is venue-neutral (docs/recording.md, "Venues"): what depends on a venue comes from
that venue's package through ``recording/venues.py``'s registry, looked up by the header's venue name.

Closed here: any venue fact written into ``hummingbot_conn/recording`` (an import of a venue's package, a
venue's paths or field names), and a recording of a venue without market hooks being served or exported
as if it were Binance's (it is refused with one sentence instead)."""
import ast
import re
from pathlib import Path

import pytest

from hummingbot_conn.recording import venues
from hummingbot_conn.recording.file_format import Header, RecordingError
from hummingbot_conn.recording.serve import RecordedMarket
from hummingbot_conn.recording.writer import RecordingWriter

RECORDING = Path(venues.__file__).parent
#: texts only a venue's protocol has (Binance's paths, event and field names): none belongs in recording/
VENUE_FACTS = re.compile(r"/api/v3|/fapi/|depthUpdate|lastUpdateId|newClientOrderId|origClientOrderId|"
                         r"order\.place|order\.cancel|SUBSCRIBE|@depth")


def _code_strings(path: Path):
    """The string constants of a module that are not docstrings (prose may name a venue as an example)."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value


@pytest.mark.parametrize("path", sorted(RECORDING.glob("*.py")) + sorted(RECORDING.glob("*.pyx")),
                         ids=lambda p: p.name)
def test_the_recording_layer_holds_no_venue_fact_and_imports_no_venue(path):
    text = path.read_text()
    assert not re.search(r"^\s*(from|import)\s+hummingbot_conn\.exchanges", text, re.MULTILINE), path.name
    if path.suffix == ".py":
        found = [s for s in _code_strings(path) if VENUE_FACTS.search(s)]
        assert not found, f"{path.name} holds venue facts: {found[:3]}"


def test_binances_hooks_are_found_by_venue_name_and_read_its_market_data():
    assert {"binance", "binance_perpetual"} <= set(venues.REPLAY_VENUES)
    spot = venues.replay_venue("binance")
    assert spot is not None and spot.market is not None and spot.name == "binance"
    assert venues.replay_venue("binance_perpetual").market is spot.market
    assert venues.replay_venue("no_such_venue") is None
    snapshot = spot.market.snapshot('{"lastUpdateId":7,"bids":[["1.5","2"]],"asks":[]}')
    assert snapshot == venues.BookSnapshot(7, [("1.5", "2")], [])
    frame = spot.market.stream_frame('{"stream":"btcusdt@depth","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT",'
                                     '"U":8,"u":9,"b":[],"a":[["2","0"]]}}')
    assert (frame.symbol, frame.stream, frame.damaged) == ("btcusdt", "depth", False)
    assert (frame.diff.first_update_id, frame.diff.last_update_id, frame.diff.asks) == (8, 9, [("2", "0")])
    damaged = spot.market.stream_frame('{"e":"depthUpdate","s":"BTCUSDT","U":"x","u":9}')
    assert damaged.damaged and damaged.diff is None
    call = spot.order_call({"k": "req", "m": "DELETE", "u": "http://h/api/v3/order?symbol=BTCUSDT&origClientOrderId=c1"})
    assert (call.action, call.symbol, call.client_order_id) == ("cancel", "BTCUSDT", "c1")


def _recording(tmp_path, venue: str) -> str:
    path = str(tmp_path / "v.hbrec.zst")
    writer = RecordingWriter(path, Header(library="0.1.0", venue=venue, pairs=["BTC-USDT"],
                                          wall_start=1_765_000_000.0, mono_start=100.0))
    writer.put({"k": "in", "t": 100.1, "c": 1,
                "d": '{"e":"depthUpdate","E":5,"s":"BTCUSDT","U":1,"u":1,"b":[["1","1"]],"a":[]}'})
    writer.close({"k": "end", "t": 101.0, "records": 0, "lost": 0})
    return path


def test_a_venue_without_market_hooks_is_not_served_as_binance(tmp_path):
    path = _recording(tmp_path, "no_such_venue")
    with pytest.raises(RecordingError, match="no_such_venue"):
        RecordedMarket(path)


def test_a_venue_without_market_hooks_is_not_exported_as_binance(tmp_path):
    pytest.importorskip("pyarrow", reason="the research extra")
    from hummingbot_conn.recording.parquet import export_parquet

    path = _recording(tmp_path, "no_such_venue")
    with pytest.raises(RecordingError, match="no_such_venue"):
        export_parquet(path, str(tmp_path / "out"))
    # the same file recorded as Binance's is read by Binance's hooks
    assert export_parquet(_recording(tmp_path, "binance"), str(tmp_path / "out"))["book_updates.parquet"] == 1


def test_a_market_format_missing_a_hook_fails_at_construction_naming_it():
    from hummingbot_conn.recording.venues import MarketFormat

    class Partial(MarketFormat):
        def depth_request_symbol(self, method, path, query):
            return None

    with pytest.raises(TypeError, match="server_protocol"):
        Partial()
