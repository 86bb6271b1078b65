from decimal import Decimal
from typing import NamedTuple

class OrderBookRow(NamedTuple):
    price: float
    amount: float
    update_id: int

class ClientOrderBookRow(NamedTuple):
    price: Decimal
    amount: Decimal
    update_id: int
