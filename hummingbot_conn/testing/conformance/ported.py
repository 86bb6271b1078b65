"""Checks ported from hummingbot's own connector tests (its abstract exchange connector test case), in
the kit's terms: against the venue's simulator over real sockets, not against mocked answers.  The
rules are docs/contracts.md's, Contract 2 (an order's events) and Contract 4 (the account).

The cases of hummingbot's suite already covered elsewhere in the kit (a buy created, filled and
completed; a cancel; a placement or cancel that fails; fills reconciled after the stream drops) are
not repeated; these are the ones it had and the kit did not: a sell's lifecycle, an amount below
the venue's minimum refused before sending, ``cancel_all`` with one cancel failing, and
``check_network``.
"""
from __future__ import annotations

from ...common import OrderType
from ...connector.network_status import NetworkStatus
from .session import CANCELLED, CREATED, FAILED, FILLED, Session, balances_equal_venue, half, until
from .venue import VenueFixture


async def _refused() -> None:
    raise ConnectionRefusedError("no venue here")


SELL_CREATED, SELL_COMPLETED = "SellOrderCreatedEvent", "SellOrderCompletedEvent"


class PortedChecks:
    """A mixin of ``ConformanceSuite`` (which supplies ``session`` and ``_resting_buy``)."""

    async def test_a_limit_sell_is_created_filled_in_parts_and_completed_once(self, session: Session,
                                                                            venue: VenueFixture) -> None:
        price = venue.resting_price + venue.resting_price / 1000           # above any resting buy of ours
        order_id = session.connector.sell(venue.trading_pair, venue.order_amount, OrderType.LIMIT, price,
                                          **venue.order_kwargs())
        await session.wait_kinds(order_id, [SELL_CREATED])
        part = half(venue.order_amount)
        venue.counterparty_limit("BUY", part, price)
        await session.wait_kinds(order_id, [SELL_CREATED, FILLED])
        venue.counterparty_limit("BUY", part, price)
        await session.wait_kinds(order_id, [SELL_CREATED, FILLED, FILLED, SELL_COMPLETED])
        await session.settle()
        events = session.events(order_id)
        assert session.kinds(order_id) == [SELL_CREATED, FILLED, FILLED, SELL_COMPLETED]
        assert [e.amount for e in events[1:3]] == [part, part] and [e.price for e in events[1:3]] == [price, price]
        assert events[-1].base_asset_amount == venue.order_amount
        assert events[-1].quote_asset_amount == venue.order_amount * price
        assert order_id not in session.connector.in_flight_orders and venue.venue_open_orders() == []
        await balances_equal_venue(session, venue)

    async def test_an_amount_below_the_venues_minimum_fails_once_and_sends_nothing(self, session: Session,
                                                                                   venue: VenueFixture) -> None:
        rule = session.connector.trading_rules[venue.trading_pair]
        amount = rule.min_order_size / 2
        assert amount > 0, f"the venue's rules of {venue.trading_pair} state no minimum order size"
        order_id = session.connector.buy(venue.trading_pair, amount, OrderType.LIMIT, venue.resting_price,
                                         **venue.order_kwargs())
        await session.wait_kinds(order_id, [FAILED])
        await session.settle()
        assert session.kinds(order_id) == [FAILED] and venue.requests("place") == 0
        assert order_id not in session.connector.in_flight_orders and venue.venue_open_orders() == []

    async def test_cancel_all_with_one_cancel_failing_reports_each_order_and_cancels_the_other_once(
            self, session: Session, venue: VenueFixture) -> None:
        first = await self._resting_buy(session, venue)           # type: ignore[attr-defined]
        second = await self._resting_buy(session, venue)          # type: ignore[attr-defined]
        venue.fault("http_error", "cancel", status=503)           # the first cancel request sent fails
        results = await session.connector.cancel_all(10)
        outcome = {r.order_id: r.success for r in results}
        assert set(outcome) == {first, second} and sorted(outcome.values()) == [False, True], outcome
        kept = next(o for o, ok in outcome.items() if not ok)
        gone = next(o for o, ok in outcome.items() if ok)
        await session.wait_kinds(gone, [CREATED, CANCELLED])
        await session.settle()
        assert session.kinds(gone) == [CREATED, CANCELLED] and session.kinds(kept) == [CREATED]
        assert venue.venue_open_orders() == [kept] and not session.connector.in_flight_orders[kept].is_done
        assert venue.requests("cancel") == 1
        session.connector.cancel(venue.trading_pair, kept)               # and it can still be cancelled
        await session.wait_kinds(kept, [CREATED, CANCELLED])
        await until(lambda: venue.venue_open_orders() == [])
        await balances_equal_venue(session, venue)

    async def test_check_network_says_connected_to_a_running_venue_and_not_connected_to_no_venue(
            self, session: Session, venue: VenueFixture) -> None:
        assert await session.connector.check_network() is NetworkStatus.CONNECTED
        offline = venue.make_connector()            # the same venue, its network check sent nowhere
        offline._make_network_check_request = _refused
        try:
            assert await offline.check_network() is NetworkStatus.NOT_CONNECTED
        finally:
            await offline.stop_network()
