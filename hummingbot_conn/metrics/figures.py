"""The figures a bot's health is watched by: their catalog, and reading them from a tracker or a connector.

Nothing here imports ``prometheus_client``: this module only says which
figures exist (``CATALOG``: name, kind, labels, meaning; docs/metrics.md lists
the same) and reads their current values from the objects that keep them
(``read_tracker``, ``read_connector``).  The objects count as they work (plain
int increments, a latency ring); reading happens only when someone asks, so
watching costs the hot path nothing.

Every reader runs on the thread of the event loop that owns the objects
(``prometheus.HbconnCollector`` sees to that): the throttler's used weight
expires old entries as it is read, and dicts of pairs and orders change
while the loop runs.

A reading is a list of ``(name, label values, value)``; a value is a float,
or a :class:`SummaryValue` for the ``summary`` kinds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

from hummingbot_conn.tracking.order_book_tracker_metrics import LatencyStats

__all__ = ["CATALOG", "QUANTILES", "MetricSpec", "Reading", "SummaryValue", "read_connector", "read_tracker"]

QUANTILES = (0.5, 0.99)     # of each latency summary, over its last LatencyStats window (1024 samples)

_VENUE = ("venue",)
_PAIR = ("venue", "trading_pair")
_LIMIT = ("venue", "limit_id")


@dataclass(frozen=True)
class MetricSpec:
    """One metric: ``name`` as exposed (counters end in ``_total``), ``kind``
    (``counter``, ``gauge`` or ``summary``), its label names and its meaning."""

    name: str
    kind: str
    labels: Tuple[str, ...]
    help: str


@dataclass(frozen=True)
class SummaryValue:
    """A latency summary: ``quantiles`` (q -> seconds, NaN while no sample) and ``count`` (samples ever)."""

    quantiles: Tuple[Tuple[float, float], ...]
    count: int


Reading = List[Tuple[str, Tuple[str, ...], Any]]

# OrderBookPairMetrics field -> metric: each a counter per (venue, trading_pair)
_BOOK_COUNTERS: Tuple[Tuple[str, str, str], ...] = (
    ("diffs_applied", "hbconn_book_diffs_applied_total",
     "Depth diffs applied to the book (rate() of it is the diffs per second)."),
    ("diffs_stale", "hbconn_book_diffs_stale_total",
     "Depth diffs skipped because the book already held their updates (duplicates, late replays)."),
    ("diffs_refused", "hbconn_book_diffs_refused_total",
     "Depth diffs whose rows the book refused (NaN, negative, malformed); the book unchanged."),
    ("gaps", "hbconn_book_gaps_total",
     "Gaps in the diff sequence: a missed update, each followed by a resync."),
    ("resyncs", "hbconn_book_resyncs_total",
     "Snapshots applied to repair a book that had been synced (after a gap, a reconnect, an overflow)."),
    ("stream_interruptions", "hbconn_book_reconnects_total",
     "Market stream interruptions of the pair: each one a reconnect and a resync."),
    ("trades", "hbconn_book_trades_total", "Public trades applied to the book."),
    ("snapshots_applied", "hbconn_book_snapshots_applied_total",
     "Snapshots applied, from REST or sent on the stream (the first sync, resyncs and safeguard refreshes)."),
    ("snapshots_stale", "hbconn_book_snapshots_stale_total",
     "REST snapshots older than the buffered diffs: fetched again, never applied."),
    ("snapshot_errors", "hbconn_book_snapshot_errors_total", "REST snapshot requests that failed."),
    ("safeguard_snapshots", "hbconn_book_safeguard_snapshots_total", "Periodic safeguard snapshots applied."),
    ("buffer_overflows", "hbconn_book_buffer_overflows_total",
     "Buffered diffs dropped (oldest first) while a snapshot was awaited."),
    ("checksum_mismatches", "hbconn_book_checksum_mismatches_total",
     "Messages after which the book did not give the venue's checksum (a lost or corrupted message), "
     "each followed by a resync of that pair."),
)

# ClientOrderTrackerMetrics field -> metric: each a counter per venue
_ORDER_REPORT_COUNTERS: Tuple[Tuple[str, str, str], ...] = (
    ("stale_reports", "hbconn_order_reports_stale_total",
     "Order status reports refused as stale news (the order had moved past them): an expected race, "
     "logged at DEBUG."),
    ("refused_reports", "hbconn_order_reports_refused_total",
     "Order reports refused as contradicting what is known (a final status against another, an over-fill): "
     "each logged as a WARNING."),
    ("untracked_reports", "hbconn_order_reports_untracked_total",
     "Order reports for orders not (or no longer) tracked: logged at DEBUG."),
    ("duplicate_fills", "hbconn_order_fills_duplicate_total",
     "Fills whose trade id was already counted (the stream and a poll both reported it): ignored."),
)

CATALOG: Tuple[MetricSpec, ...] = (
    *(MetricSpec(name, "counter", _PAIR, text) for _, name, text in _BOOK_COUNTERS),
    MetricSpec("hbconn_book_apply_latency_seconds", "summary", _PAIR,
               "Seconds from a diff's frame being read off the socket to the book changing "
               "(p50 / p99 of the last 1024 diffs; _count: diffs ever sampled)."),
    MetricSpec("hbconn_book_synced", "gauge", _PAIR, "1 while the pair's book is synced and may be read, else 0."),
    MetricSpec("hbconn_book_unknown_pair_messages_total", "counter", _VENUE,
               "Market messages for a pair the tracker does not track."),
    MetricSpec("hbconn_book_parse_errors_total", "counter", _VENUE, "Market messages refused as unreadable."),
    MetricSpec("hbconn_connector_ready", "gauge", _VENUE,
               "1 while the connector is ready (books synced, balances, rules, user stream), else 0."),
    MetricSpec("hbconn_open_orders", "gauge", _PAIR,
               "Active orders (hummingbot's in_flight_orders: placed and not finished), per pair."),
    MetricSpec("hbconn_lost_orders", "gauge", _VENUE,
               "Orders marked lost (the exchange repeatedly did not know them), still polled."),
    MetricSpec("hbconn_order_round_trip_seconds", "summary", ("venue", "action"),
               "Seconds from sending an order request to the exchange's acceptance; action is create or "
               "cancel (p50 / p99 of the last 1024; _count: accepted requests ever)."),
    MetricSpec("hbconn_order_cancels_not_open_total", "counter", _VENUE,
               "Cancels answered 'unknown order' (filled or gone meanwhile, an expected race; its status "
               "is asked for)."),
    *(MetricSpec(name, "counter", _VENUE, text) for _, name, text in _ORDER_REPORT_COUNTERS),
    MetricSpec("hbconn_rate_limit_weight_used", "gauge", _LIMIT,
               "Weight counted in the current window of the rate limit (ours, corrected by the venue's "
               "used-weight headers)."),
    MetricSpec("hbconn_rate_limit_weight_left", "gauge", _LIMIT,
               "Weight still admitted in the current window: capacity minus used, at least 0."),
    MetricSpec("hbconn_rate_limit_weight_capacity", "gauge", _LIMIT,
               "Weight per window this connector may use (the limit times its share)."),
    MetricSpec("hbconn_rate_limit_window_seconds", "gauge", _LIMIT, "Length of the rate limit's sliding window."),
    MetricSpec("hbconn_rate_limit_waiting_requests", "gauge", _LIMIT,
               "Requests queued for capacity on the rate limit."),
    MetricSpec("hbconn_user_stream_lag_seconds", "summary", _VENUE,
               "Seconds from a user event's time on the venue's clock to the connector taking it "
               "(p50 / p99 of the last 1024 events; _count: events ever)."),
    MetricSpec("hbconn_user_stream_silence_seconds", "gauge", _VENUE,
               "Seconds since the user stream last delivered an event or (re)connected (NaN: never)."),
    MetricSpec("hbconn_user_events_refused_total", "counter", ("venue", "event_type"),
               "User stream frames the venue's strict parser refused, per event type (each answered by a "
               "REST reconcile; the first of a type logged as an ERROR, the others at DEBUG)."),
    MetricSpec("hbconn_user_stream_reconnects_total", "counter", _VENUE,
               "User stream reconnects since start_network (each followed by a REST reconcile)."),
    MetricSpec("hbconn_reconciles_total", "counter", _VENUE,
               "REST reconciliations done (balances and the status of every tracked order)."),
    MetricSpec("hbconn_last_reconcile_timestamp_seconds", "gauge", _VENUE,
               "When the last REST reconciliation finished, on the connector's clock (Unix seconds by "
               "default; 0: none yet)."),
)


def _summary(stats: LatencyStats) -> SummaryValue:
    # one sort for every quantile (LatencyStats.percentile sorts per call); its nearest-rank rule
    ordered = sorted(stats.samples())
    last = len(ordered) - 1
    quantiles = tuple((q, ordered[min(last, max(0, int(round(q * last))))] if ordered else math.nan)
                      for q in QUANTILES)
    return SummaryValue(quantiles, stats.count)


def read_tracker(tracker: Any, venue: str) -> Reading:
    """The book figures of an ``OrderBookTracker``: per pair (labels ``venue``, ``trading_pair``) and per tracker.
    Cost: O(pairs * 1024) for the latency quantiles."""
    metrics = tracker.metrics
    out: Reading = []
    for pair, pair_metrics in list(metrics.pairs.items()):
        labels = (venue, pair)
        for field, name, _ in _BOOK_COUNTERS:
            out.append((name, labels, float(getattr(pair_metrics, field))))
        out.append(("hbconn_book_apply_latency_seconds", labels, _summary(pair_metrics.latency)))
        out.append(("hbconn_book_synced", labels, 1.0 if tracker.is_synced(pair) else 0.0))
    out.append(("hbconn_book_unknown_pair_messages_total", (venue,), float(metrics.unknown_pair_messages)))
    out.append(("hbconn_book_parse_errors_total", (venue,), float(metrics.parse_errors)))
    return out


def _open_orders_by_pair(connector: Any) -> Dict[str, int]:
    counts: Dict[str, int] = dict.fromkeys(connector.trading_pairs, 0)     # a pair without orders shows 0
    for order in list(connector.in_flight_orders.values()):
        counts[order.trading_pair] = counts.get(order.trading_pair, 0) + 1
    return counts


def _rate_limits(connector: Any, venue: str) -> Reading:
    throttler = connector.throttler
    out: Reading = []
    for rate_limit in throttler.rate_limits:
        limit_id = rate_limit.limit_id
        labels = (venue, limit_id)
        used = throttler.used_weight(limit_id)
        capacity = throttler.capacity(limit_id)
        out += [("hbconn_rate_limit_weight_used", labels, float(used)),
                ("hbconn_rate_limit_weight_left", labels, float(max(0, capacity - used))),
                ("hbconn_rate_limit_weight_capacity", labels, float(capacity)),
                ("hbconn_rate_limit_window_seconds", labels, float(rate_limit.time_interval)),
                ("hbconn_rate_limit_waiting_requests", labels, float(throttler.waiting(limit_id)))]
    return out


def read_connector(connector: Any, venue: str) -> Reading:
    """The figures of an ``ExchangePyBase`` connector (its orders, rate limits, user stream and
    reconciliation; label ``venue``), without its books (``read_tracker`` of its ``order_book_tracker``).
    Cost: O(active orders + rate limits + 2 * 1024)."""
    labels = (venue,)
    placer = connector._order_placer
    poller = connector._status_poller
    order_metrics = connector._order_tracker.metrics
    out: Reading = [("hbconn_connector_ready", labels, 1.0 if connector.ready else 0.0)]
    for pair, count in _open_orders_by_pair(connector).items():
        out.append(("hbconn_open_orders", (venue, pair), float(count)))
    out += [("hbconn_lost_orders", labels, float(len(connector._order_tracker.lost_orders))),
            ("hbconn_order_round_trip_seconds", (venue, "create"), _summary(placer.create_round_trip)),
            ("hbconn_order_round_trip_seconds", (venue, "cancel"), _summary(placer.cancel_round_trip)),
            ("hbconn_order_cancels_not_open_total", labels, float(placer.cancels_not_open))]
    for field, name, _ in _ORDER_REPORT_COUNTERS:
        out.append((name, labels, float(getattr(order_metrics, field))))
    out += _rate_limits(connector, venue)
    if connector.user_stream_tracker is not None:
        silence = connector.current_timestamp - poller.last_stream_activity
        out += [("hbconn_user_stream_lag_seconds", labels, _summary(connector.user_stream_lag)),
                ("hbconn_user_stream_silence_seconds", labels, silence if math.isfinite(silence) else math.nan),
                ("hbconn_user_stream_reconnects_total", labels,
                 float(max(0, connector._user_stream_connections - 1)))]
        for event_type, count in connector.refused_user_events.items():
            out.append(("hbconn_user_events_refused_total", (venue, event_type), float(count)))
    out += [("hbconn_reconciles_total", labels, float(poller.poll_count)),
            ("hbconn_last_reconcile_timestamp_seconds", labels, float(poller.last_poll_timestamp))]
    return out

