"""Kraken's two counters (docs/kraken_spot.md, section 8): the REST call counter per API key, and the
trading counter per API key and pair, both decaying continuously with time.

* Call counter: +1 per private REST call (+2 for ``TradesHistory``, ``QueryTrades``,
  ``Ledgers``; ``AddOrder`` / ``CancelOrder`` / ``CancelAll`` count on the trading
  counter instead). Maximum and decay per tier: starter 15 at 0.33/s,
  intermediate 20 at 0.5/s, pro 20 at 1/s. A call that would pass the maximum
  is refused, ``EAPI:Rate limit exceeded``, and not counted.
* Trading counter, per pair: +1 per order placed; a cancel adds a penalty by
  the order's age: under 5 s +8, under 10 s +6, under 15 s +5, under 45 s +4,
  under 90 s +2, later 0. Threshold and decay per tier: starter 60 at 1/s,
  intermediate 125 at 2.34/s, pro 180 at 3.75/s. A new order that would pass the
  threshold is refused, ``EOrder:Rate limit exceeded``; a cancel is always
  carried out (it only adds its penalty), so no client is locked in an order.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import errors as E
from .errors import kraken_error

__all__ = ["Tier", "TIERS", "DecayingCounter", "KrakenLimits", "cancel_penalty"]


@dataclass(frozen=True)
class Tier:
    calls_max: float
    calls_decay: float          # per second
    trading_max: float
    trading_decay: float        # per second


TIERS = {
    "starter": Tier(15, 0.33, 60, 1.0),
    "intermediate": Tier(20, 0.5, 125, 2.34),
    "pro": Tier(20, 1.0, 180, 3.75),
}

#: (age below, in ms, penalty) of a cancelled order, youngest first; older: 0
CANCEL_PENALTIES = ((5_000, 8), (10_000, 6), (15_000, 5), (45_000, 4), (90_000, 2))


def cancel_penalty(age_ms: int) -> int:
    for below, penalty in CANCEL_PENALTIES:
        if age_ms < below:
            return penalty
    return 0


class DecayingCounter:
    """A value that falls by ``decay`` per second down to 0 (clock in ms)."""
    __slots__ = ("value", "at_ms", "decay")

    def __init__(self, decay: float, now_ms: int) -> None:
        self.value, self.at_ms, self.decay = 0.0, now_ms, decay

    def current(self, now_ms: int) -> float:
        if now_ms > self.at_ms:
            self.value = max(0.0, self.value - self.decay * (now_ms - self.at_ms) / 1000)
            self.at_ms = now_ms
        return self.value


class KrakenLimits:
    """Both counters of every key, on ``clock`` (``now_ms()``), for ``tier``."""

    def __init__(self, clock, tier: str = "intermediate") -> None:
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {', '.join(TIERS)}, got {tier!r}")
        self.clock = clock
        self.tier = TIERS[tier]
        self._calls: dict[str, DecayingCounter] = {}
        self._trading: dict[tuple[str, str], DecayingCounter] = {}

    def calls(self, key: str) -> DecayingCounter:
        counter = self._calls.get(key)
        if counter is None:
            counter = self._calls[key] = DecayingCounter(self.tier.calls_decay, self.clock.now_ms())
        return counter

    def trading(self, key: str, pair: str) -> DecayingCounter:
        counter = self._trading.get((key, pair))
        if counter is None:
            counter = self._trading[(key, pair)] = DecayingCounter(self.tier.trading_decay, self.clock.now_ms())
        return counter

    def charge_call(self, key: str, cost: int) -> None:
        """Count a private REST call; raises ``EAPI:Rate limit exceeded`` (uncounted) past the maximum."""
        if cost <= 0:
            return
        counter = self.calls(key)
        if counter.current(self.clock.now_ms()) + cost > self.tier.calls_max:
            raise kraken_error(E.API_RATE_LIMIT)
        counter.value += cost

    def charge_order(self, key: str, pair: str) -> None:
        """Count a new order; raises ``EOrder:Rate limit exceeded`` (uncounted) past the threshold."""
        counter = self.trading(key, pair)
        if counter.current(self.clock.now_ms()) + 1 > self.tier.trading_max:
            raise kraken_error(E.ORDER_RATE_LIMIT)
        counter.value += 1

    def charge_cancel(self, key: str, pair: str, placed_ms: int) -> None:
        """Add a cancel's penalty (by the order's age); a cancel is never refused."""
        now = self.clock.now_ms()
        counter = self.trading(key, pair)
        counter.current(now)
        counter.value += cancel_penalty(now - placed_ms)
