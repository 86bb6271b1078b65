"""TradingRules: the venue's per-pair rules, quantisation and local order checks.

Every check here mirrors a filter the venue enforces itself (Binance:
PRICE_FILTER, LOT_SIZE, NOTIONAL / MIN_NOTIONAL, docs/binance_spot.md
section 3.3), so an order that would be refused anyway is refused before any
request: the caller gets a ``MarketOrderFailureEvent`` and the exchange never
sees it.  hummingbot checked only the minimum size and notional, never the
maximum size, and crashed on a NaN notional (docs/weaknesses.md W-7).
"""
from decimal import ROUND_FLOOR, Context, Decimal, InvalidOperation, localcontext
from typing import Any, Dict, Iterable, Optional, Tuple

from hummingbot_conn.common import OrderType
from hummingbot_conn.connector.trading_rule import TradingRule

__all__ = ["TradingRules", "OrderRejected", "to_decimal", "describe"]


class OrderRejected(ValueError):
    """An order refused locally; ``str(exc)`` says why (it becomes the failure event's message)."""


# The arithmetic of the checks runs in this context, not the caller's: a
# caller who lowered ``getcontext().prec`` must not make a valid order fail
# (DivisionImpossible) or a notional round past a limit.  60 digits hold any
# price times any amount the venue's limits allow; beyond them the value is
# refused as too large (ArithmeticError -> OrderRejected).
_CHECK_CONTEXT = Context(prec=60, rounding=ROUND_FLOOR, Emax=999_999, Emin=-999_999)
_MAX_ADJUSTED = 30      # |value| >= 1e31 is no amount or price any venue takes


def describe(value: Any) -> str:
    """A log- and message-safe description of ``value``: the repr of exact
    builtins and Decimals, only the type name of anything else (a subclass's
    ``__repr__`` / ``__str__`` may raise, be slow or re-enter the connector)."""
    if type(value) is int and value.bit_length() > 128:
        # repr of an int past 4300 digits raises ValueError (CPython's conversion limit), and a
        # long one costs time: its size is what a reader needs
        return f"<int of {value.bit_length()} bits>"
    if type(value) is str and len(value) > 64:
        return repr(value[:61]) + "..."
    if type(value) in (Decimal, int, float, str, bool, type(None)):
        text = repr(value)
        return text if len(text) <= 64 else text[:61] + "..."
    return f"<{type(value).__name__} object>"


def to_decimal(value: Any, field: str) -> Decimal:
    """``value`` as an exact, plain ``Decimal`` (never a subclass).  Floats go
    through their shortest repr (what the caller typed); bools and other types
    are refused with ``OrderRejected``.  No method of a subclass of Decimal,
    int, float or str is called: the base type's value is read directly."""
    if isinstance(value, bool):
        raise OrderRejected(f"{field} must be a number, got {value!r}")
    if isinstance(value, (Decimal, int)):
        return Decimal(value)             # reads the digits; a subclass's methods are not called
    if isinstance(value, (float, str)):
        text = float.__repr__(value) if isinstance(value, float) else str.strip(value)
        if len(text) > 100:
            raise OrderRejected(f"{field} is not a number: {describe(value)}")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise OrderRejected(f"{field} is not a number: {describe(value)}") from None
    raise OrderRejected(f"{field} must be a Decimal, got {type(value).__name__}")


def _number_arg(value: Any, field: str) -> Decimal:
    # the public quantize_* take a number; a wrong type is a TypeError there
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float)):
        raise TypeError(f"{field} must be a Decimal, got {type(value).__name__}")
    return to_decimal(value, field)


_NOT_CREATED = " The order will not be created."


def _plain(value: Decimal) -> str:
    # plain decimal text in messages: "0.00000001", never "1E-8" (but a hostile
    # 1E+999999999 stays in exponent form: its plain text would be a gigabyte)
    if isinstance(value, Decimal) and value.is_finite() and -40 <= value.adjusted() <= 40:
        return f"{value:f}"
    return str(value)


def _floor_to(value: Decimal, quantum: Decimal) -> Decimal:
    # exact floor to a multiple of quantum; the result carries quantum's exponent.
    # A value too large for an exact quotient is refused, whatever the caller's context.
    if value.adjusted() > _MAX_ADJUSTED:
        raise OrderRejected(f"{_plain(value)} is too large for an order")
    with localcontext(_CHECK_CONTEXT):
        return (value // quantum) * quantum


class TradingRules:
    """Rules by trading pair; ``quantize_*`` and ``check_order`` read them.

    Cost: every method is a dict lookup plus a few Decimal operations.
    """

    def __init__(self) -> None:
        self._rules: Dict[str, TradingRule] = {}
        self.initialized = False

    @property
    def rules(self) -> Dict[str, TradingRule]:
        """The live dict, pair -> rule (read it, do not modify it)."""
        return self._rules

    def replace_all(self, rules: Iterable[TradingRule]) -> None:
        self._rules = {rule.trading_pair: rule for rule in rules}
        self.initialized = True

    def get(self, trading_pair: str) -> Optional[TradingRule]:
        return self._rules.get(trading_pair)

    def quantize_order_price(self, trading_pair: str, price: Decimal) -> Decimal:
        """``price`` rounded down to the tick; NaN passes through; an unknown pair
        is a KeyError, a non-number a TypeError, a value past 1e31 a ValueError."""
        rule = self._rules[trading_pair]
        price = _number_arg(price, "price")
        if not price.is_finite():
            return price
        return _floor_to(price, rule.min_price_increment)

    def quantize_order_amount(self, trading_pair: str, amount: Decimal) -> Decimal:
        """``amount`` rounded down to the step; an unknown pair is a KeyError,
        a non-number a TypeError, a value past 1e31 a ValueError."""
        rule = self._rules[trading_pair]
        amount = _number_arg(amount, "amount")
        if not amount.is_finite():
            return amount
        return _floor_to(amount, rule.min_base_amount_increment)

    def check_order(self, trading_pair: str, order_type: Any, amount: Any, price: Any,
                    reference_price: Optional[Decimal] = None) -> Tuple[Decimal, Optional[Decimal]]:
        """The quantised ``(amount, price)`` to send, or ``OrderRejected``.

        ``price`` is used for LIMIT / LIMIT_MAKER (MARKET orders ignore it and
        get ``None``); ``reference_price`` is the book price a MARKET order is
        expected to trade at (NaN or None: an empty book, refused).
        Runs in its own decimal context (the caller's precision does not matter).
        """
        with localcontext(_CHECK_CONTEXT):
            return self._check_order(trading_pair, order_type, amount, price, reference_price)

    def _check_order(self, trading_pair: Any, order_type: Any, amount: Any, price: Any,
                     reference_price: Optional[Decimal]) -> Tuple[Decimal, Optional[Decimal]]:
        rule = self._rules.get(trading_pair) if isinstance(trading_pair, str) else None
        if rule is None:
            if not self.initialized:
                raise OrderRejected(f"the trading rules are not loaded yet; {describe(trading_pair)} cannot be checked")
            raise OrderRejected(f"{describe(trading_pair)} is not a trading pair of this exchange")
        if not isinstance(order_type, OrderType):
            raise OrderRejected(f"order_type must be an OrderType, got {describe(order_type)}")
        amount = to_decimal(amount, "amount")
        if not amount.is_finite() or amount <= 0:
            raise OrderRejected(f"Order amount {_plain(amount)} is not a positive finite number.")
        is_market = order_type is OrderType.MARKET
        if is_market:
            if not rule.supports_market_orders:
                raise OrderRejected(f"{trading_pair} does not take market orders.")
            quantized_price = None
            notional_price = reference_price
            if notional_price is None or not notional_price.is_finite() or notional_price <= 0:
                raise OrderRejected(f"The {trading_pair} order book is empty: no price to check a "
                                    "market order against.")
        else:
            if not rule.supports_limit_orders:
                raise OrderRejected(f"{trading_pair} does not take limit orders.")
            price = to_decimal(price, "price")
            if not price.is_finite() or price <= 0:
                raise OrderRejected(f"Order price {_plain(price)} is not a positive finite number.")
            quantized_price = _floor_to(price, rule.min_price_increment)
            if quantized_price <= 0:
                raise OrderRejected(f"Order price {_plain(price)} is below the price tick "
                                    f"{_plain(rule.min_price_increment)} of {trading_pair}.")
            if quantized_price < rule.min_price or quantized_price > rule.max_price:
                raise OrderRejected(f"Order price {_plain(quantized_price)} is outside [{_plain(rule.min_price)}, "
                                    f"{_plain(rule.max_price)}] for {trading_pair}.")
            notional_price = quantized_price
        quantized_amount = _floor_to(amount, rule.min_base_amount_increment)
        if quantized_amount <= 0 or quantized_amount < rule.min_order_size:
            raise OrderRejected(f"Order amount {_plain(amount)} is lower than minimum order size "
                                f"{_plain(rule.min_order_size)} for the pair {trading_pair}." + _NOT_CREATED)
        if quantized_amount > rule.max_order_size:
            raise OrderRejected(f"Order amount {_plain(amount)} is greater than maximum order size "
                                f"{_plain(rule.max_order_size)} for the pair {trading_pair}." + _NOT_CREATED)
        notional = quantized_amount * notional_price
        if (not is_market or rule.min_notional_applies_to_market) and notional < rule.min_notional_size:
            raise OrderRejected(f"Order notional {_plain(notional)} is lower than minimum notional size "
                                f"{_plain(rule.min_notional_size)} for the pair {trading_pair}." + _NOT_CREATED)
        if not is_market and notional > rule.max_notional_size:
            raise OrderRejected(f"Order notional {_plain(notional)} is greater than maximum notional size "
                                f"{_plain(rule.max_notional_size)} for the pair {trading_pair}." + _NOT_CREATED)
        return quantized_amount, quantized_price
