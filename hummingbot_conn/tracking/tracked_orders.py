"""Where a ``ClientOrderTracker``'s orders are: the collections, their views and the O(1) lookups.

``TrackedOrders`` is the tracker's base (``client_order_tracker.py`` applies the
reports and publishes the events; this module only holds and finds orders):

* active orders (``_in_flight_orders``), from before the request is sent until final;
* recently finished ones (``FinishedOrderCache``, by the injected clock), still fillable;
* lost ones (presumed FAILED, docs/contracts.md, Contract 2), still fillable and polled;
* one index by exchange order id over all of them, so a report carrying only the
  exchange's id is a dict lookup (hummingbot's tracker scans, its W-8).

The attribute names are hummingbot's (``_in_flight_orders``, ``_cached_orders``,
``_lost_orders``): code written against hummingbot's tracker reads them.
"""
from typing import Any, Callable, Dict, Optional

from hummingbot_conn.core.in_flight_order import InFlightOrder
from hummingbot_conn.tracking.finished_order_cache import FinishedOrderCache

__all__ = ["TrackedOrders"]


class TrackedOrders:
    """Active, cached (recently finished) and lost orders, indexed by client and exchange id.

    ``clock`` gives the current time in seconds; a finished order stays in the cache for
    ``cached_order_ttl`` seconds of it, at most ``max_cache_size`` orders; ``on_evict(order)`` is
    called for each order the cache lets go (``FinishedOrderCache``).

    Cost: every lookup is O(1); the ``all_*`` views build a new dict, O(orders).
    """

    def __init__(self, clock: Callable[[], float], cached_order_ttl: float, max_cache_size: int,
                 on_evict: Callable[[InFlightOrder], None]) -> None:
        self._clock = clock
        self._in_flight_orders: Dict[str, InFlightOrder] = {}
        self._cached_orders = FinishedOrderCache(clock, cached_order_ttl, max_cache_size, on_evict=on_evict)
        self._lost_orders: Dict[str, InFlightOrder] = {}
        self._by_exchange_id: Dict[str, InFlightOrder] = {}  # every fillable order with an exchange id

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

    # ---- the exchange id index ------------------------------------------------------------
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

    def _learn_exchange_id(self, order: InFlightOrder, exchange_order_id: Optional[str]) -> bool:
        # a report's exchange id for an order that has none yet (indexed); True when it was new
        if order.exchange_order_id is None and exchange_order_id is not None:
            if order.update_exchange_order_id(exchange_order_id):
                self._by_exchange_id[exchange_order_id] = order
                return True
        return False

    def _drop_exchange_id(self, order: InFlightOrder) -> None:
        eid = order.exchange_order_id
        if eid is not None and self._by_exchange_id.get(eid) is order:
            del self._by_exchange_id[eid]
