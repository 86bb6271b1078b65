"""The checks every venue inherits (docs/conformance.md): subclass :class:`ConformanceSuite` and give
it a ``venue`` fixture yielding a :class:`~.venue.VenueFixture`.

Each check names the rule it holds the connector to (docs/contracts.md): the order lifecycle
(Contract 2), readiness, unknown outcomes resolved by asking the venue and never by resending,
reconciliation after a dropped stream and after a restart (Contract 4), and a book that ends equal
to the venue's after a lost update (Contract 1).
"""
from __future__ import annotations

import asyncio
import json
import random
from decimal import Decimal
from typing import AsyncIterator

import pytest
import pytest_asyncio

from ...common import OrderType
from .hostile import HostileFrameChecks
from .ported import PortedChecks
from .session import (
    CANCELLED,
    COMPLETED,
    CONNECTOR_OPTIONS,
    CREATED,
    FAILED,
    FILLED,
    TERMINAL,
    Session,
    balances_equal_venue,
    book_equals_venue,
    half,
    started,
    until,
)
from .venue import VenueFixture

#: the seeds of the interleaving check (each a repeatable sequence of actions)
INTERLEAVING_SEEDS = (1, 2, 3)
#: longer than a venue's update batching interval (a second change must not share the lost batch)
BATCH_WAIT = 0.3
_half = half


class ConformanceSuite(HostileFrameChecks, PortedChecks):
    """The conformance checks; a subclass provides the ``venue`` fixture (a started VenueFixture)."""

    pytestmark = [pytest.mark.asyncio]

    @pytest_asyncio.fixture
    async def session(self, venue: VenueFixture) -> AsyncIterator[Session]:
        """A started, ready connector on the venue's funded account."""
        s = await started(venue)
        try:
            yield s
        finally:
            await s.connector.stop_network()

    async def _resting_buy(self, session: Session, venue: VenueFixture) -> str:
        order_id = session.connector.buy(venue.trading_pair, venue.order_amount, OrderType.LIMIT,
                                         venue.resting_price, **venue.order_kwargs())
        await session.wait_kinds(order_id, [CREATED])
        return order_id

    # ---- Contract 2: the order lifecycle ---------------------------------------------------------
    async def test_a_limit_order_is_created_filled_in_parts_and_completed_once(self, session, venue):
        order_id = await self._resting_buy(session, venue)
        half = _half(venue.order_amount)
        venue.counterparty_limit("SELL", half, venue.resting_price)
        await session.wait_kinds(order_id, [CREATED, FILLED])
        venue.counterparty_limit("SELL", half, venue.resting_price)
        await session.wait_kinds(order_id, [CREATED, FILLED, FILLED, COMPLETED])
        await session.settle()
        events = session.events(order_id)
        assert session.kinds(order_id) == [CREATED, FILLED, FILLED, COMPLETED]
        assert [e.amount for e in events[1:3]] == [half, half]
        assert len({e.exchange_trade_id for e in events[1:3]}) == 2
        assert events[-1].base_asset_amount == venue.order_amount
        assert events[-1].quote_asset_amount == venue.order_amount * venue.resting_price
        assert order_id not in session.connector.in_flight_orders and venue.venue_open_orders() == []
        await balances_equal_venue(session, venue)

    async def test_a_cancelled_order_gets_exactly_one_cancelled_event(self, session, venue):
        order_id = await self._resting_buy(session, venue)
        assert venue.venue_open_orders() == [order_id]
        session.connector.cancel(venue.trading_pair, order_id)
        await session.wait_kinds(order_id, [CREATED, CANCELLED])
        await session.settle()
        assert session.kinds(order_id) == [CREATED, CANCELLED] and venue.venue_open_orders() == []
        assert venue.requests("cancel") == 1
        await balances_equal_venue(session, venue)

    @pytest.mark.parametrize("amount, price", [("0", "1"), ("NaN", "1"), ("1", "0"), ("-1", "1")])
    async def test_an_order_refused_locally_fails_once_and_sends_nothing(self, session, venue, amount, price):
        price_value = venue.resting_price * Decimal(price)
        order_id = session.connector.buy(venue.trading_pair, venue.order_amount * Decimal(amount), OrderType.LIMIT,
                                         price_value, **venue.order_kwargs())
        await session.wait_kinds(order_id, [FAILED])
        await session.settle()
        assert session.kinds(order_id) == [FAILED] and venue.requests("place") == 0
        assert order_id not in session.connector.in_flight_orders and venue.venue_open_orders() == []

    # ---- readiness -------------------------------------------------------------------------------
    async def test_a_connector_is_not_ready_until_started_and_then_is(self, venue):
        connector = venue.make_connector(**CONNECTOR_OPTIONS)
        try:
            assert not connector.ready and not any(connector.status_dict.values())
            await connector.start_network()
            await connector.wait_ready(10)
            assert connector.ready and all(connector.status_dict.values())
        finally:
            await connector.stop_network()

    async def test_an_order_before_the_connector_is_ready_fails_once_sends_nothing_and_the_next_goes_through(
            self, venue):
        session = Session(venue.make_connector(**CONNECTOR_OPTIONS))
        c = session.connector
        try:
            early = c.buy(venue.trading_pair, venue.order_amount, OrderType.LIMIT, venue.resting_price,
                          **venue.order_kwargs())           # no trading rules yet: it cannot be checked
            await session.wait_kinds(early, [FAILED])
            await c.start_network()
            await c.wait_ready(10)
            order_id = c.buy(venue.trading_pair, venue.order_amount, OrderType.LIMIT, venue.resting_price,
                             **venue.order_kwargs())
            await session.wait_kinds(order_id, [CREATED])
            await session.settle()
            assert session.kinds(early) == [FAILED] and early not in c.in_flight_orders
            assert venue.requests("place") == 1 and venue.venue_open_orders() == [order_id]
        finally:
            await c.stop_network()

    # ---- unknown outcomes: asked, never resent ---------------------------------------------------
    async def test_a_placement_refused_by_a_server_error_is_resolved_by_asking_and_never_resent(
            self, session, venue):
        venue.fault("http_error", "place", status=503)
        order_id = session.connector.buy(venue.trading_pair, venue.order_amount, OrderType.LIMIT,
                                         venue.resting_price, **venue.order_kwargs())
        await session.wait_kinds(order_id, [FAILED])       # the venue says, several times, it has no such order
        await session.settle()
        assert session.kinds(order_id) == [FAILED]
        assert venue.requests("place") == 0 and venue.venue_open_orders() == []

    async def test_a_lost_placement_answer_gives_one_order_found_by_its_client_id(self, session, venue):
        venue.fault("lose_response", "place")
        order_id = session.connector.buy(venue.trading_pair, venue.order_amount, OrderType.LIMIT,
                                         venue.resting_price, **venue.order_kwargs())
        await session.wait_kinds(order_id, [CREATED])
        assert venue.venue_open_orders() == [order_id]
        venue.counterparty_limit("SELL", venue.order_amount, venue.resting_price)
        await session.wait_kinds(order_id, [CREATED, FILLED, COMPLETED])
        await session.settle()
        assert session.kinds(order_id) == [CREATED, FILLED, COMPLETED] and venue.requests("place") == 1
        await balances_equal_venue(session, venue)

    async def test_a_rate_limited_placement_fails_once_and_is_not_resent(self, session, venue):
        venue.fault("http_429", "place")
        order_id = session.connector.buy(venue.trading_pair, venue.order_amount, OrderType.LIMIT,
                                         venue.resting_price, **venue.order_kwargs())
        await session.wait_kinds(order_id, [FAILED])
        await session.settle()
        assert session.kinds(order_id) == [FAILED]
        assert venue.requests("place") == 0 and venue.venue_open_orders() == []

    async def test_a_cancel_refused_by_a_server_error_leaves_the_order_open_and_a_second_cancel_ends_it_once(
            self, session, venue):
        order_id = await self._resting_buy(session, venue)
        venue.fault("http_error", "cancel", status=503)
        session.connector.cancel(venue.trading_pair, order_id)
        await session.settle()
        # the error came before the venue saw the cancel: the order is still live, and we say so
        assert venue.requests("cancel") == 0 and venue.venue_open_orders() == [order_id]
        assert session.kinds(order_id) == [CREATED] and not session.connector.in_flight_orders[order_id].is_done
        session.connector.cancel(venue.trading_pair, order_id)
        await session.wait_kinds(order_id, [CREATED, CANCELLED])
        await session.settle()
        assert session.kinds(order_id) == [CREATED, CANCELLED] and venue.requests("cancel") == 1

    async def test_a_cancel_that_fails_while_the_order_fills_ends_completed_once(self, session, venue):
        order_id = await self._resting_buy(session, venue)
        venue.fault("http_error", "cancel", status=503)
        venue.counterparty_limit("SELL", venue.order_amount, venue.resting_price)
        session.connector.cancel(venue.trading_pair, order_id)
        await session.wait_kinds(order_id, [CREATED, FILLED, COMPLETED])
        await session.settle()
        assert session.kinds(order_id) == [CREATED, FILLED, COMPLETED]
        await balances_equal_venue(session, venue)

    async def test_a_placement_answer_slower_than_the_stream_still_gives_created_first_and_each_fill_once(
            self, session, venue):
        half = _half(venue.order_amount)
        venue.counterparty_limit("SELL", half, venue.resting_price)
        await until(lambda: book_equals_venue(session.connector, venue))
        venue.fault("delay_response", "place", delay=0.5)
        order_id = session.connector.buy(venue.trading_pair, venue.order_amount, OrderType.LIMIT,
                                         venue.resting_price, **venue.order_kwargs())    # half fills at once
        await session.wait_kinds(order_id, [CREATED, FILLED])
        venue.counterparty_limit("SELL", half, venue.resting_price)
        await session.wait_kinds(order_id, [CREATED, FILLED, FILLED, COMPLETED])
        await session.settle()
        assert session.kinds(order_id) == [CREATED, FILLED, FILLED, COMPLETED] and venue.requests("place") == 1
        assert len({e.exchange_trade_id for e in session.events(order_id)[1:3]}) == 2
        await balances_equal_venue(session, venue)

    # ---- Contract 4: reconciliation --------------------------------------------------------------
    async def test_fills_while_the_user_stream_is_down_are_each_reported_once(self, session, venue):
        order_id = await self._resting_buy(session, venue)
        stream = session.connector.user_stream_tracker.data_source
        half = _half(venue.order_amount)
        for n in (2, 3):
            venue.fault("close_user_sockets")
            venue.counterparty_limit("SELL", half, venue.resting_price)      # while we are away, or just back

            def reconnected(n: int = n) -> bool:
                return bool(stream.connection_number >= n and stream.connected)
            await until(reconnected)
        await session.wait_kinds(order_id, [CREATED, FILLED, FILLED, COMPLETED])
        await session.settle()
        fills = session.events(order_id)[1:3]
        assert session.kinds(order_id) == [CREATED, FILLED, FILLED, COMPLETED]
        assert len({f.exchange_trade_id for f in fills}) == 2 and sum(f.amount for f in fills) == venue.order_amount
        await balances_equal_venue(session, venue)

    async def test_a_restart_from_tracking_states_reports_exactly_what_happened_while_down(self, venue):
        first = await started(venue)
        try:
            filled = await self._resting_buy(first, venue)
            cancelled = await self._resting_buy(first, venue)
            half = _half(venue.order_amount)
            venue.counterparty_limit("SELL", half, venue.resting_price)
            await first.wait_kinds(filled, [CREATED, FILLED])
            first_trade = first.events(filled)[1].exchange_trade_id
            saved = json.loads(json.dumps(first.connector.tracking_states))     # as a bot persists them
        finally:
            await first.connector.stop_network()
        # while down: `filled` trades the rest (time priority: it rests first), `cancelled` is cancelled elsewhere
        venue.counterparty_limit("SELL", half, venue.resting_price)
        venue.cancel_elsewhere(cancelled)
        second = Session(venue.make_connector(**CONNECTOR_OPTIONS))
        second.connector.restore_tracking_states(saved)
        assert set(second.connector.in_flight_orders) == {filled, cancelled}
        await second.connector.start_network()
        try:
            await second.wait_kinds(filled, [FILLED, COMPLETED])
            await second.wait_kinds(cancelled, [CANCELLED])
            await second.settle()
            assert second.kinds(filled) == [FILLED, COMPLETED] and second.kinds(cancelled) == [CANCELLED]
            assert second.events(filled)[0].exchange_trade_id != first_trade      # not reported twice
            assert second.events(filled)[1].base_asset_amount == venue.order_amount
            await balances_equal_venue(second, venue)
        finally:
            await second.connector.stop_network()

    # ---- Contract 1: the book --------------------------------------------------------------------
    async def test_the_book_ends_equal_to_the_venues_after_a_lost_update(self, session, venue):
        connector, price = session.connector, venue.resting_price
        tick = price / 1000
        for i in range(3):
            venue.counterparty_limit("SELL", venue.order_amount, price + tick * (i + 1))
            venue.counterparty_limit("BUY", venue.order_amount, price - tick * (i + 1))
        await until(lambda: book_equals_venue(connector, venue))
        metrics = connector.order_book_tracker.metrics.pairs[venue.trading_pair]
        # a lost update shows as a gap of ids or, on a venue without ids, as a checksum mismatch
        gaps, resyncs = metrics.gaps + metrics.checksum_mismatches, metrics.resyncs
        venue.fault("drop_diff")
        venue.counterparty_limit("SELL", venue.order_amount, price + tick * 5)      # this update is never sent
        # a venue may batch its updates (Binance: every 100 ms): the next change must go out in a later batch
        await asyncio.sleep(BATCH_WAIT)
        venue.counterparty_limit("BUY", venue.order_amount, price - tick * 5)       # the next one shows the gap
        await until(lambda: book_equals_venue(connector, venue) and metrics.resyncs > resyncs)
        assert metrics.gaps + metrics.checksum_mismatches > gaps                    # found, not by luck
        connector.order_books[venue.trading_pair].check_integrity()
        venue.counterparty_limit("BUY", venue.order_amount, price - tick * 6)        # and it keeps following
        await until(lambda: book_equals_venue(connector, venue))

    async def test_the_book_resyncs_after_the_market_stream_drops(self, session, venue):
        connector, price = session.connector, venue.resting_price
        tick = price / 1000
        venue.counterparty_limit("SELL", venue.order_amount, price + tick)
        await until(lambda: book_equals_venue(connector, venue))
        metrics = connector.order_book_tracker.metrics.pairs[venue.trading_pair]
        venue.fault("close_market_sockets")
        for i in range(3):                                                           # it moves while we are away
            venue.counterparty_limit("BUY", venue.order_amount, price - tick * (i + 1))
        await until(lambda: book_equals_venue(connector, venue) and metrics.stream_interruptions >= 1)
        assert connector.get_price(venue.trading_pair, False) == price - tick

    # ---- Contracts 2 and 4 under interleavings ---------------------------------------------------
    @pytest.mark.parametrize("seed", INTERLEAVING_SEEDS)
    async def test_random_interleavings_of_orders_fills_cancels_and_faults_keep_the_event_contract(
            self, session, venue, seed):
        rng, connector, orders = random.Random(seed), session.connector, []
        half, tick = _half(venue.order_amount), venue.resting_price / 1000
        for _ in range(10):
            action = rng.choice(("buy", "buy", "fill", "fill", "cancel", "drop_user", "lose_place",
                                 "fail_cancel", "pause"))
            if action == "buy":
                orders.append(connector.buy(venue.trading_pair, venue.order_amount, OrderType.LIMIT,
                                            venue.resting_price - tick * rng.randrange(3), **venue.order_kwargs()))
            elif action == "fill":
                venue.counterparty_limit("SELL", half, venue.resting_price - tick * rng.randrange(3))
            elif action == "cancel" and orders:
                connector.cancel(venue.trading_pair, rng.choice(orders))
            elif action == "drop_user":
                venue.fault("close_user_sockets")
            elif action == "lose_place":
                venue.fault("lose_response", "place")
            elif action == "fail_cancel":
                venue.fault("http_error", "cancel", status=503)
            await asyncio.sleep(0.05 if action == "pause" else 0)

        def settled(order_id: str) -> bool:
            terminal = [k for k in session.kinds(order_id) if k in TERMINAL]
            return (order_id in venue.venue_open_orders()) == (not terminal)
        assert orders                                          # every seed places orders
        await until(lambda: all(settled(o) for o in orders), timeout=20)
        await session.settle()
        before = len(session.events())
        await connector._status_poller.poll_once()            # a further full poll finds nothing new
        assert session.events()[before:] == []
        for order_id in orders:
            kinds, events = session.kinds(order_id), session.events(order_id)
            terminal = [k for k in kinds if k in TERMINAL]
            fills = [e for e in events if type(e).__name__ == FILLED]
            assert len(terminal) <= 1 and (not terminal or kinds[-1] == terminal[0]), kinds
            assert kinds.count(CREATED) <= 1 and (CREATED not in kinds or kinds[0] == CREATED), kinds
            assert len({f.exchange_trade_id for f in fills}) == len(fills), kinds
            filled = sum((f.amount for f in fills), Decimal(0))
            assert filled <= venue.order_amount, kinds
            assert (terminal == [COMPLETED]) == (filled == venue.order_amount), (kinds, filled)
            if terminal == [COMPLETED]:
                assert events[-1].base_asset_amount == filled
        await balances_equal_venue(session, venue)
