"""Event tags and event records (hummingbot's names, values and fields).

Records are small immutable objects: listeners may keep them, nobody can
change them after the fact.
"""
from dataclasses import dataclass
from enum import Enum
from typing import Optional

from hummingbot_conn.common import TradeType


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
    TradeEvent = 901


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
