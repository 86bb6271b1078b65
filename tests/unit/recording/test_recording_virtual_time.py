"""The virtual-time loop: waits become jumps of its clock, in timer order; real clocks are swapped."""
import asyncio
import time

from hummingbot_conn.recording.virtual_time import VirtualTimeLoop, virtualise_clocks
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.rate_limit import RateLimit
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer


def test_sleeps_and_timeouts_run_on_the_virtual_clock_in_timer_order():
    loop = VirtualTimeLoop(start=50.0, wall_start=1_000.0)
    order = []

    async def sleeper(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        order.append((name, loop.time()))

    async def main() -> bool:
        await asyncio.gather(sleeper("day", 86_400.0), sleeper("minute", 60.0), sleeper("hour", 3_600.0))
        try:
            async with asyncio.timeout(10):
                await asyncio.Event().wait()
        except TimeoutError:
            return True
        return False

    try:
        assert loop.run_until_complete(main())
    finally:
        loop.close()
    assert order == [("minute", 110.0), ("hour", 3_650.0), ("day", 86_450.0)]
    assert loop.time() == 86_460.0 and loop.wall_time() == 1_000.0 + 86_410.0


class _Holder:
    def __init__(self) -> None:
        self.synchronizer = TimeSynchronizer()
        self.throttler = AsyncThrottler([RateLimit("x", 10, 1.0)])
        self._clock = time.time


def test_virtualise_clocks_swaps_the_real_clocks_a_connectors_parts_were_given():
    holder = _Holder()
    replaced = virtualise_clocks(holder, lambda: 1.0, lambda: 2.0)
    assert replaced >= 3
    assert holder._clock() == 2.0 and holder.synchronizer._clock() == 1.0
    assert holder.synchronizer._wall_clock() == 2.0
