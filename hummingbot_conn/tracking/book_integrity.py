"""What a data source declares about its book stream: the sequence rule, the sync point, the checksum, the depth.

A venue's book stream keeps a local book exact by one of three sequence
rules, optionally with a checksum, from one of two sync points
(docs/contracts.md, "Contract 1: order book sequencing", "Sequence rules and
sync points").  The data source states them as data (class attributes of
``OrderBookTrackerDataSource``: ``SEQUENCE_RULE``, ``SYNC_POINT``,
``CHECKSUM_STYLE``, ``CHECKSUM_LEVELS``; its ``book_depth``) and the tracker
follows them; no venue is named in the tracker.

Sequence rules, one encoding each (what a diff must carry, and what the book
is given):

* ``CONTIGUOUS`` (Binance spot ``U``/``u``): a diff covers the ids
  ``first_update_id .. update_id``; it follows the book when its first id is
  at most the book's last id + 1 (an overlap is fine: its rows are absolute).
  ``first_update_id`` is required; a ``prev_update_id`` is ignored.
* ``CHAINED`` (Binance USDⓈ-M ``pu``, OKX ``prevSeqId``): a diff names the id
  of the diff before it; it follows the book when ``prev_update_id`` equals
  the book's last id (after a snapshot: when it straddles it,
  ``prev_update_id <= snapshot id < update_id``).  ``prev_update_id`` is
  required; a ``first_update_id`` is ignored (chained ids need not be
  contiguous, so a first id would show false gaps).
* ``ARRIVAL`` (no venue ids, the hummingbot seeds' second case): the tracker
  numbers the pair's diffs 1, 2, 3 ... as they arrive and ignores the ids a
  source passes; the sync point is stamped with the number it follows (a
  REST snapshot: the last diff received before it was requested; a stream
  snapshot: its own place in the stream).  Only diffs after it apply.  A loss
  on the venue's side is invisible to this rule: pair it with a checksum.
* ``None`` (a source that declares nothing, e.g. one ported from hummingbot):
  each diff's ids decide as the book's own ``apply_diffs`` does (a first id:
  contiguous; a previous id: chained; neither: ids only order the diffs, no
  gap can be seen).

A rule that is declared is enforced: a diff without the id its rule reads
(or without the checksum a declared checksum needs) is refused and counted
(``diffs_refused``), never applied unchecked.

Sync points: ``REST_SNAPSHOT`` (fetched from the venue, the buffer replayed
over it: docs/binance_spot.md section 6) or ``STREAM_SNAPSHOT`` (sent on the
stream when a pair is subscribed, Kraken / OKX / Bybit: what came before it
is dropped, what follows applies; one pair resyncs by unsubscribing and
subscribing that pair again).
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Optional

from hummingbot_conn.core.book_checksum import ChecksumStyle

__all__ = ["BookIntegrity", "SequenceRule", "SyncPoint", "diff_start", "refused_ids"]

_ID_END = 2 ** 63       # the book's ids are int64 (docs/contracts.md, "Contract 1: order book sequencing")


class SequenceRule(Enum):
    """How a venue's diffs show that none was lost (module docstring)."""
    CONTIGUOUS = "contiguous"
    CHAINED = "chained"
    ARRIVAL = "arrival"


class SyncPoint(Enum):
    """Where a pair's book gets the snapshot it (re)syncs from (module docstring)."""
    REST_SNAPSHOT = "rest_snapshot"
    STREAM_SNAPSHOT = "stream_snapshot"


@dataclass(frozen=True)
class BookIntegrity:
    """A data source's declaration, read once by the tracker.

    ``sequence``: a ``SequenceRule`` or None (undeclared, module docstring);
    ``sync_point``: a ``SyncPoint``; ``checksum``: a ``ChecksumStyle`` or None;
    ``checksum_levels``: levels per side the checksum covers; ``depth``: the
    subscribed depth the book is truncated to after every message (0: all
    levels).  ``ValueError`` for an inconsistent declaration."""

    sequence: Optional[SequenceRule] = None
    sync_point: SyncPoint = SyncPoint.REST_SNAPSHOT
    checksum: Optional[ChecksumStyle] = None
    checksum_levels: int = 10
    depth: int = 0

    def __post_init__(self) -> None:
        if self.sequence is not None and not isinstance(self.sequence, SequenceRule):
            raise ValueError(f"sequence must be a SequenceRule or None, got {self.sequence!r}")
        if not isinstance(self.sync_point, SyncPoint):
            raise ValueError(f"sync_point must be a SyncPoint, got {self.sync_point!r}")
        if self.checksum is not None and not isinstance(self.checksum, ChecksumStyle):
            raise ValueError(f"checksum must be a ChecksumStyle or None, got {self.checksum!r}")
        for name in ("checksum_levels", "depth"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an int >= 0, got {value!r}")
        if self.checksum is not None and self.checksum_levels < 1:
            raise ValueError("a checksum covers at least one level per side")
        if self.checksum is not None and 0 < self.depth < self.checksum_levels:
            raise ValueError(f"a book kept to {self.depth} levels cannot give the checksum of "
                             f"{self.checksum_levels} levels")


def refused_ids(update_id: Any, first_update_id: Any, prev_update_id: Any) -> bool:
    """True for ids the book refuses whatever its state: integers out of int64 or negative,
    ``first_update_id > update_id``, ``prev_update_id >= update_id``, bools.  Other types
    (numpy integers, integral floats) are left to the book's own check at replay."""
    if type(update_id) is bool or type(first_update_id) is bool or type(prev_update_id) is bool:
        return True
    try:
        last, first, prev = (operator.index(update_id), operator.index(first_update_id),
                             operator.index(prev_update_id))
    except TypeError:
        return False
    return not (0 <= last < _ID_END and -1 <= first <= last and -1 <= prev < last)


def diff_start(first_update_id: Any, prev_update_id: Any) -> Any:
    """The lowest id a diff may begin at: its first id (contiguous), the id after the one it chains
    to (chained), or -1 (no id to tell).  A snapshot older than ``start - 1`` cannot be bridged."""
    if first_update_id >= 0:
        return first_update_id
    if prev_update_id >= 0:
        return prev_update_id + 1
    return -1
