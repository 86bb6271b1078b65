"""Declarative rate limits (hummingbot's ``RateLimit`` / ``LinkedLimitWeightPair``).

A ``RateLimit`` allows ``limit`` units of weight per ``time_interval``
seconds.  How the venue counts that window is venue data too:

* sliding (the default, hummingbot's model): any ``time_interval`` seconds
  hold at most ``limit``;
* ``fixed_window=True``: calendar windows, starting at whole multiples of
  ``time_interval`` since the Unix epoch (UTC); the count resets to zero at
  each start.  Binance counts this way: a 1-minute window resets at every
  UTC minute, a 10-second one at :00, :10, :20 ..., a day at 00:00 UTC
  (docs/binance_spot.md section 1.4).

``priority`` (higher first) orders the requests waiting for capacity when
weight is scarce: Binance cancels are declared ``CANCEL_PRIORITY`` so a
cancel of a live order goes before placements and polls.  Requests of equal
priority are served first come, first served.

An endpoint limit usually also charges shared *pools* through its
``linked_limits``: Binance's ``/depth`` costs weight in ``REQUEST_WEIGHT``
and one unit of ``RAW_REQUESTS`` on every call::

    RateLimit("REQUEST_WEIGHT", limit=6000, time_interval=60)
    RateLimit("/depth", limit=5000, time_interval=60,
              linked_limits=[LinkedLimitWeightPair("REQUEST_WEIGHT", 25),
                             LinkedLimitWeightPair("RAW_REQUESTS", 1)])

Values are validated at construction, so a bad table fails at import, not
on the first request.
"""
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

DEFAULT_WEIGHT = 1
NORMAL_PRIORITY = 0
CANCEL_PRIORITY = 10      # cancels of live orders: served before placements and polls

__all__ = ["DEFAULT_WEIGHT", "NORMAL_PRIORITY", "CANCEL_PRIORITY", "LinkedLimitWeightPair", "RateLimit",
           "check_priority"]


def _check_weight(weight: int, what: str) -> int:
    if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
        raise ValueError(f"{what} must be an int >= 0, got {weight!r}")
    return weight


def check_priority(priority: int) -> int:
    """``priority`` if it is an int (any sign; higher is served first), else ``ValueError``."""
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise ValueError(f"priority must be an int, got {priority!r}")
    return priority


@dataclass(frozen=True)
class LinkedLimitWeightPair:
    """Charge ``weight`` against the pool ``limit_id`` each time the owning limit is used."""

    limit_id: str
    weight: int = DEFAULT_WEIGHT

    def __post_init__(self) -> None:
        if not isinstance(self.limit_id, str) or not self.limit_id:
            raise ValueError(f"limit_id must be a non-empty str, got {self.limit_id!r}")
        _check_weight(self.weight, f"weight of the link to {self.limit_id}")


class RateLimit:
    """``limit`` units of weight per ``time_interval`` seconds; each use costs ``weight``.

    ``fixed_window``: the venue counts per calendar window (see the module
    docstring) instead of a sliding one.  ``priority``: the default priority
    of requests on this limit (higher first; ``CANCEL_PRIORITY`` for cancels).
    ``ValueError`` / ``TypeError`` for bad values, at construction.
    """

    __slots__ = ("limit_id", "limit", "time_interval", "weight", "linked_limits", "fixed_window", "priority")

    def __init__(self, limit_id: str, limit: int, time_interval: float, weight: int = DEFAULT_WEIGHT,
                 linked_limits: Optional[Iterable[LinkedLimitWeightPair]] = None, *,
                 fixed_window: bool = False, priority: int = NORMAL_PRIORITY) -> None:
        if not isinstance(limit_id, str) or not limit_id:
            raise ValueError(f"limit_id must be a non-empty str, got {limit_id!r}")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit of {limit_id} must be an int >= 1, got {limit!r}")
        interval = float(time_interval)
        if not interval > 0 or interval == float("inf"):
            raise ValueError(f"time_interval of {limit_id} must be a finite number > 0, got {time_interval!r}")
        self.limit_id = limit_id
        self.limit = limit
        self.time_interval = interval
        self.weight = _check_weight(weight, f"weight of {limit_id}")
        links: List[LinkedLimitWeightPair] = list(linked_limits or ())
        seen = set()
        for link in links:
            if not isinstance(link, LinkedLimitWeightPair):
                raise TypeError(f"linked_limits of {limit_id} must hold LinkedLimitWeightPair, got {link!r}")
            if link.limit_id == limit_id or link.limit_id in seen:
                raise ValueError(f"{limit_id} links {link.limit_id} twice or to itself")
            seen.add(link.limit_id)
        self.linked_limits = links
        if not isinstance(fixed_window, bool):
            raise ValueError(f"fixed_window of {limit_id} must be a bool, got {fixed_window!r}")
        self.fixed_window = fixed_window
        self.priority = check_priority(priority)

    def _key(self) -> Tuple:
        return (self.limit_id, self.limit, self.time_interval, self.weight, tuple(self.linked_limits),
                self.fixed_window, self.priority)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RateLimit) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"RateLimit(limit_id={self.limit_id!r}, limit={self.limit}, "
                f"time_interval={self.time_interval:g}, weight={self.weight}, "
                f"linked_limits={self.linked_limits!r}, fixed_window={self.fixed_window}, "
                f"priority={self.priority})")
