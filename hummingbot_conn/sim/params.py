"""Typed access to request parameters with Binance's validation errors."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from . import errors as E
from .errors import SimError

_DECIMAL = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_CLIENT_ID = re.compile(E.CLIENT_ID_RANGE)
_INT = re.compile(r"^-?[0-9]{1,19}$")
MAX_DECIMALS = 8


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
        if not _DECIMAL.match(value):
            raise E.illegal_chars(name)
        try:
            out = Decimal(value)
        except InvalidOperation:
            raise E.illegal_chars(name) from None
        if -out.normalize().as_tuple().exponent > MAX_DECIMALS and out.normalize() != 0:
            raise SimError(-1111, f"Parameter '{name}' has too much precision.")
        return out

    def integer(self, name: str, required: bool = False, low: int | None = None,
            high: int | None = None) -> int | None:
        value = self.text(name, required)
        if value is None:
            return None
        if not _INT.match(value):
            raise E.mandatory(name)
        out = int(value)
        if low is not None and out < low:
            raise SimError(-1100, f"Illegal characters found in parameter '{name}'; legal range is '{low}'.")
        if high is not None and out > high:
            raise SimError(-1102, f"'{name}' contains unexpected value. Cannot be greater than {high}.")
        return out

    def client_id(self, name: str) -> str | None:
        value = self.text(name)
        if value is not None and not _CLIENT_ID.match(value):
            raise E.illegal_chars(name, E.CLIENT_ID_RANGE)
        return value

    def flag(self, name: str) -> bool:
        value = self.text(name)
        if value is None:
            return False
        if value not in ("true", "false", "TRUE", "FALSE", "True", "False"):
            raise E.invalid_value(name)
        return value.lower() == "true"
