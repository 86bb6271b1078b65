"""Injected clocks: every timestamp the simulator hands out comes from one of these.

``SystemClock`` follows the wall clock; ``ManualClock`` only moves when a
test says so. Both carry ``skew_ms``, which the clock-skew fault sets: the
server then believes (and reports) a time that far from the truth.
"""
from __future__ import annotations

import time
from typing import Callable


class SystemClock:
    """Wall-clock milliseconds plus an injectable skew."""

    def __init__(self, time_fn: Callable[[], float] = time.time) -> None:
        self._time_fn = time_fn
        self.skew_ms = 0

    def now_ms(self) -> int:
        return int(self._time_fn() * 1000) + self.skew_ms


class ManualClock:
    """A clock that moves only through :meth:`advance` / :meth:`set` (deterministic tests)."""

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self._now_ms = start_ms
        self.skew_ms = 0

    def now_ms(self) -> int:
        return self._now_ms + self.skew_ms

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("a clock never goes backwards")
        self._now_ms += ms

    def set(self, now_ms: int) -> None:
        self._now_ms = now_ms
