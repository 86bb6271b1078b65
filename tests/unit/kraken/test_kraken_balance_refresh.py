"""``BalanceRefresher``: Kraken's available balances read again after they moved (docs/kraken_spot.md):
a burst of events is one read, events during a read bring one more, errors never escape."""
import asyncio

import pytest

from hummingbot_conn.exchanges.kraken.balance_refresh import BalanceRefresher


class Reads:
    def __init__(self, fail=0):
        self.count = 0
        self.fail = fail
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self):
        self.count += 1
        self.started.set()
        await self.release.wait()
        if self.fail:
            self.fail -= 1
            raise ConnectionError("the venue is away")


async def _idle(refresher):
    while refresher._task is not None and not refresher._task.done():
        await asyncio.sleep(0.001)


async def test_a_burst_of_events_is_one_read():
    reads = Reads()
    refresher = BalanceRefresher(reads, interval=0.001, first_delay=0.001)
    for _ in range(5):
        refresher.moved()
    await _idle(refresher)
    assert reads.count == 1


async def test_events_during_a_read_bring_one_more_read_after_it():
    reads = Reads()
    reads.release.clear()
    refresher = BalanceRefresher(reads, interval=0.001, first_delay=0.0)
    refresher.moved()
    await reads.started.wait()
    refresher.moved()
    refresher.moved()
    reads.release.set()
    await _idle(refresher)
    assert reads.count == 2


async def test_a_failed_read_is_logged_and_the_next_event_reads_again(caplog):
    reads = Reads(fail=1)
    refresher = BalanceRefresher(reads, interval=0.001, first_delay=0.0)
    refresher.moved()
    await _idle(refresher)
    assert reads.count == 1 and "Could not read Kraken balances" in caplog.text
    refresher.moved()
    await _idle(refresher)
    assert reads.count == 2


async def test_stop_cancels_a_read_under_way():
    reads = Reads()
    reads.release.clear()
    refresher = BalanceRefresher(reads, interval=0.001, first_delay=0.0)
    refresher.moved()
    await reads.started.wait()
    await refresher.stop()
    assert refresher._task is None
    await refresher.stop()      # twice: nothing left to stop


@pytest.mark.parametrize("interval, first_delay", [(0, 0.1), (-1, 0.1), (float("nan"), 0.1), (1, -0.5)])
def test_nonsense_spacing_is_refused(interval, first_delay):
    with pytest.raises(ValueError, match="interval must be > 0"):
        BalanceRefresher(Reads(), interval=interval, first_delay=first_delay)
