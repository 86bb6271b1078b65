"""A recording's book updates and trades as Parquet files, for research (the ``research`` extra: pyarrow).

A derived product: the recording stays the source of truth (docs/recording.md,
"Parquet export").  ``export_parquet(path, directory)`` writes

* ``book_updates.parquet``: one row per level change, from the recorded depth
  snapshots (``kind`` ``"snapshot"``) and depth diffs (``"diff"``): ``t``
  (seconds since the session began, local monotonic), ``symbol``, ``kind``,
  ``first_update_id`` / ``last_update_id`` (a snapshot: its ``lastUpdateId``
  twice), ``event_time_ms`` (the venue's, null for a snapshot), ``side``
  (``"bid"`` / ``"ask"``), ``price`` and ``amount`` (exact ``decimal128(38, 18)``;
  an amount of 0 removes the level);
* ``trades.parquet``: ``t``, ``symbol``, ``trade_id``, ``event_time_ms``,
  ``trade_time_ms``, ``price``, ``amount`` (exact), ``buyer_is_maker``.

Only Binance-shaped market events are read (``depthUpdate``, ``trade``, the depth snapshot).
"""
import os
from decimal import Decimal
from typing import Any, Dict, List
from urllib.parse import parse_qsl

import orjson

from hummingbot_conn.recording.file_format import RecordingReader

__all__ = ["export_parquet", "ResearchExtraMissing"]


class ResearchExtraMissing(ImportError):
    """pyarrow is not installed (the ``research`` extra)."""


def _columns(names: str) -> Dict[str, List[Any]]:
    return {name: [] for name in names.split()}


def export_parquet(path: str, directory: str) -> Dict[str, int]:
    """Write ``book_updates.parquet`` and ``trades.parquet`` of the recording ``path`` into ``directory``
    (created if needed); ``{file name: rows}``.

    :raises ResearchExtraMissing: pyarrow is not installed
    :raises RecordingError: ``path`` is not a readable recording
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ResearchExtraMissing("the Parquet export needs pyarrow (the research extra), which is not "
                                   "installed") from None
    book = _columns("t symbol kind first_update_id last_update_id event_time_ms side price amount")
    trades = _columns("t symbol trade_id event_time_ms trade_time_ms price amount buyer_is_maker")
    depth_requests: Dict[int, str] = {}

    def level_rows(t: float, symbol: str, kind: str, first: int, last: int, event_ms: Any, data: Dict) -> None:
        for side, key in (("bid", "b" if kind == "diff" else "bids"), ("ask", "a" if kind == "diff" else "asks")):
            for price, amount in data.get(key, ()):
                for name, value in (("t", t), ("symbol", symbol), ("kind", kind), ("first_update_id", first),
                                    ("last_update_id", last), ("event_time_ms", event_ms), ("side", side),
                                    ("price", Decimal(price)), ("amount", Decimal(amount))):
                    book[name].append(value)

    with RecordingReader(path) as reader:
        start = reader.header.mono_start
        for rec in reader.records():
            kind = rec["k"]
            if kind == "req" and rec["m"] == "GET" and rec["u"].partition("?")[0].endswith("/depth"):
                depth_requests[rec["c"]] = dict(parse_qsl(rec["u"].partition("?")[2])).get("symbol", "")
            elif kind == "resp" and rec.get("c") in depth_requests and rec.get("s") == 200:
                symbol = depth_requests.pop(rec["c"])
                try:
                    snap = orjson.loads(rec.get("b") or "")
                    last = int(snap["lastUpdateId"])
                except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                    continue
                level_rows(rec["t"] - start, symbol, "snapshot", last, last, None, snap)
            elif kind == "in" and '"e"' in rec.get("d", ""):
                try:
                    data = orjson.loads(rec["d"])
                except orjson.JSONDecodeError:
                    continue
                if isinstance(data, dict) and isinstance(data.get("data"), dict):
                    data = data["data"]
                if not isinstance(data, dict):
                    continue
                event = data.get("e")
                if event == "depthUpdate":
                    level_rows(rec["t"] - start, data["s"], "diff", int(data["U"]), int(data["u"]), data.get("E"),
                               data)
                elif event == "trade":
                    for name, value in (("t", rec["t"] - start), ("symbol", data["s"]), ("trade_id", data["t"]),
                                        ("event_time_ms", data.get("E")), ("trade_time_ms", data.get("T")),
                                        ("price", Decimal(data["p"])), ("amount", Decimal(data["q"])),
                                        ("buyer_is_maker", bool(data.get("m")))):
                        trades[name].append(value)
    exact = pa.decimal128(38, 18)
    os.makedirs(directory, exist_ok=True)
    book_schema = pa.schema([("t", pa.float64()), ("symbol", pa.string()), ("kind", pa.string()),
                             ("first_update_id", pa.int64()), ("last_update_id", pa.int64()),
                             ("event_time_ms", pa.int64()), ("side", pa.string()), ("price", exact),
                             ("amount", exact)])
    trade_schema = pa.schema([("t", pa.float64()), ("symbol", pa.string()), ("trade_id", pa.int64()),
                              ("event_time_ms", pa.int64()), ("trade_time_ms", pa.int64()), ("price", exact),
                              ("amount", exact), ("buyer_is_maker", pa.bool_())])
    pq.write_table(pa.table(book, schema=book_schema), os.path.join(directory, "book_updates.parquet"))
    pq.write_table(pa.table(trades, schema=trade_schema), os.path.join(directory, "trades.parquet"))
    return {"book_updates.parquet": len(book["t"]), "trades.parquet": len(trades["t"])}
