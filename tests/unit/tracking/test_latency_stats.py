"""The compiled latency ring (tracking/_latency_stats.pyx) behaves as the Python one it replaced:
the class of input closed is every sequence of samples, before and after the ring wraps."""
import math

import pytest

from hummingbot_conn.tracking.order_book_tracker_metrics import LatencyStats


def test_samples_are_the_last_window_in_arrival_order_before_and_after_the_ring_wraps():
    stats = LatencyStats(window=3)
    assert stats.samples() == [] and math.isnan(stats.percentile(0.5)) and stats.window == 3
    stats.add(1)
    stats.add(2.5)
    assert stats.samples() == [1.0, 2.5] and stats.count == 2
    for sample in (3.0, 4.0, 5.0, 6.0):
        stats.add(sample)
    assert stats.samples() == [4.0, 5.0, 6.0] and stats.count == 6


def test_extend_takes_the_other_rings_kept_samples_in_order():
    a, b = LatencyStats(window=4), LatencyStats(window=2)
    for sample in (1.0, 2.0, 3.0):
        b.add(sample)
    a.add(0.5)
    a.extend(b)
    assert a.samples() == [0.5, 2.0, 3.0] and a.count == 3


@pytest.mark.parametrize("sample", ["1.0", None, [1.0]])
def test_a_sample_that_is_not_a_number_is_refused_and_the_ring_is_unchanged(sample):
    stats = LatencyStats(window=2)
    stats.add(1.0)
    with pytest.raises(TypeError):
        stats.add(sample)
    assert stats.samples() == [1.0] and stats.count == 1
