"""Serve a recording's market data over real sockets, in the recorded venue's protocol.

    hbconn replay --serve session.hbrec.zst --port 8800 --speed 10

A small server on 127.0.0.1 plays the recorded market streams back on one
timeline shared by every client, at the recorded pace times ``speed``, the way a
venue streams to whoever is connected (docs/recording.md, "Serving a recording").
This module is the venue-neutral part; the venue's hooks (``venues.py``,
:class:`~hummingbot_conn.recording.venues.MarketFormat`) read its recorded market
data and speak its protocol (for Binance: ``exchanges/binance/recording.py`` and ``recording_server.py``):

* the book endpoint: the book as the playback has it now, built from the
  recorded snapshot and every recorded depth diff played since, so a client
  that syncs at any moment (snapshot, then the diffs after its id) gets a book
  that continues without a gap.  A recorded gap (a diff the venue never sent)
  is repaired from the next recorded snapshot;
* other unsigned ``GET`` requests the recording holds: their recorded answer,
  the one recorded last before the playback's time; anything else: the venue's
  error answer (nothing can be traded);
* the venue's market streams, carrying the recorded frames as their recorded text.

One client never holds back another: each has a queue of at most
:data:`CLIENT_QUEUE` frames; a client that lets it fill (it reads slower than the
playback) is disconnected, as a venue disconnects a consumer that falls behind.
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
from typing import Any, DefaultDict, Dict, List, NamedTuple, Optional, Set, Tuple
from urllib.parse import parse_qsl

from aiohttp import web

from hummingbot_conn.recording.file_format import RecordingError, RecordingReader
from hummingbot_conn.recording.venues import BookSnapshot, DepthDiff, MarketFormat, replay_venue

__all__ = ["RecordedMarket", "RecordingServer", "ServedBook", "ServedFrame", "serve_until_stopped"]

#: frames queued for one client before it is disconnected as too slow
CLIENT_QUEUE = 10_000


class ServedBook:
    """One symbol's book as the playback has it: price -> (price text, amount text), and the venue id
    of its last change; a diff covering ids ``first`` .. ``last`` continues it when ``first`` is at most
    one past the book's id."""

    def __init__(self) -> None:
        self.bids: Dict[Decimal, Tuple[str, str]] = {}
        self.asks: Dict[Decimal, Tuple[str, str]] = {}
        self.last_id = -1
        self.gapped = True          # no snapshot yet

    def load(self, snapshot: BookSnapshot) -> None:
        """Take a recorded snapshot (checked by :func:`_snapshot_ok` when the file was read)."""
        self.bids = {Decimal(p): (p, q) for p, q in snapshot.bids}
        self.asks = {Decimal(p): (p, q) for p, q in snapshot.asks}
        self.last_id = snapshot.update_id
        self.gapped = False

    def apply(self, diff: DepthDiff) -> None:
        first, last = diff.first_update_id, diff.last_update_id
        if self.gapped or last <= self.last_id:
            return
        if first > self.last_id + 1:
            self.gapped = True      # a diff the venue never sent: repaired by the next recorded snapshot
            return
        try:
            changes = [(side, Decimal(p), p, q, Decimal(q)) for side, rows in
                       ((self.bids, diff.bids), (self.asks, diff.asks)) for p, q in rows]
        except (TypeError, ValueError, ArithmeticError):
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

    def levels(self, limit: int) -> Tuple[List[List[str]], List[List[str]]]:
        """The top ``limit`` bids (best first) and asks, each level ``[price, amount]`` as recorded."""
        bids = [list(self.bids[p]) for p in sorted(self.bids, reverse=True)[:limit]]
        asks = [list(self.asks[p]) for p in sorted(self.asks)[:limit]]
        return bids, asks


def _snapshot_ok(snapshot: BookSnapshot) -> bool:
    """Whether a recorded snapshot is a book: levels of two finite decimals."""
    try:
        return all(Decimal(p).is_finite() and Decimal(q).is_finite()
                   for side in (snapshot.bids, snapshot.asks) for p, q in side)
    except (TypeError, ValueError, ArithmeticError):
        return False


class ServedFrame(NamedTuple):
    """A recorded market frame: its time, symbol (lower case), stream type, text, and its book change."""

    t: float
    symbol: str
    stream: str
    text: str
    diff: Optional[DepthDiff] = None
    damaged: bool = False


class RecordedMarket:
    """The market data of one recording: depth snapshots, other GET answers and stream frames, in time order,
    read by the recorded venue's :class:`~hummingbot_conn.recording.venues.MarketFormat`.

    :raises RecordingError: the file is not a readable recording, records a venue that cannot be served,
        or holds no market stream frames
    """

    def __init__(self, path: str) -> None:
        self.snapshots: DefaultDict[str, List[Tuple[float, BookSnapshot]]] = collections.defaultdict(list)
        self.answers: DefaultDict[str, List[Tuple[float, int, str]]] = collections.defaultdict(list)
        self.frames: List[ServedFrame] = []
        requests: Dict[int, Dict[str, Any]] = {}
        with RecordingReader(path) as reader:
            self.header = reader.header
            venue = replay_venue(self.header.venue)
            if venue is None or venue.market is None:
                raise RecordingError(f"{path} records the venue {self.header.venue!r}, whose market data this "
                                     "version cannot serve.")
            self.format: MarketFormat = venue.market
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
        symbol = self.format.depth_request_symbol(req["m"], path, dict(parse_qsl(query)))
        if symbol is not None and resp.get("s") == 200:
            try:
                snapshot = self.format.snapshot(body)
            except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
                return                          # not a book: left out
            if snapshot is not None and _snapshot_ok(snapshot):
                self.snapshots[symbol.lower()].append((t, snapshot))
            return
        self.answers[path].append((t, int(resp.get("s", 200)), body))

    def _frame(self, t: float, text: Any) -> None:
        if not isinstance(text, str):
            return
        frame = self.format.stream_frame(text)
        if frame is not None:
            self.frames.append(ServedFrame(t, frame.symbol, frame.stream, frame.text, frame.diff, frame.damaged))

    def answer(self, path: str, at: float) -> Optional[Tuple[int, str]]:
        """The answer to ``GET path`` recorded last before ``at`` (else the first recorded)."""
        answers = self.answers.get(path)
        if not answers:
            return None
        i = bisect.bisect_right([a[0] for a in answers], at) - 1
        _, status, body = answers[max(i, 0)]
        return status, body


class ServedClient:
    """One connected client: its socket, the streams it takes (key -> the name it used), and its queue."""

    def __init__(self, ws: web.WebSocketResponse, combined: bool) -> None:
        self.ws = ws
        self.combined = combined
        self.streams: Dict[Tuple[str, str], str] = {}     # (symbol, stream type) -> the name the client used
        self.queue: "asyncio.Queue[str]" = asyncio.Queue(CLIENT_QUEUE)

    async def send_queued(self) -> None:
        """Send what the playback queued, at the client's own pace."""
        while True:
            text = await self.queue.get()
            await self.ws.send_str(text)


class RecordingServer:
    """Plays a :class:`RecordedMarket` to every client (see the module doc); ``async with`` starts and stops it.

    The venue's protocol (``MarketFormat.server_protocol``) adds its routes and frames what is sent;
    it calls :meth:`run_client` for each client socket and reads :attr:`books`."""

    def __init__(self, market: RecordedMarket, port: int = 0, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed!r}")
        self.market, self.port, self.speed = market, port, speed
        self.books: Dict[str, ServedBook] = collections.defaultdict(ServedBook)
        self.clients: Set[ServedClient] = set()
        self.position = market.start        # the recording's time played so far
        self.played = 0
        self.dropped = 0        # clients disconnected as too slow
        self._closing: Set[asyncio.Task] = set()
        self.finished = asyncio.Event()
        self._snap_pos: Dict[str, int] = dict.fromkeys(market.snapshots, 0)
        self._runner: Optional[web.AppRunner] = None
        self._task: Optional[asyncio.Task] = None
        self.protocol = market.format.server_protocol(self)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> "RecordingServer":
        app = web.Application()
        self.protocol.add_routes(app.router)
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
                if book.gapped or snaps[i][1].update_id > book.last_id:
                    book.load(snaps[i][1])
                i += 1
            self._snap_pos[symbol] = i

    async def _play(self) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        for frame in self.market.frames:
            t = frame.t
            if t < self.market.start:
                continue
            due = began + (t - self.market.start) / self.speed
            # a turn for the clients' senders even when the playback runs behind its pace
            await asyncio.sleep(max(0.0, due - loop.time()))
            self.position = t
            self._catch_up_snapshots(t)
            if frame.damaged:
                self.books[frame.symbol].gapped = True
            elif frame.diff is not None:
                self.books[frame.symbol].apply(frame.diff)
            self.played += 1
            self._broadcast((frame.symbol, frame.stream), frame.text)
        self.position = self.market.end
        self.finished.set()

    def _broadcast(self, key: Tuple[str, str], text: str) -> None:
        for client in list(self.clients):
            name = client.streams.get(key)
            if name is None:
                continue
            try:
                client.queue.put_nowait(self.protocol.framed(client, name, text))
            except asyncio.QueueFull:
                # too slow for the playback: dropped, so no client holds back the others
                self.clients.discard(client)
                self.dropped += 1
                closing = asyncio.get_running_loop().create_task(client.ws.close(code=1008, message=b"too slow"))
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)

    async def run_client(self, client: ServedClient) -> None:
        """Serve one client until its socket closes: the playback's frames it takes, and its control
        messages (text) passed to the protocol's ``control(client, text)``."""
        self.clients.add(client)
        sender = asyncio.get_running_loop().create_task(client.send_queued())
        try:
            async for msg in client.ws:
                if msg.type is not web.WSMsgType.TEXT:
                    continue
                await self.protocol.control(client, msg.data)
        finally:
            self.clients.discard(client)
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)

    # -- HTTP ---------------------------------------------------------------------------------------------
    async def _other(self, request: web.Request) -> web.Response:
        if request.method == "GET" and "signature" not in request.query:
            found = self.market.answer(request.path, self.position)
            if found is not None:
                return web.Response(status=found[0], body=found[1].encode(), content_type="application/json")
        return self.protocol.error(404, f"{request.method} {request.path} is not in this recording "
                                        "(a replay serves recorded market data only)")


async def serve_until_stopped(path: str, port: int, speed: float, out: Any) -> int:
    """``hbconn replay --serve``: serve until Ctrl+C; 0 when stopped by it (the end of the recording
    does not stop the server: its books stay as played).  ``out(line)`` prints."""
    import signal

    market = RecordedMarket(path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        async with RecordingServer(market, port, speed) as server:
            symbols = ", ".join(s.upper() for s in sorted({f.symbol for f in market.frames}))
            out(f"serving {path} ({market.header.venue} {symbols}, {len(market.frames)} frames over "
                f"{market.end - market.start:.1f} s) at {speed:g}x on {server.url} "
                f"({server.protocol.streams_hint}); Ctrl+C stops")
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
