"""The simulator's one error type, and the table through which a venue words its errors.

Every rejection is a :class:`SimError`: the venue's ``code`` (an int such as
Binance's ``-1121``, or a string such as Kraken's ``"EOrder:Unknown order"``),
its message, the HTTP status to answer with and any extra headers
(``Retry-After``). The kernel raises the errors it owns (rate limits, a slow or
oversized body, an injected fault, a simulator bug) through the venue's
:class:`ErrorTable`, and renders every error through it, so no venue's wording
or body shape lives in the kernel.
"""
from __future__ import annotations

from typing import Any, Protocol

__all__ = ["SimError", "ErrorTable"]


class SimError(Exception):
    """A venue error: ``code`` (int or str), ``msg``, the HTTP status (400 unless given) and headers."""

    def __init__(self, code: int | str, msg: str, http_status: int = 400,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.http_status = http_status
        self.headers = headers or {}


class ErrorTable(Protocol):
    """What a venue supplies so the kernel can fail the way the venue does.

    Each factory returns the error the venue answers in that situation, with
    its HTTP status and headers; ``render`` turns any error into the body the
    venue sends (Binance: ``{"code": -1121, "msg": "Invalid symbol."}``).
    ``retry_s`` arguments are whole seconds, for a ``Retry-After`` header.
    """

    def render(self, err: SimError) -> Any:
        """The JSON body of ``err``."""

    def internal_error(self, status: int) -> SimError:
        """The ``http_error`` fault: the request was not processed, HTTP ``status`` (5xx)."""

    def queue_full(self) -> SimError:
        """The ``http_429`` fault: a 429 with ``Retry-After``, the request not processed."""

    def unknown_error(self) -> SimError:
        """A simulator bug, answered the way the venue answers its own (HTTP 500)."""

    def body_timeout(self, seconds: float) -> SimError:
        """The body did not arrive within ``seconds`` (HTTP 408)."""

    def body_too_large(self, limit: int) -> SimError:
        """The body is over ``limit`` bytes (HTTP 413)."""

    def weight_exceeded(self, limit: int, window_ms: int, retry_s: int) -> SimError:
        """Request weight over ``limit`` in the current window (HTTP 429, ``Retry-After``)."""

    def ip_banned(self, until_ms: int, retry_s: int) -> SimError:
        """Requests kept coming after 429s: the address is banned (HTTP 418, ``Retry-After``)."""

    def orders_exceeded(self, limit: int, window: str, retry_s: int) -> SimError:
        """An account placed ``limit`` orders in the window named ``window`` (``"10S"``, ``"1D"``)."""
