# Python-level enums only (OrderType, TradeType, PositionAction, PositionSide,
# PositionMode, PriceType); nothing to declare for C callers.
