"""The web layer's bounds: secrets never leak, the throttler honours the caller's timeout, time sync bounds.

(The HTTP paths, an unreadable or oversized answer and ``Retry-After``, run
against a real server in tests/integration/web/test_web_hostile_answers.py.)
"""
import asyncio
import gc
import math
import pickle
import traceback
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import hummingbot_conn
from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.data_types import WSJSONRequest
from hummingbot_conn.web.errors import ThrottleTimeoutError
from hummingbot_conn.web.rate_limit import RateLimit
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer

# the installed package's folder: a frame is the library's when its file lies under it (a path
# prefix, not a substring, so a checkout in a folder named hummingbot_conn is still the caller)
_LIBRARY = Path(hummingbot_conn.__file__).resolve().parent


def _is_library_frame(filename: str) -> bool:
    return Path(filename).resolve().is_relative_to(_LIBRARY)


# --------------------------------------------------------------------------- secrets
def _everything_reachable_from(exc: BaseException) -> list:
    """Strings a logger, a traceback printer showing the library's frame locals, or a pickler could see."""
    seen, out = set(), []
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        out += [repr(e), str(e), repr(e.args)]
        # What a printed traceback adds to the message: file paths and source lines, which
        # are static text and no secret; left out, because a generated credential such as
        # 'hummingb' can occur in them by chance (hypothesis mines the source for constants).
        out.append("".join(traceback.format_exception_only(e)))
        tb = e.__traceback__
        while tb is not None:
            if not _is_library_frame(tb.tb_frame.f_code.co_filename):   # the caller's own frames hold it
                tb = tb.tb_next
                continue
            for value in tb.tb_frame.f_locals.values():
                if isinstance(value, (str, bytes)):
                    out.append(value if isinstance(value, str) else value.decode("utf-8", "replace"))
                else:
                    try:
                        out.append(repr(value))
                    except Exception:
                        pass
            tb = tb.tb_next
        todo += [e.__cause__, e.__context__]
    return out


def _construct(key, secret):
    try:
        BinanceAuth(key, secret, lambda: 1.0)
    except (TypeError, ValueError) as exc:
        return exc
    return None


def test_lone_surrogate_secret_is_refused_without_appearing_anywhere():
    secret = "NhqPtmdSJYdKjVHjA7PZ\ud800j4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    exc = _construct("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", secret)
    assert isinstance(exc, ValueError) and "surrogate" in str(exc)
    for text in _everything_reachable_from(exc):
        assert "NhqPtmdSJY" not in text and "ATj0j" not in text
    blob = pickle.dumps(exc)
    assert b"NhqPtmdSJY" not in blob


@settings(max_examples=200)
@given(st.one_of(st.text(min_size=8, max_size=40), st.binary(max_size=20), st.integers(), st.none()),
       st.one_of(st.text(min_size=8, max_size=40), st.binary(max_size=20), st.integers(), st.none()))
def test_no_credential_in_any_error_whatever_the_input(key, secret):
    exc = _construct(key, secret)
    if exc is None:
        return
    assert isinstance(exc, (TypeError, ValueError))
    for credential in (key, secret):
        if isinstance(credential, (str, bytes)) and len(credential) >= 8:
            needle = credential if isinstance(credential, str) else credential.decode("latin-1")
            for text in _everything_reachable_from(exc):
                assert needle not in text


async def test_a_parameter_that_cannot_be_encoded_does_not_quote_the_api_key():
    key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    auth = BinanceAuth(key, "S" * 64, lambda: 1.0)
    with pytest.raises(ValueError) as info:
        await auth.ws_authenticate(WSJSONRequest({"id": 1, "method": "order.place",
                                                  "params": {"symbol": "BTC\udc80USDT"}}))
    for text in _everything_reachable_from(info.value):
        assert key not in text and "SSSS" not in text


def test_valid_auth_repr_masks_and_refuses_pickling():
    auth = BinanceAuth("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", "S" * 64, lambda: 1.0)
    assert "SSSS" not in repr(auth) and "vmPUZE6mv9SD" not in repr(auth)
    with pytest.raises(TypeError):
        pickle.dumps(auth)
    gc.collect()


# ------------------------------------------------------------------- throttler timeout
class JumpClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    async def sleep(self, delay):
        self.now += max(delay, 0.0)
        await asyncio.sleep(0)


async def test_throttler_gives_up_at_the_callers_timeout_and_reserves_nothing():
    clock = JumpClock()
    throttler = AsyncThrottler([RateLimit("A", limit=1, time_interval=60)], clock=clock, sleep=clock.sleep)
    await throttler.acquire("A")
    start = clock.now
    with pytest.raises(ThrottleTimeoutError) as info:
        async with throttler.execute_task("A", timeout=1.0):
            pytest.fail("admitted past its timeout")
    assert isinstance(info.value, asyncio.TimeoutError)
    assert clock.now - start == pytest.approx(1.0)          # not the 59 s the window needs
    assert throttler.used_weight("A") == 1 and throttler.waiting("A") == 0


async def test_throttler_timeout_while_queued_behind_another_and_during_a_pause():
    clock = JumpClock()
    throttler = AsyncThrottler([RateLimit("A", limit=1, time_interval=10)], clock=clock, sleep=clock.sleep)
    throttler.pause("A", 1e6)
    start = clock.now
    with pytest.raises(ThrottleTimeoutError):
        await throttler.acquire("A", timeout=2.5)
    assert clock.now - start == pytest.approx(2.5)
    throttler2 = AsyncThrottler([RateLimit("B", limit=1, time_interval=10)], clock=clock, sleep=clock.sleep)
    await throttler2.acquire("B")
    head = asyncio.ensure_future(throttler2.acquire("B"))           # queued first, no timeout
    await asyncio.sleep(0)
    with pytest.raises(ThrottleTimeoutError):
        await throttler2.acquire("B", timeout=0)                     # queued behind: gives up at once
    assert await head > 0 and throttler2.waiting("B") == 0


@pytest.mark.parametrize("bad", [-1, math.nan, "1", True])
def test_throttler_timeout_must_be_a_number(bad):
    throttler = AsyncThrottler([RateLimit("A", limit=1, time_interval=10)])
    with pytest.raises(ValueError):
        throttler.execute_task("A", timeout=bad)


# ------------------------------------------------------------------------- time sync
class Clock:
    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


def provider(clock, offset_ms, up_ms, down_ms):
    async def time_ms():
        clock.now += up_ms / 1e3
        stamped = clock.now * 1e3 + offset_ms
        clock.now += down_ms / 1e3
        return stamped
    return time_ms


@settings(max_examples=200)
@given(st.floats(0, 5000), st.floats(0, 5000), st.floats(-1e6, 1e6))
async def test_a_slow_first_round_trip_moves_the_offset_by_at_most_half_of_it(up, down, offset):
    clock = Clock()
    true_offset = offset
    sync = TimeSynchronizer(clock=clock, wall_clock=lambda: clock.now + true_offset / 1e3)
    assert sync.time_offset_ms == pytest.approx(true_offset, abs=1e-3)  # before a sample: the wall clock
    await sync.update_server_time_offset_with_time_provider(provider(clock, true_offset, up, down))
    assert abs(sync.time_offset_ms - true_offset) <= (up + down) / 2 + 1e-3
    # one fast trip afterwards pulls the estimate within half of the fast trip
    await sync.update_server_time_offset_with_time_provider(provider(clock, true_offset, 1, 1))
    assert abs(sync.time_offset_ms - true_offset) <= 1 + 1e-3


async def test_the_issue_case_slow_asymmetric_first_trip_then_fast_ones():
    clock = Clock()
    sync = TimeSynchronizer(clock=clock, wall_clock=lambda: clock.now - 0.25)
    await sync.update_server_time_offset_with_time_provider(provider(clock, -250, 3000, 10))
    assert abs(sync.time_offset_ms + 250) <= 1505
    await sync.update_server_time_offset_with_time_provider(provider(clock, -250, 2, 2))
    assert sync.time_offset_ms == pytest.approx(-250, abs=2)        # a plain median said -250 + 747


async def test_drift_ages_old_samples_out():
    clock = Clock()
    sync = TimeSynchronizer(clock=clock, wall_clock=lambda: 0.0)
    for offset in (0, 0, 0, 200, 200):       # the server clock moved by 200 ms (tight samples)
        await sync.update_server_time_offset_with_time_provider(provider(clock, offset, 1, 1))
    assert sync.time_offset_ms == pytest.approx(200, abs=1)


async def test_bad_server_times_are_not_samples():
    sync = TimeSynchronizer(clock=Clock(), wall_clock=lambda: 0.0)

    async def nan():
        return float("nan")

    with pytest.raises(ValueError):
        await sync.resync(nan, samples=1)
    with pytest.raises(ValueError):
        sync.add_time_offset_ms_sample(float("inf"))
    assert not sync.is_initialized
