"""AccountRefresher (connector/account_refresh.py) and the available amount of ``Balances`` when only
REST reports it (docs/contracts.md, Contract 4). Virtual time: the refresher's clock and sleep are
injected, so nothing here depends on the machine's speed."""
import asyncio
from decimal import Decimal
from typing import List

import pytest

from hummingbot_conn.connector.account_refresh import AccountRefresher, min_interval_for
from hummingbot_conn.connector.balances import Balances
from hummingbot_conn.exchanges.binance.usdm import constants as USDM
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.errors import AuthenticationError


class VirtualTime:
    """A clock that moves only when the refresher sleeps (each pause is recorded)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.pauses: List[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Reads:
    """The refresh coroutine: counts reads, optionally blocks each one until released, may fail."""

    def __init__(self, time: VirtualTime) -> None:
        self.time = time
        self.starts: List[float] = []
        self.gate = None
        self.errors: List[BaseException] = []

    async def __call__(self) -> None:
        self.starts.append(self.time.now)
        if self.gate is not None:
            await self.gate.wait()
        if self.errors:
            raise self.errors.pop(0)


async def settle(refresher: AccountRefresher) -> None:
    for _ in range(200):
        await asyncio.sleep(0)
        task = refresher._task
        if task is None or task.done():
            return
    raise AssertionError("the refresher never went idle")


def make(time: VirtualTime, **kwargs) -> "tuple[AccountRefresher, Reads]":
    reads = Reads(time)
    kwargs.setdefault("delay", 0.02)
    kwargs.setdefault("min_interval", 1.25)
    refresher = AccountRefresher(reads, clock=time.clock, sleep=time.sleep, **kwargs)
    refresher.start()
    return refresher, reads


async def test_nothing_is_read_before_start_or_after_stop():
    time = VirtualTime()
    reads = Reads(time)
    refresher = AccountRefresher(reads, clock=time.clock, sleep=time.sleep)
    refresher.request()
    await settle(refresher)
    assert reads.starts == [] and not refresher.pending
    refresher.start()
    refresher.request()
    await settle(refresher)
    assert len(reads.starts) == 1
    await refresher.stop()
    refresher.request()
    await settle(refresher)
    assert len(reads.starts) == 1


async def test_a_burst_of_events_costs_one_read():
    time = VirtualTime()
    refresher, reads = make(time)
    for _ in range(50):
        refresher.request()
    await settle(refresher)
    assert reads.starts == [1000.02]            # one read, after the coalescing delay
    assert not refresher.pending


async def test_events_during_a_read_cost_exactly_one_more_read_min_interval_later():
    time = VirtualTime()
    refresher, reads = make(time, burst=1)
    reads.gate = asyncio.Event()
    refresher.request()
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(reads.starts) == 1               # in flight
    for _ in range(10):
        refresher.request()                     # sent before these events: cannot hold them
    assert refresher.pending
    refresher.request()
    reads.gate.set()
    await settle(refresher)
    assert len(reads.starts) == 2               # never two in flight, never more than one more
    assert reads.starts[1] - reads.starts[0] == pytest.approx(1.25)


async def test_the_bucket_lets_a_few_reads_through_at_once_then_paces_them():
    time = VirtualTime()
    refresher, reads = make(time, burst=3)
    for _ in range(8):                          # eight separate events, each after the last read ended
        refresher.request()
        await settle(refresher)
    gaps = [round(b - a, 6) for a, b in zip(reads.starts, reads.starts[1:])]
    assert len(reads.starts) == 8
    assert gaps[:2] == [0.02, 0.02]             # the bucket's three reads: only the coalescing delay
    assert all(g == pytest.approx(1.25) for g in gaps[3:])     # then one per min_interval
    # any span of T seconds holds at most burst + T / min_interval reads
    for i, start in enumerate(reads.starts):
        for j in range(i, len(reads.starts)):
            assert j - i + 1 <= 3 + (reads.starts[j] - start) / 1.25 + 1e-9
    time.now += 10.0                            # a quiet spell refills the bucket
    refresher.request()
    await settle(refresher)
    assert reads.starts[-1] == pytest.approx(time.now)


async def test_a_failed_read_is_retried_with_back_off_and_a_refused_key_is_not():
    time = VirtualTime()
    refresher, reads = make(time, min_interval=1.0, max_backoff=3.0, burst=1,
                            is_permanent_error=lambda exc: isinstance(exc, AuthenticationError))
    reads.errors = [OSError("reset"), OSError("reset"), OSError("reset")]
    refresher.request()
    await settle(refresher)
    gaps = [b - a for a, b in zip(reads.starts, reads.starts[1:])]
    assert gaps == pytest.approx([2.0, 3.0, 3.0])      # doubled per failure, capped
    assert len(reads.starts) == 4 and not refresher.pending
    reads.errors = [AuthenticationError("binance_perpetual", 401, -2015, "Invalid API-key")]
    refresher.request()
    await settle(refresher)
    assert len(reads.starts) == 5 and not refresher.pending


def test_arguments_are_checked():
    with pytest.raises(ValueError):
        AccountRefresher(Reads(VirtualTime()), delay=-1)
    with pytest.raises(ValueError):
        AccountRefresher(Reads(VirtualTime()), burst=0)
    throttler = AsyncThrottler(USDM.RATE_LIMITS)
    with pytest.raises(ValueError):
        min_interval_for(throttler, USDM.ACCOUNT_INFO_URL, share=0)


def test_the_rate_is_a_share_of_the_request_weight():
    # /fapi/v2/account weighs 5 of 2400 a minute: 10 % of that is a read per 1.25 s; at a 50 % share of
    # the limits for this connector, one per 2.5 s
    assert min_interval_for(AsyncThrottler(USDM.RATE_LIMITS), USDM.ACCOUNT_INFO_URL) == pytest.approx(1.25)
    half = AsyncThrottler(USDM.RATE_LIMITS, limits_share_percentage=Decimal(50))
    assert min_interval_for(half, USDM.ACCOUNT_INFO_URL) == pytest.approx(2.5)


def test_rest_alone_reports_the_available_amount_and_the_later_request_holds_it():
    b = Balances(available_from_stream=False)
    first, second = b.snapshot_token(), b.snapshot_token()
    b.apply_snapshot({"USDT": (Decimal(10000), Decimal(9000))}, asset_times={"USDT": 5}, requested_at=second)
    # the answer requested first arrives last, at the same venue time (a resting order moves the
    # available amount, not the asset's time): it must not roll the figure back
    b.apply_snapshot({"USDT": (Decimal(10000), Decimal(10000))}, asset_times={"USDT": 5}, requested_at=first)
    assert b.get_available_balance("USDT") == Decimal(9000)
    # a stream report carries the wallet only: the available amount stays until a read brings it
    sent_before = b.snapshot_token()
    assert b.set_total("USDT", Decimal(9997), as_of=6)
    assert (b.get_balance("USDT"), b.get_available_balance("USDT")) == (Decimal(9997), Decimal(9000))
    assert not b.set_total("USDT", Decimal(1), as_of=4)             # older than the state held
    # a read sent before that report: its wallet is older (left alone), its available amount newer
    b.apply_snapshot({"USDT": (Decimal(10000), Decimal(8999))}, asset_times={"USDT": 5},
                     requested_at=sent_before)
    assert (b.get_balance("USDT"), b.get_available_balance("USDT")) == (Decimal(9997), Decimal(8999))
    b.apply_snapshot({"USDT": (Decimal(9997), Decimal(8797))}, asset_times={"USDT": 6},
                     requested_at=b.snapshot_token())
    assert (b.get_balance("USDT"), b.get_available_balance("USDT")) == (Decimal(9997), Decimal(8797))


def test_where_the_stream_reports_the_available_amount_both_follow_the_venue_time():
    b = Balances()                      # spot: outboundAccountPosition carries free and locked
    token = b.snapshot_token()
    assert b.set_balance("USDT", Decimal(100), Decimal(60), as_of=10)
    b.apply_snapshot({"USDT": (Decimal(100), Decimal(100))}, as_of=12, requested_at=token)   # later venue time
    assert (b.get_balance("USDT"), b.get_available_balance("USDT")) == (Decimal(100), Decimal(100))
