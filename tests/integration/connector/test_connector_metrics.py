"""A connector's figures on the Prometheus endpoint, against the simulated exchange (real sockets), and the
log a person reads for a day: expected late reports counted and logged at DEBUG only.

The endpoint is scraped over HTTP and parsed with ``prometheus_client.parser``; each figure is checked
against the connector's own state: exactly where nothing can change between the two reads, else between
the connector's figures read just before and just after the scrape.
"""
import logging
import math
from decimal import Decimal

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry

from hummingbot_conn.common import OrderType
from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS
from hummingbot_conn.metrics import register_connector, start_metrics_server

LIMIT = OrderType.LIMIT


async def scrape(url: str) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as response:
            assert response.status == 200
            text = await response.text()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples[(name, frozenset({"venue": "binance", **labels}.items()))]


async def test_scraped_connector_figures_match_the_connector(session, harness):
    ex, sim = session.connector, session.sim
    registry = CollectorRegistry()
    register_connector(ex, registry=registry)
    placer, poller, throttler = ex._order_placer, ex._status_poller, ex.throttler
    async with await start_metrics_server(0, registry=registry) as server:
        ids = [ex.buy("BTC-USDT", Decimal("0.001"), LIMIT, Decimal(p)) for p in ("40000", "40001", "40002")]
        ids.append(ex.buy("ETH-USDT", Decimal("0.1"), LIMIT, Decimal("1000")))
        for order_id in ids:
            await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
        ex.cancel("BTC-USDT", ids[0])
        await session.wait_kinds(ids[0], ["BuyOrderCreatedEvent", "OrderCancelledEvent"])
        # the user stream dropped by the exchange: one reconnect, then a REST reconcile
        polls = poller.poll_count
        sim.faults.add("close_user_sockets")
        await harness.until(lambda: ex._user_stream_connections == 2 and poller.poll_count > polls)

        lag_before, polls_before, stamp_before = ex.user_stream_lag.count, poller.poll_count, \
            poller.last_poll_timestamp
        samples = await scrape(server.url)
        lag_after, polls_after, stamp_after = ex.user_stream_lag.count, poller.poll_count, \
            poller.last_poll_timestamp

    assert value(samples, "hbconn_connector_ready") == 1
    # orders: what the connector tracks as active, per pair; the round trips of the accepted requests
    assert value(samples, "hbconn_open_orders", trading_pair="BTC-USDT") == 2 == \
        sum(o.trading_pair == "BTC-USDT" for o in ex.in_flight_orders.values())
    assert value(samples, "hbconn_open_orders", trading_pair="ETH-USDT") == 1 == \
        sum(o.trading_pair == "ETH-USDT" for o in ex.in_flight_orders.values())
    assert value(samples, "hbconn_lost_orders") == 0
    assert value(samples, "hbconn_order_round_trip_seconds_count", action="create") == 4 == \
        placer.create_round_trip.count
    assert value(samples, "hbconn_order_round_trip_seconds_count", action="cancel") == 1 == \
        placer.cancel_round_trip.count
    for action, stats in (("create", placer.create_round_trip), ("cancel", placer.cancel_round_trip)):
        assert value(samples, "hbconn_order_round_trip_seconds", action=action, quantile="0.5") == stats.p50 > 0
        assert value(samples, "hbconn_order_round_trip_seconds", action=action, quantile="0.99") == stats.p99
    # rate limits: the day's order count never expires within the test; every limit adds up
    orders_day = {"limit_id": CONSTANTS.ORDERS_24HR}
    assert value(samples, "hbconn_rate_limit_weight_used", **orders_day) == 4 == \
        throttler.used_weight(CONSTANTS.ORDERS_24HR)
    for limit in throttler.rate_limits:
        labels = {"limit_id": limit.limit_id}
        used = value(samples, "hbconn_rate_limit_weight_used", **labels)
        capacity = value(samples, "hbconn_rate_limit_weight_capacity", **labels)
        assert capacity == throttler.capacity(limit.limit_id)
        assert value(samples, "hbconn_rate_limit_weight_left", **labels) == max(0, capacity - used)
        assert value(samples, "hbconn_rate_limit_window_seconds", **labels) == limit.time_interval
        assert value(samples, "hbconn_rate_limit_waiting_requests", **labels) == 0
    assert value(samples, "hbconn_rate_limit_weight_used", limit_id=CONSTANTS.REQUEST_WEIGHT) > 0
    # user stream and reconciliation
    assert value(samples, "hbconn_user_stream_reconnects_total") == 1
    assert lag_before <= value(samples, "hbconn_user_stream_lag_seconds_count") <= lag_after
    assert lag_before >= 8        # each order's NEW report and its balance update, the cancel's two
    assert math.isfinite(value(samples, "hbconn_user_stream_lag_seconds", quantile="0.5"))
    assert value(samples, "hbconn_user_stream_silence_seconds") >= 0
    assert polls_before <= value(samples, "hbconn_reconciles_total") <= polls_after
    assert stamp_before <= value(samples, "hbconn_last_reconcile_timestamp_seconds") <= stamp_after
    # the connector's books are in the same scrape
    for pair in ("BTC-USDT", "ETH-USDT"):
        assert value(samples, "hbconn_book_synced", trading_pair=pair) == 1
    metrics = ex._order_tracker.metrics
    assert value(samples, "hbconn_order_reports_stale_total") == metrics.stale_reports
    assert value(samples, "hbconn_order_reports_refused_total") == metrics.refused_reports == 0


async def test_a_burst_of_late_reports_is_counted_and_logged_at_debug_only(session, harness, caplog):
    # The spot soak logged 1,343 INFO lines "refused FILLED -> OPEN" in 8 minutes for late reports of
    # filled orders: an expected race.  Replayed here through the real user stream path, 800 times.
    ex, cp = session.connector, harness.Counterparty(session.sim)
    seen = []
    process = ex._user_events.process
    ex._user_events.process = lambda event: (seen.append(event), process(event))
    order_id = ex.buy("BTC-USDT", Decimal("0.001"), LIMIT, Decimal("50000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    cp.limit("SELL", "0.0004", "50000")
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent"])
    cp.limit("SELL", "0.0006", "50000")
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "OrderFilledEvent",
                                        "BuyOrderCompletedEvent"])
    late = [e for e in seen if e.get("e") == "executionReport" and e["c"] == order_id and e["X"] != "FILLED"]
    assert [e["X"] for e in late] == ["NEW", "PARTIALLY_FILLED"]       # the second one carries a fill
    stranger = {**late[0], "c": "not-ours-1", "i": 987654321}           # another client of the account

    metrics = ex._order_tracker.metrics
    before = metrics.to_dict()
    registry = CollectorRegistry()
    register_connector(ex, registry=registry)
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="hummingbot_conn")
    queue = ex.user_stream_tracker.user_stream
    for _ in range(200):
        for event in (*late, stranger, *late):
            await queue.put(dict(event))
    await harness.until(lambda: metrics.stale_reports == before["stale_reports"] + 800)
    await harness.until(lambda: metrics.untracked_reports == before["untracked_reports"] + 200)

    assert metrics.duplicate_fills == before["duplicate_fills"] + 400
    assert metrics.refused_reports == before["refused_reports"] == 0
    ours = [r for r in caplog.records if r.name.startswith("hummingbot_conn")]
    assert [r.getMessage() for r in ours if r.levelno >= logging.INFO] == []
    refused = [r for r in ours if "refused FILLED -> " in r.getMessage()]
    assert len(refused) == 800 and {r.levelno for r in refused} == {logging.DEBUG}
    assert ex.in_flight_orders == {} and session.events(order_id)[-1].__class__.__name__ == "BuyOrderCompletedEvent"
    assert len(session.events(order_id)) == 4                          # nothing re-published

    async with await start_metrics_server(0, registry=registry) as server:
        samples = await scrape(server.url)
    assert value(samples, "hbconn_order_reports_stale_total") == metrics.stale_reports
    assert value(samples, "hbconn_order_fills_duplicate_total") == metrics.duplicate_fills
    assert value(samples, "hbconn_order_reports_untracked_total") == metrics.untracked_reports
    assert value(samples, "hbconn_order_reports_refused_total") == 0


async def test_a_cancel_that_lost_the_race_with_a_fill_is_counted_not_logged_at_info(session, harness, caplog):
    ex, sim = session.connector, session.sim
    registry = CollectorRegistry()
    register_connector(ex, registry=registry)
    order_id = ex.buy("BTC-USDT", Decimal("0.001"), LIMIT, Decimal("55000"))
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent"])
    caplog.set_level(logging.DEBUG, logger="hummingbot_conn")
    sim.faults.add("close_user_sockets")           # the fill below is not streamed to us
    harness.Counterparty(sim).limit("SELL", "0.001", "55000")
    ex.cancel("BTC-USDT", order_id)                # -2011 Unknown order: the status is asked for, FILLED
    await session.wait_kinds(order_id, ["BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"])
    assert ex._order_placer.cancels_not_open == 1
    [record] = [r for r in caplog.records if "does not know order" in r.getMessage()]
    assert record.levelno == logging.DEBUG
    async with await start_metrics_server(0, registry=registry) as server:
        samples = await scrape(server.url)
    assert value(samples, "hbconn_order_cancels_not_open_total") == 1
    assert value(samples, "hbconn_order_round_trip_seconds_count", action="cancel") == 0


async def test_the_user_stream_lag_reads_the_event_time_in_any_unit(session):
    # a user stream opened with timeUnit=MICROSECOND stamps "E" in us: read as such, not as a date in year 55000
    ex = session.connector
    now_ms = 1_700_000_000_123
    for stamp in (now_ms, now_ms * 1000, now_ms * 1_000_000, str(now_ms)):
        assert abs(ex._user_event_timestamp({"E": stamp}) - now_ms / 1000) < 1e-6
    for event in ({}, {"E": None}, {"E": "soon"}, {"E": -1}, {"E": float("nan")}, [], None, "E"):
        assert ex._user_event_timestamp(event) is None


async def test_refused_user_frames_are_exported_per_event_type(session, harness):
    ex = session.connector
    registry = CollectorRegistry()
    register_connector(ex, registry=registry)
    queue = ex.user_stream_tracker.user_stream
    await queue.put({"e": "executionReport", "E": 1, "s": "BTCUSDT", "c": "x"})       # no T, no i
    await queue.put({"e": "executionReport", "E": 2, "T": 2, "i": "NaN", "s": "BTCUSDT", "c": "x"})
    await queue.put({"e": "balanceUpdate", "E": 3, "a": "BTC", "d": "1e999999", "T": 3})
    await harness.until(lambda: sum(ex.refused_user_events.values()) == 3)
    async with await start_metrics_server(0, registry=registry) as server:
        samples = await scrape(server.url)
    assert value(samples, "hbconn_user_events_refused_total", event_type="executionReport") == 2 == \
        ex.refused_user_events["executionReport"]
    assert value(samples, "hbconn_user_events_refused_total", event_type="balanceUpdate") == 1
