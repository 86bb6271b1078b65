"""One price level as users see it: hummingbot's ``OrderBookRow``.

A namedtuple ``(price, amount, update_id)`` exactly like hummingbot's, so
``row.price``, ``price, amount, uid = row`` and ``row == (p, a, u)`` all work.
``ClientOrderBookRow`` is the same shape holding ``Decimal`` values.
"""
from collections import namedtuple

OrderBookRow = namedtuple("OrderBookRow", ["price", "amount", "update_id"], module=__name__)
OrderBookRow.__doc__ = "A price level: (price: float, amount: float, update_id: int)."

ClientOrderBookRow = namedtuple("ClientOrderBookRow", ["price", "amount", "update_id"], module=__name__)
ClientOrderBookRow.__doc__ = "A price level for client code: (price: Decimal, amount: Decimal, update_id: int)."
