"""How parameter values become the exact text the exchange receives (and a signature covers).

The rule (docs/binance_spot.md sections 1.2 and 2.2): numbers leave as plain
decimal text, never in exponent form and never as ``NaN`` / ``Infinity``.

* ``Decimal``: finite ones as plain text (``Decimal("1E-8")`` -> ``0.00000001``);
  ``NaN`` / ``sNaN`` / ``Infinity`` raise ``ValueError`` naming the parameter.
* ``int``: its digits; ``bool``: ``true`` / ``false`` (Binance's spelling).
* ``float``: **refused** with ``TypeError``. A float does not say which decimal
  it means: ``1e-05`` is sent as exponent text (the exchange answers -1100) and
  ``0.1 + 0.2`` as ``0.30000000000000004`` (-1111, too much precision). Amounts
  are ``Decimal`` in this project; convert deliberately (``Decimal(str(x))``,
  then quantize to the symbol's step) before building a request.
* ``str``: sent as given (the caller chose the text).
* ``Enum``: its value, by the same rules.
* ``list`` / ``tuple`` / ``dict``: compact JSON (Binance's ``symbols=["A","B"]``),
  with the same rules inside (Decimals as JSON strings of plain text).
* Anything else: ``str(value)``.

All checks happen while the request is built, before anything is signed or
sent, so a refused value never reaches the exchange.
"""
from decimal import Decimal
from enum import Enum
from typing import Any, Iterable, Mapping, Tuple, Union
from urllib.parse import quote

import orjson

__all__ = ["encode_value", "encode_params", "encode_json", "plain_decimal"]

_MAX_DEPTH = 32


def plain_decimal(value: Decimal, name: str = "value") -> str:
    """``value`` as plain decimal text; ``ValueError`` (naming ``name``) if it is not finite.

    ``Decimal.__format__`` is called directly, so a subclass cannot change the text.
    """
    if not Decimal.is_finite(value):
        raise ValueError(f"parameter {name!r} is not a finite number ({Decimal.__str__(value)}): "
                         "refusing to send it")
    return Decimal.__format__(value, "f")


def _float_error(name: str) -> TypeError:
    return TypeError(f"parameter {name!r} is a float: floats are not sent (they do not say which decimal "
                     "they mean); pass a Decimal, an int or the exact text")


def encode_value(value: Any, name: str = "value") -> str:
    """The text of one parameter value (rules in the module docstring).

    :raises TypeError: a float (anywhere inside, for a list / dict)
    :raises ValueError: a non-finite Decimal
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain_decimal(value, name)
    if isinstance(value, Enum):
        return encode_value(value.value, name)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        raise _float_error(name)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (list, tuple, dict)):
        return encode_json(value, name).decode()
    return str(value)


def _json_ready(value: Any, name: str, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ValueError(f"parameter {name!r} is nested more than {_MAX_DEPTH} levels deep")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return plain_decimal(value, name)
    if isinstance(value, Enum):
        return _json_ready(value.value, name, depth + 1)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        raise _float_error(name)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (list, tuple)):
        return [_json_ready(v, name, depth + 1) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v, name, depth + 1) for k, v in value.items()}
    return value  # orjson's own types (datetime, UUID, dataclass ...) or its TypeError


def encode_json(value: Any, name: str = "value") -> bytes:
    """Compact JSON of ``value`` under the same number rules (Decimals become strings of plain text).

    :raises TypeError: a float, or an object orjson cannot serialise
    :raises ValueError: a non-finite Decimal, or nesting deeper than 32 levels
    """
    return orjson.dumps(_json_ready(value, name, 0))


def encode_params(params: Union[Mapping[str, Any], Iterable[Tuple[str, Any]], None]) -> str:
    """Percent-encode ``name=value`` pairs in the given order, joined by ``&``.

    Everything but RFC 3986 unreserved characters is escaped (UTF-8), so the
    result is what Binance signs: ``symbol=%EF%BC%91...``.  ``None`` values
    are dropped.  Values follow :func:`encode_value`.  Cost: O(total length).
    """
    if not params:
        return ""
    items = params.items() if isinstance(params, Mapping) else params
    out = []
    for k, v in items:
        if v is None:
            continue
        key = str(k)
        out.append(f"{quote(key, safe='')}={quote(encode_value(v, key), safe='')}")
    return "&".join(out)
