"""The one polling wait of the suite: the conformance kit's (``hummingbot_conn.testing.conformance``).

``until(condition, timeout=10.0, interval=0.01)`` raises ``TimeoutError`` naming the condition; tests
that want a bool (a bound on a count, asserted by the caller) use ``holds_within``.
"""
from typing import Callable

from hummingbot_conn.testing.conformance import until


async def holds_within(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll ``condition`` for at most ``timeout`` s (a bound, not a measured threshold); its last value."""
    try:
        await until(condition, timeout, interval)
    except TimeoutError:
        return bool(condition())
    return True


__all__ = ["until", "holds_within"]
