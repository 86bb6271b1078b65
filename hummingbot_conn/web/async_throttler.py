"""AsyncThrottler: rate limiting for asyncio clients, sliding or calendar windows.

Design (why it looks like this):

* **O(1) amortised acquire.**  Each limit keeps its own log, a deque of
  ``(timestamp, weight)`` entries in time order, plus a running sum of the
  weight in the window.  Expiry pops from the left; a reservation appends on
  the right (merged into the last entry when the timestamp is equal).  Each
  entry is pushed and popped once, so an acquire costs O(1 + linked limits)
  amortised however many requests are in the window.  (hummingbot rebuilds
  and regroups one shared list on every check: O(n) per acquire, O(n^2)
  overall, W-10.)
* **The venue's window model.**  A limit is sliding (hummingbot's model) or,
  when its ``RateLimit`` says ``fixed_window=True``, counted per calendar
  window like Binance does (every UTC minute, docs/binance_spot.md section
  1.4): the count, and any figure the server reported for it, resets at the
  window's start.  A calendar window runs ``calendar_margin`` seconds late
  and counts what was sent within that margin of a boundary in both windows,
  so a clock that is off by less than the margin never makes us send into the
  venue's previous window.
* **Atomic check and reservation.**  The check and the reservation happen in
  one synchronous stretch with no ``await`` between them; under asyncio's
  single thread nothing can slip in between (W-12).
* **Priority, then first come, first served.**  Every limit has a queue of
  waiters ordered by priority (higher first; ``RateLimit.priority`` or the
  caller's), then arrival.  A request is admitted at once only if no waiter
  of its priority or higher is queued on any limit it touches (and it fits);
  otherwise it queues on all of them and is admitted only when it is at the
  head of each.  The queues share one total order, so the best waiter is at
  the head of all its queues: no deadlock, and no overtaking within a
  priority.  So when weight is scarce a cancel (``CANCEL_PRIORITY``) goes
  before the placements and polls queued ahead of it; a steady stream of
  higher-priority requests can hold lower ones back (cancels are bounded by
  the orders there are to cancel).
* **Exact waits.**  A head waiter computes when its windows will have room
  (or the server-imposed pause ends) and sleeps until exactly then; it is
  woken earlier when something changes (server correction, pause, the waiter
  ahead left).  No polling.
* **All-or-nothing linked limits.**  A request is charged on its own limit
  and on every linked pool, or on none.
* **Clear errors at once.**  An unknown limit id raises ``UnknownLimitError``;
  a weight larger than a limit's capacity raises ``WeightExceedsLimitError``
  (hummingbot raised AttributeError or spun forever).
* **Learns from the server.**  ``update_used_weight`` corrects a pool from a
  header such as ``X-MBX-USED-WEIGHT-1M`` (on a calendar pool, for the current
  window only); ``pause`` honours ``Retry-After`` and ends when the server
  said, not later.

The clocks and the sleep function are injected, so tests run on virtual time.
"""
import asyncio
import math
import time
from decimal import Decimal
from typing import Awaitable, Callable, Dict, Iterable, List, Optional, Tuple, Union

from hummingbot_conn.web.errors import ThrottleTimeoutError, UnknownLimitError, WeightExceedsLimitError
from hummingbot_conn.web.rate_limit import RateLimit, check_priority
from hummingbot_conn.web.throttler_pools import Pool, Waiter, enqueue, make_pool

__all__ = ["AsyncThrottler", "AsyncRequestContext"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


Plan = Tuple[Tuple[Pool, int], ...]
DEFAULT_CALENDAR_MARGIN = 0.5   # seconds: a synchronised clock is within tens of ms of the venue's


class AsyncRequestContext:
    """``async with throttler.execute_task(limit_id):`` admits one request.

    The weight is consumed on entry (the window counts requests sent, whatever
    their outcome); leaving the block releases nothing.  ``acquired_at`` is the
    throttler-clock time of admission, for ``update_used_weight(sent_at=...)``;
    ``waited`` the seconds spent waiting for it.  With a ``timeout``, entry
    raises ``ThrottleTimeoutError`` once that many seconds passed unadmitted
    (nothing is reserved then).
    """

    __slots__ = ("_throttler", "_plan", "_timeout", "_priority", "acquired_at", "waited")

    def __init__(self, throttler: "AsyncThrottler", plan: Plan, timeout: Optional[float] = None,
                 priority: Optional[int] = None) -> None:
        self._throttler = throttler
        self._plan = plan
        self._timeout = timeout
        self._priority = priority
        self.acquired_at: float = math.nan
        self.waited: float = 0.0

    async def acquire(self) -> None:
        await self.__aenter__()

    async def __aenter__(self) -> "AsyncRequestContext":
        self.acquired_at = await self._throttler._admit(self._plan, self._timeout, self, self._priority)
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        return None


def _check_timeout(timeout: Optional[float]) -> Optional[float]:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout >= 0:
        raise ValueError(f"timeout must be a number of seconds >= 0 or None, got {timeout!r}")
    return float(timeout)


class AsyncThrottler:
    """Admits requests so that no limit's weight per window is exceeded.

    :param rate_limits: the limits (endpoint limits and the pools they link to)
    :param limits_share_percentage: the share of every limit this instance may
        use (several bots on one account); capacities are floored, minimum 1
    :param clock: monotonic time in seconds (injected for tests)
    :param sleep: ``async sleep(seconds)`` matching ``clock`` (injected for tests)
    :param calendar_clock: the venue's time in Unix-epoch seconds, which places
        the windows of ``fixed_window`` limits (a connector passes its
        ``TimeSynchronizer.time``).  Default: ``time.time`` with the default
        ``clock``; an injected ``clock`` is itself taken as the calendar.
    :param calendar_margin: seconds the calendar clock may be off from the
        venue's (>= 0; at most a quarter of each window is used)
    """

    def __init__(self, rate_limits: Iterable[RateLimit],
                 limits_share_percentage: Union[int, float, Decimal, None] = 100,
                 *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep,
                 calendar_clock: Optional[Clock] = None,
                 calendar_margin: float = DEFAULT_CALENDAR_MARGIN) -> None:
        share = Decimal(str(limits_share_percentage if limits_share_percentage is not None else 100))
        if not (0 < share <= 100):
            raise ValueError(f"limits_share_percentage must be in (0, 100], got {limits_share_percentage!r}")
        if isinstance(calendar_margin, bool) or not isinstance(calendar_margin, (int, float)) \
                or not 0 <= calendar_margin < math.inf:
            raise ValueError(f"calendar_margin must be a finite number of seconds >= 0, got {calendar_margin!r}")
        self._share = share
        self._clock = clock
        self._sleep = sleep
        if calendar_clock is None:
            calendar_clock = time.time if clock is time.monotonic else clock
        self._calendar = calendar_clock
        self._calendar_margin = float(calendar_margin)
        self._pools: Dict[str, Pool] = {}
        self._plans: Dict[str, Plan] = {}
        self.set_rate_limits(rate_limits)

    # ----------------------------------------------------------- configuration
    @property
    def limits_share_percentage(self) -> Decimal:
        return self._share

    @property
    def rate_limits(self) -> List[RateLimit]:
        return [pool.rate_limit for pool in self._pools.values()]

    def set_rate_limits(self, rate_limits: Iterable[RateLimit]) -> None:
        """Replace every limit and forget the logs (only while no request is waiting)."""
        if any(pool.waiters for pool in self._pools.values()):
            raise RuntimeError("set_rate_limits while requests are waiting; call add_rate_limits instead")
        self._pools = {}
        self._plans = {}
        self.add_rate_limits(rate_limits)

    def add_rate_limits(self, rate_limits: Iterable[RateLimit]) -> None:
        """Add limits at runtime (e.g. a new trading pair's); ids already present are kept as they are."""
        new = {}
        for rate_limit in rate_limits:
            if not isinstance(rate_limit, RateLimit):
                raise TypeError(f"expected RateLimit, got {rate_limit!r}")
            if rate_limit.limit_id not in self._pools and rate_limit.limit_id not in new:
                new[rate_limit.limit_id] = make_pool(rate_limit, self._share, self._calendar,
                                                     self._calendar_margin)
        for pool in new.values():
            for link in pool.rate_limit.linked_limits:
                if link.limit_id not in self._pools and link.limit_id not in new:
                    raise UnknownLimitError(
                        f"rate limit {pool.limit_id!r} links to {link.limit_id!r}, which is not defined")
        self._pools.update(new)

    def get_related_limits(self, limit_id: str) -> Tuple[RateLimit, List[Tuple[RateLimit, int]]]:
        """The limit and its linked pools with their weights (hummingbot's API)."""
        pool = self._pool(limit_id)
        return pool.rate_limit, [(self._pools[link.limit_id].rate_limit, link.weight)
                                 for link in pool.rate_limit.linked_limits]

    def capacity(self, limit_id: str) -> int:
        """The weight per window this instance may use on ``limit_id`` (after the share)."""
        return self._pool(limit_id).capacity

    def used_weight(self, limit_id: str) -> int:
        """Weight counted in the current window of ``limit_id`` (server figures included).  O(expired entries)."""
        pool = self._pool(limit_id)
        pool.expire(self._clock())
        return pool.used

    def waiting(self, limit_id: str) -> int:
        """Number of requests queued on ``limit_id``."""
        return len(self._pool(limit_id).waiters)

    def paused_until(self, limit_id: str) -> float:
        """Clock time until which ``limit_id`` admits nothing (``-inf`` when not paused)."""
        return self._pool(limit_id).paused_until

    def window_end(self, limit_id: str) -> float:
        """Throttler-clock time at which the current window of a ``fixed_window`` limit resets
        (``ValueError`` for a sliding one, whose weight frees entry by entry)."""
        pool = self._pool(limit_id)
        if not pool.rate_limit.fixed_window:
            raise ValueError(f"{limit_id!r} is a sliding-window limit")
        pool.expire(self._clock())
        return pool.window_end     # type: ignore[attr-defined]

    # --------------------------------------------------------------- acquiring
    def execute_task(self, limit_id: str, weight: Optional[int] = None, *,
                     timeout: Optional[float] = None, priority: Optional[int] = None) -> AsyncRequestContext:
        """An async context manager that admits one request on ``limit_id``.

        ``weight`` overrides the limit's own weight (the linked pools are
        charged their declared weights).  ``timeout``: seconds (throttler
        clock) to wait at most, then ``ThrottleTimeoutError``; None waits as
        long as it takes.  ``priority`` overrides the limit's (higher first).
        Raises ``UnknownLimitError``, ``WeightExceedsLimitError`` or
        ``ValueError`` here, synchronously.
        """
        return AsyncRequestContext(self, self._plan(limit_id, weight),
                                   None if timeout is None else _check_timeout(timeout),
                                   None if priority is None else check_priority(priority))

    async def acquire(self, limit_id: str, weight: Optional[int] = None, *, timeout: Optional[float] = None,
                      priority: Optional[int] = None) -> float:
        """Wait until admitted; returns the admission time on the throttler clock (arguments as above)."""
        return await self._admit(self._plan(limit_id, weight), _check_timeout(timeout), None,
                                 None if priority is None else check_priority(priority))

    def time(self) -> float:
        """Now on the throttler clock (the time ``update_used_weight(sent_at=...)`` takes)."""
        return self._clock()

    def try_acquire(self, limit_id: str, weight: Optional[int] = None, *, priority: Optional[int] = None) -> bool:
        """Admit now if possible without waiting (and without overtaking a waiter of its priority or higher)."""
        plan = self._plan(limit_id, weight)
        now = self._clock()
        if self._fits(plan, now, plan[0][0].priority if priority is None else check_priority(priority)):
            self._reserve(plan, now)
            return True
        return False

    def would_admit(self, limit_id: str, weight: Optional[int] = None, *, priority: Optional[int] = None) -> bool:
        """True when ``try_acquire`` would admit now; charges nothing (a rehearsal's question,
        hummingbot_conn/connector/order_path_warmer.py)."""
        plan = self._plan(limit_id, weight)
        return self._fits(plan, self._clock(), plan[0][0].priority if priority is None else check_priority(priority))

    def _pool(self, limit_id: str) -> Pool:
        try:
            return self._pools[limit_id]
        except KeyError:
            raise UnknownLimitError(f"no rate limit is defined for {limit_id!r}") from None

    def _plan(self, limit_id: str, weight: Optional[int]) -> Plan:
        if weight is None:
            plan = self._plans.get(limit_id)
            if plan is not None:
                return plan
        pool = self._pool(limit_id)
        own = pool.rate_limit.weight if weight is None else weight
        if isinstance(own, bool) or not isinstance(own, int) or own < 0:
            raise ValueError(f"weight must be an int >= 0, got {own!r}")
        plan = ((pool, own),) + tuple((self._pools[link.limit_id], link.weight)
                                      for link in pool.rate_limit.linked_limits)
        for p, w in plan:
            if w > p.capacity:
                raise WeightExceedsLimitError(
                    f"a request on {limit_id!r} weighs {w} on {p.limit_id!r}, whose limit is {p.capacity} "
                    f"per {p.interval:g}s (at a {self._share}% share): it could never be admitted")
        if weight is None:
            self._plans[limit_id] = plan
        return plan

    @staticmethod
    def _fits(plan: Plan, now: float, priority: int) -> bool:
        """Fast-path check of a request not queued yet: no waiter of ``priority`` or higher, and room."""
        for pool, weight in plan:
            waiters = pool.waiters
            if waiters and waiters[0].priority >= priority:
                return False
            if pool.paused_until > now:
                return False
            pool.expire(now)
            if pool.used + weight > pool.capacity:
                return False
        return True

    @staticmethod
    def _reserve(plan: Plan, now: float) -> None:
        for pool, weight in plan:
            if weight:
                pool.add(now, weight)

    async def _admit(self, plan: Plan, timeout: Optional[float] = None,
                     context: Optional[AsyncRequestContext] = None, priority: Optional[int] = None) -> float:
        now = self._clock()
        if priority is None:
            priority = plan[0][0].priority
        if self._fits(plan, now, priority):      # fast path: no await between check and reserve
            self._reserve(plan, now)
            return now
        admitted = await self._wait(plan, priority, math.inf if timeout is None else now + timeout)
        if context is not None:
            context.waited = max(0.0, admitted - now)
        return admitted

    async def _wait(self, plan: Plan, priority: int, deadline: float = math.inf) -> float:
        loop = asyncio.get_running_loop()
        waiter = Waiter(plan, priority)
        for pool, _ in plan:
            enqueue(pool.waiters, waiter)
        try:
            while True:
                kick = waiter.kick = loop.create_future()
                now = self._clock()
                if all(pool.waiters[0] is waiter for pool, _ in plan):
                    ready = now
                    for pool, weight in plan:
                        pool.expire(now)
                        ready = max(ready, pool.paused_until, pool.free_at(weight))
                    if ready <= now:
                        self._reserve(plan, now)
                        return now
                    if now >= deadline:
                        raise self._timed_out(plan, deadline, ready)
                    await self._sleep_until_kicked(kick, min(ready, deadline) - now)
                elif now >= deadline:
                    raise self._timed_out(plan, deadline, math.nan)
                elif deadline == math.inf:
                    await kick
                else:
                    await self._sleep_until_kicked(kick, deadline - now)
        finally:
            for pool, _ in plan:
                if pool.waiters and pool.waiters[0] is waiter:
                    pool.waiters.popleft()
                else:                            # cancelled while queued behind others
                    try:
                        pool.waiters.remove(waiter)
                    except ValueError:
                        pass
            # the next in line may fit now (admitted: leftover capacity; cancelled: it was blocked by us)
            self._wake_heads(plan)

    def _timed_out(self, plan: Plan, deadline: float, ready: float) -> ThrottleTimeoutError:
        limit_id = plan[0][0].limit_id
        when = f"; capacity expected in {ready - deadline:.3g}s more" if ready == ready and ready < math.inf else ""
        return ThrottleTimeoutError(f"no capacity on rate limit {limit_id!r} within the timeout{when}: "
                                    "the request was not sent")

    async def _sleep_until_kicked(self, kick: asyncio.Future, delay: float) -> None:
        sleeper = asyncio.ensure_future(self._sleep(delay))
        try:
            await asyncio.wait((sleeper, kick), return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not sleeper.done():
                sleeper.cancel()

    @staticmethod
    def _wake_heads(plan: Plan) -> None:
        for pool, _ in plan:
            if pool.waiters:
                pool.waiters[0].wake()

    def _wake_all_heads(self) -> None:
        for pool in self._pools.values():
            if pool.waiters:
                pool.waiters[0].wake()

    # ----------------------------------------------------- learning from server
    def update_used_weight(self, limit_id: str, used: int, sent_at: Optional[float] = None) -> None:
        """Correct ``limit_id``'s count from the server's figure (e.g. ``X-MBX-USED-WEIGHT-1M``).

        ``used`` is what the server counted when it answered a request sent at
        ``sent_at`` (throttler clock; ``AsyncRequestContext.acquired_at``).
        Weight this instance reserved after ``sent_at`` may not have reached the
        server yet, so it is added back.  The server counts the whole IP, so:

        * at a 100% share the local count is set to the server's (up or down:
          the server's window may have reset before ours);
        * at a smaller share other bots' usage is in the figure, so the count
          is only ever raised, to keep ``full limit - used`` of headroom.

        On a ``fixed_window`` limit the figure is the count of the venue's
        current calendar window: it holds until that window ends and is then
        forgotten (a 429's figure above the limit blocks until the reset, not
        for a whole interval from now).  An answer to a request sent before
        the current window began is ignored, since it may be the previous
        window's count.  On a sliding limit the excess is logged now and
        slides out one interval later.

        Cost: O(entries reserved after ``sent_at``) + O(entries trimmed).
        """
        if isinstance(used, bool) or not isinstance(used, int) or used < 0:
            raise ValueError(f"used weight must be an int >= 0, got {used!r}")
        pool = self._pool(limit_id)
        now = self._clock()
        pool.expire(now)
        if not pool.accepts_figure(sent_at):
            return
        in_flight = 0 if sent_at is None else pool.reserved_after(sent_at)
        target = used + in_flight - (pool.full_limit - pool.capacity)
        if target > pool.used:
            pool.raise_to(now, target)
        elif target < pool.used and pool.capacity == pool.full_limit:
            pool.lower_to(max(target, 0))
            self._wake_all_heads()

    def pause(self, limit_id: str, seconds: float, include_linked: bool = True) -> None:
        """Admit nothing on ``limit_id`` (and by default its linked pools) for ``seconds``.

        For a 429 / 418 ``Retry-After``: the pause ends when the server said
        (``seconds`` from now on the throttler clock), and only the window
        counts can hold a request longer.  Pausing a pool holds every limit
        that links to it.  Pauses only ever extend.
        """
        seconds = float(seconds)
        if not seconds >= 0 or seconds == math.inf:
            raise ValueError(f"pause must be a finite number of seconds >= 0, got {seconds!r}")
        pool = self._pool(limit_id)
        until = self._clock() + seconds
        pools = [pool]
        if include_linked:
            pools.extend(self._pools[link.limit_id] for link in pool.rate_limit.linked_limits)
        for p in pools:
            if until > p.paused_until:
                p.paused_until = until
        self._wake_all_heads()

    def __repr__(self) -> str:
        return f"AsyncThrottler({len(self._pools)} limits, share={self._share}%)"
