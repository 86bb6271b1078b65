"""ClientOrderTracker: the connector's book of its own orders (hummingbot's name).

It holds every order from before its request is sent until well after it is
finished, feeds status and fill reports to the orders' state machines, and
publishes the lifecycle events (docs/contracts.md, Contract 2):

    one Buy/SellOrderCreatedEvent
    -> one OrderFilledEvent per distinct trade id
    -> exactly one of Buy/SellOrderCompletedEvent (after the fills that
       complete it), OrderCancelledEvent, OrderExpiredEvent, MarketOrderFailureEvent

Fills that arrive after the terminal event (after a cancel, expiry or a lost
order's failure) are still counted and still get their OrderFilledEvent.

A lost order (``process_order_not_found``) is FAILED only presumably
(``PresumedState.FAILED`` in the one transition table): it gets its
MarketOrderFailureEvent at once, stays polled and fillable, and the
exchange's final word replaces the presumption.  If its fills reach the
amount it becomes FILLED and gets a Completed event after all (the one case
with two final events: a strategy must learn that the order traded); a
CANCELED / EXPIRED / FAILED status settles it without a second event.

Differences from hummingbot's tracker, on purpose (its W-8, W-17):

* reports are applied synchronously, in arrival order (hummingbot schedules
  each order update as a task, and tasks of one order can overtake each other);
* lookups by client id and by exchange id are dict lookups, O(1) (hummingbot
  rebuilds dicts and scans by exchange id on every update);
* trade updates are matched by client *or* exchange id;
* a report saying the order executed more than its fills make (FILLED, or
  ``misc_updates["executed_amount_base"]``) leaves those fills *owed*: the
  connector's ``fetch_missing_fills(order)`` hook is asked until they are in,
  with back-off; a FILLED order stays active meanwhile (no Completed event
  with zero amounts) and another final status waits for them, bounded
  (``missing_fills.py``; hummingbot fetched once and went on without them);
* only an explicit "order does not exist" (``process_order_not_found``)
  counts towards marking an order lost; the caller must not report timeouts,
  5xx or auth errors through it;
* the cache of finished orders expires by the injected clock, not wall time.
"""
import logging
from decimal import Decimal
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

from hummingbot_conn.core.in_flight_order import TERMINAL_STATES, InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.pubsub import PubSub
from hummingbot_conn.tracking.client_order_tracker_metrics import ClientOrderTrackerMetrics
from hummingbot_conn.tracking.missing_fills import (
    HOLD_SECONDS,
    RETRY_DELAYS,
    FetchMissingFills,
    MissingFills,
    reported_executed,
)
from hummingbot_conn.tracking.order_event_publisher import OrderEventPublisher
from hummingbot_conn.tracking.order_restore import key_name, saved_order
from hummingbot_conn.tracking.tracked_orders import TrackedOrders

_logger = logging.getLogger(__name__)

_PENDING_CREATE = OrderState.PENDING_CREATE
_FILLED = OrderState.FILLED
_CANCELED = OrderState.CANCELED
_EXPIRED = OrderState.EXPIRED
_FAILED = OrderState.FAILED
_TERMINAL = TERMINAL_STATES     # the state machine's own set (core/order_state), not a copy


class ClientOrderTracker(TrackedOrders):
    """Active, cached (recently finished) and lost orders of one connector (held, viewed and
    looked up by its base, ``TrackedOrders``; reports applied and events published here).

    ``clock`` gives the current time in seconds (event timestamps, cache
    expiry); ``trigger_event(tag, event)`` publishes (default: a PubSub owned by
    the tracker, see ``add_listener``); ``fetch_missing_fills(order)`` is an
    async hook returning the exchange's fills of an order (when a report says
    it executed more than its fills make; ``missing_fill_retry_delays`` and
    ``missing_fill_hold_seconds``: see ``missing_fills.py``).  Passing a hummingbot-style ``connector``
    fills any of these left out from ``connector.current_timestamp``,
    ``connector.trigger_event`` and ``connector._all_trade_updates_for_order``.

    Cost: ``process_order_update`` / ``process_trade_update`` are O(1) plus
    the listeners; the ``all_*`` views build a new dict, O(orders).
    """

    MAX_CACHE_SIZE = 1000
    CACHED_ORDER_TTL = 30.0  # seconds of clock time a finished order still takes late fills

    def __init__(self, connector: Any = None, lost_order_count_limit: int = 3, *,
                 clock: Optional[Callable[[], float]] = None,
                 trigger_event: Optional[Callable[[Any, Any], Any]] = None,
                 fetch_missing_fills: Optional[FetchMissingFills] = None,
                 cached_order_ttl: Optional[float] = None,
                 max_cache_size: Optional[int] = None,
                 missing_fill_retry_delays: Sequence[float] = RETRY_DELAYS,
                 missing_fill_hold_seconds: float = HOLD_SECONDS) -> None:
        if clock is None:
            if connector is None:
                raise ValueError("ClientOrderTracker needs a clock (or a connector with current_timestamp)")
            clock = _connector_clock(connector)
        if trigger_event is None and connector is not None:
            trigger_event = connector.trigger_event
        if fetch_missing_fills is None and connector is not None:
            fetch_missing_fills = getattr(connector, "_all_trade_updates_for_order", None)
        if lost_order_count_limit < 0:
            raise ValueError("lost_order_count_limit must be >= 0")
        super().__init__(clock, self.CACHED_ORDER_TTL if cached_order_ttl is None else float(cached_order_ttl),
                         self.MAX_CACHE_SIZE if max_cache_size is None else int(max_cache_size),
                         on_evict=self._evicted)
        self._connector = connector
        self._lost_order_count_limit = lost_order_count_limit

        self._events = OrderEventPublisher(trigger_event)
        self.pubsub: Optional[PubSub] = self._events.pubsub

        self._order_not_found_records: Dict[str, int] = {}
        self._missing = MissingFills(fetch_missing_fills, clock, self.process_trade_update,
                                     self.process_order_update, retry_delays=missing_fill_retry_delays,
                                     hold_seconds=missing_fill_hold_seconds)
        self._fill_fetches = self._missing.tasks     # client id -> the fill fetch in flight
        self._metrics = ClientOrderTrackerMetrics()

    # ---- listeners (when the tracker owns its PubSub) ---------------------------
    def add_listener(self, event_tag: Any, listener: Callable[[Any], Any]) -> None:
        self._own_pubsub().add_listener(event_tag, listener)

    def remove_listener(self, event_tag: Any, listener: Callable[[Any], Any]) -> None:
        self._own_pubsub().remove_listener(event_tag, listener)

    def _own_pubsub(self) -> PubSub:
        return self._events.own_pubsub()

    # ---- views (the collections' own: tracked_orders.py) -------------------------------
    @property
    def owed_fills(self) -> Dict[str, Decimal]:
        """``{client id: executed amount the exchange reports}`` for every order whose fills make less
        (the fills owed, being fetched; ``missing_fills.py``)."""
        return {cid: debt.executed for cid, debt in self._missing.debts.items()}

    @property
    def metrics(self) -> ClientOrderTrackerMetrics:
        """Counts of the reports not applied (stale, refused, untracked, duplicate fills)."""
        return self._metrics

    @property
    def lost_order_count_limit(self) -> int:
        return self._lost_order_count_limit

    @lost_order_count_limit.setter
    def lost_order_count_limit(self, value: int) -> None:
        self._lost_order_count_limit = value

    # ---- tracking ---------------------------------------------------------------------
    def start_tracking_order(self, order: InFlightOrder) -> None:
        """Track a new order (before its request is sent).  A client id that is
        already known is a ValueError: an order is never tracked twice."""
        cid = order.client_order_id
        if cid in self._in_flight_orders or cid in self._cached_orders or cid in self._lost_orders:
            raise ValueError(f"order {cid} is already tracked")
        self._in_flight_orders[cid] = order
        if order.exchange_order_id is not None:
            self._by_exchange_id[order.exchange_order_id] = order

    def stop_tracking_order(self, client_order_id: str) -> None:
        """Move an active order to the cache, where it still takes late fills
        for ``CACHED_ORDER_TTL`` seconds of clock time."""
        order = self._in_flight_orders.pop(client_order_id, None)
        if order is None:
            return
        self._order_not_found_records.pop(client_order_id, None)
        self._cached_orders.add(order)

    def restore_tracking_states(self, tracking_states: Mapping[Any, Any],
                                check_pair: Optional[Callable[[str], Optional[str]]] = None) -> Dict[str, str]:
        """Rebuild orders from ``to_json`` output (e.g. ``tracking_states`` saved
        before a restart): unfinished orders become active, FAILED ones lost
        (hummingbot's lost orders are saved FAILED).

        Every entry is checked on its own, before anything of it is tracked, so a
        bad entry never costs the entries after it (docs/contracts.md, Contract 4).
        An entry is refused when it is not readable ``to_json`` output, its key is
        not its ``client_order_id``, it is finished (FILLED, CANCELED, EXPIRED:
        nothing left to resume), its client id is already tracked (active, lost or
        just finished) or appears twice, its exchange id belongs to another
        tracked order, or ``check_pair(trading_pair)`` returns a reason.

        Returns ``{client id: reason}`` for the refused entries (for a key that is
        not a str, its repr or type); each is also logged at WARNING.
        """
        refused: Dict[str, str] = {}
        for index, (key, serialized) in enumerate(list(tracking_states.items())):
            name = key if type(key) is str else key_name(key, index)
            reason = self._restore_one(key, serialized, check_pair)
            if reason is not None:
                refused[name] = reason
                _logger.warning("Not restoring tracked order %s: %s", name, reason)
        return refused

    def _restore_one(self, key: Any, serialized: Any,
                     check_pair: Optional[Callable[[str], Optional[str]]]) -> Optional[str]:
        # the reason an entry is refused, or None once it is tracked
        order, reason = saved_order(self, key, serialized, check_pair)
        if order is None:
            return reason
        if order.is_open:
            self.start_tracking_order(order)
        else:
            self._lost_orders[order.client_order_id] = order
            if order.exchange_order_id is not None:
                self._by_exchange_id[order.exchange_order_id] = order
        return None

    # ---- lookups (O(1); the collections' own lookups: tracked_orders.py) -----------------
    def _find(self, client_order_id: Optional[str], exchange_order_id: Optional[str]) -> Optional[InFlightOrder]:
        # hot path: active orders first, without touching the clock
        if client_order_id is not None:
            order = self._in_flight_orders.get(client_order_id)
            if order is not None:
                return order
        elif exchange_order_id is not None:
            order = self._by_exchange_id.get(exchange_order_id)
            if order is not None and order.client_order_id in self._in_flight_orders:
                return order
        order = self.fetch_order(client_order_id, exchange_order_id)
        if order is None:
            order = self.fetch_lost_order(client_order_id, exchange_order_id)
        if order is None and client_order_id is not None and self._missing.debts:
            order = self._missing.order_of(client_order_id)   # finished, expired from the cache, fills owed
        return order

    # ---- reports ------------------------------------------------------------------------------
    def process_order_update(self, order_update: OrderUpdate) -> bool:
        """Apply a status report now (synchronously, so reports of one order are
        applied in the order they arrive) and publish the events it causes.
        Returns True if the order changed.  An executed amount in the report
        (``misc_updates["executed_amount_base"]``) above the order's fills makes
        them owed; a CANCELED / EXPIRED / FAILED report revealing owed fills is
        held until they are in, bounded (``missing_fills.py``; returns False then)."""
        cid = order_update.client_order_id
        eid = order_update.exchange_order_id
        if cid is None and eid is None:
            _logger.error("OrderUpdate does not contain any client_order_id or exchange_order_id: %r",
                          order_update)
            return False
        order = self._find(cid, eid)
        if order is None:
            self._metrics.untracked_reports += 1
            _logger.debug("Order is not/no longer being tracked (%r)", order_update)
            return False
        ocid = order.client_order_id
        if ocid in self._lost_orders:
            return self._process_lost_order_update(order, order_update)
        missing = self._missing
        reported = reported_executed(order_update)
        if reported is not None and reported > order.executed_amount_base:
            self._learn_exchange_id(order, eid)     # the fetch asks by exchange id
            missing.owe(order, reported)
        if missing.debts and ocid in missing and missing.hold(order, order_update):
            # a final status revealing fills we do not hold: it waits for them (bounded), the
            # order stays active meanwhile (missing_fills.py)
            return self._learn_exchange_id(order, eid)
        if self._order_not_found_records and ocid in self._in_flight_orders:
            # the exchange just told us about it: it exists
            self._order_not_found_records.pop(ocid, None)
        prev_state = order.current_state
        prev_eid = order.exchange_order_id
        changed = order.update_with_order_update(order_update)
        if order.last_update_refused:
            self._metrics.count_refusal(order.last_update_refused)
        if changed:
            eid = order.exchange_order_id
            if eid is not prev_eid and eid is not None:
                self._by_exchange_id[eid] = order
            self._publish_transition(order, prev_state, order_update)
        if order.exchange_reported_filled and not order.is_done:
            missing.owe(order, order.amount)
        return changed

    def process_executed_amount(self, client_order_id: str, executed_amount_base: Decimal) -> bool:
        """The exchange says the order executed ``executed_amount_base`` in all (e.g. a cancel's answer,
        which is not a status report).  When its fills make less, they are owed: fetched until they are
        in, and a final status meanwhile waits for them (``missing_fills.py``).  True when fills are owed."""
        order = self._find(client_order_id, None)
        if order is None:
            return False
        self._missing.owe(order, executed_amount_base)
        return client_order_id in self._missing

    def retry_missing_fills(self) -> int:
        """Fetch again the fills owed whose back-off is over (the status poller calls it every poll
        cycle); returns how many fetches started."""
        return self._missing.retry_due()

    def process_trade_update(self, trade_update: TradeUpdate) -> bool:
        """Apply a fill now and publish its OrderFilledEvent (and the Created /
        Completed events it implies).  Returns True if the fill was counted."""
        order = self._find(trade_update.client_order_id, trade_update.exchange_order_id)
        if order is None:
            self._metrics.untracked_reports += 1
            _logger.debug("Fill for an order that is not/no longer being tracked (%r)", trade_update)
            return False
        prev_state = order.current_state
        prev_eid = order.exchange_order_id
        if not order.update_with_trade_update(trade_update):
            self._metrics.count_unapplied_fill(order, trade_update)
            return False
        eid = order.exchange_order_id
        if eid is not prev_eid and eid is not None:
            self._by_exchange_id[eid] = order
        state = order.current_state
        now = self._clock()
        events = self._events
        if prev_state is _PENDING_CREATE:
            events.created(order, now)
        events.filled(order, trade_update, now)
        cid = order.client_order_id
        if state is _FILLED and prev_state is not _FILLED:
            # also a lost (presumed failed) or failed order whose fills reached
            # its amount: it traded, so it completes (TRANSITIONS, LAST_FILL rows)
            events.completed(order, now)
            if self._lost_orders.pop(cid, None) is not None:
                self._cached_orders.add(order)
            else:
                self.stop_tracking_order(cid)
        if self._missing.debts and cid in self._missing and self._missing.settle(order):
            # paid (a held final status has just been applied); an order the cache let go meanwhile
            # was kept indexed for these fills only
            if not (cid in self._in_flight_orders or cid in self._cached_orders or cid in self._lost_orders):
                self._drop_exchange_id(order)
        return True

    async def process_order_not_found(self, client_order_id: str) -> None:
        """The exchange said explicitly that it does not know this order.  After
        more than ``lost_order_count_limit`` such answers in a row (any report
        that the order exists resets the count) an unfinished order is marked
        lost: it fails (MarketOrderFailureEvent) but still takes fills and status
        polls.  Only call this for an explicit "order does not exist", never
        for a timeout, a 5xx or an auth error."""
        order = self._in_flight_orders.get(client_order_id)
        if order is not None:
            count = self._order_not_found_records.get(client_order_id, 0) + 1
            self._order_not_found_records[client_order_id] = count
            if count > self._lost_order_count_limit and not order.is_done:
                _logger.warning("The order %s(%s) will be considered lost. Please check its status in the "
                                "exchange.", client_order_id, order.exchange_order_id)
                self._mark_lost(order, count)
            return
        lost = self._lost_orders.pop(client_order_id, None)
        if lost is not None:
            _logger.info("The lost order %s(%s) was not found and will be removed.",
                         client_order_id, lost.exchange_order_id)
            self._drop_exchange_id(lost)
        else:
            self._metrics.untracked_reports += 1
            _logger.debug("Order is not/no longer being tracked (%s)", client_order_id)

    def _mark_lost(self, order: InFlightOrder, count: int) -> None:
        # FAILED, presumed (the table's LostTrigger.NOT_FOUND rows): the
        # failure event now, the order kept apart from the active ones
        cid = order.client_order_id
        now = self._clock()
        if not order.mark_lost(now):
            return
        self._events.lost(order, now, f"the exchange reported the order as not found {count} times")
        self._in_flight_orders.pop(cid, None)
        self._order_not_found_records.pop(cid, None)
        self._lost_orders[cid] = order

    def _process_lost_order_update(self, order: InFlightOrder, order_update: OrderUpdate) -> bool:
        # A lost order already failed (and said so), but only presumably: the
        # exchange's final word replaces the guess (TRANSITIONS, PresumedState
        # rows).  CANCELED / EXPIRED / FAILED settle it quietly (the failure
        # event already said it is gone) and it leaves the lost list for the
        # cache, where late fills still count.  FILLED waits for its fills
        # (fetched like an active order's); the last one completes the order
        # (Completed event, in process_trade_update).  Other statuses keep it lost.
        # Fills the report reveals are owed (fetched until they are in), never held: the
        # order's final event (the failure) was published already.
        changed = order.update_with_order_update(order_update)
        if order.last_update_refused:
            self._metrics.count_refusal(order.last_update_refused)
        reported = reported_executed(order_update)
        if reported is not None and reported > order.executed_amount_base:
            self._learn_exchange_id(order, order_update.exchange_order_id)
            self._missing.owe(order, reported)
        if not order.is_presumed_failure:
            del self._lost_orders[order.client_order_id]
            self._cached_orders.add(order)
        elif order.exchange_reported_filled and order.executed_amount_base < order.amount:
            self._missing.owe(order, order.amount)
        return changed

    # ---- missing fills (missing_fills.py) ------------------------------------------------
    async def wait_for_fill_fetches(self) -> None:
        """Wait until every fill fetch started so far has finished (owed fills not fetched yet are
        retried by ``retry_missing_fills``)."""
        await self._missing.wait()

    async def stop(self) -> None:
        """Cancel fill fetches in progress (the orders stay as they are; owed fills stay owed)."""
        await self._missing.stop()

    # ---- events -------------------------------------------------------------------------------
    def _publish_transition(self, order: InFlightOrder, prev_state: OrderState,
                            order_update: OrderUpdate) -> None:
        state = order.current_state
        if state is prev_state:
            return
        now = self._clock()
        events = self._events
        if prev_state is _PENDING_CREATE and state is not _FAILED:
            events.created(order, now)
        if state in _TERMINAL and prev_state not in _TERMINAL:
            if state is _CANCELED:
                events.cancelled(order, now)
            elif state is _EXPIRED:
                events.expired(order, now)
            elif state is _FAILED:
                events.failed(order, now, order_update)
            else:  # FILLED is reached by fills only, handled in process_trade_update
                events.completed(order, now)
            self.stop_tracking_order(order.client_order_id)

    # ---- indexes ----------------------------------------------------------------------------
    def _evicted(self, order: InFlightOrder) -> None:
        # out of the finished-order cache: unindexed, unless fills are still owed to it
        if order.client_order_id not in self._missing:
            self._drop_exchange_id(order)



def _connector_clock(connector: Any) -> Callable[[], float]:
    def clock() -> float:
        return connector.current_timestamp
    return clock

