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

    def count_refused_status(self, order: Any, stale_before: int) -> None:
        """A status report ``order`` refused (its ``refused_updates`` grew): stale
        when its ``stale_updates`` grew past ``stale_before``, else a contradiction
        (the order classified and logged it)."""
        if order.stale_updates != stale_before:
            self.stale_reports += 1
        else:
            self.refused_reports += 1

    def count_unapplied_fill(self, order: Any, trade_update: Any, refused_before: int) -> None:
        """A fill ``order`` did not count: refused (over-fill, logged as a warning)
        when its ``refused_updates`` grew past ``refused_before``; a duplicate when
        its trade id is already among the order's fills; otherwise its ids named
        another order (not counted here)."""
        if order.refused_updates != refused_before:
            self.refused_reports += 1
        elif trade_update.trade_id in order.order_fills:
            self.duplicate_fills += 1
