"""EventLogger: a listener that keeps the events it hears, for tests and tools
(hummingbot's name).

Unlike hummingbot's (W-11), one logger on several tags keeps a single list in
the order the events happened, and it is bounded (the oldest go first), fills
included.
"""
import asyncio
from collections import deque
from typing import Any, Deque, Iterable, List, Optional, Tuple, Type


class EventLogger:
    """Subscribe it like any listener: ``pubsub.add_listener(tag, logger)`` or
    ``logger.subscribe(pubsub, tags)``.  ``event_log`` is chronological."""

    def __init__(self, event_source: Optional[str] = None, max_events: int = 10_000) -> None:
        if max_events < 1:
            raise ValueError("max_events must be >= 1")
        self.event_source = event_source
        self._events: Deque[Any] = deque(maxlen=max_events)
        self._waiters: List[Tuple[Type[Any], asyncio.Future]] = []

    def subscribe(self, publisher: Any, tags: Iterable[Any]) -> "EventLogger":
        for tag in tags:
            publisher.add_listener(tag, self)
        return self

    @property
    def event_log(self) -> List[Any]:
        """A copy of the kept events, oldest first."""
        return list(self._events)

    def clear(self) -> None:
        self._events.clear()

    def __call__(self, event: Any) -> None:
        self._events.append(event)
        if self._waiters:
            waiting = []
            for event_type, future in self._waiters:
                if future.done():
                    continue
                if isinstance(event, event_type):
                    future.set_result(event)
                else:
                    waiting.append((event_type, future))
            self._waiters = waiting

    async def wait_for(self, event_type: Type[Any], timeout_seconds: float = 180.0) -> Any:
        """The next event of ``event_type`` (arriving after this call); raises
        ``asyncio.TimeoutError`` after ``timeout_seconds``."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((event_type, future))
        try:
            async with asyncio.timeout(timeout_seconds):
                return await future
        finally:
            self._waiters = [(t, f) for t, f in self._waiters if f is not future]
