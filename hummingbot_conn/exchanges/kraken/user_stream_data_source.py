"""Kraken Spot's private stream: WebSocket v2 ``executions`` and ``balances`` (docs/kraken_spot.md section 7).

The exchange, in order::

    (REST) POST /0/private/GetWebSocketsToken -> {"result": {"token": "...", "expires": 900}}
    -> {"method": "subscribe", "params": {"channel": "executions", "token": "...",
        "snap_orders": true, "snap_trades": false}, "req_id": 1}
    <- {"method": "subscribe", "result": {"channel": "executions", ...}, "success": true, "req_id": 1}
    <- {"channel": "executions", "type": "snapshot", "data": [<open orders>]}
    <- {"channel": "executions", "type": "update", "data": [<execution reports>]}
    -> {"method": "subscribe", "params": {"channel": "balances", "token": "..."}, "req_id": 2}
    <- {"channel": "balances", "type": "snapshot", "data": [{"asset": "BTC", "balance": 1.2, ...}]}
    <- {"channel": "balances", "type": "update", "data": [<ledger entries with the new "balance">]}

A fresh token is fetched for every connection (Kraken's advice: tokens are
short-lived).  A token request refused with a key or signature error is the
connector's ``permanent_error`` (``wait_ready`` raises it at once).  Frames
are read as text and decoded with exact decimals (``parse_float=Decimal``):
execution amounts are JSON numbers and become money.  Each report or ledger
entry is queued as one event, ``{"channel": ..., "type": "snapshot" | "update",
**row}``.
"""
from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal
from typing import Any, Awaitable, Callable, Optional

from hummingbot_conn.exchanges.kraken import constants as CONSTANTS
from hummingbot_conn.exchanges.kraken.constants import KrakenEndpoints
from hummingbot_conn.exchanges.kraken.errors import is_auth_error
from hummingbot_conn.tracking.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hummingbot_conn.web.data_types import WSJSONRequest
from hummingbot_conn.web.errors import ExchangeError
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["KrakenAPIUserStreamDataSource", "decode"]

_log = logging.getLogger(__name__)


def decode(data: Any) -> Any:
    """A private frame's text -> JSON with every number that has a fraction as a ``Decimal``."""
    if isinstance(data, (bytes, bytearray)):
        data = data.decode()
    if isinstance(data, str):
        return json.loads(data, parse_float=Decimal)
    return data


class KrakenAPIUserStreamDataSource(UserStreamTrackerDataSource):
    """The account's ``executions`` and ``balances`` over WS v2.

    :param token_source: ``async () -> token`` (the connector's ``GetWebSocketsToken`` call)
    :param api_factory: the connector's web stack (its sockets)
    :param domain: ``"com"`` or a ``KrakenEndpoints``
    :param subscribe_timeout: seconds to wait for the subscription's answer
    """

    def __init__(self, token_source: Callable[[], Awaitable[str]], api_factory: WebAssistantsFactory,
                 domain: CONSTANTS.Domain = CONSTANTS.DEFAULT_DOMAIN, *, subscribe_timeout: float = 10.0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._token_source = token_source
        self._api_factory = api_factory
        self._ws_url = KrakenEndpoints.of(domain).ws_private
        self._subscribe_timeout = subscribe_timeout
        self._req_id = 0
        self._early: list = []      # frames read while waiting for a later subscription's answer

    def _is_permanent_error(self, error: BaseException) -> bool:
        return is_auth_error(error)

    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant()
        await ws.connect(ws_url=self._ws_url, ping_timeout=self.heartbeat_interval, pong_timeout=self.pong_timeout,
                         message_timeout=max(CONSTANTS.WS_MESSAGE_TIMEOUT, self.silence_detection_time),
                         decode_json=False)
        return ws

    async def _subscribe_channels(self, websocket_assistant: WSAssistant) -> None:
        token = await self._token_source()
        self._early = []
        for params in ({"channel": CONSTANTS.EXECUTIONS_CHANNEL, "token": token, "snap_orders": True,
                        "snap_trades": False},
                       {"channel": CONSTANTS.BALANCES_CHANNEL, "token": token, "snapshot": True}):
            await self._subscribe_one(websocket_assistant, params)

    async def _subscribe_one(self, ws: WSAssistant, params: dict) -> None:
        self._req_id += 1
        req_id = self._req_id
        await ws.send(WSJSONRequest(payload={"method": "subscribe", "req_id": req_id, "params": params}))
        async with asyncio.timeout(self._subscribe_timeout):
            while True:
                response = await ws.receive()
                if response is None:
                    raise ConnectionError("the private socket closed while subscribing")
                data = decode(response.data)
                if isinstance(data, dict) and data.get("method") == "subscribe" and data.get("req_id") == req_id:
                    break
                self._early.append(data)        # the first channel's snapshot: read after subscribing
        if data.get("success") is not True:
            error = str(data.get("error") or "refused")
            raise ExchangeError(200, error, error, "WS", f"subscribe {params['channel']}", body=data)

    async def _process_websocket_messages(self, websocket_assistant: WSAssistant, queue: asyncio.Queue) -> None:
        early, self._early = self._early, []
        for data in early:
            await self._process_event_message(data, queue)
        await super()._process_websocket_messages(websocket_assistant, queue)

    async def _process_event_message(self, event_message: Any, queue: asyncio.Queue) -> None:
        try:
            data = decode(event_message)
        except ValueError:
            _log.warning("Ignoring a private frame that is not JSON: %.200r", event_message)
            return
        channel = data.get("channel") if isinstance(data, dict) else None
        if channel not in (CONSTANTS.EXECUTIONS_CHANNEL, CONSTANTS.BALANCES_CHANNEL):
            return          # heartbeats, status, answers to other requests
        kind = data.get("type")
        rows = data.get("data")
        if not isinstance(rows, list):
            _log.warning("Ignoring a %s frame without a data list: %.200r", channel, data)
            return
        for row in rows:
            await self._enqueue(queue, {"channel": channel, "type": kind, **row} if isinstance(row, dict) else row)

    async def _on_user_stream_interruption(self, websocket_assistant: Optional[WSAssistant]) -> None:
        if websocket_assistant is not None:
            await websocket_assistant.disconnect()
