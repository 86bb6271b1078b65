"""Checks of the arguments a user passes to the connector's public methods (issue 16).

Each raises before any side effect (nothing tracked, nothing sent): a wrong
type is a ``TypeError``, a value out of range a ``ValueError``, as Python's
own functions do.  The rules a hummingbot user meets are listed in
docs/porting.md, "Order arguments".  No method of the caller's object is
run: types are checked exactly, values shown through ``describe``.
"""
import math
from decimal import Decimal
from typing import Any, Collection, Mapping

from hummingbot_conn.connector.trading_rules import describe

__all__ = ["check_bool", "check_leverage", "check_number", "check_order_keywords", "exact_str", "positive_seconds"]


def exact_str(value: Any, name: str) -> str:
    """``value`` as a plain ``str`` (``TypeError`` otherwise).  A str subclass is
    copied: its ``__hash__`` / ``__eq__`` would otherwise run inside the
    tracker's and rules' dict lookups."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return str.__str__(value)


def check_bool(value: Any, name: str) -> bool:
    """``value`` if it is a ``bool`` (``TypeError`` otherwise: a truthy ``"no"`` is no side)."""
    if type(value) is not bool:
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def check_number(value: Any, name: str) -> None:
    """``TypeError`` unless ``value`` is a ``Decimal``, ``int`` or ``float`` (not a bool, not text)."""
    if type(value) not in (Decimal, int, float):
        raise TypeError(f"{name} must be a Decimal (or int / float), got {type(value).__name__}")


def positive_seconds(value: Any, name: str) -> float:
    """A duration: a positive finite ``int`` / ``float`` / ``Decimal`` of seconds, as a float."""
    if type(value) not in (int, float, Decimal):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    seconds = float(value)
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{name} must be a positive finite number of seconds, got {describe(value)}")
    return seconds


def check_order_keywords(method: str, kwargs: Mapping[str, Any], accepted: Collection[str]) -> None:
    """``TypeError`` for the first keyword of ``kwargs`` not in ``accepted``."""
    for keyword in kwargs:
        if keyword not in accepted:
            raise TypeError(f"{method}() got an unexpected keyword argument {keyword!r} (accepted: "
                            f"order_type, price, {', '.join(sorted(accepted))})")


def check_leverage(trading_pair: str, leverage: Any, maximum: int) -> None:
    """``TypeError`` unless ``leverage`` is an ``int`` (not a bool); ``ValueError`` outside ``1..maximum``."""
    if type(leverage) is not int:
        raise TypeError(f"leverage must be an int, got {type(leverage).__name__}")
    if not 1 <= leverage <= maximum:
        raise ValueError(f"leverage for {trading_pair} must be between 1 and {maximum}, got {leverage}")
