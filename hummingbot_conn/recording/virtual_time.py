"""A virtual clock for replays: an event loop whose time jumps to its next timer instead of waiting.

``VirtualTimeLoop`` is an ``asyncio.SelectorEventLoop`` whose ``time()`` is a
number the loop advances itself: when nothing is ready and no I/O is pending,
the selector's wait of ``timeout`` seconds is not waited but added to the
clock.  ``asyncio.sleep``, ``asyncio.timeout``, ``call_later`` and every
poller of the connector then run on the recording's timeline, as fast as the
CPU allows and in the same order every time (docs/recording.md, "Virtual time").

``virtualise_clocks`` replaces, in a connector's object graph, the real-time
clocks its parts were given by default (``time.monotonic``,
``time.perf_counter``, ``time.time``) with the virtual ones, and the jitter of
back-offs (``random.random``) with the draw that makes them their shortest; the parts take
their clocks injected (docs/architecture.md, "The connector as composed parts"),
so this changes what they are given, never their code.
"""
import asyncio
import random
import selectors
import time
from typing import Any, Callable, List, Optional, Set, Tuple

__all__ = ["VirtualTimeLoop", "virtualise_clocks"]


class _VirtualSelector(selectors.BaseSelector):
    """The real selector for real file descriptors (the loop's self-pipe); a wait becomes a jump."""

    def __init__(self, loop_ref: "List[VirtualTimeLoop]") -> None:
        self._real = selectors.DefaultSelector()
        self._loop_ref = loop_ref

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def select(self, timeout: Optional[float] = None) -> List[Tuple[selectors.SelectorKey, int]]:
        ready = self._real.select(0)
        if ready:
            return ready
        if timeout is None:
            # nothing scheduled: only a thread or a real socket can wake the loop
            return self._real.select(None)
        if timeout > 0:
            self._loop_ref[0]._now += timeout
        return []

    def get_map(self) -> Any:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time starting at ``start`` seconds (a recording's monotonic start).

    ``wall_start``: the wall-clock seconds that correspond to ``start``; :meth:`wall_time`
    reads the virtual wall clock.
    """

    def __init__(self, start: float = 0.0, wall_start: float = 0.0) -> None:
        ref: List[VirtualTimeLoop] = []
        self._now = float(start)
        self._start = float(start)
        self._wall_start = float(wall_start)
        super().__init__(_VirtualSelector(ref))
        ref.append(self)

    def time(self) -> float:
        return self._now

    def wall_time(self) -> float:
        """The virtual wall clock: ``wall_start`` plus the virtual seconds elapsed."""
        return self._wall_start + (self._now - self._start)


_REAL_MONOTONIC = {id(time.monotonic), id(time.perf_counter)}
_REAL_WALL = {id(time.time)}


def _shortest() -> float:
    """The jitter draw that makes a back-off its shortest (``web/backoff.py``: jitter only shortens)."""
    return 1.0 - 1e-9


def virtualise_clocks(root: Any, monotonic: Callable[[], float], wall: Callable[[], float],
                      max_depth: int = 6) -> int:
    """Replace real-time clocks held by ``root`` and the library objects it reaches; the number replaced.

    Looks through instance attributes (``__dict__``, ``__slots__``), lists, tuples and dicts
    of objects whose class is defined in ``hummingbot_conn``, at most ``max_depth`` deep.
    """
    seen: Set[int] = set()
    replaced = 0
    stack: List[Tuple[Any, int]] = [(root, 0)]
    while stack:
        obj, depth = stack.pop()
        if id(obj) in seen or depth > max_depth:
            continue
        seen.add(id(obj))
        if isinstance(obj, (list, tuple, set)):
            stack.extend((v, depth + 1) for v in obj)
            continue
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values())
            continue
        module = getattr(type(obj), "__module__", "") or ""
        if depth > 0 and not module.startswith("hummingbot_conn"):      # the root may be any object
            continue
        names: List[str] = list(getattr(obj, "__dict__", {}) or {})
        for cls in type(obj).__mro__:
            names.extend(s for s in getattr(cls, "__slots__", ()) if isinstance(s, str))
        for name in names:
            try:
                value = getattr(obj, name)
            except AttributeError:
                continue
            if name == "_rng" and value == random.random:
                # a back-off's jitter: its shortest wait, and the recording's timeline decides when the
                # reconnect or retry is answered (replay_transport.py)
                setattr(obj, name, _shortest)
                replaced += 1
            elif id(value) in _REAL_MONOTONIC or id(value) in _REAL_WALL:
                try:
                    setattr(obj, name, monotonic if id(value) in _REAL_MONOTONIC else wall)
                    replaced += 1
                except (AttributeError, TypeError):
                    pass
            elif not callable(value) or hasattr(value, "__dict__"):
                stack.append((value, depth + 1))
    return replaced
