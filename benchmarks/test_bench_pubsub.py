"""PubSub dispatch: our compiled PubSub vs hummingbot's vs a dict of lists.

This file is also the worked example of the benchmark conventions
(benchmarks/README.md): one test per group, timed interleaved by the
``interleave`` fixture (every round runs one batch of each side in a shuffled
order), batches of ``OPS`` operations, a peer from the ``peers`` fixture (left
out when peers are off) and a check of the workload's result on every side, so
the smoke run (timing disabled, one round) verifies it.

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
ROUNDS = 200


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


def _side(interleave, impl: str, pubsub, tag: Enum, counter):
    """One implementation's side: ``OPS`` triggers per batch, then a check of what the listener got."""
    pubsub.add_listener(tag, counter)
    message = object()
    trigger = pubsub.trigger_event

    def run() -> None:
        for _ in range(OPS):
            trigger(tag, message)

    def check() -> None:
        # every batch delivered all OPS events to the one listener, and nothing else
        assert counter.count > 0
        assert counter.count % OPS == 0

    return interleave.Side(impl, run, ops=OPS, check=check)


def _hummingbot_side(interleave, peers):
    hb_pubsub = peers("hummingbot.core.pubsub")
    hb_listener = peers("hummingbot.core.event.event_listener")
    hb_events = peers("hummingbot.core.event.events")

    class HbCounter(hb_listener.EventListener):
        # hummingbot only dispatches to EventListener instances
        def __init__(self) -> None:
            super().__init__()
            self.count = 0

        def __call__(self, message) -> None:
            self.count += 1

    # the side keeps a strong reference to its counter: hummingbot holds listeners weakly
    return _side(interleave, "hummingbot", hb_pubsub.PubSub(), hb_events.MarketEvent.OrderFilled, HbCounter())


def test_pubsub_trigger(interleave, peers):
    sides = [_side(interleave, "hbconn", PubSub(), MarketEvent.OrderFilled, _Counter()),
             _side(interleave, "pure_python", _DictPubSub(), MarketEvent.OrderFilled, _Counter())]
    if peers is not None:      # peers off (the default smoke pass): ours and the baseline only
        sides.append(_hummingbot_side(interleave, peers))
    interleave.run(GROUP, sides, rounds=ROUNDS)
