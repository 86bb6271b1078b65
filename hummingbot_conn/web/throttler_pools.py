"""The live state of one rate limit inside ``AsyncThrottler``: its log, count and waiter queue.

Two window models, chosen by the venue's data (``RateLimit.fixed_window``):

* ``SlidingPool``: any ``interval`` seconds hold at most ``capacity``.  Each
  reservation stays in the log until ``interval`` seconds after it was made.
* ``CalendarPool``: the venue counts per calendar window (Binance: every
  UTC minute, every :00/:10/:20 s, every UTC day; docs/binance_spot.md
  section 1.4).  The whole count resets at each window start, so weight
  used -- and a figure the server reported -- is forgotten at the end of
  its window, not ``interval`` seconds after it was seen.

Both keep the log as two parallel deques (oldest first): floats and ints are
not tracked by the garbage collector, so 100k logged requests cost it nothing.
Every entry is pushed and popped once: O(1) amortised per reservation.

The waiter queue is ordered by priority (higher first), then arrival: the
same total order on every pool, so the best waiter overall is at the head of
all its queues and can always progress (no deadlock across linked pools).
"""
import asyncio
import math
from collections import deque
from decimal import Decimal
from typing import Any, Callable, Deque, Optional

from hummingbot_conn.web.rate_limit import RateLimit

__all__ = ["Pool", "SlidingPool", "CalendarPool", "Waiter", "make_pool"]


class Waiter:
    """One request queued for capacity; ``kick`` is set when something changed for it."""

    __slots__ = ("plan", "priority", "kick")

    def __init__(self, plan: Any, priority: int) -> None:
        self.plan = plan
        self.priority = priority
        self.kick: Optional[asyncio.Future] = None

    def wake(self) -> None:
        if self.kick is not None and not self.kick.done():
            self.kick.set_result(None)


def enqueue(waiters: Deque[Waiter], waiter: Waiter) -> None:
    """Insert behind every waiter of equal or higher priority (FIFO within a priority).

    O(1) when priorities arrive in non-increasing order (the usual case: one
    priority); otherwise O(lower-priority waiters passed)."""
    if not waiters or waiters[-1].priority >= waiter.priority:
        waiters.append(waiter)
        return
    index = len(waiters) - 1
    while index > 0 and waiters[index - 1].priority < waiter.priority:
        index -= 1
    waiters.insert(index, waiter)


class Pool:
    """Shared state and operations of both window models."""

    __slots__ = ("rate_limit", "limit_id", "full_limit", "capacity", "interval", "priority", "stamps",
                 "weights", "used", "waiters", "paused_until")

    def __init__(self, rate_limit: RateLimit, share: Decimal) -> None:
        self.rate_limit = rate_limit
        self.limit_id = rate_limit.limit_id
        self.full_limit = rate_limit.limit
        # floor, but never 0: a 1% share of a 50/10s limit still admits 1 request
        self.capacity = max(1, math.floor(Decimal(rate_limit.limit) * share / 100))
        self.interval = rate_limit.time_interval
        self.priority = rate_limit.priority
        self.stamps: Deque[float] = deque()
        self.weights: Deque[int] = deque()
        self.used = 0                            # weight counted in the current window
        self.waiters: Deque[Waiter] = deque()
        self.paused_until = -math.inf

    def add(self, now: float, weight: int) -> None:
        stamps = self.stamps
        if stamps and stamps[-1] == now:
            self.weights[-1] += weight
        else:
            stamps.append(now)
            self.weights.append(weight)
        self.used += weight

    def reserved_after(self, sent_at: float) -> int:
        """Weight logged after ``sent_at``: requests that may not have reached the server yet."""
        total = 0
        for ts, weight in zip(reversed(self.stamps), reversed(self.weights)):
            if ts <= sent_at:
                break
            total += weight
        return total

    # overridden by each model
    def expire(self, now: float) -> None:
        raise NotImplementedError

    def free_at(self, weight: int) -> float:
        raise NotImplementedError

    def accepts_figure(self, sent_at: Optional[float]) -> bool:
        raise NotImplementedError

    def raise_to(self, now: float, target: int) -> None:
        raise NotImplementedError

    def lower_to(self, target: int) -> None:
        raise NotImplementedError


class SlidingPool(Pool):
    """Any ``interval`` seconds hold at most ``capacity`` (hummingbot's model)."""

    __slots__ = ()

    def expire(self, now: float) -> None:
        # ``ts + interval <= now``, not ``ts <= now - interval``: the same float
        # expression as free_at(), so a waiter woken at free_at() finds it expired
        stamps = self.stamps
        interval = self.interval
        while stamps and stamps[0] + interval <= now:
            stamps.popleft()
            self.used -= self.weights.popleft()

    def free_at(self, weight: int) -> float:
        """Earliest time at which ``weight`` more units fit (log already expired)."""
        excess = self.used + weight - self.capacity
        if excess <= 0:
            return -math.inf
        freed = 0
        for ts, w in zip(self.stamps, self.weights):
            freed += w
            if freed >= excess:
                return ts + self.interval
        return math.inf  # unreachable while weight <= capacity: the whole log frees it

    def accepts_figure(self, sent_at: Optional[float]) -> bool:
        return True

    def raise_to(self, now: float, target: int) -> None:
        # the excess is logged now, so it slides out one interval from now
        self.add(now, target - self.used)

    def lower_to(self, target: int) -> None:
        """Forget weight starting from the oldest entries (a server correction downwards)."""
        weight = self.used - target
        stamps, weights = self.stamps, self.weights
        while weight > 0 and stamps:
            take = min(weight, weights[0])
            weights[0] -= take
            self.used -= take
            weight -= take
            if weights[0] == 0:
                stamps.popleft()
                weights.popleft()


class CalendarPool(Pool):
    """Calendar windows: the count resets at every whole multiple of ``interval`` (epoch, UTC).

    ``calendar`` gives the venue's time in epoch seconds (the throttler's
    clock need not be a calendar clock: the offset between them is sampled at
    each window change).  ``margin`` is how far that calendar time may be
    from the venue's own: the local window runs ``margin`` late (it never
    resets before the venue's has), and what was reserved within ``margin``
    of a boundary is counted in both windows it may fall in.  A server figure
    (``raise_to`` / ``lower_to``) is kept apart from the log and forgotten at
    the window's end.
    """

    __slots__ = ("calendar", "margin", "window_start", "window_end", "correction")

    def __init__(self, rate_limit: RateLimit, share: Decimal, calendar: Callable[[], float],
                 margin: float) -> None:
        super().__init__(rate_limit, share)
        self.calendar = calendar
        # a margin of a quarter window or more would count most requests twice
        self.margin = min(margin, self.interval / 4)
        self.window_start = -math.inf
        self.window_end = -math.inf
        self.correction = 0                      # server figure minus the log's sum, this window

    def expire(self, now: float) -> None:
        if now >= self.window_end:
            self._roll(now)

    def _roll(self, now: float) -> None:
        interval, margin = self.interval, self.margin
        offset = self.calendar() - now           # calendar seconds minus throttler-clock seconds
        index = math.floor((now + offset - margin) / interval)
        start = index * interval + margin - offset
        if start + interval <= now:              # float rounding at the boundary itself
            start += interval
        self.window_start = start
        self.window_end = start + interval
        self.used -= self.correction
        self.correction = 0
        keep_from = start - 2 * margin           # reserved near the boundary: may count in this window too
        stamps, weights = self.stamps, self.weights
        while stamps and stamps[0] < keep_from:
            stamps.popleft()
            self.used -= weights.popleft()

    def free_at(self, weight: int) -> float:
        """The window's end if ``weight`` does not fit now (re-checked then)."""
        if self.used + weight <= self.capacity:
            return -math.inf
        return self.window_end

    def accepts_figure(self, sent_at: Optional[float]) -> bool:
        # an answer to a request sent before this window began may carry the
        # previous window's count: applying it here would block a whole window
        return sent_at is None or sent_at >= self.window_start

    def raise_to(self, now: float, target: int) -> None:
        self.correction += target - self.used
        self.used = target

    def lower_to(self, target: int) -> None:
        self.correction -= self.used - target
        self.used = target


def make_pool(rate_limit: RateLimit, share: Decimal, calendar: Callable[[], float], margin: float) -> Pool:
    if rate_limit.fixed_window:
        return CalendarPool(rate_limit, share, calendar, margin)
    return SlidingPool(rate_limit, share)
