"""Admin HTTP endpoints (``/sim/...``): the in-process control API over HTTP, the same on every venue.

* ``GET /sim/faults`` -> active rules; ``POST /sim/faults`` with
  ``{"kind": ..., "symbol": ..., "endpoint": ..., "count": ..., "status": ..., "delay": ..., "ms": ...}``
  installs a rule (-> ``{"id": n}``) or runs an action (-> ``{}``);
  ``DELETE /sim/faults`` clears all, ``DELETE /sim/faults/{id}`` one.
* ``POST /sim/accounts`` ``{"balances": {"USDT": "1000"}}`` -> ``{"apiKey", "secret"}``
  (what a balance means is the venue's: a spot asset, a futures margin wallet).
* ``POST /sim/deposit`` ``{"apiKey", "asset", "amount"}`` -> the venue's balance event on the user stream.
* ``POST /sim/traders`` ``{"action": "pause" | "resume" | "step", "count": n}``.
* ``POST /sim/flush`` -> send pending stream frames now (``{"sent": n}``).
* ``POST /sim/tick`` -> one deterministic step of the venue (its ``tick()``: streams, and
  whatever else falls due, such as funding).

Bound to the same host as the venue (127.0.0.1 by default): it is a test tool.
Answers are ``{"error": "..."}`` with 400 / 404 / 409 for a bad request.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import orjson
from aiohttp import web

from .connection_guard import answer, read_body
from .errors import ErrorTable, SimError
from .faults import FaultInjector
from .traders import BackgroundTraders

__all__ = ["AdminVenue", "add_routes", "MAX_STEPS"]

MAX_STEPS = 100_000
FAULT_FIELDS = {"symbol", "endpoint", "count", "status", "delay", "ms"}


class AdminVenue(Protocol):
    """What the admin endpoints act on: a venue's server (``kernel/server.py``)."""
    faults: FaultInjector
    traders: BackgroundTraders | None
    errors: ErrorTable
    body_timeout: float

    def account(self, api_key: str) -> Any: ...

    def admin_account(self, balances: dict) -> tuple[str, str]:
        """A new account from the request's ``balances``; raises ValueError / TypeError when they are bad."""

    def admin_deposit(self, account: Any, asset: str, amount: Decimal) -> None:
        """Credit ``amount`` of ``asset``; raises ValueError (not this venue's asset) or SimError."""

    def flush_streams(self) -> int: ...

    def tick(self) -> dict[str, int]: ...


def _json(data, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


async def _body(request: web.Request, venue: AdminVenue) -> dict | web.StreamResponse:
    """The JSON object of the body, or the error answer to send instead."""
    try:
        raw = await read_body(request, venue.body_timeout, venue.errors)
    except SimError as err:
        return await answer(request, web.Response(body=orjson.dumps({"error": err.msg}), status=err.http_status,
                                                  headers=err.headers, content_type="application/json"))
    try:
        data = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError as err:
        return _json({"error": f"invalid JSON: {err}"}, 400)
    if not isinstance(data, dict):
        return _json({"error": "expected a JSON object"}, 400)
    return data


def add_routes(app: web.Application, venue: AdminVenue) -> None:
    """Register the ``/sim`` endpoints on ``app``, acting on ``venue``."""
    faults = venue.faults

    async def list_faults(request):
        return _json([f.to_json() for f in faults.rules])

    async def add_fault(request):
        data = await _body(request, venue)
        if isinstance(data, web.StreamResponse):
            return data
        kind = data.pop("kind", None)
        unknown = set(data) - FAULT_FIELDS
        if not isinstance(kind, str) or unknown:
            return _json({"error": f"need 'kind'; unknown fields: {sorted(unknown)}"}, 400)
        try:
            fault = faults.add(kind, **data)
        except (ValueError, TypeError) as err:
            return _json({"error": str(err)}, 400)
        return _json({"id": fault.fault_id} if fault is not None else {})

    async def clear_faults(request):
        faults.clear()
        return _json({})

    async def remove_fault(request):
        try:
            fault_id = int(request.match_info["fault_id"])
        except ValueError:
            return _json({"error": "fault id must be an integer"}, 400)
        return _json({}) if faults.remove(fault_id) else _json({"error": "no such fault"}, 404)

    async def create_account(request):
        data = await _body(request, venue)
        if isinstance(data, web.StreamResponse):
            return data
        try:
            key, secret = venue.admin_account(data.get("balances") or {})
        except (ValueError, InvalidOperation, TypeError, AttributeError) as err:
            return _json({"error": f"bad balances: {err}"}, 400)
        return _json({"apiKey": key, "secret": secret})

    async def deposit(request):
        data = await _body(request, venue)
        if isinstance(data, web.StreamResponse):
            return data
        account = venue.account(str(data.get("apiKey", "")))
        if account is None:
            return _json({"error": "unknown apiKey"}, 404)
        try:
            venue.admin_deposit(account, str(data["asset"]), Decimal(str(data["amount"])))
        except (KeyError, InvalidOperation) as err:
            return _json({"error": f"need asset and a decimal amount: {err}"}, 400)
        except ValueError as err:
            return _json({"error": str(err)}, 400)
        except SimError as err:
            return _json(venue.errors.render(err), 400)
        return _json({})

    async def control_traders(request):
        data = await _body(request, venue)
        if isinstance(data, web.StreamResponse):
            return data
        traders = venue.traders
        if traders is None:
            return _json({"error": "started without background traders"}, 409)
        action = data.get("action")
        if action == "pause":
            traders.pause()
        elif action == "resume":
            traders.resume()
        elif action == "step":
            count = data.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_STEPS:
                return _json({"error": f"count must be an integer in [1, {MAX_STEPS}]"}, 400)
            for _ in range(count):
                traders.step()
        else:
            return _json({"error": "action must be pause, resume or step"}, 400)
        return _json({"paused": traders.paused, "actions": traders.actions})

    async def flush(request):
        return _json({"sent": venue.flush_streams()})

    async def tick(request):
        return _json(venue.tick())

    app.router.add_get("/sim/faults", list_faults)
    app.router.add_post("/sim/faults", add_fault)
    app.router.add_delete("/sim/faults", clear_faults)
    app.router.add_delete("/sim/faults/{fault_id}", remove_fault)
    app.router.add_post("/sim/accounts", create_account)
    app.router.add_post("/sim/deposit", deposit)
    app.router.add_post("/sim/traders", control_traders)
    app.router.add_post("/sim/flush", flush)
    app.router.add_post("/sim/tick", tick)
