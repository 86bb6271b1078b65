"""Fault injection: scoped rules consumed by the servers, and one-shot actions.

A rule (:class:`Fault`) fires for the requests / depth events it matches
(``symbol``, ``endpoint`` as ``"/api/v3/order"`` or ``"POST /api/v3/order"``)
until its ``count`` is used up (``count=None``: until cleared). Kinds:

===================  =====================================================
``drop_diff``        a depth diff event is not sent (subscribers see a gap)
``duplicate_diff``   a depth diff event is sent twice
``reorder_diff``     a depth diff event is held back and sent after the next
``http_error``       the endpoint answers ``status`` (default 503), unprocessed
``http_429``         the endpoint answers 429 / -1003 with Retry-After, unprocessed
``lose_response``    the request takes effect, then the connection is closed unanswered
``delay_response``   the request takes effect, the answer comes ``delay`` seconds late
``stale_snapshot``   /depth serves the snapshot captured when the rule was added
``future_diff_id``   a depth diff's final id ``u`` is ``FAR_AHEAD`` beyond the
                     truth while it still chains (its ``U`` / ``pu`` are true);
                     the next diff carries the true ids again
``future_snapshot``  /depth answers the current levels with a ``lastUpdateId``
                     ``FAR_AHEAD`` beyond the truth
===================  =====================================================

Actions run at once: ``close_market_sockets``, ``close_user_sockets``,
``mute_user_sockets`` (every user-data socket stays open but delivers nothing
and answers no ping, until the client replaces it; ``heartbeat.py``),
``skew_clock`` (``ms``), ``restart_ids`` (a venue restart: the pending depth
diffs go out, then the update ids of ``symbol``, or of every symbol, start
again from 0 on the live streams; the levels are kept). The admin endpoint
``/sim/faults`` exposes the same API.
"""
from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

RULE_KINDS = ("drop_diff", "duplicate_diff", "reorder_diff", "http_error", "http_429",
              "lose_response", "delay_response", "stale_snapshot", "future_diff_id", "future_snapshot")
ACTION_KINDS = ("close_market_sockets", "close_user_sockets", "mute_user_sockets", "skew_clock",
                "restart_ids")
# how far beyond the truth a far-future id is (future_diff_id, future_snapshot)
FAR_AHEAD = 10**12


@dataclass
class Fault:
    kind: str
    symbol: str | None = None
    endpoint: str | None = None
    count: int | None = 1
    status: int = 503
    delay: float = 0.0
    fault_id: int = 0
    fired: int = 0
    # stale_snapshot: the depth document captured when the rule was added
    snapshot: dict | None = field(default=None, repr=False)

    def matches(self, symbol: str | None, endpoint: str | None, method: str | None) -> bool:
        if self.symbol is not None and self.symbol != symbol:
            return False
        if self.endpoint is not None:
            if " " in self.endpoint:
                if self.endpoint != f"{method} {endpoint}":
                    return False
            elif self.endpoint != endpoint:
                return False
        return True

    def to_json(self) -> dict:
        out = asdict(self)
        out.pop("snapshot")
        return out


class FaultInjector:
    """The fault API: ``add(kind, **scope)``, ``take(kind, ...)``, ``clear()``, ``rules``."""

    def __init__(self) -> None:
        self.rules: list[Fault] = []
        self._ids = itertools.count(1)
        # wired by the server: name -> callable(**params)
        self.actions: dict[str, Callable[..., Any]] = {}
        # wired by the server: symbol -> current depth document (for stale_snapshot)
        self.snapshot_source: Callable[[str], dict] | None = None

    def add(self, kind: str, *, symbol: str | None = None, endpoint: str | None = None,
            count: int | None = 1, status: int = 503, delay: float = 0.0, ms: int = 0) -> Fault | None:
        """Install a rule (returns it) or run an action (returns None)."""
        if kind in ACTION_KINDS:
            if kind == "skew_clock":
                self.actions[kind](ms=int(ms))
            elif kind in ("close_market_sockets", "restart_ids"):
                self.actions[kind](symbol=symbol)
            else:
                self.actions[kind]()
            return None
        if kind not in RULE_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; rules: {RULE_KINDS}, actions: {ACTION_KINDS}")
        if count is not None and count < 1:
            raise ValueError("count must be >= 1 (or None for until cleared)")
        if kind == "http_error" and not 500 <= status <= 599:
            raise ValueError("http_error status must be 5xx")
        if delay < 0:
            raise ValueError("delay must be >= 0")
        fault = Fault(kind, symbol, endpoint, count, status, delay, next(self._ids))
        if kind == "stale_snapshot":
            if symbol is None or self.snapshot_source is None:
                raise ValueError("stale_snapshot needs a symbol")
            fault.snapshot = self.snapshot_source(symbol)
        self.rules.append(fault)
        return fault

    def take(self, kind: str, symbol: str | None = None, endpoint: str | None = None,
             method: str | None = None) -> Fault | None:
        """Consume one firing of the first matching rule of ``kind``. O(rules)."""
        if not self.rules:
            return None
        for fault in self.rules:
            if fault.kind == kind and fault.matches(symbol, endpoint, method):
                fault.fired += 1
                if fault.count is not None and fault.fired >= fault.count:
                    self.rules.remove(fault)
                return fault
        return None

    def remove(self, fault_id: int) -> bool:
        for fault in self.rules:
            if fault.fault_id == fault_id:
                self.rules.remove(fault)
                return True
        return False

    def clear(self) -> None:
        self.rules.clear()
