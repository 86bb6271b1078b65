"""The one REST request pipeline every venue's HTTP API runs through.

A venue subclasses :class:`RestPipeline`, fills ``endpoints`` (the declarative
table ``(method, path) -> (handler, weight, security)``) and gives the hooks
that are its protocol: how parameters are parsed (:meth:`parse`), how a
request proves who sends it (:meth:`authenticate`), which headers report the
used weight (:meth:`weight_headers`), which parameter scopes a fault
(:meth:`fault_symbol`). ``dispatch`` then applies, in this order:

1. the body, within ``body_timeout`` seconds and the size cap (408 / 413);
2. the parameters (the venue's strict parsing);
3. injected ``http_error`` (5xx) and ``http_429`` faults: the request is not processed;
4. the request weight (429 / 418 from the limiter);
5. the venue's authentication for the endpoint's ``security``;
6. the handler ``handler(params, account, headers) -> JSON``, which may add headers;
7. the weight refund of an endpoint in ``refund_on_success`` (the request succeeded);
8. the used-weight headers, on every answer, errors included;
9. on success only (whatever HTTP status the venue gives its errors), injected
   ``lose_response`` (the request took effect, the connection closes unanswered)
   and ``delay_response`` faults.

Every ``SimError`` becomes the venue's error body
(``errors.render``) with its status and headers; any other exception is a
simulator bug, logged and answered with the venue's ``unknown_error``.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Union

import orjson
from aiohttp import web

from .connection_guard import answer, read_body
from .errors import ErrorTable, SimError
from .faults import FaultInjector
from .ratelimit import WeightLimiter

__all__ = ["RestPipeline", "Endpoint", "Handler", "json_response"]

log = logging.getLogger(__name__)

#: ``handler(params, account or None, headers to add) -> JSON document``
Handler = Callable[[Any, Any, dict], Any]
#: ``(handler, weight or weight(params), security)``; ``security`` is the venue's own label
Endpoint = tuple[Handler, Union[int, Callable[[Any], int]], str]


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, headers=headers, content_type="application/json")


class RestPipeline:
    """A venue's REST API: an endpoint table, the venue's hooks, one ``dispatch`` for all.

    :param clock: gives ``now_ms()`` to the authentication hook
    :param limiter: the request-weight limiter (per client IP)
    :param faults: the venue's fault rules (scoped by :meth:`fault_symbol` and the path)
    :param errors: the venue's error table
    :param body_timeout: seconds a request body may take to arrive (408 after)
    """

    def __init__(self, *, clock, limiter: WeightLimiter, faults: FaultInjector, errors: ErrorTable,
                 body_timeout: float = 10.0) -> None:
        self.clock = clock
        self.limiter = limiter
        self.faults = faults
        self.errors = errors
        self.body_timeout = body_timeout
        self.endpoints: dict[tuple[str, str], Endpoint] = {}
        # endpoints whose weight is given back when they succeed
        self.refund_on_success: set[tuple[str, str]] = set()

    def routes(self, app: web.Application) -> None:
        for method, path in self.endpoints:
            app.router.add_route(method, path, self.dispatch)

    # -- the venue's hooks ----------------------------------------------------------------------
    def parse(self, raw_query: str, raw_body: str) -> Any:
        """The request's parameters from the raw query string and body (raises the venue's errors)."""
        raise NotImplementedError

    def authenticate(self, security: str, request: web.Request, raw_query: str, raw_body: str,
                     params: Any) -> Any:
        """The account a request of ``security`` acts for (None for a public one); raises when refused."""
        raise NotImplementedError

    def weight_headers(self, used: int) -> dict[str, str]:
        """The headers that report ``used`` weight of the client's current window."""
        return {}

    def fault_symbol(self, params: Any) -> str | None:
        """The symbol a request concerns, to match the fault rules' ``symbol`` scope."""
        return None

    # -- the pipeline ----------------------------------------------------------------------------
    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        key = (request.method, request.path)
        handler, weight, security = self.endpoints[key]
        ip = request.remote or "?"
        faults, limiter = self.faults, self.limiter
        headers: dict[str, str] = {}
        symbol: str | None = None
        succeeded = False       # not the status: a venue may answer its errors with HTTP 200
        try:
            raw_query = request.rel_url.raw_query_string
            raw_body = (await read_body(request, self.body_timeout, self.errors)).decode("utf-8", "replace")
            params = self.parse(raw_query, raw_body)
            symbol = self.fault_symbol(params)
            fault = faults.take("http_error", symbol, request.path, request.method)
            if fault is not None:
                raise self.errors.internal_error(fault.status)
            if faults.take("http_429", symbol, request.path, request.method):
                raise self.errors.queue_full()
            cost = weight(params) if callable(weight) else weight
            limiter.charge(ip, cost)
            account = self.authenticate(security, request, raw_query, raw_body, params)
            body = handler(params, account, headers)
            if key in self.refund_on_success:
                limiter.refund(ip, cost)
            status, succeeded = 200, True
        except SimError as err:
            body, status = self.errors.render(err), err.http_status
            headers.update(err.headers)
        except Exception:  # a simulator bug must still answer like the venue does
            log.exception("simulator error on %s %s", request.method, request.path)
            bug = self.errors.unknown_error()
            body, status = self.errors.render(bug), bug.http_status
        headers.update(self.weight_headers(limiter.used(ip)))
        if succeeded:
            if faults.take("lose_response", symbol, request.path, request.method):
                if request.transport is not None:
                    request.transport.close()
                raise asyncio.CancelledError()
            delayed = faults.take("delay_response", symbol, request.path, request.method)
            if delayed is not None:
                await asyncio.sleep(delayed.delay)
        return await answer(request, json_response(body, status, headers))
