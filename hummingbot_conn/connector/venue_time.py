"""Newer-wins bookkeeping for account state that two sources report: stream events and REST snapshots.

A balance or a position is written by the venue's stream (one event per
change, stamped with the venue's time of the change) and by REST snapshots
(the whole account, each row stamped with the venue's time of its last
change). A snapshot can be read by the venue *before* a change whose stream
event we apply *before* the snapshot's answer arrives; applied blindly, it
rolls that change back. ``Freshness`` decides, per key (an asset, a position),
whether a write is newer than the state held (docs/contracts.md, Contract 4):

* **venue time first**: when both the held state and the write carry a
  trusted venue time, the later one wins. A stream write wins a tie with
  what it replaces (a second change in the same millisecond); a delta
  (``strict``) does not (a snapshot at that time already holds it).
* **then local order**: a snapshot whose request was sent before a stream
  write we applied (``token`` from :meth:`Freshness.token`, taken just before
  the request is sent) cannot be known to hold that change; unless its own
  venue time is later, it is skipped for that key (the next poll, requested
  after the write, applies). A snapshot requested after the write wins ties.
* **untrusted stamps**: a stamp later than the synchronised clock's now plus
  ``tolerance_ms`` is not believed (it would make the key refuse every later
  write); the value is applied, its time counted as unknown, and a warning
  logged. Stamps in microseconds (>= 1e14) or nanoseconds (>= 1e17) are
  recognised and converted to milliseconds; a negative, non-finite or
  larger stamp is refused with ``ValueError`` (the event is then skipped by
  its parser, with the reason logged).

Cost: O(1) per decision.
"""
from __future__ import annotations

import itertools
import logging
import math
from decimal import Decimal
from typing import Callable, Dict, Hashable, Optional

__all__ = ["Freshness", "stamp_ms", "FUTURE_TOLERANCE_MS"]

_logger = logging.getLogger(__name__)

# one sequence for every Freshness: a snapshot token can be compared with any key's last stream write
_SEQUENCE = itertools.count(1)

FUTURE_TOLERANCE_MS = 1000.0     # the synchronised clock's error is well under this (half a round trip)
_MICROSECONDS = 1e14             # as milliseconds that is the year 5138: no venue stamp in ms gets there
_NANOSECONDS = 1e17
_TOO_LARGE = 1e20


def stamp_ms(value: object) -> float:
    """A venue stamp as milliseconds since the epoch.

    Accepts int / float / Decimal / decimal text; microseconds (>= 1e14) and
    nanoseconds (>= 1e17) are converted. Raises ``ValueError`` for a bool,
    a non-number, a negative or non-finite value, or one >= 1e20.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise ValueError(f"a venue time must be a number, got {value!r:.80}")
    try:
        ms = float(value)
    except ValueError:
        raise ValueError(f"a venue time must be a number, got {value!r:.80}") from None
    if not math.isfinite(ms) or ms < 0 or ms >= _TOO_LARGE:
        raise ValueError(f"not a venue time in ms, us or ns: {value!r:.80}")
    if ms >= _NANOSECONDS:
        return ms / 1e6
    if ms >= _MICROSECONDS:
        return ms / 1e3
    return ms


class Freshness:
    """Per-key venue time of the held state and order of the last stream write (see the module docstring).

    :param what: a name for log messages ("balance", "position")
    :param now_ms: the venue's clock now in ms (the connector's ``TimeSynchronizer``); None: stamps
        are never judged to be in the future
    :param tolerance_ms: how far past ``now_ms`` a stamp may lie and still be believed
    """

    def __init__(self, what: str, now_ms: Optional[Callable[[], float]] = None,
                 tolerance_ms: float = FUTURE_TOLERANCE_MS) -> None:
        self._what = what
        self._now_ms = now_ms
        self._tolerance_ms = tolerance_ms
        self._times: Dict[Hashable, Optional[float]] = {}     # key -> venue ms of the held state (None: unknown)
        self._stream_seq: Dict[Hashable, int] = {}             # key -> sequence number of its last stream write

    @staticmethod
    def token() -> int:
        """Take this just before sending a snapshot request; pass it to ``accept_snapshot``."""
        return next(_SEQUENCE)

    def venue_time(self, key: Hashable) -> Optional[float]:
        """The trusted venue time (ms) of the state held for ``key``; None when unknown or never written."""
        return self._times.get(key)

    def trusted(self, as_of: object, key: Hashable = "") -> Optional[float]:
        """``as_of`` in ms, or None when absent or later than the synchronised clock allows.

        :raises ValueError: an unreadable stamp (see ``stamp_ms``)
        """
        if as_of is None:
            return None
        ms = stamp_ms(as_of)
        if self._now_ms is not None:
            now = self._now_ms()
            if ms > now + self._tolerance_ms:
                _logger.warning("A %s report for %s is stamped %.0f ms, %.0f ms after the venue's clock as we "
                                "know it; its time is not trusted (the value is applied).",
                                self._what, key, ms, ms - now)
                return None
        return ms

    def accept_stream(self, key: Hashable, as_of: object = None, *, strict: bool = False) -> bool:
        """Whether a stream write for ``key`` stamped ``as_of`` applies; records it when it does.

        ``strict``: a write at the held state's own time is already in it (a delta).
        """
        stamp = self.trusted(as_of, key)
        held = self._times.get(key)
        if stamp is not None and held is not None and (stamp <= held if strict else stamp < held):
            return False
        self._times[key] = stamp
        self._stream_seq[key] = next(_SEQUENCE)
        return True

    def accept_snapshot(self, key: Hashable, as_of: object = None, token: Optional[int] = None) -> bool:
        """Whether a snapshot row for ``key`` stamped ``as_of``, requested at ``token``, applies;
        records its time when it does. ``token`` None: the request time is unknown (venue time decides)."""
        stamp = self.trusted(as_of, key)
        if key not in self._times:
            self._times[key] = stamp
            return True
        held = self._times[key]
        written_after = token is not None and self._stream_seq.get(key, 0) > token
        if stamp is not None and held is not None and stamp != held:
            applies = stamp > held
        else:
            applies = not written_after
        if applies:
            self._times[key] = stamp
        return applies
