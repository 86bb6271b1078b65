"""Trading enums (hummingbot's names and values), defined in the compiled core.

``core`` may import nothing of ours outside ``core``, yet the order state
machine needs these enums to restore orders from JSON; so they live here and
``hummingbot_conn.common`` is meant to re-export them (one definition, never
two hand-kept copies that drift).
"""
from enum import Enum

# The one definition is TRADE_EVENT_TAG in common_types.pxd: the order book
# fires it from C, ``hummingbot_conn.events.OrderBookEvent.TradeEvent`` names it.
ORDER_BOOK_TRADE_EVENT_TAG = TRADE_EVENT_TAG


class OrderType(Enum):
    MARKET = 1
    LIMIT = 2
    LIMIT_MAKER = 3
    AMM_SWAP = 4

    def is_limit_type(self):
        """True for the order types that rest on the book at a price."""
        return self is OrderType.LIMIT or self is OrderType.LIMIT_MAKER


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
