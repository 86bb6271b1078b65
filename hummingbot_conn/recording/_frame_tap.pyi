from typing import Any, Callable, Optional

from typing_extensions import disjoint_base

@disjoint_base
class FrameTap:
    """The per-frame call of a recorded WebSocket connection (docs/recording.md, "Cost")."""
    def __init__(self, writer: Any, connection: int, clock: Optional[Callable[[], float]] = None,
                 private: bool = False) -> None: ...
    @property
    def connection(self) -> int: ...
    @property
    def private(self) -> bool: ...
    def __call__(self, t: float, data: Any) -> None: ...
