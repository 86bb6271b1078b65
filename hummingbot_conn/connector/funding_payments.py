"""Funding payments: which ones were reported, and reading a venue's history window whole.

``FundingLedger`` remembers, per trading pair, a *floor* (payments stamped
before it are never reported: they predate the connector's first start, or
were reported long ago) and the ids of the payments reported since the floor
(Binance: ``tranId``, unique per income type and account). Each poll reads
every payment from the floor on, reports those whose id is new, in time
order, and moves the floor to one ``LOOKBACK_MS`` before the newest reported
payment (a payment that becomes visible late, stamped just before a newer
one, is still found; the id set stays small). The ledger goes into the
connector's ``tracking_states`` and comes back with ``restore_tracking_states``,
so a restart reports exactly the payments made while it was stopped
(docs/contracts.md, Contract 4; docs/binance_usdm_futures.md, section 12).

``collect_window`` reads a time window of a history endpoint that answers at
most ``limit`` rows, whatever subset and order the venue chooses for a full
answer: a full answer is split in two halves, recursively; a single
millisecond with ``limit`` rows or more is paged with the venue's ``page``
parameter where it has one. Rows are de-duplicated by ``key``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, Hashable, Iterable, List, Mapping, Optional

__all__ = ["FundingPayment", "FundingLedger", "collect_window", "nearest_rate"]

_logger = logging.getLogger(__name__)

_STATE_VERSION = 1
MAX_SAME_MS_PAGES = 100


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """One payment: ``amount`` (signed, in ``asset``; negative = paid) at funding time ``time_ms``.

    ``payment_id`` is the venue's id of the payment; ``rate`` the funding rate that produced it
    (None until looked up; NaN when the venue's rate history lacks that funding time).
    """
    payment_id: str
    time_ms: int
    amount: Decimal
    asset: str
    rate: Optional[Decimal] = None


class FundingLedger:
    """Per trading pair: the floor (ms) and the ids of payments reported at or after it."""

    LOOKBACK_MS = 3_600_000

    def __init__(self) -> None:
        self._floor: Dict[str, int] = {}
        self._seen: Dict[str, Dict[str, int]] = {}       # pair -> payment id -> time ms

    def __bool__(self) -> bool:
        return bool(self._floor)

    def window_start(self, trading_pair: str) -> Optional[int]:
        """Where the next read starts (ms); None: the pair has no baseline yet."""
        return self._floor.get(trading_pair)

    def set_baseline(self, trading_pair: str, now_ms: int) -> None:
        """Payments before ``now_ms`` are history, not news (a first start without saved state)."""
        if trading_pair not in self._floor:
            self._floor[trading_pair] = int(now_ms)
            self._seen[trading_pair] = {}

    def new_payments(self, trading_pair: str, payments: Iterable[FundingPayment]) -> List[FundingPayment]:
        """The payments not reported yet, oldest first (ties by id); duplicates in ``payments`` count once."""
        floor = self._floor.get(trading_pair)
        if floor is None:
            return []
        seen = self._seen[trading_pair]
        fresh: Dict[str, FundingPayment] = {}
        for payment in payments:
            if payment.time_ms >= floor and payment.payment_id not in seen:
                fresh.setdefault(payment.payment_id, payment)
        return sorted(fresh.values(), key=lambda p: (p.time_ms, p.payment_id))

    def mark_reported(self, trading_pair: str, payments: Iterable[FundingPayment]) -> None:
        seen = self._seen.setdefault(trading_pair, {})
        for payment in payments:
            seen[payment.payment_id] = payment.time_ms
        if not seen:
            return
        floor = max(self._floor.get(trading_pair, 0), max(seen.values()) - self.LOOKBACK_MS)
        self._floor[trading_pair] = floor
        for payment_id in [i for i, t in seen.items() if t < floor]:
            del seen[payment_id]

    # ---- persistence -----------------------------------------------------------------------------
    def to_json(self) -> Dict[str, Any]:
        return {"version": _STATE_VERSION,
                "pairs": {pair: {"floor_ms": floor, "reported": sorted([i, t] for i, t in self._seen[pair].items())}
                          for pair, floor in sorted(self._floor.items())}}

    def restore(self, data: Any) -> None:
        """Load ``to_json`` output (all or nothing). Raises ``ValueError`` on anything else."""
        if not isinstance(data, Mapping) or data.get("version") != _STATE_VERSION \
                or not isinstance(data.get("pairs"), Mapping):
            raise ValueError(f"not a funding ledger of version {_STATE_VERSION}: {data!r:.200}")
        floors: Dict[str, int] = {}
        seen: Dict[str, Dict[str, int]] = {}
        for pair, entry in data["pairs"].items():
            if not isinstance(pair, str) or not isinstance(entry, Mapping):
                raise ValueError(f"bad funding ledger entry {pair!r:.80}")
            floors[pair] = _int(entry.get("floor_ms"), "floor_ms")
            reported = entry.get("reported", [])
            if not isinstance(reported, list):
                raise ValueError("funding ledger 'reported' must be a list of [id, time_ms]")
            ids: Dict[str, int] = {}
            for item in reported:
                if not isinstance(item, (list, tuple)) or len(item) != 2 or not isinstance(item[0], str):
                    raise ValueError(f"bad reported funding payment {item!r:.80}")
                ids[item[0]] = _int(item[1], "time_ms")
            seen[pair] = ids
        self._floor, self._seen = floors, seen


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"funding ledger {name} must be a non-negative integer, got {value!r:.80}")
    return value


RowFetch = Callable[[int, int, Optional[int]], Awaitable[List[Any]]]


async def collect_window(fetch: RowFetch, start_ms: int, end_ms: int, limit: int,
                         key: Callable[[Any], Hashable], pageable: bool = True) -> List[Any]:
    """Every row of [start_ms, end_ms] (both inclusive): ``fetch(start, end, page)`` answers at most
    ``limit`` rows of that window (``page`` None for the first). Order of the answer is not relied on."""
    rows: Dict[Hashable, Any] = {}

    async def walk(start: int, end: int) -> None:
        answer = await fetch(start, end, None)
        for row in answer:
            rows.setdefault(key(row), row)
        if len(answer) < limit:
            return
        if start < end:
            middle = (start + end) // 2
            await walk(start, middle)
            await walk(middle + 1, end)
            return
        if not pageable:
            _logger.warning("%s rows or more at one millisecond (%s) and no paging: some may be missing.",
                            limit, start)
            return
        for page in range(2, MAX_SAME_MS_PAGES + 2):
            answer = await fetch(start, end, page)
            for row in answer:
                rows.setdefault(key(row), row)
            if len(answer) < limit:
                return
        _logger.warning("More than %s pages of rows at one millisecond (%s): the rest is not read.",
                        MAX_SAME_MS_PAGES, start)

    await walk(start_ms, end_ms)
    return list(rows.values())


def nearest_rate(rates: Mapping[int, Decimal], time_ms: int, tolerance_ms: int) -> Optional[Decimal]:
    """The rate of the funding time nearest ``time_ms`` (earlier wins a tie), if within ``tolerance_ms``."""
    exact = rates.get(time_ms)
    if exact is not None:
        return exact
    best = None
    for funding_time, rate in rates.items():
        distance = abs(funding_time - time_ms)
        if distance <= tolerance_ms and (best is None or (distance, funding_time) < best[0]):
            best = ((distance, funding_time), rate)
    return None if best is None else best[1]
