"""The kernel's fault rules and actions, plus Kraken's own rule ``corrupt_checksum``.

On this venue the book rules (``drop_diff``, ``duplicate_diff``, ``reorder_diff``)
act on WS v2 book updates, ``stale_snapshot`` on ``/0/public/Depth``; Kraken's
book has no update ids, so ``future_diff_id`` and ``future_snapshot`` are
accepted and never fire, and ``restart_ids`` only flushes.

``corrupt_checksum`` (scope: ``symbol`` as WS v2 names it, ``BTC/USD``): the
next book message of that symbol (snapshot or update) carries a checksum
that does not match its book; ``count`` messages when given.
"""
from __future__ import annotations

from ..kernel.faults import Fault, FaultInjector

__all__ = ["KrakenFaults", "KRAKEN_RULE_KINDS"]

KRAKEN_RULE_KINDS = ("corrupt_checksum",)


class KrakenFaults(FaultInjector):
    """``add("corrupt_checksum", symbol=..., count=...)`` beside every kind of the kernel."""

    def add(self, kind: str, *, symbol: str | None = None, endpoint: str | None = None,
            count: int | None = 1, status: int = 503, delay: float = 0.0, ms: int = 0) -> Fault | None:
        if kind not in KRAKEN_RULE_KINDS:
            return super().add(kind, symbol=symbol, endpoint=endpoint, count=count, status=status, delay=delay,
                               ms=ms)
        if count is not None and count < 1:
            raise ValueError("count must be >= 1 (or None for until cleared)")
        fault = Fault(kind, symbol, endpoint, count, status, delay, next(self._ids))
        self.rules.append(fault)
        return fault
