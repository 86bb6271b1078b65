"""The Prometheus side: a collector over registered trackers and connectors, and its registration.

``HbconnCollector`` is a ``prometheus_client`` custom collector: it holds no
metric objects and keeps no state per frame; at each scrape it reads the
figures (``figures.read_tracker`` / ``read_connector``) and builds the metric
families of ``figures.CATALOG``.

Thread safety: the trackers and connectors belong to one asyncio event loop,
and some of their figures change as they are read (the throttler expires
its window).  ``register_*`` notes the loop running at that moment; a scrape
from that loop's thread (``start_metrics_server``) reads directly, a scrape
from another thread (``prometheus_client.start_http_server``, a WSGI app)
hands the reading to the loop with ``call_soon_threadsafe`` and waits for it
at most ``read_timeout`` seconds (a loop blocked for longer shows as
``hbconn_metrics_read_failures_total`` rising and the figures missing).
Sources are held by weak reference: a connector the bot dropped drops out.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import weakref
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, CollectorRegistry

from hummingbot_conn.metrics.figures import CATALOG, Reading, SummaryValue, read_connector, read_tracker

__all__ = ["HbconnCollector", "collector_for", "register_connector", "register_tracker", "unregister"]

_log = logging.getLogger(__name__)

READ_TIMEOUT = 5.0      # seconds a scrape from another thread waits for the owning loop


class _Source:
    """One registered object, by weak reference, with its venue label and owning loop."""

    __slots__ = ("ref", "venue", "loop", "reader")

    def __init__(self, obj: Any, venue: str, loop: Optional[asyncio.AbstractEventLoop],
                 reader: Callable[[Any, str], Reading]) -> None:
        self.ref = weakref.ref(obj)
        self.venue = venue
        self.loop = loop
        self.reader = reader

    def read(self) -> Reading:
        obj = self.ref()
        return [] if obj is None else self.reader(obj, self.venue)


def _connector_reading(connector: Any, venue: str) -> Reading:
    return read_tracker(connector.order_book_tracker, venue) + read_connector(connector, venue)


class HbconnCollector:
    """Figures of every registered tracker and connector, read at scrape time.

    ``collect()`` / ``describe()`` are the ``prometheus_client`` collector
    interface.  Use ``register_tracker`` / ``register_connector`` rather than
    ``add`` directly.  ``read_failures``: sources that could not be read
    (their loop did not answer within ``read_timeout`` s, or reading raised).
    """

    def __init__(self, read_timeout: float = READ_TIMEOUT) -> None:
        self.read_timeout = read_timeout
        self.read_failures = 0
        self._sources: List[_Source] = []
        self._lock = threading.Lock()

    # ---- sources ---------------------------------------------------------------------------
    def add(self, obj: Any, venue: str, reader: Callable[[Any, str], Reading]) -> None:
        """Watch ``obj`` under ``venue``.  Idempotent for the same object and venue; ``ValueError`` when
        ``venue`` already names another live object (two series with one label set would be invalid)."""
        if not isinstance(venue, str) or not venue:
            raise ValueError(f"venue must be a non-empty str, got {venue!r}")
        try:
            loop: Optional[asyncio.AbstractEventLoop] = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._lock:
            self._sources = [s for s in self._sources if s.ref() is not None]
            for source in self._sources:
                if source.venue != venue:
                    continue
                if source.ref() is obj and source.reader is reader:
                    source.loop = loop or source.loop
                    return
                raise ValueError(f"the venue label {venue!r} is already registered for another object; "
                                 f"pass another venue= (e.g. {venue + '_2'!r}) or unregister() the first")
            self._sources.append(_Source(obj, venue, loop, reader))

    def remove(self, obj: Any) -> bool:
        """Stop watching ``obj``; False if it was not registered."""
        with self._lock:
            kept = [s for s in self._sources if s.ref() is not None and s.ref() is not obj]
            removed = len(kept) != len([s for s in self._sources if s.ref() is not None])
            self._sources = kept
        return removed

    # ---- prometheus_client collector interface -------------------------------------------------
    def describe(self) -> Iterable[Metric]:
        """The families without samples: lets a registry check names without reading anything."""
        return [_family(spec.name, spec.kind, spec.help, spec.labels) for spec in CATALOG] + [_failures_family(0)]

    def collect(self) -> Iterator[Metric]:
        by_name: Dict[str, List[Tuple[Tuple[str, ...], Any]]] = {spec.name: [] for spec in CATALOG}
        for name, labels, value in self._read_all():
            by_name[name].append((labels, value))
        for spec in CATALOG:
            family = _family(spec.name, spec.kind, spec.help, spec.labels)
            for labels, value in by_name[spec.name]:
                _add(family, spec.kind, spec.name, spec.labels, labels, value)
            yield family
        yield _failures_family(self.read_failures)

    # ---- reading on the owning loop -------------------------------------------------------------
    def _read_all(self) -> Reading:
        with self._lock:
            sources = [s for s in self._sources if s.ref() is not None]
        try:
            current: Optional[asyncio.AbstractEventLoop] = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        out: Reading = []
        elsewhere: Dict[asyncio.AbstractEventLoop, List[_Source]] = {}
        for source in sources:
            loop = source.loop
            if loop is None or loop is current or loop.is_closed() or not loop.is_running():
                out += self._read_here(source)          # nothing else runs on its objects now
            else:
                elsewhere.setdefault(loop, []).append(source)
        for loop, group in elsewhere.items():
            out += self._read_on(loop, group)
        return out

    def _read_here(self, source: _Source) -> Reading:
        try:
            return source.read()
        except Exception:  # noqa: BLE001 - one unreadable source must not fail the scrape of the others
            self.read_failures += 1
            _log.warning("could not read the figures of venue %r", source.venue, exc_info=True)
            return []

    def _read_on(self, loop: asyncio.AbstractEventLoop, group: List[_Source]) -> Reading:
        future: concurrent.futures.Future = concurrent.futures.Future()

        def read() -> None:
            if future.set_running_or_notify_cancel():
                future.set_result([sample for source in group for sample in self._read_here(source)])

        try:
            loop.call_soon_threadsafe(read)
            return future.result(timeout=self.read_timeout)
        except (concurrent.futures.TimeoutError, RuntimeError):    # RuntimeError: the loop closed meanwhile
            future.cancel()
            self.read_failures += len(group)
            _log.warning("the event loop of %s did not answer within %g s; their figures are left out of "
                         "this scrape", ", ".join(repr(s.venue) for s in group), self.read_timeout)
            return []


def _family(name: str, kind: str, help_text: str, labels: Tuple[str, ...]) -> Metric:
    if kind == "counter":
        return CounterMetricFamily(name, help_text, labels=labels)
    if kind == "gauge":
        return GaugeMetricFamily(name, help_text, labels=labels)
    return Metric(name, help_text, "summary")


def _add(family: Metric, kind: str, name: str, label_names: Tuple[str, ...], labels: Tuple[str, ...],
         value: Any) -> None:
    if kind in ("counter", "gauge"):
        family.add_metric(list(labels), value)      # type: ignore[attr-defined]
        return
    assert isinstance(value, SummaryValue)
    named = dict(zip(label_names, labels))
    for q, seconds in value.quantiles:
        family.add_sample(name, {**named, "quantile": repr(q)}, seconds)
    family.add_sample(name + "_count", named, float(value.count))


def _failures_family(value: int) -> Metric:
    family = CounterMetricFamily("hbconn_metrics_read_failures_total",
                                 "Sources whose figures could not be read at a scrape (their event loop "
                                 "did not answer in time, or reading raised).")
    family.add_metric([], float(value))
    return family


_collectors: "weakref.WeakKeyDictionary[CollectorRegistry, HbconnCollector]" = weakref.WeakKeyDictionary()
_collectors_lock = threading.Lock()


def collector_for(registry: Optional[CollectorRegistry] = None) -> HbconnCollector:
    """The one ``HbconnCollector`` of ``registry`` (default: ``prometheus_client.REGISTRY``), registered there
    on first use."""
    registry = REGISTRY if registry is None else registry
    with _collectors_lock:
        collector = _collectors.get(registry)
        if collector is None:
            collector = _collectors[registry] = HbconnCollector()
            registry.register(collector)
        return collector


def register_tracker(tracker: Any, venue: str, *, registry: Optional[CollectorRegistry] = None) -> None:
    """Export the book figures of an ``OrderBookTracker`` under the label ``venue`` (e.g. ``"binance"``).

    Call it from the event loop that runs the tracker (its figures are then read there).  ``ValueError``
    when ``venue`` is already registered for another object in ``registry``."""
    collector_for(registry).add(tracker, venue, read_tracker)


def register_connector(connector: Any, venue: Optional[str] = None, *,
                       registry: Optional[CollectorRegistry] = None) -> None:
    """Export the figures of an ``ExchangePyBase`` connector (e.g. ``BinanceExchange``): its books, orders,
    rate limits, user stream and reconciliation, under the label ``venue`` (default ``connector.name``).

    Call it from the event loop that runs the connector.  ``ValueError`` when the venue is already
    registered for another object (two connectors of one venue: pass ``venue="binance_2"``)."""
    collector_for(registry).add(connector, connector.name if venue is None else venue, _connector_reading)


def unregister(obj: Any, *, registry: Optional[CollectorRegistry] = None) -> bool:
    """Stop exporting a tracker or connector; False if it was not registered."""
    return collector_for(registry).remove(obj)
