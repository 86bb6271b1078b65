"""TradingRule: one pair's order constraints (hummingbot's name, fields and repr).

Values are ``Decimal``.  Fields beyond hummingbot's (``max_notional_size``,
``min_price``, ``max_price``, ``min_notional_applies_to_market``) let the
connector reject locally what the venue would reject anyway; their defaults
disable them.
"""
from decimal import Decimal
from typing import Any, Optional

__all__ = ["TradingRule"]

_HUGE = Decimal("1e56")
_TINY = Decimal("1e-56")


class TradingRule:
    """Constraints of one trading pair, as the venue publishes them.

    ``min_price_increment`` is the tick, ``min_base_amount_increment`` the
    step; ``min_notional_size`` / ``max_notional_size`` bound price * amount
    (quote units).  Collateral tokens default to the quote asset.
    """

    __slots__ = ("trading_pair", "min_order_size", "max_order_size", "min_price_increment",
                 "min_base_amount_increment", "min_quote_amount_increment", "min_notional_size",
                 "min_order_value", "max_price_significant_digits", "supports_limit_orders",
                 "supports_market_orders", "buy_order_collateral_token", "sell_order_collateral_token",
                 "max_notional_size", "min_price", "max_price", "min_notional_applies_to_market")

    def __init__(self, trading_pair: str, min_order_size: Decimal = Decimal(0), max_order_size: Decimal = _HUGE,
                 min_price_increment: Decimal = _TINY, min_base_amount_increment: Decimal = _TINY,
                 min_quote_amount_increment: Decimal = _TINY, min_notional_size: Decimal = Decimal(0),
                 min_order_value: Decimal = Decimal(0), max_price_significant_digits: Decimal = _HUGE,
                 supports_limit_orders: bool = True, supports_market_orders: bool = True,
                 buy_order_collateral_token: Optional[str] = None,
                 sell_order_collateral_token: Optional[str] = None, *,
                 max_notional_size: Decimal = _HUGE, min_price: Decimal = Decimal(0), max_price: Decimal = _HUGE,
                 min_notional_applies_to_market: bool = True) -> None:
        self.trading_pair = trading_pair
        self.min_order_size = Decimal(min_order_size)
        self.max_order_size = Decimal(max_order_size)
        self.min_price_increment = _positive(min_price_increment, "min_price_increment")
        self.min_base_amount_increment = _positive(min_base_amount_increment, "min_base_amount_increment")
        self.min_quote_amount_increment = _positive(min_quote_amount_increment, "min_quote_amount_increment")
        self.min_notional_size = Decimal(min_notional_size)
        self.min_order_value = Decimal(min_order_value)
        self.max_price_significant_digits = Decimal(max_price_significant_digits)
        self.supports_limit_orders = supports_limit_orders
        self.supports_market_orders = supports_market_orders
        quote = trading_pair.split("-")[-1]
        self.buy_order_collateral_token = buy_order_collateral_token or quote
        self.sell_order_collateral_token = sell_order_collateral_token or quote
        self.max_notional_size = Decimal(max_notional_size)
        self.min_price = Decimal(min_price)
        self.max_price = Decimal(max_price)
        self.min_notional_applies_to_market = min_notional_applies_to_market

    def __repr__(self) -> str:
        return (f"TradingRule(trading_pair='{self.trading_pair}', min_order_size={self.min_order_size}, "
                f"max_order_size={self.max_order_size}, min_price_increment={self.min_price_increment}, "
                f"min_base_amount_increment={self.min_base_amount_increment}, "
                f"min_quote_amount_increment={self.min_quote_amount_increment}, "
                f"min_notional_size={self.min_notional_size}, min_order_value={self.min_order_value}, "
                f"max_price_significant_digits={self.max_price_significant_digits}, "
                f"supports_limit_orders={self.supports_limit_orders}, "
                f"supports_market_orders={self.supports_market_orders}, "
                f"buy_order_collateral_token={self.buy_order_collateral_token}, "
                f"sell_order_collateral_token={self.sell_order_collateral_token})")

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, TradingRule) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__)

    __hash__ = None  # type: ignore[assignment]


def _positive(value: Any, field: str) -> Decimal:
    d = Decimal(value)
    if not d.is_finite() or d <= 0:
        raise ValueError(f"{field} must be a positive finite decimal, got {value!r}")
    return d.normalize()
