"""Interleaved timing: ours and every peer of a group measured in alternating rounds, in one process.

Why: on a shared machine the load changes from second to second.  Timing each
implementation as its own pytest-benchmark test, one after the other, lets a
busy minute land on one side only, and a ratio of two medians taken at
different times then measures the neighbours as much as the code.  Here every
round runs one batch of *every* implementation of the group, in an order
shuffled afresh each round (seeded, so a run is reproducible), after a few
untimed warm-up rounds: a load spike hits all sides alike, and no side is
systematically first (a cold cache) or last.

Batches of equal duration: a competing process takes the core in slices of a
few milliseconds.  A 0.5 ms batch of ours is rarely hit by one, a 10 ms batch
of a peer nearly always is, so with equal operation counts the peer's median
carries the load and ours does not (the ratio of medians then flatters us).
So the warm-up rounds also time one call of every side, and from then on each
side's batch repeats its call (``setup`` untimed, ``run`` timed) as many times
as makes it last about as long as the slowest side's single call (at most
``max_repeat`` times): every side is exposed to the load for the same time.

One group = one pytest-benchmark test.  Its own pytest-benchmark stats time a
whole round (every side's setups and batch) and are not what the report uses:
each call of ``run`` is timed here with ``time.perf_counter`` and every
round's batch time is stored in the test's ``extra_info["interleaved"]``::

    {"rounds": {impl: [seconds of each measured round's batch, ...]},
     "positions": {impl: [its place in each of those rounds, 0 = first]},
     "ops": {impl: operations per batch (the side's ops x its repeat)},
     "repeat": {impl: calls of run per batch}, "warm_call": {impl: fastest warm-up call, seconds},
     "warmup": warm-up rounds (not stored), "order": "shuffled every round (seed N)"}

``benchmarks/report.py`` turns that into one row per implementation and
computes every ratio from the same statistic on both sides (median of rounds
against median of rounds, fastest round against fastest round).

With timing disabled (the default ``pytest`` smoke pass) pytest-benchmark runs
the round once, without warm-up: every side's ``run`` is called once and its
``check`` runs, so the workloads are still verified.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

#: extra_info key holding the per-round times (report.py reads it)
KEY = "interleaved"


@dataclass
class Side:
    """One implementation of a group.

    ``run(*args)`` is one timed call of ``ops`` operations; ``setup()`` (untimed,
    called right before every call of ``run``, warm-up included) returns its
    ``args`` as a tuple; ``check()`` runs once after the last round and asserts
    the workload's result (which must therefore hold after any number of calls).
    """

    impl: str
    run: Callable[..., Any]
    ops: int = 1
    setup: Optional[Callable[[], tuple]] = None
    check: Optional[Callable[[], Any]] = None


@dataclass
class Timings:
    """What ``measure`` saw; every dict is keyed by impl."""

    times: dict[str, list[float]]                 # seconds of each measured round's batch
    positions: dict[str, list[int]]               # place in that round, 0 = ran first
    repeat: dict[str, int] = field(default_factory=dict)     # calls of run per batch
    warm_call: dict[str, float] = field(default_factory=dict)  # fastest single call in the warm-up


def repeats(call_seconds: dict[str, float], max_repeat: int) -> dict[str, int]:
    """impl -> calls per batch so every batch lasts about as long as the slowest single call.

    ``call_seconds`` holds each side's fastest warm-up call; the result is
    between 1 and ``max_repeat``."""
    slowest = max(call_seconds.values())
    return {impl: max(1, min(max_repeat, round(slowest / seconds))) if seconds > 0 else max_repeat
            for impl, seconds in call_seconds.items()}


def measure(sides: Sequence[Side], rounds: int, warmup: int, seed: int, max_repeat: int = 1000,
            call_round: Optional[Callable[[Callable[[], None]], None]] = None,
            clock: Callable[[], float] = time.perf_counter) -> Timings:
    """Run ``warmup`` + ``rounds`` interleaved rounds and return the measured rounds' batch times.

    Warm-up rounds call every side once and fix its repeat (``repeats``); with
    no warm-up every batch is one call.  ``call_round(one_round)`` drives the
    rounds (pytest-benchmark's pedantic); without it they are called in a loop.
    ``clock`` (seconds) times each call.  Raises ``ValueError`` on an empty
    group or two sides with the same impl.
    """
    if not sides:
        raise ValueError("an interleaved group needs at least one side")
    names = [side.impl for side in sides]
    if len(set(names)) != len(names):
        raise ValueError(f"two sides share an impl name: {names}")
    timings = Timings({name: [] for name in names}, {name: [] for name in names}, dict.fromkeys(names, 1))
    warm_calls = timings.warm_call
    order = list(sides)
    rng = random.Random(seed)
    done = [0]

    def one_round() -> None:
        index = done[0]
        done[0] += 1
        if index == warmup and warm_calls:
            timings.repeat.update(repeats(warm_calls, max_repeat))
        rng.shuffle(order)
        for position, side in enumerate(order):
            elapsed = 0.0
            for _ in range(timings.repeat[side.impl]):
                args = side.setup() if side.setup is not None else ()
                start = clock()
                side.run(*args)
                elapsed += clock() - start
            if index < warmup:
                warm_calls[side.impl] = min(elapsed, warm_calls.get(side.impl, elapsed))
            else:
                timings.times[side.impl].append(elapsed)
                timings.positions[side.impl].append(position)

    if call_round is None:
        for _ in range(warmup + rounds):
            one_round()
    else:
        call_round(one_round)
    return timings


def run_group(benchmark, group: str, sides: Sequence[Side], *, rounds: int, warmup: int = 10, seed: int = 22,
              max_repeat: int = 1000, targets: Optional[dict[str, float]] = None) -> Timings:
    """Time ``sides`` interleaved as the pytest-benchmark test ``benchmark`` and record them for report.py.

    ``targets`` are hbconn's (``{"hummingbot": 12.0}``: at least 12x faster on
    the median of the interleaved rounds).  With timing disabled one round runs
    (no warm-up, one call per side).  Every side's ``check`` runs at the end.
    Returns the timings.
    """
    benchmark.group = group
    benchmark.extra_info["impl"] = KEY
    if targets:
        benchmark.extra_info["targets"] = dict(targets)
    warm = warmup if benchmark.enabled else 0    # disabled: pedantic calls the round exactly once

    def call_round(one_round: Callable[[], None]) -> None:
        benchmark.pedantic(one_round, rounds=rounds, warmup_rounds=warm, iterations=1)

    timings = measure(sides, rounds, warm, seed, max_repeat, call_round)
    benchmark.extra_info[KEY] = {
        "rounds": timings.times,
        "positions": timings.positions,
        "ops": {side.impl: side.ops * timings.repeat[side.impl] for side in sides},
        "repeat": timings.repeat,
        "warm_call": timings.warm_call,
        "warmup": warm,
        "order": f"shuffled every round (seed {seed})",
    }
    for side in sides:
        if side.check is not None:
            side.check()
    return timings
