"""TimeSynchronizer on an injected clock: round-trip correction, median, refresh, resync."""
import asyncio
import logging

import pytest

from hummingbot_conn.web.data_types import RESTMethod, RESTRequest
from hummingbot_conn.web.errors import ExchangeError
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer, TimeSynchronizerRESTPreProcessor, TimeSyncRetry


class Clock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


def server_with_latency(clock, server_offset_ms, up_ms, down_ms, calls=None):
    """A provider: the request takes ``up_ms`` to arrive, the answer ``down_ms`` to return."""

    async def provider():
        if calls is not None:
            calls.append(clock())
        clock.now += up_ms / 1e3
        server_ms = clock.now * 1e3 + server_offset_ms
        clock.now += down_ms / 1e3
        return server_ms

    return provider


async def test_sample_is_round_trip_corrected():
    clock = Clock()
    sync = TimeSynchronizer(clock=clock, wall_clock=lambda: 0.0)
    await sync.update_server_time_offset_with_time_provider(server_with_latency(clock, 5000, 40, 40))
    assert sync.time_offset_ms == pytest.approx(5000)
    assert sync.time() == pytest.approx(clock.now + 5.0)


async def test_median_rejects_one_slow_round_trip():
    clock = Clock()
    sync = TimeSynchronizer(clock=clock, wall_clock=lambda: 0.0)
    for up, down in ((10, 10), (5, 5), (3000, 10), (8, 8), (2, 2)):   # one asymmetric 3 s trip
        await sync.update_server_time_offset_with_time_provider(server_with_latency(clock, -250, up, down))
    assert sync.time_offset_ms == pytest.approx(-250)
    assert len(sync.samples) == 5


async def test_before_any_sample_time_is_the_wall_clock():
    clock = Clock(7.0)
    sync = TimeSynchronizer(clock=clock, wall_clock=lambda: 1_700_000_000.0)
    assert sync.time() == pytest.approx(1_700_000_000.0)
    assert not sync.is_initialized and sync.needs_refresh


async def test_failed_sample_is_logged_not_raised_and_keeps_estimate(caplog):
    clock = Clock()
    sync = TimeSynchronizer(clock=clock, wall_clock=lambda: 0.0)
    sync.add_time_offset_ms_sample(123.0)

    async def broken():
        raise OSError("network down")

    with caplog.at_level(logging.WARNING):
        await sync.update_server_time_offset_with_time_provider(broken)
    assert "Error getting server time" in caplog.text
    assert sync.time_offset_ms == 123.0
    with pytest.raises(OSError):
        await sync.resync(broken)
    assert sync.time_offset_ms == 123.0


async def test_resync_replaces_samples_and_concurrent_resyncs_share_one():
    clock = Clock()
    sync = TimeSynchronizer(clock=clock, wall_clock=lambda: 0.0)
    sync.add_time_offset_ms_sample(0.0)
    calls = []
    slow = server_with_latency(clock, 20_000, 1, 1, calls)

    async def provider():
        await asyncio.sleep(0)
        return await slow()

    await asyncio.gather(sync.resync(provider, samples=3), sync.resync(provider, samples=3))
    assert len(calls) == 3
    assert sync.samples == [pytest.approx(20_000)] * 3


async def test_refresh_interval_and_pre_processor():
    clock = Clock()
    sync = TimeSynchronizer(clock=clock, wall_clock=lambda: 0.0, refresh_interval=60)
    calls = []
    pre = TimeSynchronizerRESTPreProcessor(sync, server_with_latency(clock, 1000, 1, 1, calls))
    await pre.pre_process(RESTRequest(RESTMethod.GET, url="u"))                        # public: no sync
    assert calls == []
    await pre.pre_process(RESTRequest(RESTMethod.GET, url="u", is_auth_required=True))   # first signed: sync
    assert len(calls) == 1 and sync.is_initialized
    await pre.pre_process(RESTRequest(RESTMethod.GET, url="u", is_auth_required=True))
    assert len(calls) == 1
    clock.now += 61
    assert sync.needs_refresh
    await pre.pre_process(RESTRequest(RESTMethod.GET, url="u", is_auth_required=True))   # stale: background
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert len(calls) == 2 and not sync.needs_refresh


async def test_hummingbot_style_coroutine_provider_is_closed_when_unused():
    clock = Clock()
    sync = TimeSynchronizer(clock=clock, wall_clock=lambda: 0.0)

    async def provider():
        return 5.0

    await sync.update_server_time_if_not_initialized(provider())
    assert sync.is_initialized
    coro = provider()
    await sync.update_server_time_if_not_initialized(coro)      # already initialised: closed, no warning
    assert coro.cr_frame is None


async def test_time_sync_retry_recognises_errors():
    sync = TimeSynchronizer()
    hook = TimeSyncRetry(sync, lambda: None, lambda e: e.code == -1021)
    assert hook.is_time_error(ExchangeError(400, -1021, "Timestamp for this request is outside of the recvWindow."))
    assert not hook.is_time_error(ExchangeError(400, -1022, "Signature for this request is not valid."))
    with pytest.raises(ValueError):
        TimeSynchronizer(max_samples=0)
