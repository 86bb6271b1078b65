"""The strategy-facing view of one order (hummingbot's ``LimitOrder``).

An immutable snapshot: ``InFlightOrder.to_limit_order()`` builds one; it does
not follow the order afterwards.
"""
from decimal import Decimal
from enum import Enum

from libc.stdint cimport int64_t

from hummingbot_conn.core.common_types import OrderType, PositionAction

_NAN = Decimal("NaN")


class LimitOrderStatus(Enum):
    UNKNOWN = 0
    NEW = 1
    OPEN = 2
    CANCELING = 3
    CANCELED = 4
    COMPLETED = 5
    FAILED = 6


cdef class LimitOrder:
    """``creation_timestamp`` is in microseconds, as in hummingbot."""

    def __init__(self, str client_order_id, str trading_pair, bint is_buy, str base_currency,
                 str quote_currency, object price, object quantity, object filled_quantity=_NAN,
                 int64_t creation_timestamp=0, object status=LimitOrderStatus.UNKNOWN,
                 object position=PositionAction.NIL):
        self.client_order_id = client_order_id
        self.trading_pair = trading_pair
        self.is_buy = is_buy
        self.base_currency = base_currency
        self.quote_currency = quote_currency
        self.price = price
        self.quantity = quantity
        self.filled_quantity = filled_quantity
        self.creation_timestamp = creation_timestamp
        self.status = status
        self.position = position

    cpdef int64_t age_til(self, int64_t end_timestamp):
        """Whole seconds from creation to ``end_timestamp`` (both microseconds),
        or -1 when the creation time is unknown or not before the end.  (There is
        no ``age()``: pass the clock's now, no wall time is read here.)"""
        cdef int64_t start = self.creation_timestamp
        cdef Py_ssize_t n = len(self.client_order_id)
        if start <= 0 and n > 16:
            # hummingbot's client ids end with a 16-digit microsecond timestamp
            # (an explicit start index: negative ones are undefined under wraparound=False)
            tail = self.client_order_id[n - 16:]
            if tail.isascii() and tail.isdigit():
                start = int(tail)
        if 0 < start < end_timestamp:
            return (end_timestamp - start) // 1000000
        return -1

    def order_type(self):
        return OrderType.LIMIT

    def copy_with_id(self, str client_order_id):
        """The same order under another client id."""
        return LimitOrder(client_order_id, self.trading_pair, self.is_buy, self.base_currency,
                          self.quote_currency, self.price, self.quantity, self.filled_quantity,
                          self.creation_timestamp, self.status, self.position)

    def _key(self):
        return (self.client_order_id, self.trading_pair, self.is_buy, self.base_currency, self.quote_currency,
                self.price, self.quantity, self.filled_quantity, self.creation_timestamp, self.status,
                self.position)

    def __eq__(self, other):
        if not isinstance(other, LimitOrder):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return (f"LimitOrder('{self.client_order_id}', '{self.trading_pair}', {self.is_buy}, "
                f"'{self.base_currency}', '{self.quote_currency}', {self.price}, {self.quantity}, "
                f"{self.filled_quantity}, {self.creation_timestamp})")
