"""Kraken's per-pair trading counter, estimated on our side (docs/kraken_spot.md section 8).

Every placement adds 1 to the pair's counter and every cancel adds a
penalty that falls with the order's age (under 5 s: 8, to 10 s: 6, to 15 s:
5, to 45 s: 4, to 90 s: 2, older: 0); the counter decays at a steady rate
(Starter: 1 per second) and the venue refuses orders with ``EOrder:Rate
limit exceeded`` above its threshold (Starter: 60).  Placements wait here
until the estimate leaves room, so the venue's refusal is rare; when it
comes anyway (other clients on the key), the counter is taken as full, which
holds placements of that pair exactly as long as the venue's counter needs to
decay, never longer.  Cancels are never held (a cancel protects capital);
their penalty is counted.  Times are seconds of an injected clock.
"""
from __future__ import annotations

import time
from typing import Callable, Dict, Tuple

__all__ = ["TradingCounter", "cancel_penalty"]

_PENALTIES = ((5.0, 8), (10.0, 6), (15.0, 5), (45.0, 4), (90.0, 2))


def cancel_penalty(age: float) -> int:
    """The counter's cost of cancelling an order ``age`` seconds old."""
    for limit, cost in _PENALTIES:
        if age < limit:
            return cost
    return 0


class TradingCounter:
    """One decaying counter per pair: ``threshold`` (the venue's maximum), ``decay`` per second."""

    def __init__(self, threshold: float = 60.0, decay: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not (threshold > 0 and decay > 0):
            raise ValueError("threshold and decay must be > 0")
        self.threshold = float(threshold)
        self.decay = float(decay)
        self._clock = clock
        self._counts: Dict[str, Tuple[float, float]] = {}     # pair -> (value, at)

    def value(self, pair: str) -> float:
        value, at = self._counts.get(pair, (0.0, 0.0))
        return max(0.0, value - (self._clock() - at) * self.decay)

    def add(self, pair: str, cost: float) -> None:
        self._counts[pair] = (self.value(pair) + cost, self._clock())

    def refund(self, pair: str, cost: float) -> None:
        """Take back ``cost`` counted for a request the venue did not process (never below 0)."""
        self._counts[pair] = (max(0.0, self.value(pair) - cost), self._clock())

    def wait_for(self, pair: str, cost: float = 1.0) -> float:
        """Seconds until ``cost`` more stays within the threshold (0: now)."""
        excess = self.value(pair) + cost - self.threshold
        return max(0.0, excess / self.decay)

    def saturate(self, pair: str) -> None:
        """The venue said the counter is full."""
        self._counts[pair] = (max(self.value(pair), self.threshold), self._clock())
