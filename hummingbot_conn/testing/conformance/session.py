"""The kit's helpers: one polling wait and a started connector with its event log."""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from ...event_logger import EventLogger
from ...events import MarketEvent


async def until(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.01) -> None:
    """Wait until ``condition()`` holds, polling every ``interval`` s.

    Raises ``TimeoutError`` after ``timeout`` s, naming the condition; an exception raised by the
    condition propagates at once (a broken check is not a slow one).
    """
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(interval)
    except TimeoutError:
        raise TimeoutError(f"{getattr(condition, '__qualname__', condition)} not true after {timeout} s") from None


class Session:
    """A connector and every ``MarketEvent`` it emitted (``events``, ``kinds`` per client order id)."""

    def __init__(self, connector: Any) -> None:
        self.connector = connector
        self.log = EventLogger()
        self.log.subscribe(connector, list(MarketEvent))

    def events(self, order_id: str | None = None) -> list[Any]:
        return [e for e in self.log.event_log if order_id is None or getattr(e, "order_id", None) == order_id]

    def kinds(self, order_id: str) -> list[str]:
        """The class names of ``order_id``'s events, in the order they were emitted."""
        return [type(e).__name__ for e in self.events(order_id)]

    async def wait_kinds(self, order_id: str, kinds: list[str], timeout: float = 10.0) -> None:
        """Wait until ``order_id``'s events are exactly ``kinds``; TimeoutError shows what came instead."""
        try:
            await until(lambda: self.kinds(order_id) == kinds, timeout)
        except TimeoutError:
            raise TimeoutError(f"{order_id}: expected {kinds}, got {self.kinds(order_id)}") from None

    async def settle(self) -> None:
        """Let every pending placement, cancel and unknown-outcome resolution end, then one full status poll
        (what a later poll would find, found now)."""
        c = self.connector
        placer = c._order_placer
        await until(lambda: not c._status_poller.resolving() and not placer.placing
                    and all(task.done() for task in placer._tasks), timeout=20)
        await c._status_poller.poll_once()
