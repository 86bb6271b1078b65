"""Binance spot user data: the WebSocket API (``/ws-api/v3``) and the legacy listenKey streams.

``userDataStream.subscribe.signature`` (docs/binance_spot.md 7.1) attaches an account's
events to a WS-API connection; each event is sent wrapped as
``{"subscriptionId": n, "event": {...}}``. The removed listenKey mechanism
(3.13) is still served for older clients when ``legacy=True``: ``POST
/api/v3/userDataStream`` hands out a key (``binance/listen_keys.py``),
``/ws/<listenKey>`` streams bare events (``{"stream": key, "data": ...}`` on
``/stream``) through the hub's user-data sockets.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

import orjson
from aiohttp import web

from ...kernel import heartbeat, trace as _trace
from ...kernel.hub import Connection, serve_user_socket
from ...kernel.ratelimit import WeightLimiter
from .. import auth
from ..errors import BINANCE_ERRORS, SimError, rate_limit_json
from ..listen_keys import ListenKeys
from .accounts import AccountRegistry
from .engine import MatchingEngine
from .streams import MarketStreams
from .ws_orders import LOSE, Delayed, WsOrderMethods, send_later

SUBSCRIBE_WEIGHT = 2
REPLY_QUEUE_LIMIT = 1000
MAX_ID_LENGTH = 36
log = logging.getLogger(__name__)


def _malformed(name: str) -> SimError:
    return SimError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


class _ApiConnection(Connection):
    """A WS-API session: the kernel's socket (outbox, heartbeat, mute) with its subscriptions."""

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport | None, limit: int) -> None:
        super().__init__(ws, False, "ws-api", transport, limit)
        self.subscriptions: dict[int, int] = {}   # subscriptionId -> account id
        self._next_sub = itertools.count(0)


class UserStreams:
    """Routes the engine's per-account events to WS-API subscriptions and listenKey streams."""

    def __init__(self, engine: MatchingEngine, accounts: AccountRegistry, limiter: WeightLimiter,
                 streams: MarketStreams, listen_keys: ListenKeys, *, heartbeat: float = 20.0, legacy: bool = True,
                 reply_queue_limit: int = REPLY_QUEUE_LIMIT) -> None:
        """``streams`` carries the legacy listenKey sockets; ``reply_queue_limit``: replies and events
        that may wait for a WS-API client that does not read before it is disconnected."""
        self.engine = engine
        self.reply_queue_limit = reply_queue_limit
        self.accounts = accounts
        self.limiter = limiter
        self.streams = streams
        self.listen_keys = listen_keys
        self.heartbeat = heartbeat
        self.legacy = legacy
        self.api_connections: set[_ApiConnection] = set()
        #: order.place / order.cancel / order.status (``ws_orders.py``), wired by the server
        self.orders: WsOrderMethods | None = None
        self._delayed: set[asyncio.Task] = set()
        engine.user_listeners.append(self._on_event)
        engine.user_event_filter = self.has_subscriber

    def has_subscriber(self, account_id: int) -> bool:
        for conn in self.api_connections:
            if account_id in conn.subscriptions.values():
                return True
        key = self.listen_keys.key_of(account_id)
        return key is not None and bool(self.streams.user_connections.get(key))

    def _on_event(self, account_id: int, event: dict) -> None:
        for conn in self.api_connections:
            for sub_id, acc in conn.subscriptions.items():
                if acc == account_id:
                    conn.reply({"subscriptionId": sub_id, "event": event})
        key = self.listen_keys.key_of(account_id)
        if key is not None:
            self.streams.publish_user(key, orjson.dumps(event))

    def close_sockets(self) -> int:
        """Fault action: drop every user-data socket (WS API and listenKey streams)."""
        for conn in self.api_connections:
            conn.close()
        return len(self.api_connections) + self.streams.close_user_sockets()

    def mute_sockets(self) -> int:
        """Fault action: every user-data socket (WS API and listenKey streams) stays open but goes
        silent (``kernel/heartbeat.py``)."""
        for conn in self.api_connections:
            conn.mute()
        return len(self.api_connections) + self.streams.mute_user_sockets()

    def shutdown(self) -> None:
        """Planned stop: ``{"event": {"e": "serverShutdown", ...}}`` on the WS API, then close all."""
        now = self.engine.clock.now_ms()
        for conn in list(self.api_connections):
            conn.reply({"event": {"e": "serverShutdown", "E": now}})
        self.close_sockets()

    # -- WebSocket API --------------------------------------------------------------------
    async def handle_ws_api(self, request: web.Request) -> web.WebSocketResponse:
        ws = heartbeat.response()
        await ws.prepare(request)
        conn = _ApiConnection(ws, request.transport, self.reply_queue_limit)
        self.api_connections.add(conn)
        ip = request.remote or "?"
        await serve_user_socket(conn, self.heartbeat, on_text=lambda text: self._on_text(conn, ip, text),
                                on_close=lambda: self.api_connections.discard(conn))
        return ws

    def _on_text(self, conn: _ApiConnection, ip: str, text: str) -> None:
        tracing = _trace.current()
        # an order.place reaching the application, stamped for /sim/trace as REST's POST .../order
        t_ns = _trace.now_ns() if tracing is not None and tracing.enabled and "order.place" in text else 0
        answer = self._request(conn, ip, text)
        if t_ns and tracing is not None:
            body = answer.answer if isinstance(answer, Delayed) else answer
            if isinstance(body, dict):
                result = body.get("result")
                tracing.order_answered(t_ns, "ws-api order.place", web.Response(
                    body=orjson.dumps(result if isinstance(result, dict) else {}), status=body.get("status", 200)))
        if answer is LOSE:              # the lose_response fault: the request took effect, no answer
            conn.close()
        elif isinstance(answer, Delayed):
            task = asyncio.ensure_future(send_later(conn.reply, answer))
            self._delayed.add(task)
            task.add_done_callback(self._delayed.discard)
        else:
            conn.reply(answer)

    def _request(self, conn: _ApiConnection, ip: str, text: str) -> Any:
        """One request -> its reply. Every malformed request gets an error reply; the session stays."""
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError:
            return _error(None, _malformed("id"))
        if not isinstance(req, dict):
            return _error(None, _malformed("method"))
        req_id = req.get("id")
        if isinstance(req_id, bool) or not isinstance(req_id, (str, int, type(None))) \
                or isinstance(req_id, str) and len(req_id) > MAX_ID_LENGTH:
            return _error(None, _malformed("id"))
        method = req.get("method")
        params = req.get("params")
        try:
            if not isinstance(method, str) or not method:
                raise _malformed("method")
            if params is None:
                params = {}
            if not isinstance(params, dict):
                raise _malformed("params")
            if self.orders is not None and self.orders.handles(method):
                return self.orders.answer(req_id, method, params, ip)
            used = self.limiter.charge(ip, SUBSCRIBE_WEIGHT if "ubscri" in method else 1)
            result = self._dispatch(conn, method, params)
        except SimError as err:
            return _error(req_id, err, self.limiter.used(ip))
        except Exception:   # a simulator bug must answer like the exchange, not drop the session
            log.exception("simulator error on WS API method %r", method)
            return _error(req_id, BINANCE_ERRORS.unknown_error())
        return {"id": req_id, "status": 200, "result": result, "rateLimits": _rate_limits(self.limiter, used)}

    def _dispatch(self, conn: _ApiConnection, method, params: dict):
        now = self.engine.clock.now_ms()
        if method == "ping":
            return {}
        if method == "time":
            return {"serverTime": now}
        if method == "userDataStream.subscribe.signature":
            account = auth.verify_ws(self.accounts, params, now)
            if account.account_id in conn.subscriptions.values():
                raise SimError(-2035, "User Data Stream subscription already active.")
            sub_id = next(conn._next_sub)
            conn.subscriptions[sub_id] = account.account_id
            return {"subscriptionId": sub_id}
        if method == "userDataStream.unsubscribe":
            wanted = params.get("subscriptionId")
            if wanted is not None and (isinstance(wanted, bool) or not isinstance(wanted, int)):
                raise SimError(-1100, "Illegal characters found in parameter 'subscriptionId'; "
                                      "legal range is '^[0-9]{1,19}$'.")
            ids = list(conn.subscriptions) if wanted is None else [wanted]
            if wanted is not None and wanted not in conn.subscriptions:
                raise SimError(-2036, "User Data Stream subscription not active.")
            for sub_id in ids:
                del conn.subscriptions[sub_id]
                conn.reply({"subscriptionId": sub_id, "event": {"e": "eventStreamTerminated", "E": now}})
            return {}
        if method == "session.subscriptions":
            return [{"subscriptionId": s} for s in conn.subscriptions]
        # session.logon needs an Ed25519 key on the live exchange; the simulator issues
        # HMAC keys only, and listenKey methods were removed on 2026-02-20
        raise SimError(-1102, "Mandatory parameter 'method' was not sent, was empty/null, or malformed.")


def _rate_limits(limiter: WeightLimiter, used: int) -> list[dict]:
    return [{**rate_limit_json("REQUEST_WEIGHT", limiter.window_ms, limiter.limit), "count": used}]


def _error(req_id, err: SimError, used: int | None = None) -> dict:
    out = {"id": req_id, "status": err.http_status, "error": BINANCE_ERRORS.render(err)}
    if used is not None:
        out["rateLimits"] = [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE",
                              "intervalNum": 1, "count": used}]
    return out
