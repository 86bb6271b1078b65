from collections import deque
from typing import Any, Callable, List, Optional

from typing_extensions import disjoint_base

@disjoint_base
class FrameQueue:
    """The writer's bounded queue as a tap sees it (docs/recording.md, "Cost")."""
    queue: deque[Any]
    room: int
    def __init__(self, queue: deque[Any], room: int, put: Callable[[Any], bool]) -> None: ...

@disjoint_base
class FrameTap:
    """The per-frame call of a recorded WebSocket connection (docs/recording.md, "Cost")."""
    def __init__(self, frames: FrameQueue, connection: int, clock: Optional[Callable[[], float]] = None,
                 private: bool = False) -> None: ...
    @property
    def connection(self) -> int: ...
    @property
    def private(self) -> bool: ...
    def tap(self, t: float, data: Any) -> None: ...

def encode_lines(items: List[Any], fallback: Callable[[Any], str], dumps: Callable[[Any], bytes]) -> bytes: ...
