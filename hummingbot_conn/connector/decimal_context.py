"""The decimal context the connector's own tasks run in.

``decimal``'s current context lives in a context variable, and a task starts
with a copy of its creator's context variables.  A task spawned from inside
``buy()`` or ``start_network()`` would therefore compute fills, fees and
notional values at whatever precision and rounding the *caller* happened to
set: a strategy that set ``getcontext().prec = 3`` saw a market buy of
0.001 @ 60000 + 0.002 @ 60001.23 complete for 180 instead of 180.00246.
Money stays exact (Contract 2, docs/contracts.md), so each task the
connector starts gets a context with Python's standard decimal settings.
"""
import contextvars
import decimal

__all__ = ["library_context"]


def _standard() -> decimal.Context:
    # Python's documented defaults, spelled out: decimal.DefaultContext is global and mutable
    return decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN, Emin=-999_999, Emax=999_999,
                           capitals=1, clamp=0, flags=[],
                           traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])


def library_context() -> contextvars.Context:
    """A copy of the current context variables with the standard decimal context
    (pass it as ``create_task(coro, context=...)``)."""
    context = contextvars.copy_context()
    context.run(decimal.setcontext, _standard())
    return context
