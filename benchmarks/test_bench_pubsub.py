"""PubSub dispatch: our compiled PubSub vs hummingbot's vs a dict of lists.

This file is also the worked example of the benchmark conventions
(benchmarks/README.md): one function per implementation, a shared group name,
batched rounds with ``extra_info["ops"]``, a peer from ``peer_import`` and an
assertion on the workload's result so the smoke run (timing disabled) checks it.

Workload: ``trigger_event`` on a tag with one listener, 1000 times per round.
Every implementation's listener is a Python-level ``__call__`` that counts, so
the difference is the dispatch itself.  No target ratio: this group documents
the pattern (hummingbot's PubSub is already compiled).
"""
from __future__ import annotations

from enum import Enum

from hummingbot_conn.core.pubsub import PubSub
from hummingbot_conn.events import MarketEvent

GROUP = "pubsub: trigger 1 listener"
OPS = 1000


class _DictPubSub:
    """The pure-Python baseline: tag value -> list of listeners."""

    def __init__(self) -> None:
        self._listeners: dict[int, list] = {}

    def add_listener(self, event_tag: Enum, listener) -> None:
        self._listeners.setdefault(event_tag.value, []).append(listener)

    def trigger_event(self, event_tag: Enum, message) -> None:
        for listener in self._listeners.get(event_tag.value, ()):
            listener(message)


class _Counter:
    """Listener for our PubSub and the baseline (any callable is accepted)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, message) -> None:
        self.count += 1


def _trigger_batch(pubsub, tag: Enum, message: object) -> None:
    trigger = pubsub.trigger_event
    for _ in range(OPS):
        trigger(tag, message)


def _run(benchmark, impl: str, pubsub, tag: Enum, counter) -> None:
    benchmark.group = GROUP
    benchmark.extra_info["impl"] = impl
    benchmark.extra_info["ops"] = OPS
    benchmark.extra_info["targets"] = {}
    pubsub.add_listener(tag, counter)
    message = object()
    benchmark(_trigger_batch, pubsub, tag, message)
    # every round delivered all OPS events to the one listener, and nothing else
    assert counter.count > 0
    assert counter.count % OPS == 0


def test_pubsub_trigger_hbconn(benchmark):
    _run(benchmark, "hbconn", PubSub(), MarketEvent.OrderFilled, _Counter())


def test_pubsub_trigger_hummingbot(benchmark, peer_import):
    hb_pubsub = peer_import("hummingbot.core.pubsub")
    hb_listener = peer_import("hummingbot.core.event.event_listener")
    hb_events = peer_import("hummingbot.core.event.events")

    class HbCounter(hb_listener.EventListener):
        # hummingbot only dispatches to EventListener instances
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def __call__(self, message) -> None:
            self.count += 1

    counter = HbCounter()  # a strong reference: hummingbot holds listeners weakly
    _run(benchmark, "hummingbot", hb_pubsub.PubSub(), hb_events.MarketEvent.OrderFilled, counter)


def test_pubsub_trigger_pure_python(benchmark):
    _run(benchmark, "pure_python", _DictPubSub(), MarketEvent.OrderFilled, _Counter())
