"""Binance's protocol for the replay server (``hummingbot_conn.recording.serve``, docs/recording.md,
"Serving a recording").

What a client of ``hbconn replay --serve`` sees of a Binance recording (spot or USDⓈ-M):

* ``GET /api/v3/depth?symbol=S&limit=N`` (``/fapi/v1/depth`` for USD-M): the book as the
  playback has it now, the top ``N`` levels a side (1 .. 5000), with ``lastUpdateId``;
  an unknown symbol or a bad ``limit`` gets Binance's error body (``code``, ``msg``).
* WebSocket ``/ws``, ``/ws/<stream>[/<stream>]``, ``/stream?streams=a/b``: raw or
  combined market streams, and ``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS``
  messages answered by id.  ``<symbol>@depth`` (any speed suffix) carries the recorded
  ``depthUpdate`` frames, ``<symbol>@trade`` the ``trade`` frames, as their recorded text.
  At most :data:`MAX_STREAMS` streams a connection (Binance's own limit); a message that
  is not a request of this shape gets an error answer.
"""
from typing import Any, Dict, Tuple

import orjson
from aiohttp import web

from hummingbot_conn.recording.serve import RecordingServer, ServedClient

__all__ = ["BinanceServerProtocol", "MAX_STREAMS"]

#: streams one connection may subscribe to (Binance's limit for its market streams)
MAX_STREAMS = 1024


def _stream_key(name: str) -> Tuple[str, str]:
    """``"btcusdt@depth@100ms"`` -> ``("btcusdt", "depth")``."""
    parts = name.strip().split("@")
    return parts[0].lower(), (parts[1] if len(parts) > 1 else "")


class BinanceServerProtocol:
    """Binance's routes, error bodies, stream framing and control messages for one ``RecordingServer``."""

    def __init__(self, server: RecordingServer) -> None:
        self.server = server

    @property
    def streams_hint(self) -> str:
        """Where the streams are, for the command's banner."""
        return f"streams ws://127.0.0.1:{self.server.port}/ws"

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/api/v3/depth", self._depth)
        router.add_get("/fapi/v1/depth", self._depth)      # a USD-M recording's book, the same way
        router.add_get("/ws", self._ws)
        router.add_get("/ws/{streams:.*}", self._ws)
        router.add_get("/stream", self._ws)

    @staticmethod
    def error(status: int, msg: str, code: int = -1000) -> web.Response:
        """Binance's error answer: ``{"code": code, "msg": msg}`` with HTTP ``status``."""
        return web.Response(status=status, body=orjson.dumps({"code": code, "msg": msg}),
                            content_type="application/json")

    @staticmethod
    def framed(client: ServedClient, name: str, text: str) -> str:
        """A frame as sent to ``client``: raw, or in a combined stream's envelope under the name it used."""
        return f'{{"stream":"{name}","data":{text}}}' if client.combined else text

    async def _depth(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "").lower()
        try:
            limit = int(request.query.get("limit", "100"))
        except ValueError:
            return self.error(400, "Illegal characters found in parameter 'limit'.", -1100)
        book = self.server.books.get(symbol)
        if book is None or book.last_id < 0:
            return self.error(400, "Invalid symbol.", -1121)
        bids, asks = book.levels(max(1, min(limit, 5000)))
        return web.Response(body=orjson.dumps({"lastUpdateId": book.last_id, "bids": bids, "asks": asks}),
                            content_type="application/json")

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, autoping=True)
        await ws.prepare(request)
        combined = request.path.startswith("/stream")
        client = ServedClient(ws, combined)
        names = request.query.get("streams", "") if combined else request.match_info.get("streams", "")
        for name in list(filter(None, names.split("/")))[:MAX_STREAMS]:
            client.streams[_stream_key(name)] = name
        await self.server.run_client(client)
        return ws

    async def control(self, client: ServedClient, text: str) -> None:
        """A client's control message (text): answered by id, or an error answer."""
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            await self._reply(client, {"code": 3, "msg": "Invalid JSON"})
            return
        if not isinstance(message, dict):
            await self._reply(client, {"code": 3, "msg": "Invalid request: not a JSON object"})
            return
        method, params, rid = message.get("method"), message.get("params") or [], message.get("id")
        if method in ("SUBSCRIBE", "UNSUBSCRIBE") and not (
                isinstance(params, list) and all(isinstance(p, str) for p in params)):
            await self._reply(client, {"code": 2, "msg": "Invalid request: params must be a list of stream names",
                                       "id": rid})
            return
        if method == "SUBSCRIBE" and len(set(client.streams) | {_stream_key(p) for p in params}) > MAX_STREAMS:
            await self._reply(client, {"code": 2, "msg": f"Invalid request: at most {MAX_STREAMS} streams a "
                                                         "connection", "id": rid})
            return
        if method == "SUBSCRIBE":
            for name in params:
                client.streams[_stream_key(str(name))] = str(name)
            await self._reply(client, {"result": None, "id": rid})
        elif method == "UNSUBSCRIBE":
            for name in params:
                client.streams.pop(_stream_key(str(name)), None)
            await self._reply(client, {"result": None, "id": rid})
        elif method == "LIST_SUBSCRIPTIONS":
            await self._reply(client, {"result": sorted(client.streams.values()), "id": rid})
        else:
            await self._reply(client, {"code": 2, "msg": f"Invalid request: {method!r}", "id": rid})

    @staticmethod
    async def _reply(client: ServedClient, message: Dict[str, Any]) -> None:
        await client.ws.send_str(orjson.dumps(message).decode())
