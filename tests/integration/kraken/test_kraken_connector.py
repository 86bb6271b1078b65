"""KrakenExchange on KrakenSimulatedExchange over real HTTP and WebSocket v2 (docs/kraken_spot.md):
what the conformance kit does not cover: refused keys, Kraken's order minimums, the book's checksum
and a lost update repaired, the venue's trading counter, a restart on the same key."""
from __future__ import annotations

import base64
import time
from decimal import Decimal
from typing import Any

import pytest
from support import until

from hummingbot_conn.common import OrderType
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.exchanges.kraken import KrakenEndpoints, KrakenExchange
from hummingbot_conn.exchanges.kraken.trading_counter import TradingCounter
from hummingbot_conn.sim.kraken import KrakenSimulatedExchange
from hummingbot_conn.web.errors import AuthenticationError

PAIR, SYMBOL = "BTC-USD", "BTC/USD"


@pytest.fixture
async def sim():
    async with KrakenSimulatedExchange(seed=3, traders={"rate": 20}, stream_interval=0.02, tier="starter") as sim:
        yield sim


def _connector(sim: Any, key: str, secret: str, **options: Any) -> KrakenExchange:
    return KrakenExchange(key, secret, [PAIR], domain=KrakenEndpoints.local(sim.rest_url.split("://", 1)[1]),
                          **options)


def _count_requests(sim: Any, path: str) -> list:
    calls: list = []
    handler, weight, security = sim.rest.endpoints[("POST", path)]

    def counting(*args: Any) -> Any:
        calls.append(args[0])
        return handler(*args)
    sim.rest.endpoints[("POST", path)] = (counting, weight, security)
    return calls


def _events(connector: KrakenExchange) -> list:
    events: list = []
    for tag in MarketEvent:
        connector.add_listener(tag, lambda event, tag=tag: events.append((tag.name, event)))
    return events


@pytest.mark.parametrize("wrong", ["key", "secret"])
async def test_a_wrong_key_or_secret_fails_wait_ready_at_once_in_one_sentence(sim, wrong):
    key, secret = sim.create_account({"USD": "1000"})
    if wrong == "key":
        key = "unknown-key"
    else:
        secret = base64.b64encode(b"another secret of sixty-four bytes, as Kraken issues them.......").decode()
    connector = _connector(sim, key, secret)
    await connector.start_network()
    try:
        started = time.monotonic()
        with pytest.raises(AuthenticationError) as info:
            await connector.wait_ready(timeout=60)
        assert time.monotonic() - started < 30        # at once, not at the timeout
        code = "EAPI:Invalid key" if wrong == "key" else "EAPI:Invalid signature"
        assert str(info.value) == f"kraken rejected the API key: {code}."
    finally:
        await connector.stop_network()


async def test_orders_below_ordermin_or_costmin_are_refused_locally_and_nothing_is_sent(sim):
    key, secret = sim.create_account({"USD": "100000", "BTC": "1"})
    placed = _count_requests(sim, "/0/private/AddOrder")
    connector = _connector(sim, key, secret)
    events = _events(connector)
    await connector.start_network()
    try:
        await connector.wait_ready(timeout=30)
        # BTC/USD: ordermin 0.00005 BTC, costmin 0.5 USD (AssetPairs)
        small = connector.buy(PAIR, Decimal("0.00004"), OrderType.LIMIT, Decimal("50000"))
        cheap = connector.buy(PAIR, Decimal("0.0001"), OrderType.LIMIT, Decimal("1"))
        await until(lambda: sum(1 for name, _ in events if name == "OrderFailure") == 2)
        assert {e.order_id for name, e in events if name == "OrderFailure"} == {small, cheap}
        fine = connector.buy(PAIR, Decimal("0.0001"), OrderType.LIMIT, Decimal("50000"))
        await until(lambda: any(name == "BuyOrderCreated" for name, _ in events))
        # one placement on either transport (the WebSocket one once its socket is up)
        assert len(placed) + sim.private_ws.requests["add_order"] == 1
        assert [o.cl_ord_id for o in sim.engine.open_orders(sim.accounts.by_key(key))] == [fine]
    finally:
        await connector.stop_network()


async def test_a_corrupted_checksum_and_a_lost_update_are_each_repaired(sim):
    connector = KrakenExchange("", "", [PAIR], trading_required=False,
                               domain=KrakenEndpoints.local(sim.rest_url.split("://", 1)[1]))
    await connector.start_network()
    try:
        await connector.wait_ready(timeout=30)
        metrics = connector.order_book_tracker.metrics.pairs[PAIR]

        def equal() -> bool:
            book = connector.get_order_book(PAIR)
            bids, asks = sim.book_levels(SYMBOL)
            top_bids = sorted(bids, reverse=True)[:10]
            top_asks = sorted(asks)[:10]
            return book.is_synced and [(r.price, r.amount) for r in book.bid_entries()] == \
                [(float(p), float(bids[p])) for p in top_bids] and \
                [(r.price, r.amount) for r in book.ask_entries()] == [(float(p), float(asks[p])) for p in top_asks]

        await until(equal)
        sim.faults.add("corrupt_checksum", symbol=SYMBOL)
        await until(lambda: metrics.resyncs_checksum >= 1 and equal(), timeout=20)
        mismatches = metrics.checksum_mismatches
        sim.faults.add("drop_diff", symbol=SYMBOL)
        await until(lambda: metrics.checksum_mismatches > mismatches and equal(), timeout=20)
        assert metrics.diffs_applied > 0
    finally:
        await connector.stop_network()


async def test_the_venues_trading_counter_refusal_fails_the_order_once_and_holds_the_pair(sim):
    key, secret = sim.create_account({"USD": "10000000", "BTC": "10"})
    placed = _count_requests(sim, "/0/private/AddOrder")
    # our estimate switched off (threshold far above the venue's 60): the venue's refusal must be handled
    counter = TradingCounter(threshold=10_000, decay=1.0)
    connector = _connector(sim, key, secret, trading_counter=counter)
    events = _events(connector)
    await connector.start_network()
    try:
        await connector.wait_ready(timeout=30)
        ids = [connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000")) for _ in range(70)]
        await until(lambda: sum(1 for name, _ in events if name in ("BuyOrderCreated", "OrderFailure")) == 70,
                    timeout=30)
        failed = [e.order_id for name, e in events if name == "OrderFailure"]
        # refused ones were not sent again, on either transport
        assert failed and len(placed) + sim.private_ws.requests["add_order"] == 70
        assert counter.value("XBTUSD") >= 60 - 1          # taken as full: the next placement waits
        assert set(failed) <= set(ids)
    finally:
        await connector.stop_network()


async def test_a_connector_restarted_on_the_same_key_trades_at_once(sim):
    key, secret = sim.create_account({"USD": "100000", "BTC": "1"})
    for _ in range(2):
        connector = _connector(sim, key, secret)
        events = _events(connector)
        await connector.start_network()
        try:
            await connector.wait_ready(timeout=30)
            connector.buy(PAIR, Decimal("0.001"), OrderType.LIMIT, Decimal("1000"))
            await until(lambda seen=events: any(name == "BuyOrderCreated" for name, _ in seen))
            assert not any(name == "OrderFailure" for name, _ in events)
        finally:
            await connector.stop_network()
