"""CancellationResult: what ``cancel_all`` reports per order (hummingbot's name)."""
from typing import NamedTuple

__all__ = ["CancellationResult"]


class CancellationResult(NamedTuple):
    order_id: str
    success: bool
