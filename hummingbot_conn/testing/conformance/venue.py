"""What a venue supplies to the conformance kit: one object satisfying :class:`VenueFixture`.

Amounts and prices are ``Decimal``; trading pairs are hummingbot's ``BASE-QUOTE``. The venue's
simulator must already be running when the suite's ``venue`` fixture yields it, with one funded
account (the connector's) and an empty book on ``trading_pair``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, List, Protocol, runtime_checkable

import pytest

#: the operations a fault or a request count may name
OPERATIONS = ("place", "cancel")
#: the fault kinds the kit injects (``VenueFixture.fault``), with what each must do:
#: ``http_error`` (``status``: 5xx) and ``http_429``: the next ``operation`` request is answered
#: with that status *before* the venue processes it; ``lose_response``: the venue processes the
#: next ``operation`` request and the answer never arrives (the connection is cut);
#: ``delay_response`` (``delay`` s): the answer comes late; ``close_user_sockets`` /
#: ``close_market_sockets``: every private / public stream connection is closed now;
#: ``drop_diff``: the next book update of ``trading_pair`` is never sent.
FAULT_KINDS = ("http_error", "http_429", "lose_response", "delay_response", "close_user_sockets",
               "close_market_sockets", "drop_diff")
#: the streams a raw frame may be put on (``inject_frame``): the market data and the account's
STREAMS = ("public", "private")
#: members a venue may leave out: the checks that need one skip, naming it (``VenueFixtureDefaults``)
OPTIONAL_MEMBERS = ("inject_frame", "sample_frames")


@runtime_checkable
class VenueFixture(Protocol):
    """One venue under test: its connector class, its simulator and a counterparty on it.

    ``trading_pair``: the pair the checks trade (the connector trades it, its book starts empty).
    ``order_amount``: an order size the venue's rules accept at ``resting_price``, split into two
    fills of half each; ``resting_price``: a buy price on the pair's tick.
    """

    trading_pair: str
    order_amount: Decimal
    resting_price: Decimal

    def make_connector(self, **options: Any) -> Any:
        """A new, unstarted connector trading ``trading_pair`` on the simulator with the funded
        account's keys (the same account on every call); ``options`` go to its constructor (the kit
        passes ``short_poll_interval``, ``long_poll_interval``, ``unknown_outcome_retry_delays``)."""
        ...

    def order_kwargs(self, closing: bool = False) -> dict[str, Any]:
        """Extra keywords of ``buy`` / ``sell`` (a derivative's ``position_action``: OPEN, or CLOSE
        when ``closing``); ``{}`` for a spot venue."""
        ...

    def counterparty_limit(self, side: str, amount: Decimal, price: Decimal) -> None:
        """Another account places a GTC limit order (``side``: "BUY" / "SELL") on the venue now,
        trading against what it crosses (our orders included) and resting the rest."""
        ...

    def cancel_elsewhere(self, client_order_id: str) -> None:
        """Cancel our order on the venue directly (as its web interface would), not through us."""
        ...

    def fault(self, kind: str, operation: str | None = None, **params: Any) -> None:
        """Inject one fault of ``kind`` (one of ``FAULT_KINDS``) on ``operation`` (one of
        ``OPERATIONS``, for the request faults); ValueError for a kind the venue cannot inject."""
        ...

    def requests(self, operation: str) -> int:
        """How many ``operation`` requests reached the venue's handler (and were processed) since
        the fixture started."""
        ...

    def venue_open_orders(self) -> list[str]:
        """The client order ids the venue holds open for our account."""
        ...

    def venue_book(self) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
        """Every aggregated level of ``trading_pair`` on the venue: ({bid price: amount}, {ask ...})."""
        ...

    def venue_balances(self) -> dict[str, tuple[Decimal, Decimal]] | None:
        """Our account's (total, available) per asset on the venue, or None when the venue's
        account is not a set of asset balances the connector mirrors one to one (a derivative's
        margin wallet); the balance checks are then skipped."""
        ...


class VenueFixtureDefaults:
    """The optional members of a ``VenueFixture`` (``OPTIONAL_MEMBERS``), as the kit uses them when a
    fixture has none: a fixture class may subclass this, or simply leave them out.

    ``inject_frame(stream, frame)``: put the text ``frame`` as it is (no envelope added) on every open
    connection of ``stream`` (one of ``STREAMS``) between the venue and our connector, now, after
    the frames already queued there.  The default skips the calling check, saying why.

    ``sample_frames(stream)``: frames (decoded JSON, with the venue's envelope) as the venue sends
    them on ``stream`` now, each of which, taken as it is, changes nothing the checks compare: a book
    update at ids the connector has already applied, a trade print, a fill of an order the connector
    does not track.  The kit sends each, then each with one field made hostile.  Default: none.
    """

    def inject_frame(self, stream: str, frame: str) -> None:
        pytest.skip("the venue fixture has no inject_frame(stream, frame): the hostile-frame checks "
                    "need raw frames put on its streams (hummingbot_conn.testing.conformance.venue)")

    def sample_frames(self, stream: str) -> List[Any]:
        return []
