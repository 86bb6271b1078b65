"""The spot simulator pushes its 100 ms depth diffs on a fixed schedule, whatever else its process does.

On virtual time: each flush takes 30 ms of the loop (a busy client in the same process, like the
demo's live view), and the schedule still gives ten ticks per second, not one per 130 ms; a stall
far longer than a tick restarts the schedule instead of bursting.
"""
import asyncio

from hummingbot_conn.sim import ManualClock, SimulatedExchange


def _run_flusher_for(virtual_seconds: float, work: float, stall_at: float | None = None) -> list:
    sim = SimulatedExchange(clock=ManualClock(), auto_flush=False)
    now = [0.0]
    ticks: list = []
    stalled: list = []

    async def virtual_sleep(seconds: float) -> None:
        now[0] += seconds
        await real_sleep(0)

    def flush(cadence: str) -> int:
        if cadence == "100ms":
            ticks.append(now[0])
            now[0] += work                                      # the loop is busy this long
            if stall_at is not None and now[0] >= stall_at and not stalled:
                stalled.append(now[0])
                now[0] += 5.0                                   # e.g. the process was suspended
        return 0

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.time = lambda: now[0]                              # type: ignore[method-assign]
        sim.streams.flush = flush                               # type: ignore[method-assign]
        asyncio.sleep = virtual_sleep                           # type: ignore[assignment]
        try:
            task = asyncio.ensure_future(sim.streams.run_flusher(0.1, 10))
            while now[0] < virtual_seconds:
                await real_sleep(0)
            task.cancel()
        finally:
            asyncio.sleep = real_sleep                          # type: ignore[assignment]

    real_sleep = asyncio.sleep
    asyncio.run(main())
    return ticks


def test_a_busy_loop_does_not_slow_the_cadence():
    ticks = _run_flusher_for(10.0, work=0.03)
    assert 99 <= len(ticks) <= 101, len(ticks)          # ten a second (it was 10 / 0.13 = 77)
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert max(gaps) < 0.1 + 1e-9 and min(gaps) > 0.1 - 1e-9


def test_a_long_stall_restarts_the_schedule_without_a_burst():
    ticks = _run_flusher_for(10.0, work=0.03, stall_at=2.0)
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert all(g > 0.05 for g in gaps), gaps            # no catch-up burst of back-to-back ticks
    assert any(g > 5.0 for g in gaps)
