"""The kit's helpers: one polling wait, a started connector with its event log, and the comparisons of
the connector's state with the venue's."""
from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable

from ...event_logger import EventLogger
from ...events import MarketEvent

if TYPE_CHECKING:
    from .venue import VenueFixture

CREATED, FILLED, COMPLETED = "BuyOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent"
CANCELLED, FAILED = "OrderCancelledEvent", "MarketOrderFailureEvent"
TERMINAL = (COMPLETED, CANCELLED, FAILED, "OrderExpiredEvent")
#: fast polls and short unknown-outcome back-offs, so a check takes a second, not a minute
CONNECTOR_OPTIONS = dict(short_poll_interval=0.5, long_poll_interval=5.0, unknown_outcome_retry_delays=(0.05, 0.1, 0.2))


async def until(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.01,
                what: str | Callable[[], str] | None = None) -> None:
    """Wait until ``condition()`` holds, polling every ``interval`` s.

    Raises ``TimeoutError`` after ``timeout`` s, naming what was awaited: ``what`` (text, or a
    callable giving the text at the time out, e.g. the state that came instead) or else the
    condition's name; an exception raised by the condition propagates at once (a broken check is
    not a slow one).
    """
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(interval)
    except TimeoutError:
        named = what() if callable(what) else what or getattr(condition, "__qualname__", repr(condition))
        raise TimeoutError(f"{named} not true after {timeout} s") from None


class Session:
    """A connector and every ``MarketEvent`` it emitted (``events``, ``kinds`` per client order id)."""

    def __init__(self, connector: Any) -> None:
        self.connector = connector
        self.log = EventLogger()
        self.log.subscribe(connector, list(MarketEvent))

    def events(self, order_id: str | None = None) -> list[Any]:
        return [e for e in self.log.event_log if order_id is None or getattr(e, "order_id", None) == order_id]

    def kinds(self, order_id: str) -> list[str]:
        """The class names of ``order_id``'s events, in the order they were emitted."""
        return [type(e).__name__ for e in self.events(order_id)]

    async def wait_kinds(self, order_id: str, kinds: list[str], timeout: float = 10.0) -> None:
        """Wait until ``order_id``'s events are exactly ``kinds``; TimeoutError shows what came instead."""
        try:
            await until(lambda: self.kinds(order_id) == kinds, timeout)
        except TimeoutError:
            raise TimeoutError(f"{order_id}: expected {kinds}, got {self.kinds(order_id)}") from None

    async def settle(self) -> None:
        """Let every pending placement, cancel and unknown-outcome resolution end, then one full status poll
        (what a later poll would find, found now)."""
        c = self.connector
        placer = c._order_placer
        await until(lambda: not c._status_poller.resolving() and not placer.placing
                    and all(task.done() for task in placer._tasks), timeout=20)
        await c._status_poller.poll_once()


def book_equals_venue(connector: Any, venue: "VenueFixture") -> bool:
    """Whether the connector's book of the venue's pair holds exactly the venue's levels."""
    book = connector.order_books.get(venue.trading_pair)
    if book is None:
        return False
    bids, asks = venue.venue_book()
    return ({r.price: r.amount for r in book.bid_entries()} == {float(p): float(q) for p, q in bids.items()}
            and {r.price: r.amount for r in book.ask_entries()} == {float(p): float(q) for p, q in asks.items()})


async def balances_equal_venue(session: Session, venue: "VenueFixture") -> None:
    """Wait until the connector's (total, available) balances are the venue's (skipped when the
    venue's account is not mirrored one to one, see ``VenueFixture.venue_balances``)."""
    if venue.venue_balances() is None:
        return
    c = session.connector

    def equal() -> bool:
        ours = {a: (c.get_balance(a), c.get_available_balance(a)) for a in c.get_all_balances()}
        return ours == venue.venue_balances()
    await until(equal)


async def started(venue: "VenueFixture") -> Session:
    """A started, ready connector of ``venue`` with ``CONNECTOR_OPTIONS``."""
    session = Session(venue.make_connector(**CONNECTOR_OPTIONS))
    await session.connector.start_network()
    try:
        await session.connector.wait_ready(10)
    except BaseException:
        await session.connector.stop_network()
        raise
    return session


def half(amount: Decimal) -> Decimal:
    return amount / 2
