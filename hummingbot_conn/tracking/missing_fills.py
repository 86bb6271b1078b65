"""MissingFills: fills the exchange says an order has and the tracker does not hold yet.

Status reports carry the order's executed amount (Binance: ``executedQty``
in a status or cancel answer, ``z`` in a stream report; connectors put it in
``OrderUpdate.misc_updates["executed_amount_base"]``).  When it is larger
than the sum of the fills we hold, the difference is *owed*: fills exist that
we have not seen (their stream report was lost, or came while the socket was
down).  Until they are in, the order's fills are fetched with the tracker's
``fetch_missing_fills`` hook:

* at once, and again after each of ``retry_delays`` while they are still
  short (a burst: the first news of a debt, or a final status to hold);
* then once per status poll cycle (``retry_due``, called by the poller),
  each order waiting ``poll_backoff`` seconds of clock time, doubling up to
  the last one, between two attempts.  A fetch that fails (429, 5xx,
  timeout) or comes back short keeps the debt; nothing gives it up but the
  fills (or ``stop``, for the attempts in flight).

A final status other than FILLED (CANCELED, EXPIRED, FAILED) that arrives
while fills are owed is *held*: the order stays active and its final event
waits until the fills are in, so listeners see the fills first
(docs/contracts.md, Contract 2).  The hold is bounded: it ends when the burst
ends without the fills, or ``hold_seconds`` after it began, whichever comes
first.  The final event is then published, and the fills, when they come,
are still reported once each after it (the order stays findable for them
past the finished-order cache's expiry).  A FILLED status before its fills
owes the rest of the amount and is never held: FILLED is reached by fills,
so the order simply stays active until they arrive.
"""
import asyncio
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional, Sequence

from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.log_dedup import RepeatedLog

__all__ = ["MissingFills", "FillDebt", "reported_executed"]

_logger = logging.getLogger(__name__)

FetchMissingFills = Callable[[InFlightOrder], Awaitable[Iterable[TradeUpdate]]]
# the final statuses a debt holds back (FILLED is reached by the fills themselves)
_HELD_STATES = frozenset((OrderState.CANCELED, OrderState.EXPIRED, OrderState.FAILED))

RETRY_DELAYS = (0.5, 1.0, 2.0)          # s between the attempts of a burst
HOLD_SECONDS = 5.0                      # s a final status waits at most for the fills it revealed
POLL_BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)   # s of clock time between two poll-cycle attempts


def reported_executed(order_update: OrderUpdate) -> Optional[Decimal]:
    """The executed amount a status report carries (``misc_updates["executed_amount_base"]``, a finite
    Decimal), else None."""
    misc = order_update.misc_updates
    if not misc:
        return None
    executed = misc.get("executed_amount_base")
    if isinstance(executed, Decimal) and executed.is_finite():
        return executed
    return None


@dataclass
class FillDebt:
    """What one order is owed."""
    order: InFlightOrder
    executed: Decimal                       # the exchange's executed amount (the largest reported)
    held: Optional[OrderUpdate] = None      # a final status waiting for the fills
    hold_timer: Optional[asyncio.TimerHandle] = None
    released: bool = False                  # its hold ended unpaid: a final status applies at once
    failures: int = 0                       # poll-cycle attempts that left it unpaid
    next_attempt: float = float("-inf")     # clock time of the next poll-cycle attempt

    @property
    def paid(self) -> bool:
        return self.order.executed_amount_base >= self.executed


class MissingFills:
    """The debts of one ``ClientOrderTracker`` (module doc) and the fetches that pay them.

    :param fetch: the tracker's ``fetch_missing_fills`` hook (None: nothing is fetched, nothing held)
    :param clock: the tracker's clock (seconds), for the poll-cycle back-off
    :param apply_fill: the tracker's ``process_trade_update``
    :param release: the tracker's ``process_order_update``, given a held status when its hold ends
    """

    def __init__(self, fetch: Optional[FetchMissingFills], clock: Callable[[], float],
                 apply_fill: Callable[[TradeUpdate], Any], release: Callable[[OrderUpdate], Any], *,
                 retry_delays: Sequence[float] = RETRY_DELAYS, hold_seconds: float = HOLD_SECONDS,
                 poll_backoff: Sequence[float] = POLL_BACKOFF) -> None:
        if min(retry_delays, default=0) < 0 or hold_seconds < 0 or not poll_backoff or min(poll_backoff) < 0:
            raise ValueError("retry_delays, hold_seconds and poll_backoff must be non-negative seconds "
                             "(poll_backoff not empty)")
        self._fetch = fetch
        self._clock = clock
        self._apply_fill = apply_fill
        self._release = release
        self.retry_delays = tuple(retry_delays)
        self.hold_seconds = hold_seconds
        self.poll_backoff = tuple(poll_backoff)
        self.debts: Dict[str, FillDebt] = {}
        self.tasks: Dict[str, asyncio.Task] = {}     # client id -> the fetch in flight for it
        self._log = RepeatedLog(_logger)

    # ---- recording -------------------------------------------------------------------------------------
    def owe(self, order: InFlightOrder, executed: Decimal) -> Optional[FillDebt]:
        """The exchange says ``order`` executed ``executed`` (capped at the order's amount).  When that
        is more than its fills make, record the debt; a new debt or a larger one starts a burst."""
        if executed > order.amount:
            executed = order.amount
        if executed <= order.executed_amount_base:
            return None
        cid = order.client_order_id
        debt = self.debts.get(cid)
        grew = debt is None or executed > debt.executed
        if debt is None:
            debt = self.debts[cid] = FillDebt(order, executed)
        elif grew:
            debt.executed = executed
        if grew:
            self._start(debt, burst=True)
        return debt

    def hold(self, order: InFlightOrder, order_update: OrderUpdate) -> bool:
        """True when ``order_update`` is a final status to hold back (``order`` owes fills, is not
        finished, and its hold has not ended); it is then kept and applied when its hold ends."""
        debt = self.debts.get(order.client_order_id)
        if (debt is None or debt.released or order_update.new_state not in _HELD_STATES
                or not order.is_open or debt.paid):
            return False
        if self._fetch is None or not _loop_running():
            return False                        # nothing could pay it: the status applies now
        debt.held = order_update                # the latest word wins
        if debt.hold_timer is None:
            debt.hold_timer = asyncio.get_running_loop().call_later(self.hold_seconds, self._end_hold, debt)
        if order.client_order_id not in self.tasks:
            self._start(debt, burst=True)
        return True

    def settle(self, order: InFlightOrder) -> bool:
        """After a fill of ``order`` was counted: True when that paid its debt (the debt is gone and a
        held status applied)."""
        debt = self.debts.get(order.client_order_id)
        if debt is None or not debt.paid:
            return False
        del self.debts[order.client_order_id]
        self._end_hold(debt)
        return True

    # ---- views -------------------------------------------------------------------------------------------
    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self.debts

    def order_of(self, client_order_id: str) -> Optional[InFlightOrder]:
        debt = self.debts.get(client_order_id)
        return None if debt is None else debt.order

    def is_held(self, client_order_id: str) -> bool:
        debt = self.debts.get(client_order_id)
        return debt is not None and debt.held is not None

    # ---- fetching ----------------------------------------------------------------------------------------
    def retry_due(self) -> int:
        """Start one attempt for every debt whose back-off is over and that has no fetch in flight
        (the status poller calls this once per poll cycle); returns how many started."""
        if not self.debts or self._fetch is None or not _loop_running():
            return 0
        now = self._clock()
        started = 0
        for debt in list(self.debts.values()):
            if debt.order.client_order_id not in self.tasks and debt.next_attempt <= now:
                self._start(debt, burst=False)
                started += 1
        return started

    def _start(self, debt: FillDebt, burst: bool) -> None:
        cid = debt.order.client_order_id
        if cid in self.tasks:
            return                              # the fetch in flight pays it (it reads debt.executed)
        if self._fetch is None:
            self._log.warning("Order %s: the exchange reports %s executed, its known fills make %s, and there "
                              "is no fetch_missing_fills hook: the fills count when they arrive.",
                              cid, debt.executed, debt.order.executed_amount_base)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            _logger.warning("Order %s: fills missing and no running event loop to fetch them; they count when "
                            "they arrive.", cid)
            return
        self.tasks[cid] = loop.create_task(self._pay(debt, self.retry_delays if burst else ()))

    async def _pay(self, debt: FillDebt, delays: Sequence[float]) -> None:
        cid = debt.order.client_order_id
        try:
            attempt = 0
            while True:
                await self._attempt(debt)
                current = self.debts.get(cid)
                if current is not None and current is not debt and not current.paid:
                    # the debt this fetch was for got paid, and a new one was recorded meanwhile (its
                    # ``_start`` found this fetch in flight): this task serves the new one, with a
                    # whole burst of its own, so the final status it may hold waits for it
                    debt, delays, attempt = current, self.retry_delays, 0
                    await asyncio.sleep(delays[0] if delays else 0)
                    continue
                if debt.paid or current is not debt or attempt >= len(delays):
                    break
                await asyncio.sleep(delays[attempt])
                attempt += 1
        finally:
            if self.tasks.get(cid) is asyncio.current_task():
                del self.tasks[cid]
        if self.debts.get(cid) is not debt:
            return                              # paid (settle ran) or dropped meanwhile
        if debt.paid:                           # paid without a counted fill (it cannot, but be exact)
            self.settle(debt.order)
            return
        if not delays:
            debt.failures += 1
        debt.next_attempt = self._clock() + self.poll_backoff[min(debt.failures, len(self.poll_backoff) - 1)]
        self._log.warning("Order %s: the exchange reports %s executed, the fills fetched so far make %s; "
                          "fetching the rest again at the next status polls.", cid, debt.executed,
                          debt.order.executed_amount_base)
        self._end_hold(debt)                    # the bounded wait is over: the final status applies now

    async def _attempt(self, debt: FillDebt) -> None:
        fetch = self._fetch
        assert fetch is not None                # _start schedules this only when a hook is set
        try:
            trade_updates = await fetch(debt.order)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._log.warning("Could not fetch the fills of order %s (%s: %s); they are fetched again.",
                              debt.order.client_order_id, type(exc).__name__, exc)
            return
        for trade_update in trade_updates or ():
            self._apply_fill(trade_update)      # a fill that pays the debt ends it (settle) and its hold

    def _end_hold(self, debt: FillDebt) -> None:
        # paid, the burst over, or the hold's time up: the held final status (if any) applies now
        if debt.hold_timer is not None:
            debt.hold_timer.cancel()
            debt.hold_timer = None
        held, debt.held = debt.held, None
        if held is None:
            return
        if not debt.paid:
            debt.released = True
        if debt.order.is_open:
            self._release(held)

    async def wait(self) -> None:
        """Until no fetch is in flight."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks.values()), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel the fetches in flight and forget held statuses (the orders stay active and the polls
        report them again); the debts stay, retried by ``retry_due`` once polling resumes."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.tasks.clear()
        for debt in self.debts.values():
            if debt.hold_timer is not None:
                debt.hold_timer.cancel()
                debt.hold_timer = None
            debt.held = None
        self._log.flush()


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
