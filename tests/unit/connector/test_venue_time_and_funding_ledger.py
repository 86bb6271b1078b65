"""Freshness (newer-wins per key, venue time then local order, untrusted stamps), the funding ledger
and the order-independent window reader (docs/contracts.md, Contract 4)."""
import json
from decimal import Decimal

import pytest

from hummingbot_conn.connector import Balances
from hummingbot_conn.connector.funding_payments import FundingLedger, FundingPayment, collect_window, nearest_rate
from hummingbot_conn.connector.venue_time import Freshness, stamp_ms

NOW = 1_700_000_000_000.0


def test_stamps_in_micro_and_nanoseconds_are_read_as_milliseconds_and_nonsense_is_refused():
    assert stamp_ms(1_700_000_000_123) == 1_700_000_000_123
    assert stamp_ms(1_700_000_000_123_000) == 1_700_000_000_123
    assert stamp_ms(1_700_000_000_123_000_000) == 1_700_000_000_123
    assert stamp_ms("1700000000123") == 1_700_000_000_123
    for bad in (-1, float("nan"), float("inf"), True, None, "soon", 1e21, [1]):
        with pytest.raises(ValueError):
            stamp_ms(bad)


def test_a_future_stamp_is_applied_but_never_blocks_later_reports():
    f = Freshness("balance", now_ms=lambda: NOW)
    assert f.accept_stream("BTC", NOW + 86_400_000)          # applied, its time not believed
    assert f.venue_time("BTC") is None
    assert f.accept_stream("BTC", NOW - 5)                    # the venue's next genuine report
    token = f.token()
    assert f.accept_snapshot("BTC", NOW - 1, token)           # and the REST poll
    assert f.accept_stream("BTC", NOW + 500)                  # inside the tolerance: believed
    assert f.venue_time("BTC") == NOW + 500


def test_venue_time_decides_and_a_snapshot_requested_before_a_stream_write_does_not_undo_it():
    f = Freshness("position")
    token = f.token()                                         # request sent
    assert f.accept_stream("p", 100)                          # a fill on the stream meanwhile
    assert not f.accept_snapshot("p", 90, token)              # venue time: older
    assert not f.accept_snapshot("p", 100, token)             # a tie, requested before the write
    assert not f.accept_snapshot("p", None, token)            # no time, requested before the write
    assert f.accept_snapshot("p", 101, token)                 # venue time: newer
    assert f.accept_snapshot("p", 101, f.token())             # a tie, requested after the write
    assert not f.accept_stream("p", 99)                       # a late, older stream report
    assert f.accept_stream("p", 101)                          # a second change in the same ms
    assert not f.accept_stream("p", 101, strict=True)         # a delta already in that state


def test_balances_keep_a_stream_update_against_an_answer_requested_before_it():
    b = Balances(now_ms=lambda: NOW)
    b.apply_snapshot({"USDT": (Decimal(100), Decimal(100))}, as_of=NOW - 100)
    token = b.snapshot_token()
    assert b.set_balance("USDT", Decimal(90), Decimal(80), as_of=NOW - 10)
    b.apply_snapshot({"USDT": (Decimal(100), Decimal(100))}, asset_times={"USDT": NOW - 100}, requested_at=token)
    assert (b.get_balance("USDT"), b.get_available_balance("USDT")) == (Decimal(90), Decimal(80))
    b.apply_snapshot({"USDT": (Decimal(90), Decimal(85))}, asset_times={"USDT": NOW - 10},
                     requested_at=b.snapshot_token())
    assert b.get_available_balance("USDT") == Decimal(85)
    b.apply_snapshot({"USDT": (Decimal(1), Decimal(1))}, asset_times={"USDT": "not a time"})
    assert b.get_balance("USDT") == Decimal(90)               # that row left alone, logged


def _payment(i: int, t: int) -> FundingPayment:
    return FundingPayment(f"FUNDING_FEE:{i}", t, Decimal("-0.06"), "USDT")


def test_the_ledger_reports_each_payment_once_and_survives_a_json_round_trip():
    ledger = FundingLedger()
    assert ledger.new_payments("BTC-USDT", [_payment(1, 5)]) == []     # no baseline: nothing is news
    ledger.set_baseline("BTC-USDT", 1000)
    batch = [_payment(2, 3000), _payment(1, 999), _payment(3, 2000), _payment(2, 3000)]
    new = ledger.new_payments("BTC-USDT", batch)
    assert [p.payment_id for p in new] == ["FUNDING_FEE:3", "FUNDING_FEE:2"]   # oldest first, once
    ledger.mark_reported("BTC-USDT", new)
    restored = FundingLedger()
    restored.restore(json.loads(json.dumps(ledger.to_json())))
    assert restored.new_payments("BTC-USDT", batch + [_payment(4, 4000)]) == [_payment(4, 4000)]
    far = 3000 + FundingLedger.LOOKBACK_MS + 10
    restored.mark_reported("BTC-USDT", [_payment(5, far)])
    assert restored.window_start("BTC-USDT") == far - FundingLedger.LOOKBACK_MS
    for bad in (None, {"version": 2, "pairs": {}}, {"version": 1, "pairs": {"X": {"floor_ms": -1}}},
                {"version": 1, "pairs": {"X": {"floor_ms": 1, "reported": [[1, 2]]}}}):
        with pytest.raises(ValueError):
            FundingLedger().restore(bad)


@pytest.mark.parametrize("newest_first", [False, True])
async def test_collect_window_finds_every_row_whatever_subset_a_full_answer_holds(newest_first):
    rows = [{"id": i, "time": 1000 + i // 3} for i in range(700)] + [{"id": 1000 + i, "time": 5000} for i in range(25)]
    calls = []

    async def fetch(start, end, page):
        calls.append((start, end, page))
        inside = sorted((r for r in rows if start <= r["time"] <= end), key=lambda r: r["id"], reverse=newest_first)
        page = page or 1
        return inside[(page - 1) * 10: page * 10]

    found = await collect_window(fetch, 0, 10_000, 10, key=lambda r: r["id"])
    assert sorted(r["id"] for r in found) == sorted(r["id"] for r in rows)
    assert any(page is not None for _, _, page in calls)     # 25 rows in one ms: paged


def test_nearest_rate_matches_within_the_tolerance_only():
    rates = {1000: Decimal("0.1"), 2000: Decimal("0.2")}
    assert nearest_rate(rates, 2000, 10) == Decimal("0.2")
    assert nearest_rate(rates, 1003, 10) == Decimal("0.1")
    assert nearest_rate(rates, 1500, 10) is None


def test_a_fill_takes_its_orders_position_action_and_one_way_pnl_is_only_a_fallback():
    from hummingbot_conn.common import PositionAction, TradeType
    from hummingbot_conn.exchanges.binance_perpetual import binance_perpetual_utils as utils
    close, open_ = PositionAction.CLOSE, PositionAction.OPEN
    assert utils.position_action_of(TradeType.SELL, "BOTH", Decimal(0), order_action=close) is close
    assert utils.position_action_of(TradeType.BUY, "BOTH", Decimal(5), order_action=open_) is open_
    assert utils.position_action_of(TradeType.SELL, "BOTH", Decimal(0), reduce_only=True) is close
    assert utils.position_action_of(TradeType.SELL, "BOTH", Decimal(0)) is open_     # unknown order: inferred
    assert utils.known_position_action(PositionAction.NIL) is None
