"""Request-weight accounting per client IP: headers, 429 with Retry-After, then 418 bans.

Calendar windows, as the live exchange counts (docs/binance_spot.md section
1.4): a window starts at every whole multiple of ``window_ms`` since the
epoch (every UTC minute by default) and its count starts at zero; nothing
carries over.  Once a window's weight passes ``limit`` every request gets 429
with ``Retry-After`` (whole seconds to the window's end, at least 1); a
client that sends ``ban_after`` more requests after its first 429 in a window
is banned (418) for ``ban_seconds``, doubling on each new ban (live bans
escalate 2 min -> 3 days).  ``window_ms`` below a minute scales a test down;
the headers keep their live names (``X-MBX-USED-WEIGHT-1M``).
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import SimError

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
    """``charge(ip, weight)`` -> used weight, or raises the 429 / 418 :class:`SimError`."""

    def __init__(self, clock, limit: int = 6000, ban_after: int = 5, ban_seconds: int = 120,
                 window_ms: int = WINDOW_MS) -> None:
        if isinstance(window_ms, bool) or not isinstance(window_ms, int) or window_ms < 1000 or window_ms % 1000:
            raise ValueError(f"window_ms must be a whole number of seconds in ms (>= 1000), got {window_ms!r}")
        self.clock = clock
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
            retry = _seconds_to(state.window_start + self.window_ms, now)
            raise SimError(
                -1003, f"Too much request weight used; current limit is {self.limit} request weight "
                f"per {self.interval_text()}. Please use WebSocket Streams for live updates to avoid polling "
                "the API.", 429, {"Retry-After": str(retry)})
        return state.used

    def interval_text(self) -> str:
        """The window as Binance names it in messages: ``1 MINUTE``, ``10 SECOND``."""
        seconds = self.window_ms // 1000
        return f"{seconds // 60} MINUTE" if seconds % 60 == 0 else f"{seconds} SECOND"

    def rate_limit_json(self) -> dict:
        """The ``REQUEST_WEIGHT`` entry of ``exchangeInfo.rateLimits``."""
        seconds = self.window_ms // 1000
        if seconds % 60 == 0:
            return {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": seconds // 60,
                    "limit": self.limit}
        return {"rateLimitType": "REQUEST_WEIGHT", "interval": "SECOND", "intervalNum": seconds, "limit": self.limit}

    def refund(self, ip: str, weight: int) -> None:
        """Successful order / cancel requests weigh 0 (since 2026-04-02): give the weight back."""
        state = self._state(ip, self.clock.now_ms())
        state.used = max(0, state.used - weight)

    def _banned(self, state: _IpState, now: int) -> SimError:
        retry = _seconds_to(state.banned_until, now)
        return SimError(
            -1003, f"Way too much request weight used; IP banned until {state.banned_until}. "
            "Please use WebSocket Streams for live updates to avoid bans.", 418, {"Retry-After": str(retry)})


class OrderCounter:
    """Per-account order counts (ORDERS limits): 10-second and 1-day calendar windows.

    ``check`` raises -1015 (429, ``Retry-After``: whole seconds until the full
    window resets) when a limit is used up; ``count`` records a placed order
    and returns the ``X-MBX-ORDER-COUNT-*`` headers.
    """

    def __init__(self, clock, limit_10s: int = 100, limit_1d: int = 200_000) -> None:
        self.clock = clock
        self.limit_10s = limit_10s
        self.limit_1d = limit_1d
        self._counts: dict[tuple[int, str, int], int] = {}

    def _keys(self, account_id: int) -> tuple[tuple[int, str, int], tuple[int, str, int]]:
        now = self.clock.now_ms()
        return (account_id, "10S", now // 10_000), (account_id, "1D", now // 86_400_000)

    def check(self, account_id: int) -> None:
        k10, k1d = self._keys(account_id)
        now = self.clock.now_ms()
        if self._counts.get(k1d, 0) >= self.limit_1d:
            raise SimError(-1015, f"Too many new orders; current limit is {self.limit_1d} orders per 1 DAY.",
                           429, {"Retry-After": str(_seconds_to((k1d[2] + 1) * 86_400_000, now))})
        if self._counts.get(k10, 0) >= self.limit_10s:
            raise SimError(-1015, f"Too many new orders; current limit is {self.limit_10s} orders per 10 SECOND.",
                           429, {"Retry-After": str(_seconds_to((k10[2] + 1) * 10_000, now))})

    def count(self, account_id: int) -> dict[str, str]:
        k10, k1d = self._keys(account_id)
        if len(self._counts) > 10_000:  # forget old windows
            self._counts = {k: v for k, v in self._counts.items() if k in (k10, k1d)}
        self._counts[k10] = self._counts.get(k10, 0) + 1
        self._counts[k1d] = self._counts.get(k1d, 0) + 1
        return {"X-MBX-ORDER-COUNT-10S": str(self._counts[k10]), "X-MBX-ORDER-COUNT-1D": str(self._counts[k1d])}
