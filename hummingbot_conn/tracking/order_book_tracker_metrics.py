"""Counters and latency figures of an ``OrderBookTracker``, per pair and in total.

hummingbot's ``OrderBookTrackerMetrics`` counts processed / rejected / queued
messages; these count what the sequencing rule (docs/contracts.md, "Contract 1:
order book sequencing") decided for each diff, plus the repairs it caused.

Latency is message-to-applied: from the moment the frame was read off the
socket (``WSResponse.received_at``, the connection's clock) to the moment the
book changed, so a diff that waited in a resync buffer shows its wait.  Every
applied diff is sampled into a fixed ring (no unbounded growth); percentiles
are computed when asked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict

# the ring is compiled: a compiled data source path adds a sample with a C call (_latency_stats.pyx)
from hummingbot_conn.tracking._latency_stats import LatencyStats

__all__ = ["LatencyStats", "OrderBookPairMetrics", "OrderBookTrackerMetrics"]

LATENCY_WINDOW = 1024        # samples kept per ring: the last ~100 s of a 10 frames/s pair


@dataclass
class OrderBookPairMetrics:
    """What happened to one pair's book since it was added.

    ``diffs_applied`` / ``diffs_stale`` / ``gaps``: the core's verdicts
    (``DiffResult``); ``resyncs``: snapshots applied to repair a book that had
    been synced before, so the first sync is not a resync; ``resyncs_<reason>``
    count them by what had broken the sync: ``gap``, ``stream_interrupted``,
    ``ids_backwards``, ``stale_diffs``, ``checksum`` (their sum is ``resyncs``;
    a buffer overflow is part of the resync it happened in).  Why a synced book was
    found provably behind its stream (``order_book_sync.py``, step 5):
    ``ids_backwards``: a diff's id below the previous diff's on the stream, or
    a resync whose snapshots stayed below the book's last id for longer than
    the stale limit (a venue that restarted its ids); ``stale_runs``: runs of
    ``STALE`` diffs that outlasted the stale limit (the book's ids ahead of
    the venue's).  ``snapshots_stale``: snapshots refused because
    they were older than what the book or its buffer already held (fetched
    again, never applied); ``buffer_overflows``: buffered diffs dropped
    (oldest first) while a snapshot was awaited; ``safeguard_snapshots``:
    periodic refreshes applied; ``diffs_refused``: diffs whose rows the book
    refused (``ValueError``: NaN, negative, malformed), or that lacked what the
    data source's declared sequence rule or checksum needs, the book unchanged
    (the lost update then shows as a gap and is repaired).
    ``checksum_mismatches``: messages after which the book did not give the
    venue's checksum (each a resync of that pair, docs/contracts.md, Contract 1,
    "Depth and checksums"); ``checksums_unverified``: checksums that could not
    be judged (not an int, or a level too large to render exactly): no proof
    either way, the book stays as it is.
    """

    diffs_applied: int = 0
    diffs_stale: int = 0
    gaps: int = 0
    resyncs: int = 0
    trades: int = 0
    snapshots_applied: int = 0
    snapshots_stale: int = 0
    snapshot_errors: int = 0
    safeguard_snapshots: int = 0
    buffer_overflows: int = 0
    stream_interruptions: int = 0
    diffs_refused: int = 0
    ids_backwards: int = 0
    stale_runs: int = 0
    resyncs_gap: int = 0
    resyncs_stream_interrupted: int = 0
    resyncs_ids_backwards: int = 0
    resyncs_stale_diffs: int = 0
    checksum_mismatches: int = 0
    checksums_unverified: int = 0
    resyncs_checksum: int = 0
    latency: LatencyStats = field(default_factory=LatencyStats, repr=False)

    _COUNTERS = ("diffs_applied", "diffs_stale", "gaps", "resyncs", "trades", "snapshots_applied",
                 "snapshots_stale", "snapshot_errors", "safeguard_snapshots", "buffer_overflows",
                 "stream_interruptions", "diffs_refused", "ids_backwards", "stale_runs", "resyncs_gap",
                 "resyncs_stream_interrupted", "resyncs_ids_backwards", "resyncs_stale_diffs",
                 "checksum_mismatches", "checksums_unverified", "resyncs_checksum")

    def to_dict(self) -> Dict[str, float]:
        out: Dict[str, float] = {name: getattr(self, name) for name in self._COUNTERS}
        out["latency_p50_s"] = self.latency.p50
        out["latency_p99_s"] = self.latency.p99
        return out


@dataclass
class OrderBookTrackerMetrics:
    """``pairs[trading_pair]`` and ``total`` (the sum over pairs, latency rings merged;
    ``total`` is computed on each access, O(pairs * LATENCY_WINDOW)).

    ``unknown_pair_messages``: messages for a pair the tracker does not track
    (a late frame after ``remove_trading_pair``, or a venue sending extra data).
    """

    pairs: Dict[str, OrderBookPairMetrics] = field(default_factory=dict)
    unknown_pair_messages: int = 0
    parse_errors: int = 0

    @property
    def total(self) -> OrderBookPairMetrics:
        kept = sum(min(m.latency.count, LATENCY_WINDOW) for m in self.pairs.values())
        total = OrderBookPairMetrics(latency=LatencyStats(max(1, kept)))      # every pair's samples
        for pair_metrics in self.pairs.values():
            for name in OrderBookPairMetrics._COUNTERS:
                setattr(total, name, getattr(total, name) + getattr(pair_metrics, name))
            total.latency.extend(pair_metrics.latency)
        return total

    def to_dict(self) -> Dict[str, object]:
        return {"total": self.total.to_dict(),
                "pairs": {pair: m.to_dict() for pair, m in self.pairs.items()},
                "unknown_pair_messages": self.unknown_pair_messages,
                "parse_errors": self.parse_errors}
