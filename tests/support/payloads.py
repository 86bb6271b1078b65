"""Per-venue payload files: ``tests/fixtures/<venue>/<name>.json`` (a frame or an answer as the
venue sends it), loaded fresh on every call so a test may change what it gets."""
import json
from functools import lru_cache
from typing import Any

from .paths import FIXTURES


@lru_cache(maxsize=None)
def _text(venue: str, name: str) -> str:
    return (FIXTURES / venue / f"{name}.json").read_text(encoding="utf-8")


def load(venue: str, name: str) -> Any:
    """The decoded payload ``name`` of ``venue`` (``binance_spot``, ``binance_usdm``, ...), a new object
    each call; ``FileNotFoundError`` names the file for a payload that does not exist."""
    return json.loads(_text(venue, name))


__all__ = ["load"]
