"""Capped exponential back-off with jitter (REST retries, WebSocket reconnects)."""
import random
from typing import Callable, Optional

__all__ = ["ExponentialBackoff"]


class ExponentialBackoff:
    """``delay(n) = min(maximum, initial * factor**n) * (1 - jitter * u)``, ``u`` uniform in [0, 1).

    The jitter only ever shortens a delay, and never by more than ``jitter``,
    so delays stay bounded below (no tight loop against a server that keeps
    refusing) and above (``maximum``).  ``rng`` is injected for tests.
    """

    def __init__(self, initial: float = 0.5, maximum: float = 30.0, factor: float = 2.0, jitter: float = 0.3,
                 rng: Optional[Callable[[], float]] = None) -> None:
        if not (0 < initial <= maximum) or factor < 1 or not (0 <= jitter < 1):
            raise ValueError("need 0 < initial <= maximum, factor >= 1 and 0 <= jitter < 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
        self._rng = rng or random.random

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        if attempt < 0:
            raise ValueError("attempt must be >= 0")
        # cap the exponent too: factor**attempt overflows a float long before attempts run out
        base = self.maximum
        if attempt < 64:
            base = min(self.maximum, self.initial * self.factor ** attempt)
        return base * (1.0 - self.jitter * self._rng())

    def __repr__(self) -> str:
        return (f"ExponentialBackoff(initial={self.initial}, maximum={self.maximum}, "
                f"factor={self.factor}, jitter={self.jitter})")
