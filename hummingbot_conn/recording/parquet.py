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
import logging
import os
from decimal import Decimal
from typing import Any, Dict, List
from urllib.parse import parse_qsl

import orjson

from hummingbot_conn.recording.file_format import RecordingReader

__all__ = ["export_parquet", "ResearchExtraMissing"]

log = logging.getLogger(__name__)


class ResearchExtraMissing(ImportError):
    """pyarrow is not installed (the ``research`` extra)."""


def _columns(names: str) -> Dict[str, List[Any]]:
    return {name: [] for name in names.split()}


_LIMIT = Decimal(10) ** 20       # decimal128(38, 18) holds 20 digits before the point


def _exact(text: Any) -> Decimal:
    """A recorded price or amount as a decimal the Parquet column holds exactly.

    :raises ValueError: not a decimal text, not finite, or not exact in ``decimal128(38, 18)``
    """
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a decimal text")
    value = Decimal(text)
    if not value.is_finite() or abs(value) >= _LIMIT or value.as_tuple().exponent < -18:    # type: ignore[operator]
        raise ValueError(f"{text!r} does not fit decimal128(38, 18)")
    return value


def _int64s(*values: Any) -> bool:
    """Whether every value is None or an integer an int64 column holds."""
    return all(v is None or (isinstance(v, int) and not isinstance(v, bool) and -(1 << 63) <= v < (1 << 63))
               for v in values)


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
        # every row of the event is made before any is added: a damaged level drops the whole event,
        # never a part of it (the columns stay of one length)
        if not isinstance(symbol, str) or not _int64s(first, last, event_ms):
            raise ValueError("a symbol is text, ids and times 64-bit integers")
        bids, asks = ("b", "a") if kind == "diff" else ("bids", "asks")
        rows = [(t, symbol, kind, first, last, event_ms, side, _exact(price), _exact(amount))
                for side, key in (("bid", bids), ("ask", asks)) for price, amount in data.get(key, ())]
        for row in rows:
            for name, value in zip(book, row):
                book[name].append(value)

    def _export_record(rec: Dict[str, Any]) -> None:
        kind = rec["k"]
        t = float(rec["t"]) - start
        if kind == "req" and rec["m"] == "GET" and rec["u"].partition("?")[0].endswith("/depth"):
            depth_requests[rec["c"]] = dict(parse_qsl(rec["u"].partition("?")[2])).get("symbol", "")
        elif kind == "resp" and rec.get("c") in depth_requests and rec.get("s") == 200:
            symbol = depth_requests.pop(rec["c"])
            try:
                snap = orjson.loads(rec.get("b") or "")
            except orjson.JSONDecodeError:
                return
            last = int(snap["lastUpdateId"])
            level_rows(t, symbol, "snapshot", last, last, None, snap)
        elif kind == "in" and isinstance(rec.get("d"), str) and '"e"' in rec["d"]:
            try:
                data = orjson.loads(rec["d"])
            except orjson.JSONDecodeError:
                return
            if isinstance(data, dict) and isinstance(data.get("data"), dict):
                data = data["data"]
            if not isinstance(data, dict):
                return
            event = data.get("e")
            if event == "depthUpdate":
                level_rows(t, data["s"], "diff", int(data["U"]), int(data["u"]), data.get("E"), data)
            elif event == "trade":
                row = (t, data["s"], int(data["t"]), data.get("E"), data.get("T"), _exact(data["p"]),
                       _exact(data["q"]), bool(data.get("m")))
                if not isinstance(row[1], str) or not _int64s(*row[2:5]):
                    raise ValueError("a trade's symbol is text, its id and times 64-bit integers")
                for name, value in zip(trades, row):
                    trades[name].append(value)

    skipped = 0
    with RecordingReader(path) as reader:
        start = reader.header.mono_start
        for rec in reader.records():
            try:
                _export_record(rec)
            except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError, OverflowError):
                skipped += 1        # a record or event of the wrong shape: left out, the rest exported
        if skipped:
            log.warning("%s: %d damaged records or events were left out of the Parquet files", path, skipped)
        if reader.where_it_ended():     # a cut or damaged file: exported as far as it goes, and said
            log.warning("%s", reader.where_it_ended().replace("replayed the", "exported the"))
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
