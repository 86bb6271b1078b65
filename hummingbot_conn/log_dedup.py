"""RepeatedLog: a loop's repeated log lines written once, then counted.

A background loop that retries a failing request (a wrong API key, a host
that is down) would otherwise write the same line at every attempt: a wrong
key used to leave 13 identical errors in 20 s.  Through a ``RepeatedLog`` the
first occurrence of a message is written as usual; identical ones (same
logger, same level, same text once formatted) are only counted, and the count
is written as one summary line

* when a new message comes (the condition changed);
* when the same message comes again ``summary_interval`` seconds after the
  last line written for it (so a condition that lasts still shows, rarely);
* at ``flush()``, which the loop calls when the condition ends (a request
  succeeded, the stream reconnected, the loop stops).

The summary repeats the text: ``"<message> [repeated 12 more times in 60 s]"``.
"""
import logging
import time
from collections import OrderedDict
from typing import Any, Callable

__all__ = ["RepeatedLog"]


class RepeatedLog:
    """Writes to ``logger``; one instance per loop (or per call site).

    :param summary_interval: seconds between two lines of the same repeating message
    :param max_messages: distinct messages remembered (the oldest is forgotten: written again if it comes back)
    :param clock: monotonic seconds (injected for tests)
    """

    def __init__(self, logger: logging.Logger, *, summary_interval: float = 600.0, max_messages: int = 64,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if summary_interval <= 0 or max_messages < 1:
            raise ValueError("summary_interval must be > 0 and max_messages >= 1")
        self.logger = logger
        self.summary_interval = summary_interval
        self._max = max_messages
        self._clock = clock
        # (level, text) -> [repeats not written yet, when the last line for it was written]
        self._seen: "OrderedDict[tuple, list]" = OrderedDict()

    def log(self, level: int, msg: str, *args: Any, exc_info: Any = None) -> bool:
        """Log ``msg % args`` unless it repeats; True when a line was written.

        ``exc_info`` (a traceback) goes with the first occurrence only.
        """
        return self._emit(level, msg, args, exc_info)

    def debug(self, msg: str, *args: Any) -> bool:
        return self._emit(logging.DEBUG, msg, args)

    def info(self, msg: str, *args: Any) -> bool:
        return self._emit(logging.INFO, msg, args)

    def warning(self, msg: str, *args: Any) -> bool:
        return self._emit(logging.WARNING, msg, args)

    def error(self, msg: str, *args: Any) -> bool:
        return self._emit(logging.ERROR, msg, args)

    def exception(self, msg: str, *args: Any) -> bool:
        return self._emit(logging.ERROR, msg, args, True)

    # stacklevel 3: the record names the line that called log() / warning() ..., not this module
    def _emit(self, level: int, msg: str, args: tuple, exc_info: Any = None) -> bool:
        if not self.logger.isEnabledFor(level):
            return False
        try:
            text = msg % args if args else msg
        except (TypeError, ValueError):       # a bad format must not break the loop that logs
            text = f"{msg} {args!r}"
        key = (level, text)
        now = self._clock()
        state = self._seen.get(key)
        if state is None:
            # the message changed: what repeated until now is counted first, in order
            for old_key, old_state in self._seen.items():
                self._summarise(old_key, old_state, now, stacklevel=4)
            self._seen[key] = [0, now]
            if len(self._seen) > self._max:
                self._seen.popitem(last=False)
            self.logger.log(level, "%s", text, exc_info=exc_info, stacklevel=3)
            return True
        self._seen.move_to_end(key)
        state[0] += 1
        if now - state[1] < self.summary_interval:
            return False
        self._summarise(key, state, now, stacklevel=4)
        return True

    def flush(self) -> None:
        """Write the count of every message repeated since its last line, then forget them all."""
        now = self._clock()
        seen, self._seen = self._seen, OrderedDict()
        for key, state in seen.items():
            self._summarise(key, state, now, stacklevel=3)

    def pending(self) -> int:
        """Repeats counted and not written yet (all messages)."""
        return sum(state[0] for state in self._seen.values())

    def _summarise(self, key: tuple, state: list, now: float, stacklevel: int) -> None:
        repeats, since = state
        state[0], state[1] = 0, now
        if repeats:
            level, text = key
            self.logger.log(level, "%s [repeated %d more time%s in %.0f s]", text, repeats,
                            "" if repeats == 1 else "s", now - since, stacklevel=stacklevel)
