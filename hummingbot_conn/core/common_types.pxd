# The Python-level enums (OrderType, TradeType, PositionAction, PositionSide,
# PositionMode, PriceType) need no C declaration; the order book's trade-event
# tag does: the book fires it from C, and ``common_types.pyx`` exports the same
# constant to Python (``hummingbot_conn.events.OrderBookEvent.TradeEvent``).
cdef enum:
    TRADE_EVENT_TAG = 901   # hummingbot's OrderBookEvent.TradeEvent
