"""Checking one saved order before ``ClientOrderTracker.restore_tracking_states`` tracks it.

Every entry is judged on its own (docs/contracts.md, Contract 4): a bad entry
is refused with its reason and never costs the entries after it.
"""
from typing import Any, Callable, Optional, Tuple

from hummingbot_conn.core.in_flight_order import InFlightOrder, order_from_json
from hummingbot_conn.tracking.tracked_orders import TrackedOrders

__all__ = ["saved_order", "key_name"]


def saved_order(tracker: TrackedOrders, key: Any, serialized: Any,
                check_pair: Optional[Callable[[str], Optional[str]]]
                ) -> Tuple[Optional[InFlightOrder], Optional[str]]:
    """``(order, None)`` when the entry ``key: serialized`` can be tracked by ``tracker`` (a
    ``ClientOrderTracker``'s ``TrackedOrders``: its active, lost and cached orders and its exchange id index), else
    ``(None, reason)``: not readable ``to_json`` output, a key that is not its ``client_order_id``,
    finished (FILLED, CANCELED, EXPIRED), a client id already tracked (active, lost or just
    finished), an exchange id of another tracked order, or a reason from ``check_pair``."""
    if type(key) is not str:
        return None, f"its key must be a client order id (a str), got {type(key).__name__}"
    try:
        order = order_from_json(serialized)
    except Exception as exc:    # whatever is wrong with the data, only this entry is refused
        return None, f"not a saved order ({type(exc).__name__}: {exc})"
    cid = order.client_order_id
    if cid != key:
        return None, f"it is saved under {key!r} but its client_order_id is {cid!r}"
    if not order.is_open and not order.is_failure:
        return None, f"it is already finished ({order.current_state.name}): nothing to resume"
    if cid in tracker._in_flight_orders:
        return None, "an order with this client id is already active"
    if cid in tracker._lost_orders:
        return None, "an order with this client id is already tracked as lost"
    if cid in tracker._cached_orders:
        return None, "an order with this client id has just finished here"
    eid = order.exchange_order_id
    owner = tracker._by_exchange_id.get(eid) if eid is not None else None
    if owner is not None:
        return None, f"its exchange order id {eid} belongs to tracked order {owner.client_order_id}"
    if check_pair is not None:
        pair_reason = check_pair(order.trading_pair)
        if pair_reason is not None:
            return None, pair_reason
    return order, None


def key_name(key: Any, index: int) -> str:
    """A non-str key as reported: the repr of a plain scalar, else only its type and position
    (a caller's object's own ``__repr__`` is never run)."""
    if type(key) in (int, float, bool, type(None)):
        return repr(key)
    return f"<{type(key).__name__} key #{index}>"
