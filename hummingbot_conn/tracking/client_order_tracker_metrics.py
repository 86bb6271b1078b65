"""Counters of a ``ClientOrderTracker``: the reports it did not apply, and why.

A connector hears about each order twice, from the user stream and from the
REST status polls (docs/contracts.md, Contract 4), and the two race: a poll
answer sent before a fill can arrive after it.  The transition table refuses
such stale news (Contract 2); these counters say how often, so the expected
races can be logged at DEBUG and still be watched (``hummingbot_conn.metrics``
exports them as ``hbconn_order_reports_*_total``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict

from hummingbot_conn.core.in_flight_order import REFUSED_STALE

__all__ = ["ClientOrderTrackerMetrics"]


@dataclass
class ClientOrderTrackerMetrics:
    """Counts since the tracker was built (plain ints, never reset).

    ``stale_reports``: status reports refused because the order had already
    moved past them (a late OPEN after the fills, a PARTIALLY_FILLED after the
    cancel): an expected race, logged at DEBUG.  ``refused_reports``: reports
    the table refused that contradict what we know (a final status against
    another final status, an over-fill, a changed exchange id): each logged as
    a WARNING.  ``untracked_reports``: reports for an order the tracker does not
    (or no longer) hold, e.g. after its finished-order cache expired or for
    another client of the same account: DEBUG.  ``duplicate_fills``: fills whose
    trade id was already counted (the stream and a poll both reported it):
    ignored, DEBUG.
    """

    stale_reports: int = 0
    refused_reports: int = 0
    untracked_reports: int = 0
    duplicate_fills: int = 0

    def to_dict(self) -> Dict[str, int]:
        return asdict(self)

    def count_refusal(self, reason: int) -> None:
        """One report refused by an order, ``reason`` its ``last_update_refused``
        (the order classified and logged it)."""
        if reason == REFUSED_STALE:
            self.stale_reports += 1
        else:
            self.refused_reports += 1

    def count_unapplied_fill(self, order: Any, trade_update: Any) -> None:
        """A fill ``order`` did not count: refused (an over-fill, logged as a
        warning), a duplicate (its trade id is already among the order's fills),
        or not this order's (its ids named another; not counted here)."""
        if order.last_update_refused:
            self.count_refusal(order.last_update_refused)
        elif trade_update.trade_id in order.order_fills:
            self.duplicate_fills += 1
