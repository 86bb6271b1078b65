"""Server-time synchronisation for timestamped signatures.

``TimeSynchronizer`` keeps the last few offset samples, each corrected for
the round trip: ``offset = server_time - (local_before + local_after) / 2``.
The server stamped its time somewhere inside the round trip, so a sample of
round trip ``rtt`` pins the true offset to ``offset +- rtt / 2``.  The estimate
is the median of the samples (robust to one outlier), kept inside the
intersection of their intervals (the newest ones that agree, so drift ages
old samples out): a slow
round trip widens nothing and can move the estimate at most by half its own
round trip, and one fast sample after a slow first one pulls it back within
half the fast trip.  ``time()`` is the local monotonic clock plus that
offset, so it never jumps with the wall clock.

Refreshing: ``TimeSynchronizerRESTPreProcessor`` syncs before the first
signed request and refreshes in the background once the samples are older
than ``refresh_interval``; ``TimeSyncRetry`` is the hook the REST layer calls
after a timestamp error (Binance -1021): resync at once, retry the request once.
"""
import asyncio
import inspect
import logging
import math
import statistics
import time
from collections import deque
from typing import Awaitable, Callable, Deque, List, Optional, Tuple, Union

from hummingbot_conn.web.data_types import RESTRequest
from hummingbot_conn.web.errors import ExchangeError
from hummingbot_conn.web.processors import RESTPreProcessorBase

__all__ = ["TimeSynchronizer", "TimeSynchronizerRESTPreProcessor", "TimeSyncRetry"]

_log = logging.getLogger(__name__)

ServerTimeProvider = Callable[[], Awaitable[float]]   # returns the server time in milliseconds


async def _call(provider: Union[ServerTimeProvider, Awaitable[float]]) -> float:
    # hummingbot passes a coroutine object; we prefer a factory (it can be called again)
    return float(await (provider() if callable(provider) else provider))


def _discard(provider) -> None:
    if inspect.iscoroutine(provider):
        provider.close()       # an unawaited coroutine would warn


class TimeSynchronizer:
    """Local estimate of the exchange's clock.

    :param clock: local monotonic seconds (injected for tests)
    :param wall_clock: local wall seconds, used only until the first sample
    :param max_samples: samples kept (the median of them is used)
    :param refresh_interval: age in seconds after which ``needs_refresh`` turns true
    """

    def __init__(self, *, clock: Callable[[], float] = time.perf_counter,
                 wall_clock: Callable[[], float] = time.time, max_samples: int = 5,
                 refresh_interval: float = 600.0) -> None:
        if max_samples < 1:
            raise ValueError("max_samples must be >= 1")
        self._clock = clock
        self._wall_clock = wall_clock
        self._samples: Deque[float] = deque(maxlen=max_samples)
        self._rtts: Deque[float] = deque(maxlen=max_samples)      # ms; inf when not measured
        self._offset_ms: Optional[float] = None
        self._last_update = -float("inf")
        self.refresh_interval = refresh_interval
        self._lock = asyncio.Lock()

    @property
    def time_offset_ms(self) -> float:
        """Server time minus local monotonic time, in ms (the wall clock's until a sample exists)."""
        if self._offset_ms is None:
            return (self._wall_clock() - self._clock()) * 1e3
        return self._offset_ms

    @property
    def samples(self) -> List[float]:
        return list(self._samples)

    @property
    def is_initialized(self) -> bool:
        return bool(self._samples)

    @property
    def needs_refresh(self) -> bool:
        return not self._samples or self._clock() - self._last_update >= self.refresh_interval

    def time(self) -> float:
        """Estimated server time in seconds."""
        return self._clock() + self.time_offset_ms * 1e-3

    def add_time_offset_ms_sample(self, offset_ms: float, rtt_ms: Optional[float] = None) -> None:
        """Add one sample (ms); ``rtt_ms`` is its round trip (None: unknown, the sample is not an interval).

        :raises ValueError: a non-finite offset or a negative / NaN round trip
        """
        offset_ms = float(offset_ms)
        rtt = math.inf if rtt_ms is None else float(rtt_ms)
        if not math.isfinite(offset_ms) or not rtt >= 0:
            raise ValueError(f"bad time sample: offset {offset_ms!r} ms, round trip {rtt_ms!r} ms")
        self._samples.append(offset_ms)
        self._rtts.append(rtt)
        self._offset_ms = self._estimate()
        self._last_update = self._clock()

    def _estimate(self) -> float:
        # intersect the intervals from the newest back, stopping at the first that disagrees
        # (clock drift makes old samples inconsistent with new ones: the new ones win)
        low, high = -math.inf, math.inf
        for offset, rtt in zip(reversed(self._samples), reversed(self._rtts)):
            new_low, new_high = max(low, offset - rtt / 2), min(high, offset + rtt / 2)
            if new_low > new_high:
                break
            low, high = new_low, new_high
        return min(max(statistics.median(self._samples), low), high)

    def clear_time_offset_ms_samples(self) -> None:
        self._samples.clear()
        self._rtts.clear()
        self._offset_ms = None
        self._last_update = -float("inf")

    async def _sample(self, provider: Union[ServerTimeProvider, Awaitable[float]]) -> Tuple[float, float]:
        """One (offset, round trip) measurement, in ms."""
        before_ms = self._clock() * 1e3
        server_ms = await _call(provider)
        after_ms = self._clock() * 1e3
        if not math.isfinite(server_ms):
            raise ValueError(f"the server time is not a finite number: {server_ms!r}")
        return server_ms - (before_ms + after_ms) / 2.0, max(0.0, after_ms - before_ms)

    async def update_server_time_offset_with_time_provider(
            self, time_provider: Union[ServerTimeProvider, Awaitable[float]]) -> None:
        """Take one sample.  A failure is logged, not raised (hummingbot's contract)."""
        try:
            self.add_time_offset_ms_sample(*await self._sample(time_provider))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _log.warning("Error getting server time: %s", exc)

    async def update_server_time_if_not_initialized(
            self, time_provider: Union[ServerTimeProvider, Awaitable[float]]) -> None:
        async with self._lock:
            if self._samples:
                _discard(time_provider)
                return
            await self.update_server_time_offset_with_time_provider(time_provider)

    async def resync(self, time_provider: ServerTimeProvider, samples: int = 3) -> None:
        """Replace the samples with ``samples`` fresh ones (e.g. after a -1021).

        Concurrent callers share one resync.  Raises if no sample could be
        taken; the old estimate is kept in that case.
        """
        if self._lock.locked():
            async with self._lock:      # someone is resyncing: wait for their result
                return
        async with self._lock:
            fresh = []
            error: Optional[BaseException] = None
            for _ in range(samples):
                try:
                    fresh.append(await self._sample(time_provider))
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    error = exc
            if not fresh:
                assert error is not None
                raise error
            self.clear_time_offset_ms_samples()
            for offset, rtt in fresh:
                self.add_time_offset_ms_sample(offset, rtt)

    def __repr__(self) -> str:
        return f"TimeSynchronizer(offset_ms={self.time_offset_ms:.1f}, samples={len(self._samples)})"


class TimeSynchronizerRESTPreProcessor(RESTPreProcessorBase):
    """Before a signed request: sync once if never synced; refresh stale samples in the background.

    Public requests are not delayed (they carry no timestamp).
    """

    def __init__(self, synchronizer: TimeSynchronizer, time_provider: ServerTimeProvider) -> None:
        self._synchronizer = synchronizer
        self._time_provider = time_provider
        self._refresh: Optional[asyncio.Task] = None

    async def pre_process(self, request: RESTRequest) -> RESTRequest:
        if not request.is_auth_required:
            return request
        sync = self._synchronizer
        if not sync.is_initialized:
            await sync.update_server_time_if_not_initialized(self._time_provider)
        elif sync.needs_refresh and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.ensure_future(
                sync.update_server_time_offset_with_time_provider(self._time_provider))
        return request


class TimeSyncRetry:
    """The REST layer's hook for timestamp errors.

    ``is_time_error(error)`` recognises the exchange's timestamp rejection
    (Binance: code -1021); the REST layer then awaits ``resync()`` and sends
    the request once more, freshly signed.
    """

    def __init__(self, synchronizer: TimeSynchronizer, time_provider: ServerTimeProvider,
                 is_time_error: Callable[[ExchangeError], bool], samples: int = 3) -> None:
        self.synchronizer = synchronizer
        self._time_provider = time_provider
        self._is_time_error = is_time_error
        self._samples = samples

    def is_time_error(self, error: ExchangeError) -> bool:
        return bool(self._is_time_error(error))

    async def resync(self) -> None:
        await self.synchronizer.resync(self._time_provider, self._samples)
