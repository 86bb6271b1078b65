"""Request weight per client IP and order counts per account, in calendar windows.

Calendar windows, as Binance counts (docs/binance_spot.md section 1.4) and
as most venues do: a window starts at every whole multiple of its length
since the epoch (every UTC minute by default) and its count starts at zero;
nothing carries over. Once a window's weight passes ``limit`` every request
is refused with the venue's 429 (``Retry-After``: whole seconds to the
window's end, at least 1); a client that sends ``ban_after`` more requests
after its first 429 in a window is banned (the venue's 418) for
``ban_seconds``, doubling on each new ban (Binance's bans escalate 2 min ->
3 days). ``window_ms`` below a minute scales a test down. The errors come
from the venue's ``ErrorTable``; which headers report the
counts is the venue's business (its REST pipeline).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import ErrorTable, SimError

__all__ = ["WeightLimiter", "OrderCounter", "WINDOW_MS"]

WINDOW_MS = 60_000


def _seconds_to(end_ms: int, now: int) -> int:
    """Whole seconds from ``now`` to ``end_ms``, rounded up, at least 1 (a Retry-After value)."""
    return max(1, (end_ms - now + 999) // 1000)


@dataclass
class _IpState:
    window_start: int = 0
    used: int = 0
    rejected_in_window: int = 0
    banned_until: int = 0
    bans: int = 0


class WeightLimiter:
    """``charge(ip, weight)`` -> used weight, or raises the venue's 429 / 418 ``SimError``.

    :param errors: the venue's error table (``weight_exceeded``, ``ip_banned``)
    :raises ValueError: ``window_ms`` not a whole number of seconds (>= 1 s)
    """

    def __init__(self, clock, limit: int = 6000, ban_after: int = 5, ban_seconds: int = 120,
                 window_ms: int = WINDOW_MS, *, errors: ErrorTable) -> None:
        if isinstance(window_ms, bool) or not isinstance(window_ms, int) or window_ms < 1000 or window_ms % 1000:
            raise ValueError(f"window_ms must be a whole number of seconds in ms (>= 1000), got {window_ms!r}")
        self.clock = clock
        self.errors = errors
        self.window_ms = window_ms
        self.limit = limit
        self.ban_after = ban_after
        self.ban_seconds = ban_seconds
        self._ips: dict[str, _IpState] = {}

    def _state(self, ip: str, now: int) -> _IpState:
        state = self._ips.get(ip)
        if state is None:
            state = self._ips[ip] = _IpState()
        start = now - now % self.window_ms
        if state.window_start != start:
            state.window_start, state.used, state.rejected_in_window = start, 0, 0
        return state

    def used(self, ip: str) -> int:
        return self._state(ip, self.clock.now_ms()).used

    def charge(self, ip: str, weight: int) -> int:
        now = self.clock.now_ms()
        state = self._state(ip, now)
        if state.banned_until > now:
            raise self._banned(state, now)
        state.used += weight
        if state.used > self.limit:
            state.rejected_in_window += 1
            if state.rejected_in_window > self.ban_after:
                state.bans += 1
                state.banned_until = now + self.ban_seconds * 1000 * 2 ** (state.bans - 1)
                raise self._banned(state, now)
            raise self.errors.weight_exceeded(self.limit, self.window_ms,
                                              _seconds_to(state.window_start + self.window_ms, now))
        return state.used

    def refund(self, ip: str, weight: int) -> None:
        """Give ``weight`` back (a venue whose successful orders weigh 0, e.g. Binance spot since 2026-04-02)."""
        state = self._state(ip, self.clock.now_ms())
        state.used = max(0, state.used - weight)

    def _banned(self, state: _IpState, now: int) -> SimError:
        return self.errors.ip_banned(state.banned_until, _seconds_to(state.banned_until, now))


class OrderCounter:
    """Orders per account in calendar windows (the venue's ORDERS limits).

    ``windows``: ``(label, length in ms, limit)`` each, for example
    ``[("10S", 10_000, 100), ("1D", 86_400_000, 200_000)]``. ``check`` raises
    the venue's ``orders_exceeded`` (``Retry-After``: whole seconds until the
    exhausted window resets; the longest such window is named first) when a
    limit is used up; ``count`` records a placed order and returns the count
    of each window by label, for the venue's headers.
    """

    def __init__(self, clock, windows: Sequence[tuple[str, int, int]], *, errors: ErrorTable) -> None:
        if not windows or any(length < 1 or limit < 1 for _, length, limit in windows):
            raise ValueError("an order counter needs windows of positive length and limit")
        self.clock = clock
        self.errors = errors
        self.windows = list(windows)
        # checked longest first: when several limits bind, the longest wait is the one to report
        self._longest_first = sorted(self.windows, key=lambda w: -w[1])
        self.limits = {label: limit for label, _, limit in windows}
        self._counts: dict[tuple[int, str, int], int] = {}

    def _keys(self, account_id: int, now: int, windows) -> list[tuple[tuple[int, str, int], int, int]]:
        return [((account_id, label, now // length), length, limit) for label, length, limit in windows]

    def check(self, account_id: int) -> None:
        now = self.clock.now_ms()
        for key, length, limit in self._keys(account_id, now, self._longest_first):
            if self._counts.get(key, 0) >= limit:
                raise self.errors.orders_exceeded(limit, key[1], _seconds_to((key[2] + 1) * length, now))

    def peek(self, account_id: int) -> dict[str, int]:
        """The account's count in each current window, by label, without recording an order."""
        return {key[1]: self._counts.get(key, 0)
                for key, _, _ in self._keys(account_id, self.clock.now_ms(), self.windows)}

    def count(self, account_id: int) -> dict[str, int]:
        keys = [key for key, _, _ in self._keys(account_id, self.clock.now_ms(), self.windows)]
        if len(self._counts) > 10_000:  # forget old windows
            self._counts = {k: v for k, v in self._counts.items() if k in keys}
        for key in keys:
            self._counts[key] = self._counts.get(key, 0) + 1
        return {key[1]: self._counts[key] for key in keys}
