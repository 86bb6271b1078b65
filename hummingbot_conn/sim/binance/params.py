"""Typed access to request parameters with Binance's validation errors.

Parsing is strict and ASCII-only, as on the exchange: every pattern must
match the *whole* value (``re.fullmatch``; ``$`` alone would accept a
trailing newline), so ``1\n``, ``1_000``, `` 1``, ``+1``, ``1e-5`` and
non-ASCII digits (Arabic-Indic ``١``, full-width ``１``) are refused with the
exchange's codes: -1100 for decimals, -1102 for integers and timestamps
(docs/binance_spot.md sections 2.3 and 4). Python's own ``int()`` /
``Decimal()`` accept all of those, so they only ever see validated text.
"""
from __future__ import annotations

import re
from decimal import Decimal

from . import errors as E
from .errors import SimError

_DECIMAL = re.compile(r"([0-9]{1,20})(\.[0-9]{1,20})?")
_CLIENT_ID = re.compile(E.CLIENT_ID_RANGE)
_INT = re.compile(r"-?[0-9]{1,19}")
_UINT = re.compile(r"[0-9]{1,19}")
MAX_DECIMALS = 8


def strict_int(text: str, signed: bool = True) -> int | None:
    """``text`` as an int if it is exactly ASCII digits (and a leading ``-`` when ``signed``), else None."""
    if not isinstance(text, str) or not (_INT if signed else _UINT).fullmatch(text):
        return None
    return int(text)


def strict_decimal(text: str, max_decimals: int = 20) -> Decimal | None:
    """``text`` as a Decimal if it is ``digits[.digits]`` in ASCII (at most ``max_decimals`` decimals), else None."""
    if not isinstance(text, str):
        return None
    match = _DECIMAL.fullmatch(text)
    if match is None or match.group(2) is not None and len(match.group(2)) - 1 > max_decimals:
        return None
    return Decimal(text)


class Params:
    """Wraps the merged request parameters; every getter validates."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise E.mandatory(name)
            return None
        return value

    def enum(self, name: str, allowed: tuple[str, ...], error: SimError | None = None,
             required: bool = False) -> str | None:
        value = self.text(name, required)
        if value is not None and value not in allowed:
            raise error or E.invalid_value(name)
        return value

    def decimal(self, name: str, required: bool = False) -> Decimal | None:
        value = self.text(name, required)
        if value is None:
            return None
        out = strict_decimal(value)
        if out is None:
            raise E.illegal_chars(name)
        exponent = out.normalize().as_tuple().exponent     # an int: ``out`` is finite
        if isinstance(exponent, int) and -exponent > MAX_DECIMALS and out != 0:
            raise SimError(-1111, f"Parameter '{name}' has too much precision.")
        return out

    def integer(self, name: str, required: bool = False, low: int | None = None,
            high: int | None = None) -> int | None:
        value = self.text(name, required)
        if value is None:
            return None
        out = strict_int(value)
        if out is None:
            raise E.mandatory(name)
        if low is not None and out < low:
            raise SimError(-1100, f"Illegal characters found in parameter '{name}'; legal range is '{low}'.")
        if high is not None and out > high:
            raise SimError(-1102, f"'{name}' contains unexpected value. Cannot be greater than {high}.")
        return out

    def client_id(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not _CLIENT_ID.fullmatch(value):
            raise E.illegal_chars(name, E.CLIENT_ID_RANGE)
        return value

    def flag(self, name: str) -> bool:
        value = self.text(name)
        if value is None:
            return False
        if value not in ("true", "false", "TRUE", "FALSE", "True", "False"):
            raise E.invalid_value(name)
        return value.lower() == "true"
