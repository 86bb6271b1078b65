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
* a FILLED status that arrives before its fills does not complete the order
  with whatever amounts it has: the tracker asks the connector's
  ``fetch_missing_fills(order)`` hook and the order completes when the fills
  are in (it stays active meanwhile; no Completed event with zero amounts);
* only an explicit "order does not exist" (``process_order_not_found``)
  counts towards marking an order lost; the caller must not report timeouts,
  5xx or auth errors through it;
* the cache of finished orders expires by the injected clock, not wall time.
"""
import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Iterable, Mapping, Optional

from hummingbot_conn.core.in_flight_order import (
    TERMINAL_STATES,
    InFlightOrder,
    OrderState,
    OrderUpdate,
    TradeUpdate,
    order_from_json,
)
from hummingbot_conn.core.pubsub import PubSub
from hummingbot_conn.tracking.client_order_tracker_metrics import ClientOrderTrackerMetrics
from hummingbot_conn.tracking.finished_order_cache import FinishedOrderCache
from hummingbot_conn.tracking.order_event_publisher import OrderEventPublisher

_logger = logging.getLogger(__name__)

_PENDING_CREATE = OrderState.PENDING_CREATE
_FILLED = OrderState.FILLED
_CANCELED = OrderState.CANCELED
_EXPIRED = OrderState.EXPIRED
_FAILED = OrderState.FAILED
_TERMINAL = TERMINAL_STATES     # the state machine's own set (core/order_state), not a copy

FetchMissingFills = Callable[[InFlightOrder], Awaitable[Iterable[TradeUpdate]]]


class ClientOrderTracker:
    """Active, cached (recently finished) and lost orders of one connector.

    ``clock`` gives the current time in seconds (event timestamps, cache
    expiry); ``trigger_event(tag, event)`` publishes (default: a PubSub owned by
    the tracker, see ``add_listener``); ``fetch_missing_fills(order)`` is an
    async hook returning the exchange's fills of an order (used when a FILLED
    status arrives before its fills).  Passing a hummingbot-style ``connector``
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
                 max_cache_size: Optional[int] = None) -> None:
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
        self._connector = connector
        self._clock = clock
        self._fetch_missing_fills = fetch_missing_fills
        self._lost_order_count_limit = lost_order_count_limit

        self._events = OrderEventPublisher(trigger_event)
        self.pubsub: Optional[PubSub] = self._events.pubsub

        self._in_flight_orders: Dict[str, InFlightOrder] = {}
        self._cached_orders = FinishedOrderCache(
            clock, self.CACHED_ORDER_TTL if cached_order_ttl is None else float(cached_order_ttl),
            self.MAX_CACHE_SIZE if max_cache_size is None else int(max_cache_size),
            on_evict=self._drop_exchange_id)
        self._lost_orders: Dict[str, InFlightOrder] = {}
        self._by_exchange_id: Dict[str, InFlightOrder] = {}  # every fillable order with an exchange id
        self._order_not_found_records: Dict[str, int] = {}
        self._fill_fetches: Dict[str, asyncio.Task] = {}
        self._metrics = ClientOrderTrackerMetrics()

    # ---- listeners (when the tracker owns its PubSub) ---------------------------
    def add_listener(self, event_tag: Any, listener: Callable[[Any], Any]) -> None:
        self._own_pubsub().add_listener(event_tag, listener)

    def remove_listener(self, event_tag: Any, listener: Callable[[Any], Any]) -> None:
        self._own_pubsub().remove_listener(event_tag, listener)

    def _own_pubsub(self) -> PubSub:
        return self._events.own_pubsub()

    # ---- views ------------------------------------------------------------------
    @property
    def current_timestamp(self) -> float:
        return self._clock()

    @property
    def active_orders(self) -> Dict[str, InFlightOrder]:
        """The live dict of active orders (do not modify it)."""
        return self._in_flight_orders

    @property
    def cached_orders(self) -> Dict[str, InFlightOrder]:
        return self._cached_orders.snapshot()

    @property
    def lost_orders(self) -> Dict[str, InFlightOrder]:
        return dict(self._lost_orders)

    @property
    def all_orders(self) -> Dict[str, InFlightOrder]:
        return {**self._in_flight_orders, **self.cached_orders}

    @property
    def all_fillable_orders(self) -> Dict[str, InFlightOrder]:
        """Orders that can still receive fills: active, cached and lost."""
        return {**self._in_flight_orders, **self.cached_orders, **self._lost_orders}

    @property
    def all_fillable_orders_by_exchange_order_id(self) -> Dict[str, InFlightOrder]:
        return {o.exchange_order_id: o for o in self.all_fillable_orders.values()
                if o.exchange_order_id is not None}

    @property
    def all_updatable_orders(self) -> Dict[str, InFlightOrder]:
        """Orders whose status is still polled: active and lost."""
        return {**self._in_flight_orders, **self._lost_orders}

    @property
    def all_updatable_orders_by_exchange_order_id(self) -> Dict[str, InFlightOrder]:
        return {o.exchange_order_id: o for o in self.all_updatable_orders.values()
                if o.exchange_order_id is not None}

    @property
    def tracking_states(self) -> Dict[str, Dict[str, Any]]:
        """``to_json`` of every updatable order, for ``restore_tracking_states``."""
        return {cid: order.to_json() for cid, order in self.all_updatable_orders.items()}

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

    def update_exchange_order_id(self, client_order_id: str, exchange_order_id: str) -> bool:
        """Record an order's exchange id and index it.  (Setting it through an
        OrderUpdate does the same; calling ``order.update_exchange_order_id``
        directly bypasses the index.)"""
        order = self.fetch_order(client_order_id=client_order_id) or self._lost_orders.get(client_order_id)
        if order is None:
            return False
        changed = order.update_exchange_order_id(exchange_order_id)
        if changed:
            self._by_exchange_id[exchange_order_id] = order
        return changed

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
            name = key if type(key) is str else _key_name(key, index)
            reason = self._restore_one(key, serialized, check_pair)
            if reason is not None:
                refused[name] = reason
                _logger.warning("Not restoring tracked order %s: %s", name, reason)
        return refused

    def _restore_one(self, key: Any, serialized: Any,
                     check_pair: Optional[Callable[[str], Optional[str]]]) -> Optional[str]:
        # the reason an entry is refused, or None once it is tracked
        if type(key) is not str:
            return f"its key must be a client order id (a str), got {type(key).__name__}"
        try:
            order = order_from_json(serialized)
        except Exception as exc:    # whatever is wrong with the data, only this entry is refused
            return f"not a saved order ({type(exc).__name__}: {exc})"
        cid = order.client_order_id
        if cid != key:
            return f"it is saved under {key!r} but its client_order_id is {cid!r}"
        state = order.current_state
        if not order.is_open and not order.is_failure:
            return f"it is already finished ({state.name}): nothing to resume"
        if cid in self._in_flight_orders:
            return "an order with this client id is already active"
        if cid in self._lost_orders:
            return "an order with this client id is already tracked as lost"
        if cid in self._cached_orders:
            return "an order with this client id has just finished here"
        eid = order.exchange_order_id
        if eid is not None and eid in self._by_exchange_id:
            return (f"its exchange order id {eid} belongs to tracked order "
                    f"{self._by_exchange_id[eid].client_order_id}")
        if check_pair is not None:
            pair_reason = check_pair(order.trading_pair)
            if pair_reason is not None:
                return pair_reason
        if order.is_open:
            self.start_tracking_order(order)
        else:
            self._lost_orders[cid] = order
            if eid is not None:
                self._by_exchange_id[eid] = order
        return None

    # ---- lookups (O(1)) --------------------------------------------------------------------
    def fetch_tracked_order(self, client_order_id: str) -> Optional[InFlightOrder]:
        return self._in_flight_orders.get(client_order_id)

    def fetch_cached_order(self, client_order_id: str) -> Optional[InFlightOrder]:
        return self._cached_orders.get(client_order_id)

    def fetch_order(self, client_order_id: Optional[str] = None,
                    exchange_order_id: Optional[str] = None) -> Optional[InFlightOrder]:
        """An active or cached order by client id, else by exchange id."""
        if client_order_id is not None:
            order = self._in_flight_orders.get(client_order_id)
            if order is not None:
                return order
            order = self.fetch_cached_order(client_order_id)
            if order is not None:
                return order
        if exchange_order_id is not None:
            order = self._by_exchange_id.get(exchange_order_id)
            if order is not None and order.client_order_id not in self._lost_orders:
                if order.client_order_id in self._cached_orders:
                    return self.fetch_cached_order(order.client_order_id)
                return order
        return None

    def fetch_lost_order(self, client_order_id: Optional[str] = None,
                         exchange_order_id: Optional[str] = None) -> Optional[InFlightOrder]:
        if client_order_id is not None:
            order = self._lost_orders.get(client_order_id)
            if order is not None:
                return order
        if exchange_order_id is not None:
            order = self._by_exchange_id.get(exchange_order_id)
            if order is not None and order.client_order_id in self._lost_orders:
                return order
        return None

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
        return order

    # ---- reports ------------------------------------------------------------------------------
    def process_order_update(self, order_update: OrderUpdate) -> bool:
        """Apply a status report now (synchronously, so reports of one order are
        applied in the order they arrive) and publish the events it causes.
        Returns True if the order changed."""
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
            self._request_missing_fills(order)
        return changed

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
        if state is _FILLED and prev_state is not _FILLED:
            # also a lost (presumed failed) or failed order whose fills reached
            # its amount: it traded, so it completes (TRANSITIONS, LAST_FILL rows)
            events.completed(order, now)
            cid = order.client_order_id
            if self._lost_orders.pop(cid, None) is not None:
                self._cached_orders.add(order)
            else:
                self.stop_tracking_order(cid)
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
        changed = order.update_with_order_update(order_update)
        if order.last_update_refused:
            self._metrics.count_refusal(order.last_update_refused)
        if not order.is_presumed_failure:
            del self._lost_orders[order.client_order_id]
            self._cached_orders.add(order)
        elif order.exchange_reported_filled and order.executed_amount_base < order.amount:
            self._request_missing_fills(order)
        return changed

    # ---- missing fills -----------------------------------------------------------------------
    def _request_missing_fills(self, order: InFlightOrder) -> None:
        cid = order.client_order_id
        if cid in self._fill_fetches:
            return
        if self._fetch_missing_fills is None:
            _logger.warning("The exchange reported order %s FILLED at %s/%s executed; no fetch_missing_fills "
                            "hook: the order completes when its fills arrive.", cid,
                            order.executed_amount_base, order.amount)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            _logger.warning("Order %s: FILLED before its fills and no running event loop to fetch them; "
                            "it completes when its fills arrive.", cid)
            return
        self._fill_fetches[cid] = loop.create_task(self._fetch_fills(order))

    async def _fetch_fills(self, order: InFlightOrder) -> None:
        cid = order.client_order_id
        fetch = self._fetch_missing_fills
        assert fetch is not None   # _request_missing_fills schedules this only when a hook is set
        try:
            trade_updates = await fetch(order)
            for trade_update in trade_updates or ():
                self.process_trade_update(trade_update)
        except asyncio.CancelledError:
            raise
        except Exception:
            _logger.exception("Could not fetch the fills of order %s; it stays active until they arrive.", cid)
        finally:
            self._fill_fetches.pop(cid, None)
        if not order.is_done:
            _logger.warning("The exchange reported order %s FILLED but its known fills make %s/%s; it stays "
                            "active until the rest arrive.", cid, order.executed_amount_base, order.amount)

    async def wait_for_fill_fetches(self) -> None:
        """Wait until every fill fetch started so far has finished."""
        while self._fill_fetches:
            await asyncio.gather(*list(self._fill_fetches.values()), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel fill fetches in progress (the orders stay as they are)."""
        tasks = list(self._fill_fetches.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._fill_fetches.clear()

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
    def _drop_exchange_id(self, order: InFlightOrder) -> None:
        eid = order.exchange_order_id
        if eid is not None and self._by_exchange_id.get(eid) is order:
            del self._by_exchange_id[eid]


def _key_name(key: Any, index: int) -> str:
    # a non-str key as reported: the repr of a plain scalar, else only its type and position
    # (a caller's object's own __repr__ is never run)
    if type(key) in (int, float, bool, type(None)):
        return repr(key)
    return f"<{type(key).__name__} key #{index}>"


def _connector_clock(connector: Any) -> Callable[[], float]:
    def clock() -> float:
        return connector.current_timestamp
    return clock

