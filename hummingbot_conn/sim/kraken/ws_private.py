"""WS v2 private socket (``ws_auth_url``): ``executions`` and ``balances`` channels, and the
``add_order`` / ``cancel_order`` / ``cancel_all`` methods, each request carrying a ``token``
from ``GetWebSocketsToken`` (docs/kraken_spot.md, section 7).

``executions``: on subscribe an acknowledgement, then a snapshot of the open
orders (``snap_orders``, default true) and of the last 50 fills
(``snap_trades``, default false), then every report of the account as an
``update``. A method's answer comes before the reports it caused. The
sockets are the kernel's user-data sockets: ``close_user_sockets`` and
``mute_user_sockets`` act on them.

``add_order`` and ``cancel_order`` go through the same order arguments,
engine calls and counters as REST's ``AddOrder`` / ``CancelOrder``
(``private.py``), so accounting is identical on both transports. The REST
fault rules apply to them with ``endpoint`` = the method name
(``"add_order"``; ``symbol`` = the WS name for ``add_order``): ``http_error``
answers ``EService:Unavailable`` and ``http_429`` a rate-limit refusal
(``EOrder:Rate limit exceeded`` for ``add_order``, ``EAPI:Rate limit
exceeded`` for ``cancel_order``), both unprocessed; ``lose_response``
processes the request and closes the socket unanswered; ``delay_response``
answers ``delay`` seconds late. ``requests`` counts the requests received,
by method (whatever became of them).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections import Counter
from decimal import Decimal
from typing import Any

from aiohttp import web

from ..kernel import heartbeat as beats
from ..kernel.errors import SimError
from ..kernel.hub import Connection, StreamHub, serve_user_socket
from . import errors as E
from .engine import KrakenEngine
from .errors import kraken_error
from .private import OrderArgs, PrivateApi, Tokens
from .records import iso, ws_order
from .wsjson import dumps

__all__ = ["KrakenPrivateWs", "USER_KEY"]

#: the key the private sockets are kept under in the hub (the fault actions act on all of them)
USER_KEY = "ws-auth"
log = logging.getLogger(__name__)
ZERO = Decimal(0)


class _Session:
    __slots__ = ("account", "token", "channels", "sequence")

    def __init__(self) -> None:
        self.account: Any = None
        self.token: str | None = None
        self.channels: set[str] = set()
        self.sequence = itertools.count(1)


class KrakenPrivateWs:
    """The private sockets of one venue."""

    def __init__(self, engine: KrakenEngine, hub: StreamHub, tokens: Tokens, api: PrivateApi, clock,
                 faults: Any = None) -> None:
        self.faults = faults
        self.requests: Counter[str] = Counter()
        self.engine = engine
        self.hub = hub
        self.tokens = tokens
        self.api = api
        self.clock = clock
        self.sessions: dict[Connection, _Session] = {}
        self._held: list[tuple[int, dict]] | None = None
        engine.user_listeners.append(self._on_event)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = beats.response()
        await ws.prepare(request)
        conn = Connection(ws, False, "private", request.transport, self.hub.queue_limit)
        self.sessions[conn] = _Session()
        self.hub.user_connections.setdefault(USER_KEY, set()).add(conn)

        def closed() -> None:
            self.sessions.pop(conn, None)
            self.hub.user_connections.get(USER_KEY, set()).discard(conn)

        await serve_user_socket(conn, self.hub.heartbeat, lambda text: self._on_text(conn, text), closed)
        return ws

    # -- events -------------------------------------------------------------------------------------
    def _on_event(self, account_id: int, event: dict) -> None:
        if self._held is not None:
            self._held.append((account_id, event))
            return
        channel = "executions" if event["kind"] == "execution" else "balances"
        for conn, session in list(self.sessions.items()):
            if session.account is not None and session.account.account_id == account_id \
                    and channel in session.channels:
                conn.send(channel, dumps({"channel": channel, "type": "update", "data": [event["data"]],
                                          "sequence": next(session.sequence)}).encode())

    # -- requests ------------------------------------------------------------------------------------
    def _on_text(self, conn: Connection, text: str) -> None:
        try:
            self._handle(conn, text)
        except Exception:  # a simulator bug must not end the client's socket
            log.exception("private WS request failed: %.200s", text)
            self._reply(conn, {"error": "EGeneral:Internal error", "success": False})

    @staticmethod
    def _reply(conn: Connection, payload: dict) -> None:
        # the venue's own encoder: a request's JSON numbers are Decimals, echoed exactly (req_id)
        conn.outbox.put(dumps(payload))

    def _handle(self, conn: Connection, text: str) -> None:
        try:
            # numbers as exact decimals: an order's quantity is never rounded through a float
            request = json.loads(text, parse_float=Decimal)
        except (ValueError, RecursionError):
            self._reply(conn, {"error": "Malformed request", "success": False})
            return
        if not isinstance(request, dict):
            self._reply(conn, {"error": "Malformed request", "success": False})
            return
        method, req_id = request.get("method"), request.get("req_id")
        self.requests[str(method)] += 1
        base: dict[str, Any] = {"method": method, **({"req_id": req_id} if req_id is not None else {})}
        time_in = iso(self.clock.now_ms())
        if method == "ping":
            self._reply(conn, {"method": "pong", **({"req_id": req_id} if req_id is not None else {}),
                        "time_in": time_in, "time_out": time_in})
            return
        raw_params = request.get("params")
        params: dict = raw_params if isinstance(raw_params, dict) else {}
        session = self.sessions[conn]
        token = params.get("token")
        # a token expires for new connections only: on the socket that used it, it stays good (section 7)
        account = session.account if token is not None and token == session.token else self.tokens.account(token)
        if account is None:
            self._reply(conn, {**base, "error": "EGeneral:Permission denied", "success": False,
                        "time_in": time_in, "time_out": iso(self.clock.now_ms())})
            return
        if session.account is not None and session.account is not account:
            self._reply(conn, {**base, "error": "EGeneral:Invalid arguments:token of another account", "success": False,
                        "time_in": time_in, "time_out": iso(self.clock.now_ms())})
            return
        session.account, session.token = account, token
        self._held = []
        try:
            scope = _fault_scope(method, params)
            if scope is not None:
                self._refusal_fault(str(method), scope)
            replies = [{**base, **result, "time_in": time_in, "time_out": iso(self.clock.now_ms())}
                       for result in self._dispatch(conn, session, method, params, base)]
            if scope is not None and self.faults is not None:
                if self.faults.take("lose_response", scope, method, "WS"):
                    conn.close()            # processed, never answered
                    return
                delayed = self.faults.take("delay_response", scope, method, "WS")
                if delayed is not None:
                    asyncio.get_running_loop().call_later(
                        delayed.delay, lambda: [self._reply(conn, reply) for reply in replies])
                    return
            for reply in replies:
                self._reply(conn, reply)
        except SimError as err:
            self._reply(conn, {**base, "error": str(err.code), "success": False, "time_in": time_in,
                        "time_out": iso(self.clock.now_ms())})
        except Exception:  # a simulator bug must not end the client's socket
            log.exception("private WS request failed: %.200s", text)
            self._reply(conn, {**base, "error": "EGeneral:Internal error", "success": False})
        finally:
            held, self._held = self._held, None
            for account_id, event in held or ():
                self._on_event(account_id, event)

    def _refusal_fault(self, method: str, symbol: str | None) -> None:
        """The fault rules that refuse ``method`` before it is processed (module doc)."""
        if self.faults is None:
            return
        if self.faults.take("http_error", symbol, method, "WS") is not None:
            raise kraken_error("EService:Unavailable")
        if self.faults.take("http_429", symbol, method, "WS") is not None:
            raise kraken_error(E.ORDER_RATE_LIMIT if method == "add_order" else E.API_RATE_LIMIT)

    def _dispatch(self, conn: Connection, session: _Session, method: Any, params: dict,
                  base: dict) -> list[dict]:
        account = session.account
        if method in ("subscribe", "unsubscribe"):
            channel = params.get("channel")
            if channel not in ("executions", "balances"):
                raise kraken_error("EGeneral:Invalid arguments", f"channel {channel!r}")
            if method == "unsubscribe":
                session.channels.discard(channel)
                return [{"result": {"channel": channel}, "success": True}]
            if channel in session.channels:
                raise kraken_error("EGeneral:Invalid arguments", "Already subscribed")
            session.channels.add(channel)
            ack: dict[str, Any] = {"channel": channel, "snapshot": bool(params.get("snapshot", True))}
            if channel == "executions":
                ack = {"channel": channel, "snap_orders": bool(params.get("snap_orders", True)),
                       "snap_trades": bool(params.get("snap_trades", False))}
            self._reply(conn, {**base, "result": ack, "success": True,
                        "time_in": iso(self.clock.now_ms()), "time_out": iso(self.clock.now_ms())})
            conn.send(channel, dumps(self._snapshot(session, channel, params)).encode())
            return []
        if method == "add_order":
            order = OrderArgs(self.engine, params, ws=True).place(self.engine, self.api.limits, account)
            result: dict[str, Any] = {} if order is None else {"order_id": order.txid}
            if order is not None and order.cl_ord_id is not None:
                result["cl_ord_id"] = order.cl_ord_id
            return [{"result": result, "success": True}]
        if method == "cancel_order":
            targets = [("order_id", t) for t in _list(params.get("order_id"))] + \
                      [("cl_ord_id", t) for t in _list(params.get("cl_ord_id"))]
            if not targets:
                raise kraken_error("EGeneral:Invalid arguments", "order_id")
            out = []
            for field, value in targets:
                found = (self.engine.find(account, txid=value) if field == "order_id"
                         else self.engine.find(account, cl_ord_id=value))
                try:
                    self.api.cancel(account, found)
                except SimError as err:
                    out.append({"error": str(err.code), "success": False, "result": {field: value}})
                    continue
                out.append({"result": {field: value}, "success": True})
            return out
        if method == "cancel_all":
            return [{"result": self.api.cancel_all({}, account, {})["result"], "success": True}]
        raise kraken_error("EGeneral:Invalid arguments", f"method {method!r}")

    def _snapshot(self, session: _Session, channel: str, params: dict) -> dict:
        account, now = session.account, self.clock.now_ms()
        data: list[dict] = []
        if channel == "balances":
            for asset in sorted(set(account.balance) | set(account.hold)):
                amount = account.balance.get(asset, ZERO)
                data.append({"asset": asset, "asset_class": "currency", "balance": amount,
                             "wallets": [{"type": "spot", "id": "main", "balance": amount}]})
        else:
            if params.get("snap_orders", True):
                for order in self.engine.open_orders(account):
                    spec = self.engine.specs[order.symbol]
                    data.append(ws_order(order, spec, "new" if order.status == "NEW" else "trade", now))
            if params.get("snap_trades", False):
                for fill in self.engine.fills.get(account.account_id, [])[-50:]:
                    spec = self.engine.specs[fill.order.symbol]
                    data.append(ws_order(fill.order, spec, "trade", fill.time, fill))
        return {"channel": channel, "type": "snapshot", "data": data, "sequence": next(session.sequence)}


def _fault_scope(method: Any, params: dict) -> str | None:
    """The symbol a fault rule on ``method`` is matched by ("" when it names none); None: no fault
    rule concerns ``method``."""
    if method == "add_order":
        symbol = params.get("symbol")
        return symbol if isinstance(symbol, str) else ""
    return "" if method == "cancel_order" else None


def _list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
