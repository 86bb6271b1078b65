"""Admin HTTP endpoints (``/sim/...``): the in-process control API over HTTP.

* ``GET /sim/faults`` -> active rules; ``POST /sim/faults`` with
  ``{"kind": ..., "symbol": ..., "endpoint": ..., "count": ..., "status": ..., "delay": ..., "ms": ...}``
  installs a rule (-> ``{"id": n}``) or runs an action (-> ``{}``);
  ``DELETE /sim/faults`` clears all, ``DELETE /sim/faults/{id}`` one.
* ``POST /sim/accounts`` ``{"balances": {"USDT": "1000"}}`` -> ``{"apiKey", "secret"}``.
* ``POST /sim/deposit`` ``{"apiKey", "asset", "amount"}`` -> balanceUpdate on the user stream.
* ``POST /sim/traders`` ``{"action": "pause" | "resume" | "step", "count": n}``.
* ``POST /sim/flush`` -> send pending depth diffs now.

Bound to the same host as the exchange (127.0.0.1 by default): it is a test tool.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import orjson
from aiohttp import web

from .errors import SimError

if TYPE_CHECKING:
    from .server import SimulatedExchange


def _json(data, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


async def _body(request: web.Request) -> dict:
    try:
        data = orjson.loads(await request.read() or b"{}")
    except orjson.JSONDecodeError as err:
        raise web.HTTPBadRequest(text=f"invalid JSON: {err}") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return data


def add_routes(app: web.Application, sim: SimulatedExchange) -> None:
    async def list_faults(request):
        return _json([f.to_json() for f in sim.faults.rules])

    async def add_fault(request):
        data = await _body(request)
        kind = data.pop("kind", None)
        allowed = {"symbol", "endpoint", "count", "status", "delay", "ms"}
        unknown = set(data) - allowed
        if not isinstance(kind, str) or unknown:
            return _json({"error": f"need 'kind'; unknown fields: {sorted(unknown)}"}, 400)
        try:
            fault = sim.faults.add(kind, **data)
        except (ValueError, TypeError) as err:
            return _json({"error": str(err)}, 400)
        return _json({"id": fault.fault_id} if fault is not None else {})

    async def clear_faults(request):
        sim.faults.clear()
        return _json({})

    async def remove_fault(request):
        try:
            fault_id = int(request.match_info["fault_id"])
        except ValueError:
            return _json({"error": "fault id must be an integer"}, 400)
        return _json({}) if sim.faults.remove(fault_id) else _json({"error": "no such fault"}, 404)

    async def create_account(request):
        data = await _body(request)
        try:
            key, secret = sim.create_account(data.get("balances") or {})
        except (ValueError, InvalidOperation, TypeError) as err:
            return _json({"error": f"bad balances: {err}"}, 400)
        return _json({"apiKey": key, "secret": secret})

    async def deposit(request):
        data = await _body(request)
        account = sim.account(str(data.get("apiKey", "")))
        if account is None:
            return _json({"error": "unknown apiKey"}, 404)
        try:
            sim.engine.deposit(account, str(data["asset"]), Decimal(str(data["amount"])))
        except (KeyError, InvalidOperation) as err:
            return _json({"error": f"need asset and a decimal amount: {err}"}, 400)
        except SimError as err:
            return _json(err.body(), 400)
        return _json({})

    async def traders(request):
        data = await _body(request)
        if sim.traders is None:
            return _json({"error": "started without background traders"}, 409)
        action = data.get("action")
        if action == "pause":
            sim.traders.pause()
        elif action == "resume":
            sim.traders.resume()
        elif action == "step":
            for _ in range(int(data.get("count", 1))):
                sim.traders.step()
        else:
            return _json({"error": "action must be pause, resume or step"}, 400)
        return _json({"paused": sim.traders.paused, "actions": sim.traders.actions})

    async def flush(request):
        return _json({"sent": sim.streams.flush("100ms") + sim.streams.flush("1000ms")})

    app.router.add_get("/sim/faults", list_faults)
    app.router.add_post("/sim/faults", add_fault)
    app.router.add_delete("/sim/faults", clear_faults)
    app.router.add_delete("/sim/faults/{fault_id}", remove_fault)
    app.router.add_post("/sim/accounts", create_account)
    app.router.add_post("/sim/deposit", deposit)
    app.router.add_post("/sim/traders", traders)
    app.router.add_post("/sim/flush", flush)
