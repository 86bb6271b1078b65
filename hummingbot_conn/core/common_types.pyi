from enum import Enum

ORDER_BOOK_TRADE_EVENT_TAG: int

class OrderType(Enum):
    MARKET = 1
    LIMIT = 2
    LIMIT_MAKER = 3
    AMM_SWAP = 4
    def is_limit_type(self) -> bool: ...

class TradeType(Enum):
    BUY = 1
    SELL = 2
    RANGE = 3

class PositionAction(Enum):
    OPEN = "OPEN"
    CLOSE = "CLOSE"
    NIL = "NIL"

class PositionSide(Enum):
    LONG = "LONG"
    SHORT = "SHORT"
    BOTH = "BOTH"

class PositionMode(Enum):
    HEDGE = "HEDGE"
    ONEWAY = "ONEWAY"

class PriceType(Enum):
    MidPrice = 1
    BestBid = 2
    BestAsk = 3
    LastTrade = 4
    LastOwnTrade = 5
    InventoryCost = 6
    Custom = 7
