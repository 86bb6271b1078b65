"""Event tags and event records (hummingbot's names, values and fields).

Records are small immutable objects: listeners may keep them, nobody can
change them after the fact.
"""
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import NamedTuple, Optional

from hummingbot_conn.common import OrderType, PositionAction, PositionMode, PositionSide, TradeType
from hummingbot_conn.core.common_types import ORDER_BOOK_TRADE_EVENT_TAG
from hummingbot_conn.core.limit_order import LimitOrderStatus
from hummingbot_conn.core.trade_fee import TradeFeeBase


class MarketEvent(Enum):
    ReceivedAsset = 101
    BuyOrderCompleted = 102
    SellOrderCompleted = 103
    WithdrawAsset = 105
    OrderCancelled = 106
    OrderFilled = 107
    OrderExpired = 108
    OrderUpdate = 109
    TradeUpdate = 110
    OrderFailure = 198
    TransactionFailure = 199
    BuyOrderCreated = 200
    SellOrderCreated = 201
    FundingPaymentCompleted = 202
    FundingInfo = 203


class OrderBookEvent(Enum):
    TradeEvent = ORDER_BOOK_TRADE_EVENT_TAG   # 901, defined once in core (the book fires it)


class AccountEvent(Enum):
    PositionModeChangeSucceeded = 400
    PositionModeChangeFailed = 401
    BalanceEvent = 402
    PositionUpdate = 403
    MarginCall = 404
    LiquidationEvent = 405


@dataclass(frozen=True, slots=True)
class OrderBookTradeEvent:
    """A public trade printed on the exchange (not one of ours)."""
    trading_pair: str
    timestamp: float
    type: TradeType
    price: float
    amount: float
    trade_id: Optional[int] = None
    is_taker: bool = True


# ---- order lifecycle records (hummingbot's names and field order) -----------
# Per order a listener sees: one Buy/SellOrderCreatedEvent, one OrderFilledEvent
# per distinct trade id, then exactly one of Buy/SellOrderCompletedEvent (after
# the fills that complete it), OrderCancelledEvent, OrderExpiredEvent,
# MarketOrderFailureEvent.  Timestamps are the connector's clock time.
#
# They are NamedTuples (immutable, no __dict__) rather than frozen dataclasses:
# a frozen dataclass pays an object.__setattr__ per field, about 5x slower to
# build, and these are built on the hot path.  Equality also compares the
# type, so a Buy and a Sell record with the same fields are not equal.


def _record_eq(self, other):
    return type(self) is type(other) and tuple.__eq__(self, other)


def _record_ne(self, other):
    return not _record_eq(self, other)


def _record_hash(self):
    return hash((type(self).__name__, tuple(self)))


def _typed_record(cls):
    # NamedTuple classes cannot take a mixin base: install the methods directly
    cls.__eq__, cls.__ne__, cls.__hash__ = _record_eq, _record_ne, _record_hash
    return cls


@_typed_record
class BuyOrderCreatedEvent(NamedTuple):
    timestamp: float
    type: OrderType
    trading_pair: str
    amount: Decimal
    price: Optional[Decimal]
    order_id: str
    creation_timestamp: float
    exchange_order_id: Optional[str] = None
    leverage: Optional[int] = 1
    position: Optional[str] = PositionAction.NIL.value


@_typed_record
class SellOrderCreatedEvent(NamedTuple):
    timestamp: float
    type: OrderType
    trading_pair: str
    amount: Decimal
    price: Optional[Decimal]
    order_id: str
    creation_timestamp: float
    exchange_order_id: Optional[str] = None
    leverage: Optional[int] = 1
    position: Optional[str] = PositionAction.NIL.value


@_typed_record
class OrderFilledEvent(NamedTuple):
    """One fill of one of our orders: ``price`` and ``amount`` are this fill's."""
    timestamp: float
    order_id: str
    trading_pair: str
    trade_type: TradeType
    order_type: OrderType
    price: Decimal
    amount: Decimal
    trade_fee: TradeFeeBase
    exchange_trade_id: str = ""
    exchange_order_id: str = ""
    leverage: Optional[int] = 1
    position: Optional[str] = PositionAction.NIL.value


@_typed_record
class BuyOrderCompletedEvent(NamedTuple):
    """The order is completely filled; amounts are the order's executed totals."""
    timestamp: float
    order_id: str
    base_asset: str
    quote_asset: str
    base_asset_amount: Decimal
    quote_asset_amount: Decimal
    order_type: OrderType
    exchange_order_id: Optional[str] = None


@_typed_record
class SellOrderCompletedEvent(NamedTuple):
    timestamp: float
    order_id: str
    base_asset: str
    quote_asset: str
    base_asset_amount: Decimal
    quote_asset_amount: Decimal
    order_type: OrderType
    exchange_order_id: Optional[str] = None


@_typed_record
class OrderCancelledEvent(NamedTuple):
    timestamp: float
    order_id: str
    exchange_order_id: Optional[str] = None


@_typed_record
class OrderExpiredEvent(NamedTuple):
    timestamp: float
    order_id: str
    exchange_order_id: Optional[str] = None


@_typed_record
class MarketOrderFailureEvent(NamedTuple):
    """Any order that failed (not only market orders, despite the name)."""
    timestamp: float
    order_id: str
    order_type: OrderType
    error_message: Optional[str] = None
    error_type: Optional[str] = None


@_typed_record
class MarketTransactionFailureEvent(NamedTuple):
    timestamp: float
    order_id: str


@_typed_record
class FundingPaymentCompletedEvent(NamedTuple):
    timestamp: float
    market: str
    trading_pair: str
    amount: Decimal
    funding_rate: Decimal


@_typed_record
class PositionModeChangeEvent(NamedTuple):
    timestamp: float
    trading_pair: str
    position_mode: PositionMode
    message: Optional[str] = None


@_typed_record
class BalanceUpdateEvent(NamedTuple):
    timestamp: float
    asset_name: str
    total_balance: Optional[Decimal] = None
    available_balance: Optional[Decimal] = None


@_typed_record
class PositionUpdateEvent(NamedTuple):
    timestamp: float
    trading_pair: str
    position_side: Optional[PositionSide]  # None when the position is closed
    unrealized_pnl: Decimal
    entry_price: Decimal
    amount: Decimal
    leverage: Decimal


__all__ = [
    "MarketEvent", "OrderBookEvent", "AccountEvent", "OrderBookTradeEvent", "LimitOrderStatus",
    "BuyOrderCreatedEvent", "SellOrderCreatedEvent", "OrderFilledEvent", "BuyOrderCompletedEvent",
    "SellOrderCompletedEvent", "OrderCancelledEvent", "OrderExpiredEvent", "MarketOrderFailureEvent",
    "MarketTransactionFailureEvent", "FundingPaymentCompletedEvent", "PositionModeChangeEvent",
    "BalanceUpdateEvent", "PositionUpdateEvent",
]
