"""Ten million updates with flat memory (resident set size, not just __sizeof__)."""
import os
import random

import pytest

from hummingbot_conn.core.order_book import DiffResult, OrderBook

UPDATES = 10_000_000


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
def test_ten_million_updates_keep_memory_flat():
    rng = random.Random(11)
    book = OrderBook()
    book.apply_snapshot([[f"{30000 - 0.01 * (i + 1):.2f}", "1.5"] for i in range(1000)],
                        [[f"{30000 + 0.01 * i:.2f}", "1.5"] for i in range(1000)], 1)
    # 4096 distinct near-top diffs (a quarter delete), cycled with ever-increasing ids
    diffs = []
    for _ in range(4096):
        offset = min(int(rng.expovariate(1 / 20)), 2000)
        amount = "0" if rng.random() < 0.25 else f"{rng.uniform(0.001, 5):.5f}"
        if rng.random() < 0.5:
            diffs.append(([[f"{30000 - 0.01 * (offset + 1):.2f}", amount]], []))
        else:
            diffs.append(([], [[f"{30000 + 0.01 * offset:.2f}", amount]]))
    apply = book.apply_diffs
    uid = 2
    rss = []
    sizes = []
    for _chunk in range(10):
        for _ in range(UPDATES // 10 // len(diffs)):
            for bids, asks in diffs:
                apply(bids, asks, uid)
                uid += 1
        rss.append(_rss_bytes())
        sizes.append(book.__sizeof__())
    assert uid - 2 >= UPDATES * 0.99
    assert book.apply_diffs([], [], uid) is DiffResult.APPLIED
    book.check_integrity()
    # after the first chunk nothing grows: not the C arrays, not the process
    assert max(sizes[1:]) <= sizes[0] * 2
    assert max(rss[1:]) - rss[0] < 4 * 1024 * 1024, [r // 1024 for r in rss]
