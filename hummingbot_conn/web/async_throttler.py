"""AsyncThrottler: sliding-window rate limiting for asyncio clients.

Design (why it looks like this):

* **O(1) amortised acquire.**  Each limit keeps its own log, a deque of
  ``(timestamp, weight)`` entries in time order, plus a running sum of the
  weight in the window.  Expiry pops from the left; a reservation appends on
  the right (merged into the last entry when the timestamp is equal).  Each
  entry is pushed and popped once, so an acquire costs O(1 + linked limits)
  amortised however many requests are in the window.  (hummingbot rebuilds
  and regroups one shared list on every check: O(n) per acquire, O(n^2)
  overall, W-10.)
* **Atomic check and reservation.**  The check and the reservation happen in
  one synchronous stretch with no ``await`` between them; under asyncio's
  single thread nothing can slip in between (W-12).
* **First come, first served.**  Every limit has a FIFO queue of waiters.  A
  request is admitted at once only if no one is queued on any limit it
  touches; otherwise it queues on all of them and is admitted only when it is
  at the head of each.  The globally oldest waiter is at the head of all its
  queues, so someone can always progress: no deadlock, no overtaking.
* **Exact waits.**  A head waiter computes when the window will have freed
  enough weight (or the server-imposed pause ends) and sleeps until exactly
  then; it is woken earlier when something changes (server correction,
  pause, the waiter ahead left).  No polling.
* **All-or-nothing linked limits.**  A request is charged on its own limit
  and on every linked pool, or on none.
* **Clear errors at once.**  An unknown limit id raises ``UnknownLimitError``;
  a weight larger than a limit's capacity raises ``WeightExceedsLimitError``
  (hummingbot raised AttributeError or spun forever).
* **Learns from the server.**  ``update_used_weight`` corrects a pool from a
  header such as ``X-MBX-USED-WEIGHT-1M``; ``pause`` honours ``Retry-After``.

The clock and the sleep function are injected, so tests run on virtual time.
"""
import asyncio
import math
import time
from collections import deque
from decimal import Decimal
from typing import Awaitable, Callable, Deque, Dict, Iterable, List, Optional, Tuple, Union

from hummingbot_conn.web.errors import ThrottleTimeoutError, UnknownLimitError, WeightExceedsLimitError
from hummingbot_conn.web.rate_limit import RateLimit

__all__ = ["AsyncThrottler", "AsyncRequestContext"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class _Pool:
    """Live state of one limit: its window log, running sum and waiter queue."""

    __slots__ = ("rate_limit", "limit_id", "full_limit", "capacity", "interval", "stamps", "weights", "used",
                 "waiters", "paused_until")

    def __init__(self, rate_limit: RateLimit, share: Decimal) -> None:
        self.rate_limit = rate_limit
        self.limit_id = rate_limit.limit_id
        self.full_limit = rate_limit.limit
        # floor, but never 0: a 1% share of a 50/10s limit still admits 1 request
        self.capacity = max(1, math.floor(Decimal(rate_limit.limit) * share / 100))
        self.interval = rate_limit.time_interval
        # the log as two parallel deques (oldest first): floats and ints are not
        # tracked by the garbage collector, so 100k logged requests cost it nothing
        self.stamps: Deque[float] = deque()
        self.weights: Deque[int] = deque()
        self.used = 0                            # sum of weights
        self.waiters: Deque["_Waiter"] = deque()
        self.paused_until = -math.inf

    def expire(self, now: float) -> None:
        # ``ts + interval <= now``, not ``ts <= now - interval``: the same float
        # expression as free_at(), so a waiter woken at free_at() finds it expired
        stamps = self.stamps
        interval = self.interval
        while stamps and stamps[0] + interval <= now:
            stamps.popleft()
            self.used -= self.weights.popleft()

    def add(self, now: float, weight: int) -> None:
        stamps = self.stamps
        if stamps and stamps[-1] == now:
            self.weights[-1] += weight
        else:
            stamps.append(now)
            self.weights.append(weight)
        self.used += weight

    def trim_oldest(self, weight: int) -> None:
        """Forget ``weight`` units starting from the oldest entries (a server correction downwards)."""
        stamps, weights = self.stamps, self.weights
        while weight > 0 and stamps:
            take = min(weight, weights[0])
            weights[0] -= take
            self.used -= take
            weight -= take
            if weights[0] == 0:
                stamps.popleft()
                weights.popleft()

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


Plan = Tuple[Tuple[_Pool, int], ...]


class _Waiter:
    __slots__ = ("plan", "kick")

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.kick: Optional[asyncio.Future] = None

    def wake(self) -> None:
        if self.kick is not None and not self.kick.done():
            self.kick.set_result(None)


class AsyncRequestContext:
    """``async with throttler.execute_task(limit_id):`` admits one request.

    The weight is consumed on entry (the window counts requests sent, whatever
    their outcome); leaving the block releases nothing.  ``acquired_at`` is the
    throttler-clock time of admission, for ``update_used_weight(sent_at=...)``;
    ``waited`` the seconds spent waiting for it.  With a ``timeout``, entry
    raises ``ThrottleTimeoutError`` once that many seconds passed unadmitted
    (nothing is reserved then).
    """

    __slots__ = ("_throttler", "_plan", "_timeout", "acquired_at", "waited")

    def __init__(self, throttler: "AsyncThrottler", plan: Plan, timeout: Optional[float] = None) -> None:
        self._throttler = throttler
        self._plan = plan
        self._timeout = timeout
        self.acquired_at: float = math.nan
        self.waited: float = 0.0

    async def acquire(self) -> None:
        await self.__aenter__()

    async def __aenter__(self) -> "AsyncRequestContext":
        self.acquired_at = await self._throttler._admit(self._plan, self._timeout, self)
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
    """

    def __init__(self, rate_limits: Iterable[RateLimit],
                 limits_share_percentage: Union[int, float, Decimal, None] = 100,
                 *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        share = Decimal(str(limits_share_percentage if limits_share_percentage is not None else 100))
        if not (0 < share <= 100):
            raise ValueError(f"limits_share_percentage must be in (0, 100], got {limits_share_percentage!r}")
        self._share = share
        self._clock = clock
        self._sleep = sleep
        self._pools: Dict[str, _Pool] = {}
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
                new[rate_limit.limit_id] = _Pool(rate_limit, self._share)
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
        """Weight counted in the current window of ``limit_id``.  O(expired entries)."""
        pool = self._pool(limit_id)
        pool.expire(self._clock())
        return pool.used

    def waiting(self, limit_id: str) -> int:
        """Number of requests queued on ``limit_id``."""
        return len(self._pool(limit_id).waiters)

    def paused_until(self, limit_id: str) -> float:
        """Clock time until which ``limit_id`` admits nothing (``-inf`` when not paused)."""
        return self._pool(limit_id).paused_until

    # --------------------------------------------------------------- acquiring
    def execute_task(self, limit_id: str, weight: Optional[int] = None, *,
                     timeout: Optional[float] = None) -> AsyncRequestContext:
        """An async context manager that admits one request on ``limit_id``.

        ``weight`` overrides the limit's own weight (the linked pools are
        charged their declared weights).  ``timeout``: seconds (throttler
        clock) to wait at most, then ``ThrottleTimeoutError``; None waits as
        long as it takes.  Raises ``UnknownLimitError`` or
        ``WeightExceedsLimitError`` here, synchronously.
        """
        return AsyncRequestContext(self, self._plan(limit_id, weight),
                                   None if timeout is None else _check_timeout(timeout))

    async def acquire(self, limit_id: str, weight: Optional[int] = None, *, timeout: Optional[float] = None) -> float:
        """Wait until admitted; returns the admission time on the throttler clock (``timeout`` as above)."""
        return await self._admit(self._plan(limit_id, weight), _check_timeout(timeout))

    def try_acquire(self, limit_id: str, weight: Optional[int] = None) -> bool:
        """Admit now if possible without waiting (and without overtaking a waiter)."""
        plan = self._plan(limit_id, weight)
        now = self._clock()
        if self._fits(plan, now, None):
            self._reserve(plan, now)
            return True
        return False

    def _pool(self, limit_id: str) -> _Pool:
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
    def _fits(plan: Plan, now: float, waiter: Optional[_Waiter]) -> bool:
        for pool, weight in plan:
            if pool.waiters and pool.waiters[0] is not waiter:
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
                     context: Optional[AsyncRequestContext] = None) -> float:
        now = self._clock()
        if self._fits(plan, now, None):          # fast path: no await between check and reserve
            self._reserve(plan, now)
            return now
        admitted = await self._wait(plan, math.inf if timeout is None else now + timeout)
        if context is not None:
            context.waited = max(0.0, admitted - now)
        return admitted

    async def _wait(self, plan: Plan, deadline: float = math.inf) -> float:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(plan)
        for pool, _ in plan:
            pool.waiters.append(waiter)
        try:
            while True:
                waiter.kick = loop.create_future()
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
                    await self._sleep_until_kicked(waiter.kick, min(ready, deadline) - now)
                elif now >= deadline:
                    raise self._timed_out(plan, deadline, math.nan)
                elif deadline == math.inf:
                    await waiter.kick
                else:
                    await self._sleep_until_kicked(waiter.kick, deadline - now)
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

        Cost: O(entries reserved after ``sent_at``) + O(entries trimmed).
        """
        if isinstance(used, bool) or not isinstance(used, int) or used < 0:
            raise ValueError(f"used weight must be an int >= 0, got {used!r}")
        pool = self._pool(limit_id)
        now = self._clock()
        pool.expire(now)
        in_flight = 0
        if sent_at is not None:
            for ts, weight in zip(reversed(pool.stamps), reversed(pool.weights)):
                if ts <= sent_at:
                    break
                in_flight += weight
        target = used + in_flight - (pool.full_limit - pool.capacity)
        if target > pool.used:
            pool.add(now, target - pool.used)
        elif target < pool.used and pool.capacity == pool.full_limit:
            pool.trim_oldest(pool.used - max(target, 0))
            self._wake_all_heads()

    def pause(self, limit_id: str, seconds: float, include_linked: bool = True) -> None:
        """Admit nothing on ``limit_id`` (and by default its linked pools) for ``seconds``.

        For a 429 / 418 ``Retry-After``.  Pausing a pool holds every limit that
        links to it.  Pauses only ever extend.
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
