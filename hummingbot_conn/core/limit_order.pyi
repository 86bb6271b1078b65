from decimal import Decimal
from enum import Enum
from typing import Any

from typing_extensions import disjoint_base

from hummingbot_conn.core.common_types import OrderType, PositionAction

class LimitOrderStatus(Enum):
    UNKNOWN = 0
    NEW = 1
    OPEN = 2
    CANCELING = 3
    CANCELED = 4
    COMPLETED = 5
    FAILED = 6

@disjoint_base
class LimitOrder:
    @property
    def client_order_id(self) -> str: ...
    @property
    def trading_pair(self) -> str: ...
    @property
    def is_buy(self) -> bool: ...
    @property
    def base_currency(self) -> str: ...
    @property
    def quote_currency(self) -> str: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def filled_quantity(self) -> Decimal: ...
    @property
    def creation_timestamp(self) -> int: ...
    @property
    def status(self) -> LimitOrderStatus: ...
    @property
    def position(self) -> PositionAction: ...
    def __init__(
        self,
        client_order_id: str,
        trading_pair: str,
        is_buy: bool,
        base_currency: str,
        quote_currency: str,
        price: Decimal | None,
        quantity: Decimal,
        filled_quantity: Decimal = ...,
        creation_timestamp: int = 0,
        status: LimitOrderStatus = ...,
        position: PositionAction = ...,
    ) -> None: ...
    def age_til(self, end_timestamp: int) -> int: ...
    def order_type(self) -> OrderType: ...
    def copy_with_id(self, client_order_id: str) -> LimitOrder: ...
    def _key(self) -> tuple[Any, ...]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
