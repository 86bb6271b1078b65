"""Serve a recording's market data over real sockets, in the recorded venue's protocol (Binance here).

    hbconn replay --serve session.hbrec.zst --port 8800 --speed 10

A small server on 127.0.0.1 plays the recorded market streams back on one
timeline shared by every client, at the recorded pace times ``speed``, the way a
venue streams to whoever is connected (docs/recording.md, "Serving a recording"):

* ``GET /api/v3/depth?symbol=S&limit=N`` (``/fapi/v1/depth`` for USD-M): the book as the playback has it now,
  built from the recorded snapshot and every recorded depth diff played since,
  the top ``N`` levels a side, with ``lastUpdateId``; so a client that syncs
  at any moment (snapshot, then the diffs after its id) gets a book that
  continues without a gap.  A recorded gap (a diff the venue never sent) is
  repaired from the next recorded snapshot.
* other unsigned ``GET`` requests the recording holds (``exchangeInfo``,
  ``time``, ``ping`` ...): their recorded answer, the one recorded last before
  the playback's time.  Anything else: HTTP 404 with a Binance error body.
* WebSocket ``/ws``, ``/ws/<stream>[/<stream>]``, ``/stream?streams=a/b``:
  raw or combined market streams, and ``SUBSCRIBE`` / ``UNSUBSCRIBE`` /
  ``LIST_SUBSCRIPTIONS`` messages answered by id.  ``<symbol>@depth`` (any
  speed suffix) carries the recorded ``depthUpdate`` frames, ``<symbol>@trade``
  the ``trade`` frames, as their recorded text.  At most :data:`MAX_STREAMS` streams a connection
  (Binance's own limit); a message that is not a request of this shape gets an error answer.

One client never holds back another: each has a queue of at most
:data:`CLIENT_QUEUE` frames; a client that lets it fill (it reads slower than the
playback) is disconnected, as Binance disconnects a consumer that falls behind.
A recorded frame or snapshot of the wrong shape is skipped (a diff: the book is then
gapped until the next recorded snapshot), never served as a book.

The server is a replay, not an exchange: nothing can be traded (a signed request
gets a 404).  When the recording is played to its end the books stay as they are
and the streams go quiet.
"""
import asyncio
import bisect
import collections
from decimal import Decimal
from typing import Any, Callable, DefaultDict, Dict, List, Optional, Set, Tuple
from urllib.parse import parse_qsl

import orjson
from aiohttp import WSMsgType, web

from hummingbot_conn.recording.file_format import RecordingError, RecordingReader

__all__ = ["RecordedMarket", "RecordingServer", "serve_until_stopped"]

#: frames queued for one client before it is disconnected as too slow
CLIENT_QUEUE = 10_000
#: streams one connection may subscribe to (Binance's limit for its market streams)
MAX_STREAMS = 1024

_STREAM_OF_EVENT = {"depthUpdate": "depth", "trade": "trade", "aggTrade": "aggTrade", "bookTicker": "bookTicker"}


def _stream_key(name: str) -> Tuple[str, str]:
    """``"btcusdt@depth@100ms"`` -> ``("btcusdt", "depth")``."""
    parts = name.strip().split("@")
    return parts[0].lower(), (parts[1] if len(parts) > 1 else "")


class _Book:
    """One symbol's book as the playback has it: price -> (price text, amount text)."""

    def __init__(self) -> None:
        self.bids: Dict[Decimal, Tuple[str, str]] = {}
        self.asks: Dict[Decimal, Tuple[str, str]] = {}
        self.last_id = -1
        self.gapped = True          # no snapshot yet

    def load(self, snapshot: Dict[str, Any]) -> None:
        """Take a recorded snapshot (checked by :func:`_snapshot_ok` when the file was read)."""
        self.bids = {Decimal(p): (p, q) for p, q in snapshot.get("bids", [])}
        self.asks = {Decimal(p): (p, q) for p, q in snapshot.get("asks", [])}
        self.last_id = int(snapshot["lastUpdateId"])
        self.gapped = False

    def apply(self, diff: Dict[str, Any]) -> None:
        try:
            first, last = int(diff["U"]), int(diff["u"])
            if self.gapped or last <= self.last_id:
                return
            if first > self.last_id + 1:
                self.gapped = True      # a diff the venue never sent: repaired by the next recorded snapshot
                return
            changes = [(side, Decimal(p), p, q, Decimal(q)) for side, rows in
                       ((self.bids, diff.get("b", ())), (self.asks, diff.get("a", ()))) for p, q in rows]
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            # a damaged diff: applying part of it would serve a wrong book; gapped until the next snapshot
            self.gapped = True
            return
        if any(not (price.is_finite() and amount.is_finite()) for _, price, _, _, amount in changes):
            self.gapped = True
            return
        for side, price, p, q, amount in changes:
            if amount == 0:
                side.pop(price, None)
            else:
                side[price] = (p, q)
        self.last_id = last

    def snapshot(self, limit: int) -> Dict[str, Any]:
        bids = [list(self.bids[p]) for p in sorted(self.bids, reverse=True)[:limit]]
        asks = [list(self.asks[p]) for p in sorted(self.asks)[:limit]]
        return {"lastUpdateId": self.last_id, "bids": bids, "asks": asks}


def _snapshot_ok(snapshot: Any) -> bool:
    """Whether a recorded depth answer is a book: an integer ``lastUpdateId`` and levels of two decimals."""
    try:
        int(snapshot["lastUpdateId"])
        return all(Decimal(p).is_finite() and Decimal(q).is_finite()
                   for side in ("bids", "asks") for p, q in snapshot.get(side, []))
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
        return False


class RecordedMarket:
    """The market data of one recording: depth snapshots, other GET answers and stream frames, in time order.

    :raises RecordingError: the file is not a readable recording, or holds no market stream frames
    """

    def __init__(self, path: str) -> None:
        self.snapshots: DefaultDict[str, List[Tuple[float, Dict[str, Any]]]] = collections.defaultdict(list)
        self.answers: DefaultDict[str, List[Tuple[float, int, str]]] = collections.defaultdict(list)
        self.frames: List[Tuple[float, str, str, str]] = []       # (t, symbol, stream type, text)
        requests: Dict[int, Dict[str, Any]] = {}
        with RecordingReader(path) as reader:
            self.header = reader.header
            for rec in reader.records():
                kind = rec["k"]
                try:
                    if kind == "req":
                        if rec["m"] == "GET" and "signature=" not in rec["u"]:
                            requests[rec.get("c", 0)] = rec
                    elif kind == "resp" and rec.get("c") in requests:
                        req = requests.pop(rec["c"])
                        self._answer(req, rec)
                    elif kind == "in" and "d" in rec:   # account events are no market stream: left out below
                        self._frame(float(rec["t"]), rec["d"])
                except (KeyError, TypeError, ValueError, AttributeError):
                    # a record of the wrong shape ends the readable part, as a cut file does
                    reader.problem = f"record {reader.count} is damaged (fields missing or wrong)"
                    break
            self.truncated = reader.where_it_ended()
        if not self.frames:
            raise RecordingError(f"{path} holds no market stream frames to serve.")
        self.start = min([self.frames[0][0]] + [s[0][0] for s in self.snapshots.values() if s])
        self.end = self.frames[-1][0]

    def _answer(self, req: Dict[str, Any], resp: Dict[str, Any]) -> None:
        path, _, query = req["u"].partition("://")[2].partition("/")[2].partition("?")
        path = "/" + path
        body = resp.get("b") or ""
        t = float(resp["t"])
        if path.endswith("/depth") and resp.get("s") == 200:
            symbol = dict(parse_qsl(query)).get("symbol", "").lower()
            try:
                snapshot = orjson.loads(body)
            except orjson.JSONDecodeError:
                return
            if _snapshot_ok(snapshot):
                self.snapshots[symbol].append((t, snapshot))
            return
        self.answers[path].append((t, int(resp.get("s", 200)), body))

    def _frame(self, t: float, text: str) -> None:
        if '"e"' not in text:
            return
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            return
        if isinstance(data, dict) and "stream" in data and isinstance(data.get("data"), dict):
            data = data["data"]
            text = orjson.dumps(data).decode()
        if not isinstance(data, dict) or not isinstance(data.get("s"), str):
            return
        stream = _STREAM_OF_EVENT.get(str(data.get("e")))
        if stream is not None:
            self.frames.append((t, data["s"].lower(), stream, text))

    def answer(self, path: str, at: float) -> Optional[Tuple[int, str]]:
        """The answer to ``GET path`` recorded last before ``at`` (else the first recorded)."""
        answers = self.answers.get(path)
        if not answers:
            return None
        i = bisect.bisect_right([a[0] for a in answers], at) - 1
        _, status, body = answers[max(i, 0)]
        return status, body


class _Client:
    def __init__(self, ws: web.WebSocketResponse, combined: bool) -> None:
        self.ws = ws
        self.combined = combined
        self.streams: Dict[Tuple[str, str], str] = {}     # key -> the name the client used
        self.queue: "asyncio.Queue[str]" = asyncio.Queue(CLIENT_QUEUE)

    async def send_queued(self) -> None:
        """Send what the playback queued, at the client's own pace."""
        while True:
            text = await self.queue.get()
            await self.ws.send_str(text)


class RecordingServer:
    """Plays a :class:`RecordedMarket` to every client (see the module doc); ``async with`` starts and stops it."""

    def __init__(self, market: RecordedMarket, port: int = 0, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed!r}")
        self.market, self.port, self.speed = market, port, speed
        self.books: Dict[str, _Book] = collections.defaultdict(_Book)
        self.clients: Set[_Client] = set()
        self.position = market.start        # the recording's time played so far
        self.played = 0
        self.dropped = 0        # clients disconnected as too slow
        self._closing: Set[asyncio.Task] = set()
        self.finished = asyncio.Event()
        self._snap_pos: Dict[str, int] = dict.fromkeys(market.snapshots, 0)
        self._runner: Optional[web.AppRunner] = None
        self._task: Optional[asyncio.Task] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> "RecordingServer":
        app = web.Application()
        app.router.add_get("/api/v3/depth", self._depth)
        app.router.add_get("/fapi/v1/depth", self._depth)      # a USD-M recording's book, the same way
        app.router.add_get("/ws", self._ws)
        app.router.add_get("/ws/{streams:.*}", self._ws)
        app.router.add_get("/stream", self._ws)
        app.router.add_route("*", "/{tail:.*}", self._other)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]      # type: ignore[attr-defined]
        self._catch_up_snapshots(self.position)
        self._task = asyncio.get_running_loop().create_task(self._play())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for client in list(self.clients):
            await client.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- playback ---------------------------------------------------------------------------------------
    def _catch_up_snapshots(self, until: float) -> None:
        for symbol, snaps in self.market.snapshots.items():
            i = self._snap_pos[symbol]
            while i < len(snaps) and snaps[i][0] <= until:
                book = self.books[symbol]
                if book.gapped or int(snaps[i][1].get("lastUpdateId", -1)) > book.last_id:
                    book.load(snaps[i][1])
                i += 1
            self._snap_pos[symbol] = i

    async def _play(self) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        for t, symbol, stream, text in self.market.frames:
            if t < self.market.start:
                continue
            due = began + (t - self.market.start) / self.speed
            # a turn for the clients' senders even when the playback runs behind its pace
            await asyncio.sleep(max(0.0, due - loop.time()))
            self.position = t
            self._catch_up_snapshots(t)
            if stream == "depth":
                self.books[symbol].apply(orjson.loads(text))
            self.played += 1
            self._broadcast((symbol, stream), text)
        self.position = self.market.end
        self.finished.set()

    def _broadcast(self, key: Tuple[str, str], text: str) -> None:
        for client in list(self.clients):
            name = client.streams.get(key)
            if name is None:
                continue
            payload = f'{{"stream":"{name}","data":{text}}}' if client.combined else text
            try:
                client.queue.put_nowait(payload)
            except asyncio.QueueFull:
                # too slow for the playback: dropped, so no client holds back the others
                self.clients.discard(client)
                self.dropped += 1
                closing = asyncio.get_running_loop().create_task(client.ws.close(code=1008, message=b"too slow"))
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)

    # -- HTTP ---------------------------------------------------------------------------------------------
    @staticmethod
    def _error(status: int, code: int, msg: str) -> web.Response:
        return web.Response(status=status, body=orjson.dumps({"code": code, "msg": msg}),
                            content_type="application/json")

    async def _depth(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol", "").lower()
        try:
            limit = int(request.query.get("limit", "100"))
        except ValueError:
            return self._error(400, -1100, "Illegal characters found in parameter 'limit'.")
        book = self.books.get(symbol)
        if book is None or book.last_id < 0:
            return self._error(400, -1121, "Invalid symbol.")
        return web.Response(body=orjson.dumps(book.snapshot(max(1, min(limit, 5000)))),
                            content_type="application/json")

    async def _other(self, request: web.Request) -> web.Response:
        if request.method == "GET" and "signature" not in request.query:
            found = self.market.answer(request.path, self.position)
            if found is not None:
                return web.Response(status=found[0], body=found[1].encode(), content_type="application/json")
        return self._error(404, -1000, f"{request.method} {request.path} is not in this recording "
                                       "(a replay serves recorded market data only)")

    # -- WebSocket ----------------------------------------------------------------------------------------
    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, autoping=True)
        await ws.prepare(request)
        combined = request.path.startswith("/stream")
        client = _Client(ws, combined)
        names = request.query.get("streams", "") if combined else request.match_info.get("streams", "")
        for name in list(filter(None, names.split("/")))[:MAX_STREAMS]:
            client.streams[_stream_key(name)] = name
        self.clients.add(client)
        sender = asyncio.get_running_loop().create_task(client.send_queued())
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                await self._control(client, msg.data)
        finally:
            self.clients.discard(client)
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
        return ws

    async def _control(self, client: _Client, text: str) -> None:
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
    async def _reply(client: _Client, message: Dict[str, Any]) -> None:
        await client.ws.send_str(orjson.dumps(message).decode())


async def serve_until_stopped(path: str, port: int, speed: float, out: Callable[[str], None]) -> int:
    """``hbconn replay --serve``: serve until Ctrl+C; 0 when stopped by it (the end of the recording
    does not stop the server: its books stay as played)."""
    import signal

    market = RecordedMarket(path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        async with RecordingServer(market, port, speed) as server:
            symbols = ", ".join(s.upper() for s in sorted({f[1] for f in market.frames}))
            out(f"serving {path} ({market.header.venue} {symbols}, {len(market.frames)} frames over "
                f"{market.end - market.start:.1f} s) at {speed:g}x on {server.url} "
                f"(streams ws://127.0.0.1:{server.port}/ws); Ctrl+C stops")
            if market.truncated:
                out(market.truncated)
            finished = loop.create_task(server.finished.wait())
            stopped = loop.create_task(stop.wait())
            await asyncio.wait({finished, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if server.finished.is_set() and not stop.is_set():
                out(f"the recording was played to its end ({server.played} frames); still serving its last "
                    "state until Ctrl+C")
                await stop.wait()
            finished.cancel()
            stopped.cancel()
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        loop.remove_signal_handler(signal.SIGTERM)
    return 0
