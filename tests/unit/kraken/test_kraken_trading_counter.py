"""Kraken's per-pair trading counter as the connector estimates it (docs/kraken_spot.md section 8), on an
injected clock: placements wait for room, a cancel's cost falls with the order's age, a venue refusal
holds the pair exactly as long as the counter needs to decay."""
import pytest

from hummingbot_conn.exchanges.kraken.trading_counter import TradingCounter, cancel_penalty


@pytest.mark.parametrize("age, cost", [(0, 8), (4.9, 8), (5, 6), (9.9, 6), (10, 5), (14.9, 5), (15, 4), (44.9, 4),
                                       (45, 2), (89.9, 2), (90, 0), (1e6, 0)])
def test_a_cancel_costs_less_the_older_its_order(age, cost):
    assert cancel_penalty(age) == cost


def test_placements_wait_for_room_and_the_counter_decays_per_pair():
    now = [0.0]
    counter = TradingCounter(threshold=60, decay=1.0, clock=lambda: now[0])
    for _ in range(60):
        assert counter.wait_for("XBTUSD") == 0
        counter.add("XBTUSD", 1)
    assert counter.wait_for("XBTUSD") == pytest.approx(1.0)     # one more needs one unit of decay
    assert counter.wait_for("ETHUSD") == 0                       # another pair is untouched
    now[0] += 1.0
    assert counter.wait_for("XBTUSD") == 0
    counter.add("XBTUSD", 8)                                     # a young order cancelled
    assert counter.wait_for("XBTUSD") == pytest.approx(8.0)


def test_a_venue_refusal_holds_the_pair_only_until_its_counter_decayed():
    now = [0.0]
    counter = TradingCounter(threshold=125, decay=2.34, clock=lambda: now[0])
    counter.add("XBTUSD", 3)
    counter.saturate("XBTUSD")
    assert counter.value("XBTUSD") == 125
    assert counter.wait_for("XBTUSD") == pytest.approx(1 / 2.34)
    now[0] += 1 / 2.34
    assert counter.wait_for("XBTUSD") == pytest.approx(0, abs=1e-9)


def test_a_counter_needs_a_positive_threshold_and_decay():
    with pytest.raises(ValueError):
        TradingCounter(threshold=0)
    with pytest.raises(ValueError):
        TradingCounter(decay=0)
