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

The recorded venue's hooks read its market data (``venues.py``, :class:`~hummingbot_conn.recording.venues.MarketFormat`;
for Binance: ``depthUpdate``, ``trade`` and the depth snapshot, ``exchanges/binance/recording.py``).
"""
import logging
import os
from decimal import Decimal
from typing import Any, Dict, List
from urllib.parse import parse_qsl

from hummingbot_conn.recording.file_format import RecordingError, RecordingReader
from hummingbot_conn.recording.venues import DepthDiff, MarketFormat, replay_venue

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
    :raises RecordingError: ``path`` is not a readable recording, or records a venue whose market data
        no venue package reads
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

    def level_rows(t: float, symbol: Any, kind: str, first: int, last: int, event_ms: Any,
                   bids: Any, asks: Any) -> None:
        # every row of the event is made before any is added: a damaged level drops the whole event,
        # never a part of it (the columns stay of one length)
        if not isinstance(symbol, str) or not _int64s(first, last, event_ms):
            raise ValueError("a symbol is text, ids and times 64-bit integers")
        rows = [(t, symbol, kind, first, last, event_ms, side, _exact(price), _exact(amount))
                for side, levels in (("bid", bids), ("ask", asks)) for price, amount in levels]
        for row in rows:
            for name, value in zip(book, row):
                book[name].append(value)

    def _export_record(rec: Dict[str, Any], market: MarketFormat) -> None:
        kind = rec["k"]
        t = float(rec["t"]) - start
        if kind == "req":
            path, _, query = rec["u"].partition("?")
            symbol = market.depth_request_symbol(rec["m"], path, dict(parse_qsl(query)))
            if symbol is not None:
                depth_requests[rec["c"]] = symbol
        elif kind == "resp" and rec.get("c") in depth_requests and rec.get("s") == 200:
            symbol = depth_requests.pop(rec["c"])
            snap = market.snapshot(rec.get("b") or "")
            if snap is None:
                return
            level_rows(t, symbol, "snapshot", snap.update_id, snap.update_id, None, snap.bids, snap.asks)
        elif kind == "in" and isinstance(rec.get("d"), str):
            for event in market.market_events(rec["d"]):
                if isinstance(event, DepthDiff):
                    level_rows(t, event.symbol, "diff", event.first_update_id, event.last_update_id,
                               event.event_time_ms, event.bids, event.asks)
                    continue
                row = (t, event.symbol, event.trade_id, event.event_time_ms, event.trade_time_ms,
                       _exact(event.price), _exact(event.amount), event.buyer_is_maker)
                if not isinstance(row[1], str) or not _int64s(*row[2:5]):
                    raise ValueError("a trade's symbol is text, its id and times 64-bit integers")
                for name, value in zip(trades, row):
                    trades[name].append(value)

    skipped = 0
    with RecordingReader(path) as reader:
        start = reader.header.mono_start
        venue = replay_venue(reader.header.venue)
        if venue is None or venue.market is None:
            raise RecordingError(f"{path} records the venue {reader.header.venue!r}, whose market data this "
                                 "version cannot read")
        for rec in reader.records():
            try:
                _export_record(rec, venue.market)
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
