"""Weight limits (429 then 418), order counts, fault rules and request parameters."""
from decimal import Decimal

import pytest

from hummingbot_conn.sim.binance.errors import BINANCE_ERRORS, SimError, rate_limit_json
from hummingbot_conn.sim.binance.params import Params
from hummingbot_conn.sim.binance.rest import order_counter
from hummingbot_conn.sim.kernel.clock import ManualClock
from hummingbot_conn.sim.kernel.faults import FaultInjector
from hummingbot_conn.sim.kernel.ratelimit import WeightLimiter


def OrderCounter(clock, limit_10s=100, limit_1d=200_000):  # noqa: N802 - Binance spot's ORDERS windows
    return order_counter(clock, [("10S", limit_10s), ("1D", limit_1d)])


def _weight_json(limiter):
    return rate_limit_json("REQUEST_WEIGHT", limiter.window_ms, limiter.limit)


def test_weight_429_with_retry_after_then_418_ban():
    clock = ManualClock(start_ms=1_700_000_080_000)   # 40 s into a minute window
    limiter = WeightLimiter(clock, limit=10, ban_after=2, ban_seconds=120, errors=BINANCE_ERRORS)
    assert limiter.charge("ip", 6) == 6 and limiter.charge("ip", 4) == 10
    with pytest.raises(SimError) as first:
        limiter.charge("ip", 1)
    assert first.value.http_status == 429 and first.value.code == -1003
    assert first.value.headers["Retry-After"] == "20"
    with pytest.raises(SimError):
        limiter.charge("ip", 1)
    with pytest.raises(SimError) as banned:
        limiter.charge("ip", 1)
    assert banned.value.http_status == 418 and banned.value.headers["Retry-After"] == "120"
    assert "IP banned until" in banned.value.msg
    assert limiter.charge("other-ip", 1) == 1          # limits are per IP
    clock.advance(60_000)                              # new window, still banned
    with pytest.raises(SimError) as still:
        limiter.charge("ip", 1)
    assert still.value.http_status == 418
    clock.advance(61_000)
    assert limiter.charge("ip", 1) == 1


def test_refund_makes_successful_orders_weigh_zero():
    limiter = WeightLimiter(ManualClock(), limit=100, errors=BINANCE_ERRORS)
    limiter.charge("ip", 1)
    limiter.refund("ip", 1)
    assert limiter.used("ip") == 0


def test_order_counter_headers_and_limit():
    counter = OrderCounter(ManualClock(), limit_10s=2)
    assert counter.count(1) == {"10S": 1, "1D": 1}
    counter.check(1)
    counter.count(1)
    with pytest.raises(SimError) as err:
        counter.check(1)
    assert err.value.code == -1015 and err.value.http_status == 429
    counter.check(2)


def test_weight_resets_at_each_calendar_window_and_a_scaled_window_says_so():
    clock = ManualClock(start_ms=1_700_000_004_500)
    limiter = WeightLimiter(clock, limit=10, ban_after=100, window_ms=6_000, errors=BINANCE_ERRORS)
    window_end = (clock.now_ms() // 6_000 + 1) * 6_000
    limiter.charge("ip", 10)
    with pytest.raises(SimError) as refused:
        limiter.charge("ip", 1)
    assert refused.value.headers["Retry-After"] == str(-(-(window_end - clock.now_ms()) // 1000))
    assert "per 6 SECOND" in refused.value.msg
    assert limiter.used("ip") == 11                   # refused requests count too
    clock.set(window_end - 1)
    assert limiter.used("ip") == 11
    clock.set(window_end)                             # the whole count resets at the boundary, nothing carries
    assert limiter.used("ip") == 0 and limiter.charge("ip", 10) == 10
    assert _weight_json(limiter) == {"rateLimitType": "REQUEST_WEIGHT", "interval": "SECOND",
                                     "intervalNum": 6, "limit": 10}
    assert _weight_json(WeightLimiter(clock, errors=BINANCE_ERRORS))["interval"] == "MINUTE"
    for bad in (0, 1500, 999, True):
        with pytest.raises(ValueError):
            WeightLimiter(clock, window_ms=bad, errors=BINANCE_ERRORS)


def test_order_count_429_retry_after_is_the_time_to_the_full_windows_reset():
    clock = ManualClock(start_ms=1_700_000_003_200)   # 3.2 s into a 10 s window
    counter = OrderCounter(clock, limit_10s=1, limit_1d=3)
    counter.count(1)
    with pytest.raises(SimError) as ten_s:
        counter.check(1)
    assert ten_s.value.headers["Retry-After"] == "7"  # 6.8 s, rounded up
    clock.advance(6_800)
    counter.check(1)                                  # the next 10 s window
    counter.count(1)
    clock.advance(10_000)
    counter.count(1)
    clock.advance(10_000)
    with pytest.raises(SimError) as day:              # the day's limit binds: wait for 00:00 UTC
        counter.check(1)
    now = clock.now_ms()
    assert day.value.headers["Retry-After"] == str(-(-((now // 86_400_000 + 1) * 86_400_000 - now) // 1000))
    assert "1 DAY" in day.value.msg


def test_fault_rules_are_scoped_and_counted():
    faults = FaultInjector()
    faults.add("http_error", endpoint="POST /api/v3/order", count=2, status=502)
    faults.add("drop_diff", symbol="ETHUSDT", count=None)
    assert faults.take("http_error", None, "/api/v3/order", "GET") is None
    assert faults.take("http_error", "BTCUSDT", "/api/v3/order", "POST").status == 502
    assert faults.take("http_error", "BTCUSDT", "/api/v3/order", "POST") is not None
    assert faults.take("http_error", "BTCUSDT", "/api/v3/order", "POST") is None
    assert faults.take("drop_diff", "BTCUSDT") is None
    for _ in range(5):
        assert faults.take("drop_diff", "ETHUSDT") is not None
    faults.clear()
    assert faults.take("drop_diff", "ETHUSDT") is None


def test_fault_validation_and_actions():
    faults = FaultInjector()
    with pytest.raises(ValueError):
        faults.add("explode")
    with pytest.raises(ValueError):
        faults.add("http_error", status=404)
    with pytest.raises(ValueError):
        faults.add("drop_diff", count=0)
    skews = []
    faults.actions["skew_clock"] = lambda ms: skews.append(ms)
    assert faults.add("skew_clock", ms=-3000) is None and skews == [-3000]
    faults.snapshot_source = lambda symbol: {"lastUpdateId": 7, "bids": [], "asks": []}
    rule = faults.add("stale_snapshot", symbol="BTCUSDT")
    assert rule.snapshot["lastUpdateId"] == 7 and faults.remove(rule.fault_id)


def test_params_validation():
    p = Params({"price": "0.10000000", "qty": "1e5", "neg": "-1", "fine": "0.000000001", "id": "a b",
                "n": "12", "big": "99999"})
    assert p.decimal("price") == Decimal("0.1")
    for name, code in (("qty", -1100), ("neg", -1100), ("fine", -1111)):
        with pytest.raises(SimError) as err:
            p.decimal(name)
        assert err.value.code == code
    with pytest.raises(SimError) as err:
        p.client_id("id")
    assert err.value.code == -1100
    with pytest.raises(SimError) as err:
        p.decimal("missing", required=True)
    assert err.value.code == -1102 and err.value.msg == \
        "Mandatory parameter 'missing' was not sent, was empty/null, or malformed."
    assert p.integer("n", high=20) == 12
    with pytest.raises(SimError):
        p.integer("big", high=1000)
