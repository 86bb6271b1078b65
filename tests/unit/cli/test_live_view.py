"""live_view: each pair's own precision, rates from an injected clock, ladders as text."""
from decimal import Decimal

import pytest

from hummingbot_conn.cli.live_view import (
    BookTop,
    Health,
    PairFormat,
    RateMeter,
    decimals_of,
    formats_from_exchange_info,
    health_line,
    ladder_lines,
    top_line,
)


@pytest.mark.parametrize("increment, decimals", [
    ("0.01", 2), ("0.00001", 5), ("0.00100000", 3), ("1", 0), ("1.00000000", 0), ("10", 0), ("0.5", 1),
])
def test_decimals_of_an_increment(increment, decimals):
    assert decimals_of(Decimal(increment)) == decimals


@pytest.mark.parametrize("bad", ["0", "-0.01", "NaN", "Infinity"])
def test_decimals_of_refuses_what_is_not_an_increment(bad):
    with pytest.raises(ValueError):
        decimals_of(Decimal(bad))


def test_formats_from_exchange_info_use_tick_and_step():
    info = {"symbols": [
        {"symbol": "ETHBTC", "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.00001000"},
                                         {"filterType": "LOT_SIZE", "stepSize": "0.00100000"}]},
        {"symbol": "BROKEN", "filters": [{"filterType": "PRICE_FILTER", "tickSize": "abc"}]},
        {"symbol": "NOFILTERS"},
    ]}
    formats = formats_from_exchange_info(info)
    assert formats == {"ETHBTC": PairFormat(5, 3)}
    # a float from the compiled book prints at the pair's tick, not at a 0.01 grid
    assert formats["ETHBTC"].price(0.05) == "0.05000"
    assert formats["ETHBTC"].amount(1.5) == "1.500"
    assert PairFormat(2, 5).price(60012.0) == "60,012.00"
    assert PairFormat(2, 5).price(float("nan")) == "-" and PairFormat().price(None) == "-"


def test_rate_meter_measures_a_trailing_window_of_samples():
    now = [100.0]
    meter = RateMeter(lambda: now[0], window=2.0)
    assert meter.rate("BTC-USDT") == 0.0                  # nothing sampled yet
    meter.sample("BTC-USDT", 10)
    assert meter.rate("BTC-USDT") == 0.0                  # one sample has nothing to compare with
    for _ in range(10):                                   # 5 per 0.5 s: 10 per second
        now[0] += 0.5
        meter.sample("BTC-USDT", 10 + 5 * (_ + 1))
    assert meter.rate("BTC-USDT") == pytest.approx(10.0)
    now[0] += 0.5
    meter.sample("BTC-USDT", 60)                          # a pause: 0 in the last 0.5 s of the 2 s window
    assert meter.rate("BTC-USDT") == pytest.approx(15 / 2.0)
    assert meter.rate("ETH-BTC") == 0.0                   # keys are independent


def test_reading_a_rate_never_changes_it():
    # the figure used to be measured between two reads: a screen drawn more often printed another number
    now = [0.0]
    meter = RateMeter(lambda: now[0])
    count = 0
    for step in range(1, 31):
        now[0] = step * 0.2
        count += (3, 0, 1)[step % 3]
        meter.sample("p", count)
        figures = set()
        for _ in range(step % 4 + 1):
            now[0] += 0.01                                # reads happen later, any number of times
            figures.add(meter.rate("p"))
        assert len(figures) == 1


def test_rate_meter_refuses_an_empty_window():
    with pytest.raises(ValueError):
        RateMeter(lambda: 0.0, window=0)


def test_text_ladder_and_top_line():
    top = BookTop("ETH-BTC", True, 42, bids=[(0.05, 0.004), (0.04999, 1.25)], asks=[(0.05001, 0.011)])
    fmt = PairFormat(5, 3)
    assert top_line(top, fmt) == ("ETH-BTC: bid 0.05000 x 0.004 | ask 0.05001 x 0.011 | mid 0.050005 "
                                  "spread 0.00001 | update 42")
    lines = ladder_lines(top, fmt)
    assert lines[0] == "ETH-BTC order book, update 42: mid 0.050005, spread 0.00001"
    assert lines[2].split() == ["0.004", "0.05000", "|", "0.05001", "0.011"]
    assert lines[3].split() == ["1.250", "0.04999", "|"]
    assert top_line(BookTop("BTC-USDT", False, 0, [], []), fmt) == "BTC-USDT: syncing"


def test_plain_health_line_names_every_figure_of_the_live_table():
    # hbconn book --no-ui: the same figures as the live health table, stale diffs included
    line = health_line(Health("BTC-USDT", 12.34, 0.066, 0.0831, 1, 2, 3, 4))
    assert line == ("BTC-USDT: 12.3 diffs/s, apply latency p50 0.066 ms p99 0.083 ms, gaps 1, resyncs 2, "
                    "reconnects 3, stale 4")
