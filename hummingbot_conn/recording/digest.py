"""The digest of a connector's end state: one SHA-256 over every book, order and balance.

What goes in (docs/recording.md, "Digest"), as canonical JSON (sorted keys, Decimals
as plain decimal text, book prices and amounts as ``repr`` of their floats):

* every book: its pair, bid and ask levels (price, amount), its last applied update id;
* every order: client id, exchange id, pair, side, type, price, amount, state, executed
  amount, and each fill (trade id, price, base amount, fee as ``to_json``);
* every balance: asset, total, available.

Local times (when an order was created, when a frame arrived) are left out: they are
the machine's, not the exchange's.
"""
import hashlib
from decimal import Decimal
from typing import Any, Dict, Iterable, List

import orjson

__all__ = ["end_state", "state_digest"]


def _d(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _order(order: Any) -> Dict[str, Any]:
    fills = []
    for trade_id in sorted(order.order_fills):
        fill = order.order_fills[trade_id]
        fills.append({"trade_id": str(fill.trade_id), "price": _d(fill.fill_price),
                      "amount": _d(fill.fill_base_amount), "fee": orjson.loads(orjson.dumps(
                          fill.fee.to_json(), default=str))})
    return {"id": order.client_order_id, "exchange_id": order.exchange_order_id, "pair": order.trading_pair,
            "side": order.trade_type.name, "type": order.order_type.name, "price": _d(order.price),
            "amount": _d(order.amount), "state": order.current_state.name,
            "executed": _d(order.executed_amount_base), "fills": fills}


def end_state(connector: Any, extra_orders: Iterable[Any] = ()) -> Dict[str, Any]:
    """The state the digest hashes, as plain JSON values (see the module doc)."""
    books: Dict[str, Any] = {}
    for pair, book in sorted(connector.order_books.items()):
        books[pair] = {"bids": [[repr(r.price), repr(r.amount)] for r in book.bid_entries()],
                       "asks": [[repr(r.price), repr(r.amount)] for r in book.ask_entries()],
                       "last_id": int(book.last_diff_uid)}
    orders: Dict[str, Any] = {}
    for order in list(extra_orders) + list(connector._order_tracker.all_fillable_orders.values()):
        orders[order.client_order_id] = _order(order)
    balances: List[List[str]] = []
    for asset, total in sorted(connector.get_all_balances().items()):
        balances.append([asset, _d(total), _d(connector.get_available_balance(asset))])
    return {"books": books, "orders": [orders[k] for k in sorted(orders)], "balances": balances}


def state_digest(state: Dict[str, Any]) -> str:
    """64 hex characters: SHA-256 of ``state`` as canonical JSON."""
    return hashlib.sha256(orjson.dumps(state, option=orjson.OPT_SORT_KEYS)).hexdigest()
