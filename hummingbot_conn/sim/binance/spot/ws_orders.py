"""Binance spot trading over the WebSocket API: ``order.place``, ``order.cancel``, ``order.status``.

docs/binance_spot.md section 7.6. Each is a SIGNED request (``apiKey``,
``timestamp``, ``signature`` among the params, signed as section 2.5 says);
the other params are those of the REST endpoint (``POST`` / ``DELETE`` /
``GET /api/v3/order``), checked by the same handlers, so the answers (the
``result``) and the error codes are the REST ones. What differs:

* the answer is ``{"id", "status": 200, "result": {...}, "rateLimits": [...]}``
  or ``{"id", "status": <http>, "error": {"code", "msg"[, "data"]}, "rateLimits": [...]}``;
* ``rateLimits`` lists ``REQUEST_WEIGHT`` (the IP's weight, shared with REST)
  and, for ``order.place``, the account's two ``ORDERS`` windows, each with
  its ``count``;
* a 429 / 418 carries ``data.retryAfter``, the epoch ms when the limit resets
  (REST's ``Retry-After`` header in seconds);
* weights: ``order.place`` 1, ``order.cancel`` 1 (each 0 when successful,
  as on REST since 2026-04-02), ``order.status`` 4.

The REST fault rules apply with ``endpoint`` = the method name
(``"order.place"``): ``http_error`` and ``http_429`` answer without
processing, ``lose_response`` processes the request and closes the socket
unanswered, ``delay_response`` answers ``delay`` seconds late.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from ...kernel.faults import FaultInjector
from ...kernel.ratelimit import OrderCounter, WeightLimiter
from .. import auth
from ..errors import BINANCE_ERRORS, SimError, rate_limit_json
from ..params import Params

__all__ = ["WsOrderMethods", "ORDER_METHODS", "LOSE", "Delayed"]

# method -> (weight, weight refunded on success)
ORDER_METHODS: dict[str, tuple[int, bool]] = {
    "order.place": (1, True),
    "order.cancel": (1, True),
    "order.status": (4, False),
}
LOSE = object()          # the answer is lost: close the socket unanswered


class Delayed:
    """An answer to send ``delay`` seconds late."""

    def __init__(self, answer: dict, delay: float) -> None:
        self.answer, self.delay = answer, delay


def _text(name: str, value: Any) -> str:
    """A JSON param as the REST text the handlers parse (a bool as ``true`` / ``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, float) and value == value:
        return repr(value)
    raise SimError(-1100, f"Illegal characters found in parameter '{name}'.")


class WsOrderMethods:
    """The order methods of one venue's WS API, on its REST handlers (``rest``: a spot ``RestApi``)."""

    def __init__(self, rest: Any, limiter: WeightLimiter, order_counter: OrderCounter, faults: FaultInjector,
                 now_ms: Callable[[], int]) -> None:
        self.rest = rest
        self.limiter = limiter
        self.order_counter = order_counter
        self.faults = faults
        self.now_ms = now_ms

    def handles(self, method: Any) -> bool:
        return method in ORDER_METHODS

    def answer(self, req_id: Any, method: str, params: dict, ip: str) -> Any:
        """The answer dict, ``LOSE`` or a ``Delayed``; every refusal is an error answer."""
        weight, refund = ORDER_METHODS[method]
        symbol = params.get("symbol") if isinstance(params.get("symbol"), str) else None
        faults = self.faults
        account = None
        try:
            fault = faults.take("http_error", symbol, method, "WS")
            if fault is not None:
                raise BINANCE_ERRORS.internal_error(fault.status)
            if faults.take("http_429", symbol, method, "WS"):
                raise BINANCE_ERRORS.queue_full()
            self.limiter.charge(ip, weight)
            account = auth.verify_ws(self.rest.accounts, params, self.now_ms())
            values = Params({k: _text(k, v) for k, v in params.items()
                             if k not in ("apiKey", "signature", "timestamp", "recvWindow")})
            headers: dict[str, str] = {}
            if method == "order.place":
                result = self.rest.new_order(values, account, headers)
            elif method == "order.cancel":
                result = self.rest.cancel_order(values, account, headers)
            else:
                result = self.rest.get_order(values, account, headers)
            if refund:
                self.limiter.refund(ip, weight)
        except SimError as err:
            error = BINANCE_ERRORS.render(err)
            retry = err.headers.get("Retry-After")
            if err.http_status in (418, 429) and retry is not None:
                now = self.now_ms()
                error["data"] = {"serverTime": now, "retryAfter": now + int(retry) * 1000}
            return {"id": req_id, "status": err.http_status, "error": error,
                    "rateLimits": self.rate_limits(ip, method, account)}
        answer = {"id": req_id, "status": 200, "result": result, "rateLimits": self.rate_limits(ip, method, account)}
        if faults.take("lose_response", symbol, method, "WS"):
            return LOSE
        delayed = faults.take("delay_response", symbol, method, "WS")
        if delayed is not None:
            return Delayed(answer, delayed.delay)
        return answer

    def rate_limits(self, ip: str, method: str, account: Any) -> list[dict]:
        """``REQUEST_WEIGHT`` with the IP's count; on ``order.place`` the account's ORDERS windows too."""
        out = [{**rate_limit_json("REQUEST_WEIGHT", self.limiter.window_ms, self.limiter.limit),
                "count": self.limiter.used(ip)}]
        if method == "order.place" and account is not None:
            counts = self.order_counter.peek(account.account_id)
            for label, length, limit in self.order_counter.windows:
                out.append({**rate_limit_json("ORDERS", length, limit), "count": counts.get(label, 0)})
        return out


async def send_later(reply: Callable[[dict], None], delayed: Delayed) -> None:
    await asyncio.sleep(delayed.delay)
    reply(delayed.answer)
