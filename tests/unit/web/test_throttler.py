"""AsyncThrottler on virtual time: exact windows, FIFO, linked pools, clear errors, server learning."""
import asyncio
import heapq
import math

import pytest
from hypothesis import given, settings, strategies as st

from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.errors import UnknownLimitError, WeightExceedsLimitError
from hummingbot_conn.web.rate_limit import LinkedLimitWeightPair, RateLimit


class VirtualClock:
    """A clock plus an ``async sleep`` that only moves when the test advances it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._heap = []
        self._seq = 0
        self.sleeps = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        fut = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (self.now + max(delay, 0.0), self._seq, fut))
        self._seq += 1
        await fut

    @staticmethod
    async def settle() -> None:
        for _ in range(30):
            await asyncio.sleep(0)

    async def run_until(self, done) -> None:
        """Let tasks run; when all are blocked, jump to the next sleeper's wake time."""
        while True:
            await self.settle()
            if done():
                return
            while self._heap and self._heap[0][2].done():
                heapq.heappop(self._heap)
            assert self._heap, "deadlock: tasks blocked and nothing scheduled"
            when, _, fut = heapq.heappop(self._heap)
            self.now = max(self.now, when)
            fut.set_result(None)


def make(limits, clock, share=100):
    return AsyncThrottler(limits, limits_share_percentage=share, clock=clock, sleep=clock.sleep)


async def _run_requests(throttler, clock, specs):
    """specs: list of (limit_id, weight); all start at once; returns admissions [(time, index)]."""
    admitted = []

    async def one(i, limit_id, weight):
        async with throttler.execute_task(limit_id, weight) as ctx:
            admitted.append((clock(), i))
            assert ctx.acquired_at == clock()

    tasks = [asyncio.ensure_future(one(i, lid, w)) for i, (lid, w) in enumerate(specs)]
    await clock.run_until(lambda: all(t.done() for t in tasks))
    for t in tasks:
        t.result()
    return admitted


async def test_exactly_n_per_window_under_concurrency():
    clock = VirtualClock()
    throttler = make([RateLimit("A", limit=5, time_interval=10)], clock)
    admitted = await _run_requests(throttler, clock, [("A", None)] * 12)
    times = [t for t, _ in admitted]
    assert times == [1000.0] * 5 + [1010.0] * 5 + [1020.0] * 2
    assert [i for _, i in admitted] == list(range(12))          # FIFO
    # the head waiter slept exactly until capacity freed: no polling
    assert clock.sleeps == [10.0, 10.0]


async def test_later_light_request_never_overtakes_heavier_waiter():
    clock = VirtualClock()
    throttler = make([RateLimit("A", limit=10, time_interval=1)], clock)
    await throttler.acquire("A", weight=8)
    admitted = await _run_requests(throttler, clock, [("A", 5), ("A", 1), ("A", 1)])
    # weight 1 would fit at once (8 + 1 <= 10) but arrives after the weight-5 waiter
    assert admitted == [(1001.0, 0), (1001.0, 1), (1001.0, 2)]


async def test_weight_above_limit_fails_at_once():
    clock = VirtualClock()
    throttler = make([RateLimit("A", limit=3, time_interval=1)], clock)
    with pytest.raises(WeightExceedsLimitError, match="never be admitted"):
        throttler.execute_task("A", weight=4)
    with pytest.raises(WeightExceedsLimitError):
        await throttler.acquire("A", weight=4)


async def test_share_percentage_floors_capacity_and_keeps_minimum_one():
    clock = VirtualClock()
    limits = [RateLimit("P", limit=10, time_interval=1), RateLimit("Q", limit=1000, time_interval=1),
              RateLimit("E", limit=100, time_interval=1, linked_limits=[LinkedLimitWeightPair("P", 2)])]
    throttler = make(limits, clock, share=5)
    assert throttler.capacity("P") == 1          # floor(0.5) -> min 1
    assert throttler.capacity("Q") == 50
    assert throttler.capacity("E") == 5
    # the link weighs 2 on a pool shrunk to 1: a clear error, not a hang (W-10c)
    with pytest.raises(WeightExceedsLimitError, match="'P'"):
        throttler.execute_task("E")
    with pytest.raises(ValueError):
        AsyncThrottler(limits, limits_share_percentage=0)
    with pytest.raises(ValueError):
        AsyncThrottler(limits, limits_share_percentage=101)


async def test_unknown_limit_id_is_a_typed_error_not_attribute_error():
    clock = VirtualClock()
    throttler = make([RateLimit("A", limit=3, time_interval=1)], clock)
    with pytest.raises(UnknownLimitError, match="'nope'"):
        throttler.execute_task("nope")
    with pytest.raises(UnknownLimitError):
        throttler.update_used_weight("nope", 1)
    with pytest.raises(UnknownLimitError, match="links to 'MISSING'"):
        make([RateLimit("B", 1, 1, linked_limits=[LinkedLimitWeightPair("MISSING")])], clock)


def test_rate_limit_validation():
    with pytest.raises(ValueError):
        RateLimit("A", limit=0, time_interval=1)
    with pytest.raises(ValueError):
        RateLimit("A", limit=1, time_interval=0)
    with pytest.raises(ValueError):
        RateLimit("A", limit=1, time_interval=float("nan"))
    with pytest.raises(ValueError):
        RateLimit("A", limit=1, time_interval=1, weight=-1)
    with pytest.raises(ValueError):
        LinkedLimitWeightPair("P", weight=-2)
    with pytest.raises(ValueError):
        RateLimit("A", 1, 1, linked_limits=[LinkedLimitWeightPair("P"), LinkedLimitWeightPair("P")])
    assert RateLimit("A", 2, 1) == RateLimit("A", 2, 1.0)


def test_would_admit_answers_as_try_acquire_would_and_charges_nothing():
    clock = VirtualClock()
    limits = [RateLimit("POOL", limit=3, time_interval=10),
              RateLimit("E1", limit=100, time_interval=10, linked_limits=[LinkedLimitWeightPair("POOL", 2)])]
    throttler = make(limits, clock)
    for _ in range(5):
        assert throttler.would_admit("E1")
    assert (throttler.used_weight("E1"), throttler.used_weight("POOL")) == (0, 0)
    assert throttler.try_acquire("E1")
    assert not throttler.would_admit("E1")          # the pool lacks 2 units now
    assert not throttler.try_acquire("E1")
    assert throttler.used_weight("POOL") == 2
    with pytest.raises(UnknownLimitError):
        throttler.would_admit("nope")


async def test_linked_limits_are_all_or_nothing():
    clock = VirtualClock()
    limits = [RateLimit("POOL", limit=3, time_interval=10),
              RateLimit("E1", limit=100, time_interval=10, linked_limits=[LinkedLimitWeightPair("POOL", 2)]),
              RateLimit("E2", limit=100, time_interval=10, linked_limits=[LinkedLimitWeightPair("POOL", 2)])]
    throttler = make(limits, clock)
    assert throttler.try_acquire("E1")
    assert not throttler.try_acquire("E2")       # the pool lacks 2 units
    assert throttler.used_weight("E2") == 0      # nothing was charged on E2 for the failed try
    assert throttler.used_weight("POOL") == 2
    admitted = await _run_requests(throttler, clock, [("E2", None), ("E1", None)])
    assert admitted == [(1010.0, 0), (1020.0, 1)]
    # at 1020 the E2 reservation of 1010 has just expired; E1 holds 2 units of the pool
    assert throttler.used_weight("E1") == 1 and throttler.used_weight("E2") == 0
    assert throttler.used_weight("POOL") == 2


async def test_cancelled_waiter_leaves_the_queue_and_unblocks_the_next():
    clock = VirtualClock()
    throttler = make([RateLimit("A", limit=2, time_interval=10)], clock)
    await throttler.acquire("A", weight=1)
    heavy = asyncio.ensure_future(throttler.acquire("A", weight=2))
    light = asyncio.ensure_future(throttler.acquire("A", weight=1))
    await clock.settle()
    assert throttler.waiting("A") == 2
    heavy.cancel()
    await clock.settle()
    assert light.done() and light.result() == 1000.0
    assert throttler.waiting("A") == 0
    assert throttler.used_weight("A") == 2


async def test_server_used_weight_header_raises_the_count():
    clock = VirtualClock()
    throttler = make([RateLimit("W", limit=100, time_interval=60)], clock)
    sent_at = await throttler.acquire("W", weight=1)
    clock.now += 0.5
    await throttler.acquire("W", weight=3)       # reserved after that request was sent
    clock.now += 0.5
    throttler.update_used_weight("W", 95, sent_at=sent_at)
    assert throttler.used_weight("W") == 98      # 95 seen by the server + 3 still in flight
    admitted = await _run_requests(throttler, clock, [("W", 5)])
    # 3 units must expire: the 1 of t=1000 and the 3 of t=1000.5 (the 94 learnt at 1001 stay)
    assert admitted == [(1060.5, 0)]


async def test_server_used_weight_lower_frees_capacity_and_wakes_waiter():
    clock = VirtualClock()
    throttler = make([RateLimit("W", limit=10, time_interval=60)], clock)
    await throttler.acquire("W", weight=10)
    waiter = asyncio.ensure_future(throttler.acquire("W", weight=4))
    await clock.settle()
    assert not waiter.done()
    clock.now += 5
    throttler.update_used_weight("W", 2)          # the server's window reset before ours
    await clock.settle()
    assert waiter.result() == 1005.0
    assert throttler.used_weight("W") == 6


async def test_partial_share_only_raises_from_server_figures():
    clock = VirtualClock()
    throttler = make([RateLimit("W", limit=100, time_interval=60)], clock, share=50)
    await throttler.acquire("W", weight=10)
    throttler.update_used_weight("W", 30)         # other bots: 30 - (100 - 50) < 10, no change
    assert throttler.used_weight("W") == 10
    throttler.update_used_weight("W", 90)         # only 10 left on the IP: keep 10 of headroom
    assert throttler.used_weight("W") == 40


async def test_pause_holds_limit_and_dependents_until_retry_after():
    clock = VirtualClock()
    limits = [RateLimit("POOL", limit=1000, time_interval=60),
              RateLimit("E", limit=100, time_interval=60, linked_limits=[LinkedLimitWeightPair("POOL", 1)]),
              RateLimit("OTHER", limit=100, time_interval=60, linked_limits=[LinkedLimitWeightPair("POOL", 1)])]
    throttler = make(limits, clock)
    throttler.pause("E", 7.5)                     # E and its pool: OTHER links the pool too
    assert throttler.paused_until("POOL") == 1007.5
    admitted = await _run_requests(throttler, clock, [("OTHER", None), ("E", None)])
    assert admitted == [(1007.5, 0), (1007.5, 1)]
    throttler.pause("E", 1.0)                     # never shortens
    throttler.pause("E", 0.5)
    assert throttler.paused_until("E") == 1008.5
    with pytest.raises(ValueError):
        throttler.pause("E", math.inf)


async def test_zero_weight_request_is_admitted_without_logging():
    clock = VirtualClock()
    throttler = make([RateLimit("A", limit=1, time_interval=1)], clock)
    await throttler.acquire("A", weight=1)
    assert throttler.try_acquire("A", weight=0)
    assert throttler.used_weight("A") == 1


@settings(max_examples=60)
@given(st.integers(1, 6), st.sampled_from([0.5, 1.0, 3.0]),
       st.lists(st.tuples(st.integers(0, 6), st.floats(0, 4, allow_nan=False)), min_size=1, max_size=25))
def test_property_window_never_exceeded_and_fifo(limit, interval, arrivals):
    """Random weights and arrival gaps: no window ever holds more than the limit, and order is FIFO."""
    weights = [min(w, limit) for w, _ in arrivals]

    async def scenario():
        clock = VirtualClock(start=0.0)
        throttler = make([RateLimit("A", limit=limit, time_interval=interval)], clock)
        admitted = []

        async def one(i, w):
            await throttler.acquire("A", weight=w)
            admitted.append((clock(), i, w))

        tasks = []
        for i, ((_, gap), w) in enumerate(zip(arrivals, weights)):
            await clock.settle()
            clock.now += gap
            tasks.append(asyncio.ensure_future(one(i, w)))
        await clock.run_until(lambda: all(t.done() for t in tasks))
        return admitted

    admitted = asyncio.run(scenario())
    assert [i for _, i, _ in admitted] == list(range(len(weights)))
    for t, _, _ in admitted:
        in_window = sum(w for t2, _, w in admitted if t2 <= t < t2 + interval)
        assert in_window <= limit


@settings(max_examples=60)
@given(st.lists(st.tuples(st.sampled_from(["E1", "E2", "E3"]), st.integers(0, 2),
                          st.floats(0, 2, allow_nan=False)), min_size=1, max_size=20))
def test_property_linked_pools_no_deadlock_no_overtaking(requests):
    """Endpoints sharing pools: everyone gets in, no pool window overflows, and two
    requests that share any limit are admitted in arrival order."""
    limits = [RateLimit("P1", limit=4, time_interval=2.0), RateLimit("P2", limit=3, time_interval=1.0),
              RateLimit("E1", limit=3, time_interval=1.5, linked_limits=[LinkedLimitWeightPair("P1", 2)]),
              RateLimit("E2", limit=5, time_interval=1.0, linked_limits=[LinkedLimitWeightPair("P1", 1),
                                                                         LinkedLimitWeightPair("P2", 3)]),
              RateLimit("E3", limit=2, time_interval=0.5, linked_limits=[LinkedLimitWeightPair("P2", 1)])]
    members = {"E1": {"E1": None, "P1": 2}, "E2": {"E2": None, "P1": 1, "P2": 3}, "E3": {"E3": None, "P2": 1}}
    caps = {r.limit_id: (r.limit, r.time_interval) for r in limits}

    async def scenario():
        clock = VirtualClock(start=0.0)
        throttler = make(limits, clock)
        admitted = {}

        async def one(i, limit_id, weight):
            await throttler.acquire(limit_id, weight=weight)
            admitted[i] = clock()

        tasks = []
        for i, (limit_id, weight, gap) in enumerate(requests):
            await clock.settle()
            clock.now += gap
            tasks.append(asyncio.ensure_future(one(i, limit_id, weight)))
        await clock.run_until(lambda: all(t.done() for t in tasks))
        return admitted

    admitted = asyncio.run(scenario())
    assert len(admitted) == len(requests)
    charges = []          # (time, limit id, weight)
    for i, (limit_id, weight, _) in enumerate(requests):
        for member, w in members[limit_id].items():
            charges.append((admitted[i], member, weight if w is None else w))
    for t, member, _ in charges:
        limit, interval = caps[member]
        assert sum(w for t2, m, w in charges if m == member and t2 <= t < t2 + interval) <= limit
    for i in range(len(requests)):
        for j in range(i + 1, len(requests)):
            if set(members[requests[i][0]]) & set(members[requests[j][0]]):
                assert admitted[i] <= admitted[j]


# ---------------------------------------------------------------- calendar windows and priorities
MINUTE_START = 1_700_000_040.0          # a whole UTC minute (a multiple of 60)


def binance(clock, **kwargs):
    """A throttler with Binance spot's own declarations, on the virtual clock (also the calendar)."""
    from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS
    return AsyncThrottler(CONSTANTS.RATE_LIMITS, clock=clock, sleep=clock.sleep, **kwargs), CONSTANTS


async def test_429_figure_blocks_until_the_venues_minute_resets_not_a_minute_after_it_was_seen():
    """The issue's scenario: a 429 at 42 s into the minute with Retry-After 18 and a used
    weight above the limit; a cancel asked at 19 s later must go at once, not wait 60 s."""
    clock = VirtualClock(start=MINUTE_START + 42.0)
    throttler, CONSTANTS = binance(clock)
    sent_at = await throttler.acquire(CONSTANTS.ORDER_STATUS_LIMIT_ID)
    # what RESTAssistant does with the 429 answer: learn the header, honour Retry-After
    throttler.update_used_weight(CONSTANTS.REQUEST_WEIGHT, 6004, sent_at=sent_at)
    throttler.pause(CONSTANTS.ORDER_STATUS_LIMIT_ID, 18)
    assert not throttler.try_acquire(CONSTANTS.CANCEL_ORDER_LIMIT_ID)
    clock.now = MINUTE_START + 42.0 + 19.0            # 1 s into the next minute
    assert throttler.try_acquire(CONSTANTS.CANCEL_ORDER_LIMIT_ID)
    assert throttler.used_weight(CONSTANTS.REQUEST_WEIGHT) == 1   # the 6004 belonged to the previous minute


async def test_waiting_request_is_admitted_when_the_calendar_window_resets():
    clock = VirtualClock(start=MINUTE_START + 30.0)
    throttler = make([RateLimit("W", limit=10, time_interval=60, fixed_window=True)], clock)
    await throttler.acquire("W", weight=10)
    admitted = await _run_requests(throttler, clock, [("W", 4), ("W", 6), ("W", 1)])
    # one calendar window later (plus the default 0.5 s margin), not 60 s after the first request
    reset = MINUTE_START + 60.5
    assert admitted == [(reset, 0), (reset, 1), (reset + 60.0, 2)]
    assert clock.sleeps == [30.5, 60.0]


async def test_calendar_windows_follow_the_calendar_clock_not_the_throttler_clock():
    clock = VirtualClock(start=5.0)                   # a monotonic clock starting anywhere
    calendar = {"offset": MINUTE_START + 50.0 - 5.0}  # the venue's epoch time is 50 s into a minute
    throttler = AsyncThrottler([RateLimit("W", limit=2, time_interval=60, fixed_window=True)], clock=clock,
                               sleep=clock.sleep, calendar_clock=lambda: clock() + calendar["offset"],
                               calendar_margin=0)
    await throttler.acquire("W", weight=2)
    assert throttler.window_end("W") == 15.0
    admitted = await _run_requests(throttler, clock, [("W", 1)])
    assert admitted == [(15.0, 0)]
    with pytest.raises(ValueError, match="sliding"):
        make([RateLimit("S", 1, 1)], clock).window_end("S")


async def test_server_figure_is_forgotten_at_the_windows_end_and_ignored_if_sent_before_it():
    clock = VirtualClock(start=MINUTE_START + 10.0)
    throttler = AsyncThrottler([RateLimit("W", limit=100, time_interval=60, fixed_window=True)], clock=clock,
                               sleep=clock.sleep, calendar_margin=0)
    sent_at = await throttler.acquire("W", weight=1)
    clock.now += 1
    await throttler.acquire("W", weight=3)            # still in flight when the answer below arrives
    throttler.update_used_weight("W", 90, sent_at=sent_at)
    assert throttler.used_weight("W") == 93
    throttler.update_used_weight("W", 20)             # the server counted less: at a 100% share, believed
    assert throttler.used_weight("W") == 20
    late_sent = clock.now
    clock.now = MINUTE_START + 61.0                   # the next window
    assert throttler.used_weight("W") == 0
    # an answer to a request sent in the previous window may carry that window's count
    throttler.update_used_weight("W", 99, sent_at=late_sent)
    assert throttler.used_weight("W") == 0
    sent_now = await throttler.acquire("W", weight=2)
    throttler.update_used_weight("W", 7, sent_at=sent_now)
    assert throttler.used_weight("W") == 7


async def test_weight_sent_within_the_margin_of_a_boundary_counts_in_both_windows():
    clock = VirtualClock(start=MINUTE_START + 59.8)   # 0.2 s before the minute: may reach the venue after it
    throttler = AsyncThrottler([RateLimit("W", limit=10, time_interval=60, fixed_window=True)], clock=clock,
                               sleep=clock.sleep, calendar_margin=0.5)
    await throttler.acquire("W", weight=4)
    assert throttler.window_end("W") == MINUTE_START + 60.5       # the local window runs 0.5 s late
    clock.now = MINUTE_START + 60.5
    assert throttler.used_weight("W") == 4            # carried: the venue may count it in the new minute
    clock.now = MINUTE_START + 120.5
    assert throttler.used_weight("W") == 0
    with pytest.raises(ValueError):
        AsyncThrottler([], calendar_margin=-1)


async def test_cancel_priority_goes_before_polls_and_placements_queued_ahead_when_weight_is_scarce():
    clock = VirtualClock(start=MINUTE_START + 30.0)
    throttler, CONSTANTS = binance(clock)
    throttler.update_used_weight(CONSTANTS.REQUEST_WEIGHT, 6000)
    specs = [(CONSTANTS.ORDER_STATUS_LIMIT_ID, None)] * 3 + [(CONSTANTS.ORDER_PATH_URL, None)] * 2 \
        + [(CONSTANTS.CANCEL_ORDER_LIMIT_ID, None)] + [(CONSTANTS.ORDER_STATUS_LIMIT_ID, None)]
    admitted = await _run_requests(throttler, clock, specs)
    assert [i for _, i in admitted] == [5, 0, 1, 2, 3, 4, 6]      # the cancel first, then FIFO
    assert {t for t, _ in admitted} == {MINUTE_START + 60.5}        # the minute's reset (+ the margin)


async def test_priorities_first_then_fifo_within_each_and_a_fitting_higher_one_goes_at_once():
    clock = VirtualClock()
    throttler = make([RateLimit("A", limit=2, time_interval=10)], clock)
    await throttler.acquire("A", weight=1)
    specs = [(0, 2), (0, 1), (5, 1), (5, 2), (9, 2)]  # (priority, weight) in arrival order
    admitted = []

    async def one(i, priority, weight):
        await throttler.acquire("A", weight=weight, priority=priority)
        admitted.append((clock(), i))

    tasks = []
    for i, (priority, weight) in enumerate(specs):
        tasks.append(asyncio.ensure_future(one(i, priority, weight)))
        await clock.settle()
    # weight 1 of priority 5 (index 2) fits at once: only lower-priority waiters are queued;
    # index 1 would fit too but waits behind index 0, of its own priority
    assert admitted == [(1000.0, 2)]
    assert throttler.waiting("A") == 4
    assert not throttler.try_acquire("A", weight=0, priority=9)   # a waiter of priority 9 is queued
    assert throttler.try_acquire("A", weight=0, priority=10)
    await clock.run_until(lambda: all(t.done() for t in tasks))
    assert admitted == [(1000.0, 2), (1010.0, 4), (1020.0, 3), (1030.0, 0), (1040.0, 1)]
    with pytest.raises(ValueError):
        throttler.execute_task("A", priority=1.5)
    with pytest.raises(ValueError):
        RateLimit("B", 1, 1, priority=True)


@settings(max_examples=60)
@given(st.integers(1, 6), st.sampled_from([1.0, 3.0, 10.0]),
       st.lists(st.tuples(st.integers(0, 6), st.floats(0, 4, allow_nan=False), st.integers(0, 2)),
                min_size=1, max_size=25))
def test_property_calendar_windows_never_exceeded_and_fifo_within_a_priority(limit, interval, arrivals):
    """Random weights, gaps and priorities: no calendar window holds more than the limit,
    and among requests of one priority admission follows arrival."""
    weights = [min(w, limit) for w, _, _ in arrivals]

    async def scenario():
        clock = VirtualClock(start=0.0)
        throttler = AsyncThrottler([RateLimit("A", limit=limit, time_interval=interval, fixed_window=True)],
                                   clock=clock, sleep=clock.sleep, calendar_margin=0)
        admitted = []

        async def one(i, w, priority):
            await throttler.acquire("A", weight=w, priority=priority)
            admitted.append((clock(), i, w))

        tasks = []
        for i, ((_, gap, priority), w) in enumerate(zip(arrivals, weights)):
            await clock.settle()
            clock.now += gap
            tasks.append(asyncio.ensure_future(one(i, w, priority)))
        await clock.run_until(lambda: all(t.done() for t in tasks))
        return admitted

    admitted = asyncio.run(scenario())
    assert len(admitted) == len(weights)
    per_window = {}
    for t, _, w in admitted:
        per_window[math.floor(t / interval)] = per_window.get(math.floor(t / interval), 0) + w
    assert all(total <= limit for total in per_window.values())
    for priority in {p for _, _, p in arrivals}:
        order = [i for _, i, _ in admitted if arrivals[i][2] == priority]
        assert order == sorted(order)
