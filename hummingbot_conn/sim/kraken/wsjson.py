"""JSON text whose ``Decimal`` values are JSON numbers written exactly (WS v2 sends numbers, not strings).

orjson and the standard encoder would go through a binary float (or refuse
``Decimal``); Kraken's levels must carry exactly the pair's decimals
(docs/kraken_spot.md, section 1), so the simulator writes them itself.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

__all__ = ["dumps", "decimal_text"]


def decimal_text(value: Decimal) -> str:
    """A finite Decimal as a JSON number: no exponent, no trailing zeros after the point."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("", "-", "-0"):
        text = "0"
    return text


def _write(obj: Any, out: list[str]) -> None:
    if isinstance(obj, Decimal):
        out.append(decimal_text(obj))
    elif isinstance(obj, dict):
        out.append("{")
        first = True
        for key, value in obj.items():
            if not first:
                out.append(",")
            first = False
            out.append(orjson.dumps(str(key)).decode())
            out.append(":")
            _write(value, out)
        out.append("}")
    elif isinstance(obj, (list, tuple)):
        out.append("[")
        for i, value in enumerate(obj):
            if i:
                out.append(",")
            _write(value, out)
        out.append("]")
    elif isinstance(obj, Raw):
        out.append(obj.text)
    elif isinstance(obj, int) and not isinstance(obj, bool):
        out.append(str(obj))          # any size (a client's req_id may pass 64 bits)
    else:
        out.append(orjson.dumps(obj).decode())


class Raw:
    """Text to embed as is (a number already rendered at a pair's precision)."""
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(obj: Any) -> str:
    """``obj`` (dicts, lists, str, int, bool, None, Decimal, :class:`Raw`) as compact JSON text."""
    out: list[str] = []
    _write(obj, out)
    return "".join(out)
