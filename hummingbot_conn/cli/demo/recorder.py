"""What ``hbconn demo`` heard: the connector's order events, the books' sync events, user stream reconnects.

A :class:`DemoRecorder` subscribes to the public event sources a strategy has
(``connector.add_listener`` for every ``MarketEvent``,
``connector.order_book_tracker.add_listener`` for ``BookOutOfSync`` /
``BookResynced``, ``connector.user_stream_tracker.add_connection_listener``),
counts what happened and keeps the last lines for the live view.  Fees are
summed per token exactly (``Decimal``) from each fill's ``trade_fee``.

Each fault the demo injects on purpose is a :class:`FaultRecord` that the
events complete: a book fault is seen when that pair's book goes out of sync
and repaired when it resyncs; a dropped user socket is repaired when the user
stream connects again. A break nobody injected becomes a record too (an
incident), so the view lists every repair, each for a while on the demo's clock.
"""
from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from hummingbot_conn.cli.live_view import PairFormat
from hummingbot_conn.events import (
    BuyOrderCompletedEvent,
    BuyOrderCreatedEvent,
    MarketEvent,
    MarketOrderFailureEvent,
    OrderCancelledEvent,
    OrderExpiredEvent,
    OrderFilledEvent,
    SellOrderCompletedEvent,
    SellOrderCreatedEvent,
)
from hummingbot_conn.tracking.order_book_sync import OrderBookSyncEvent, OrderBookTrackerEvent

__all__ = ["DemoRecorder", "DemoCounts", "FaultRecord"]

_ORDER_TAGS = (MarketEvent.BuyOrderCreated, MarketEvent.SellOrderCreated, MarketEvent.OrderFilled,
               MarketEvent.BuyOrderCompleted, MarketEvent.SellOrderCompleted, MarketEvent.OrderCancelled,
               MarketEvent.OrderExpired, MarketEvent.OrderFailure)


@dataclass
class DemoCounts:
    """Orders and fills seen through events (each event counted once: the tracker emits exactly once)."""

    created: int = 0
    filled: int = 0          # orders completely filled (Buy/SellOrderCompleted)
    cancelled: int = 0
    failed: int = 0
    expired: int = 0
    fills: int = 0           # OrderFilled events (one per trade)
    fees: Dict[str, Decimal] = field(default_factory=dict)
    traded: Counter = field(default_factory=Counter)   # (pair, side) -> fills
    gaps: int = 0            # books found out of sync (a gap or a dropped socket)
    resyncs: int = 0         # books synced again after that
    user_connections: int = 0


@dataclass
class FaultRecord:
    """A fault injected on purpose (``planned``) or a break nobody injected, and its repair; times in demo seconds.

    ``target`` is ``"book:<pair>"`` or ``"user"``: which repair completes it.
    """

    at: float
    what: str
    target: str
    planned: bool = True
    seen_at: Optional[float] = None
    seen: str = ""
    repaired_at: Optional[float] = None
    repair: str = ""

    def shown_at(self, now: float, hold: float) -> bool:
        """Listed until ``hold`` seconds after its repair (unrepaired: always)."""
        return self.repaired_at is None or now - self.repaired_at < hold


class DemoRecorder:
    """Listens to ``connector`` (a started ``ExchangePyBase``); ``lines`` holds the last ``keep`` events.

    ``clock`` gives the seconds shown in front of each line (the demo passes its elapsed time).
    """

    def __init__(self, connector: Any, formats: Dict[str, PairFormat], clock: Callable[[], float],
                 keep: int = 200) -> None:
        self.connector, self.formats, self.clock = connector, formats, clock
        self.counts = DemoCounts()
        self.lines: Deque[Tuple[float, str]] = deque(maxlen=keep)
        self.total = 0            # lines ever noted (``lines`` keeps the last ``keep``)
        self.faults: List[FaultRecord] = []       # every fault and incident, oldest first
        self._pair_of: Dict[str, str] = {}        # client order id -> trading pair
        self._subscribe()

    def _subscribe(self) -> None:
        for tag in _ORDER_TAGS:
            self.connector.add_listener(tag, self._on_order_event)
        tracker = self.connector.order_book_tracker
        tracker.add_listener(OrderBookTrackerEvent.BookOutOfSync, self._on_out_of_sync)
        tracker.add_listener(OrderBookTrackerEvent.BookResynced, self._on_resynced)
        if self.connector.user_stream_tracker is not None:
            self.connector.user_stream_tracker.add_connection_listener(self._on_user_stream_connected)

    def note(self, text: str) -> None:
        """Add a line of the demo's own (a fault injected, the exit checks)."""
        self.lines.append((self.clock(), text))
        self.total += 1

    def inject(self, what: str, target: str) -> FaultRecord:
        """Record a fault injected now on purpose (``target``: ``"book:<pair>"`` or ``"user"``)."""
        record = FaultRecord(self.clock(), what, target)
        self.faults.append(record)
        self.note(f"Fault     {what} on purpose")
        return record

    def _open_fault(self, target: str, unseen: bool = False) -> Optional[FaultRecord]:
        for record in self.faults:
            if record.target == target and record.repaired_at is None and not (unseen and record.seen_at is not None):
                return record
        return None

    def since(self, seen: int) -> List[Tuple[float, str]]:
        """The lines noted after the first ``seen`` (as many as are still kept)."""
        new = self.total - seen
        return list(self.lines)[-new:] if new > 0 else []

    # -- listeners ------------------------------------------------------------------------------------
    def _fmt(self, pair: str) -> PairFormat:
        return self.formats.get(pair, PairFormat())

    def _on_order_event(self, event: Any) -> None:
        c = self.counts
        if isinstance(event, (BuyOrderCreatedEvent, SellOrderCreatedEvent)):
            c.created += 1
            self._pair_of[event.order_id] = event.trading_pair
            side = "BUY" if isinstance(event, BuyOrderCreatedEvent) else "SELL"
            fmt = self._fmt(event.trading_pair)
            self.note(f"Created   {event.order_id} {side} {fmt.amount(event.amount)} {event.trading_pair} "
                      f"@ {fmt.price(event.price)}")
        elif isinstance(event, OrderFilledEvent):
            c.fills += 1
            c.traded[(event.trading_pair, event.trade_type.name)] += 1
            fee = self._add_fee(event)
            fmt = self._fmt(event.trading_pair)
            self.note(f"Filled    {event.order_id} {event.trade_type.name} {fmt.amount(event.amount)} "
                      f"@ {fmt.price(event.price)}  fee {fee}")
        elif isinstance(event, (BuyOrderCompletedEvent, SellOrderCompletedEvent)):
            c.filled += 1
            self.note(f"Completed {event.order_id} {event.base_asset_amount.normalize():f} {event.base_asset} "
                      f"for {event.quote_asset_amount.normalize():f} {event.quote_asset}")
        elif isinstance(event, OrderCancelledEvent):
            c.cancelled += 1
            self.note(f"Cancelled {event.order_id}")
        elif isinstance(event, OrderExpiredEvent):
            c.expired += 1
            self.note(f"Expired   {event.order_id}")
        elif isinstance(event, MarketOrderFailureEvent):
            c.failed += 1
            self.note(f"Failure   {event.order_id}: {event.error_message or event.error_type or 'refused'}")

    def _add_fee(self, event: OrderFilledEvent) -> str:
        fee = event.trade_fee
        paid: List[Tuple[str, Decimal]] = [(f.token, f.amount) for f in fee.flat_fees]
        if not paid and fee.percent:
            # a percentage fee is charged in its token, by default the quote of the pair
            token = fee.percent_token or event.trading_pair.split("-")[1]
            paid = [(token, fee.percent * event.price * event.amount)]
        for token, amount in paid:
            self.counts.fees[token] = self.counts.fees.get(token, Decimal(0)) + amount
        return ", ".join(f"{amount.normalize():f} {token}" for token, amount in paid) or "0"

    def _on_out_of_sync(self, event: OrderBookSyncEvent) -> None:
        self.counts.gaps += 1
        reason = event.reason.replace("_", " ")
        target = f"book:{event.trading_pair}"
        record = self._open_fault(target, unseen=True)
        if record is None:      # nobody injected this one: list it all the same
            record = FaultRecord(self.clock(), f"{event.trading_pair} book out of sync", target, planned=False)
            self.faults.append(record)
        record.seen_at, record.seen = self.clock(), f"{reason} after update {event.update_id}"
        self.note(f"Book      {event.trading_pair} out of sync ({reason}) "
                  f"after update {event.update_id}: resyncing from a snapshot")

    def _on_resynced(self, event: OrderBookSyncEvent) -> None:
        if event.reason == "initial":
            return      # the first sync is not a repair
        self.counts.resyncs += 1
        record = self._open_fault(f"book:{event.trading_pair}")
        if record is not None:
            record.repaired_at = self.clock()
            record.repair = (f"{record.seen or event.reason.replace('_', ' ')}, "
                             f"resynced at update {event.update_id}")
        self.note(f"Book      {event.trading_pair} resynced at update {event.update_id} "
                  f"(repaired: {event.reason.replace('_', ' ')})")

    def _on_user_stream_connected(self, connection_number: int) -> None:
        self.counts.user_connections = connection_number
        if connection_number > 1:
            record = self._open_fault("user")
            if record is None:
                record = FaultRecord(self.clock(), "the user data socket dropped", "user", planned=False)
                self.faults.append(record)
            record.repaired_at = self.clock()
            record.repair = f"reconnected (connection {connection_number}), reconciled by REST"
            self.note(f"User stream reconnected (connection {connection_number}): orders and balances "
                      "reconciled by REST")
