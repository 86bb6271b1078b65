"""Recently finished orders, kept for a while so late fills still find them.

Expiry follows the tracker's injected clock (never wall time), and the
order-by-order deadlines sit in a queue, so adding, expiring and looking up
are amortised O(1) (hummingbot's TTLCache runs on wall time).
"""
from collections import deque
from typing import Callable, Deque, Dict, Optional, Tuple

from hummingbot_conn.core.in_flight_order import InFlightOrder


class FinishedOrderCache:
    """At most ``max_size`` orders, each for ``ttl`` seconds of ``clock`` time.

    ``on_evict(order)`` is called for every order that leaves by expiry or by
    the size bound (not for ``discard``), so the owner can drop its indexes.
    """

    def __init__(self, clock: Callable[[], float], ttl: float, max_size: int,
                 on_evict: Callable[[InFlightOrder], None]) -> None:
        self._clock = clock
        self.ttl = ttl
        self.max_size = max_size
        self._on_evict = on_evict
        self._orders: Dict[str, InFlightOrder] = {}
        self._deadlines: Deque[Tuple[float, str]] = deque()  # (deadline, client id), in insertion order
        self._deadline_of: Dict[str, float] = {}

    def __contains__(self, client_order_id: str) -> bool:
        return client_order_id in self._orders

    def __len__(self) -> int:
        return len(self._orders)

    def add(self, order: InFlightOrder) -> None:
        cid = order.client_order_id
        now = self._clock()
        deadline = now + self.ttl
        self._orders[cid] = order
        self._deadline_of[cid] = deadline
        self._deadlines.append((deadline, cid))
        self.expire(now)
        deadlines = self._deadlines
        while len(self._orders) > self.max_size and deadlines:
            self._evict(*deadlines.popleft())

    def get(self, client_order_id: str) -> Optional[InFlightOrder]:
        """The cached order, unless its time is up."""
        order = self._orders.get(client_order_id)
        if order is not None and self.expire() and client_order_id not in self._orders:
            return None
        return order

    def discard(self, client_order_id: str) -> None:
        """Take an order out without calling ``on_evict`` (it moves elsewhere)."""
        self._orders.pop(client_order_id, None)
        self._deadline_of.pop(client_order_id, None)

    def snapshot(self) -> Dict[str, InFlightOrder]:
        """A new dict of the live entries."""
        self.expire()
        return dict(self._orders)

    def expire(self, now: Optional[float] = None) -> bool:
        """Drop orders whose time is up; True if any went."""
        deadlines = self._deadlines
        if not deadlines:
            return False
        if now is None:
            now = self._clock()
        dropped = False
        while deadlines and deadlines[0][0] <= now:
            dropped |= self._evict(*deadlines.popleft())
        return dropped

    def _evict(self, deadline: float, cid: str) -> bool:
        # a queue entry is stale when its order left the cache (discarded) or
        # came back with a later deadline
        if self._deadline_of.get(cid) != deadline:
            return False
        del self._deadline_of[cid]
        order = self._orders.pop(cid, None)
        if order is None:
            return False
        self._on_evict(order)
        return True
