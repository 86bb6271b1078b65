"""Binance depth payloads both venues share, as ``OrderBookMessage``s.

``GET /api/v3/depth`` and ``GET /fapi/v1/depth`` answer the same shape
(docs/binance_spot.md section 3.4, docs/binance_usdm_futures.md section 6)::

    {"lastUpdateId": 1027024, "bids": [["4.00000000", "431.00000000"]], "asks": [["4.00000200", "12.00000000"]]}

Rows stay the exchange's decimal strings: the compiled book parses them in C.
"""
from typing import Any, Mapping

from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType

__all__ = ["int_field", "depth_snapshot_message"]


def int_field(msg: Mapping[str, Any], key: str, what: str) -> int:
    """``msg[key]`` when it is an int (not a bool), else ``ValueError`` naming ``what`` and the value."""
    value = msg.get(key)
    if type(value) is not int:
        raise ValueError(f"{what} needs an integer {key!r}, got {value!r}")
    return value


def depth_snapshot_message(snapshot: Mapping[str, Any], timestamp: float, trading_pair: str) -> OrderBookMessage:
    """A depth snapshot -> SNAPSHOT with ``update_id`` = ``lastUpdateId``.

    :raises ValueError: ``snapshot`` is not an object or its ``lastUpdateId`` is not an integer
    :raises KeyError: ``bids`` or ``asks`` is missing
    """
    if not isinstance(snapshot, Mapping):
        raise ValueError(f"depth snapshot of {trading_pair} is not an object: {str(snapshot)[:200]}")
    update_id = int_field(snapshot, "lastUpdateId", "a depth snapshot")
    return OrderBookMessage(OrderBookMessageType.SNAPSHOT, {
        "trading_pair": trading_pair, "update_id": update_id,
        "bids": snapshot["bids"], "asks": snapshot["asks"]}, timestamp=timestamp)
