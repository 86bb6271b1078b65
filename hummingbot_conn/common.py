"""Trading enums shared by every layer (hummingbot's names and values).

They are defined once, in the compiled core (``core/common_types``), because
core types such as ``InFlightOrder`` need them and core imports nothing from
outside itself; this module is their public home.
"""
from hummingbot_conn.core.common_types import (
    OrderType,
    PositionAction,
    PositionMode,
    PositionSide,
    PriceType,
    TradeType,
)

__all__ = ["OrderType", "PositionAction", "PositionMode", "PositionSide", "PriceType", "TradeType"]
