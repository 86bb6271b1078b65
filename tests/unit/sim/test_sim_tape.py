"""The kernel's trade-tape figures (``sim/kernel/tape.py``): candles and rolling-window statistics.

Served as Binance klines and 24 h tickers (docs/binance_usdm_futures.md section 3).
"""
from decimal import Decimal

import pytest

from hummingbot_conn.sim.kernel.records import Trade
from hummingbot_conn.sim.kernel.tape import candles, window_stats

D = Decimal
MIN = 60_000


def tape():
    # minute 0: two trades; minute 1: none; minute 2: one (a maker buy: the taker sold)
    return [Trade(1, D("100"), D("1"), 5_000, False), Trade(2, D("102"), D("0.5"), 59_999, False),
            Trade(3, D("99"), D("2"), 2 * MIN + 1, True)]


def test_candles_aggregate_each_interval_with_trades_only():
    first, last = candles(tape(), MIN, None, None, 500)
    assert (first.open_time, first.close_time) == (0, MIN - 1)
    assert (first.open, first.high, first.low, first.close) == (D("100"), D("102"), D("100"), D("102"))
    assert (first.volume, first.quote_volume, first.count) == (D("1.5"), D("151"), 2)
    assert (first.taker_buy_volume, first.taker_buy_quote_volume) == (D("1.5"), D("151"))
    assert (last.open_time, last.open, last.taker_buy_volume) == (2 * MIN, D("99"), D("0"))


@pytest.mark.parametrize("start, end, limit, opens", [
    (None, None, 1, [2 * MIN]),                  # no start: the most recent
    (30_000, None, 1, [0]),                      # from start: the candle holding it comes first
    (MIN, None, 5, [2 * MIN]),
    (None, MIN, 5, [0]),                         # a trade after end is left out
    (3 * MIN, None, 5, []),
])
def test_candle_window_and_limit(start, end, limit, opens):
    assert [c.open_time for c in candles(tape(), MIN, start, end, limit)] == opens


@pytest.mark.parametrize("interval, limit", [(0, 1), (MIN, 0), (-1, 5)])
def test_candles_refuse_a_non_positive_interval_or_limit(interval, limit):
    with pytest.raises(ValueError):
        candles(tape(), interval, None, None, limit)


def test_window_stats_bounds_are_inclusive_and_an_empty_window_has_no_prices():
    stats = window_stats(tape(), 5_000, 2 * MIN + 1)
    assert (stats.first.trade_id, stats.last.trade_id, stats.high, stats.low, stats.count) == \
        (1, 3, D("102"), D("99"), 3)
    assert stats.weighted_avg == (D("100") + D("51") + D("198")) / D("3.5")
    empty = window_stats(tape(), 3 * MIN, 4 * MIN)
    assert (empty.first, empty.high, empty.volume, empty.weighted_avg) == (None, None, D(0), D(0))
