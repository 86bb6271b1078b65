from decimal import Decimal
from enum import Enum
from typing import Any

from typing_extensions import Self, disjoint_base

from hummingbot_conn.core.trade_fee import TradeFeeBase

class OrderState(Enum):
    PENDING_CREATE = 0
    OPEN = 1
    PENDING_CANCEL = 2
    CANCELED = 3
    PARTIALLY_FILLED = 4
    FILLED = 5
    FAILED = 6
    EXPIRED = 11

class FillTrigger(Enum):
    PARTIAL_FILL = 12
    LAST_FILL = 13

class LostTrigger(Enum):
    NOT_FOUND = 14

class PresumedState(Enum):
    FAILED = 7

TRANSITIONS: dict[
    tuple[OrderState | PresumedState, OrderState | FillTrigger | LostTrigger], OrderState | PresumedState
]
TERMINAL_STATES: frozenset[OrderState]

def next_state(
    state: OrderState | PresumedState, trigger: OrderState | FillTrigger | LostTrigger
) -> OrderState | PresumedState | None: ...

@disjoint_base
class OrderUpdate:
    @property
    def trading_pair(self) -> str: ...
    @property
    def update_timestamp(self) -> float: ...
    @property
    def new_state(self) -> OrderState: ...
    @property
    def client_order_id(self) -> str | None: ...
    @property
    def exchange_order_id(self) -> str | None: ...
    @property
    def misc_updates(self) -> dict[str, Any] | None: ...
    def __init__(
        self,
        trading_pair: str,
        update_timestamp: float,
        new_state: OrderState,
        client_order_id: str | None = None,
        exchange_order_id: str | None = None,
        misc_updates: dict[str, Any] | None = None,
    ) -> None: ...
    def _fields(self) -> tuple[Any, ...]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@disjoint_base
class TradeUpdate:
    @property
    def trade_id(self) -> str: ...
    @property
    def client_order_id(self) -> str | None: ...
    @property
    def exchange_order_id(self) -> str | None: ...
    @property
    def trading_pair(self) -> str: ...
    @property
    def fill_timestamp(self) -> float: ...
    @property
    def fill_price(self) -> Decimal: ...
    @property
    def fill_base_amount(self) -> Decimal: ...
    @property
    def fill_quote_amount(self) -> Decimal: ...
    @property
    def fee(self) -> TradeFeeBase: ...
    @property
    def is_taker(self) -> bool: ...
    def __init__(
        self,
        trade_id: str | int,
        client_order_id: str | None,
        exchange_order_id: str | None,
        trading_pair: str,
        fill_timestamp: float,
        fill_price: Decimal,
        fill_base_amount: Decimal,
        fill_quote_amount: Decimal,
        fee: TradeFeeBase,
        is_taker: bool = True,
    ) -> None: ...
    @property
    def fee_asset(self) -> str | None: ...
    def to_json(self) -> dict[str, Any]: ...
    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self: ...
    def _fields(self) -> tuple[Any, ...]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
