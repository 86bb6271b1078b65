"""The sockets of an ``OrderBookTrackerDataSource``: pairs spread over connections, confirmed subscriptions,
the readers, reconnects and the per-socket pace of control messages.

A base class of ``OrderBookTrackerDataSource`` (its module docstring says
what a venue implements); here is only the machinery every venue shares, so
a venue never touches it.  ``OrderBookMessageSink`` is what the readers
deliver to (the tracker); ``SubscriptionError`` what a refused or
unconfirmed subscription raises.
"""
from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections import deque
from typing import Any, Awaitable, Deque, Dict, List, Optional, Protocol, Sequence, Set

from hummingbot_conn.core.order_book_message import OrderBookMessage
from hummingbot_conn.events import OrderBookTradeEvent
from hummingbot_conn.web.errors import WSDisconnectedError
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["OrderBookMessageSink", "StreamConnections", "SubscriptionError"]

_log = logging.getLogger(__name__)


class SubscriptionError(RuntimeError):
    """The venue refused (or never confirmed) a market-data subscription."""


class OrderBookMessageSink(Protocol):
    """Where a data source delivers what it reads (``OrderBookTracker`` implements it).

    ``put_nowait(message)`` takes any ``OrderBookMessage`` (hummingbot's queue
    interface, so ported parse hooks work unchanged: a DIFF's content may
    carry ``first_update_id``, ``prev_update_id`` and ``checksum``, a
    SNAPSHOT's ``checksum``); ``on_diff`` / ``on_snapshot`` / ``on_trade`` are
    the allocation-free fast path for a venue's own reader: ``on_diff`` takes
    the ids the source has (-1 for one it has not; the declared rule says
    which one is read) and the venue's checksum (None: none), ``on_snapshot``
    a snapshot sent on the stream.  ``received_at`` is set by the reader
    before each frame is dispatched (the connection's clock, seconds).
    """

    received_at: float

    def put_nowait(self, message: OrderBookMessage) -> None: ...

    def on_diff(self, trading_pair: str, bids: Any, asks: Any, update_id: int, first_update_id: int,
                received_at: float, prev_update_id: int = -1, checksum: Optional[int] = None) -> None: ...

    def on_snapshot(self, trading_pair: str, bids: Any, asks: Any, update_id: int, received_at: float,
                    checksum: Optional[int] = None) -> None: ...

    def on_trade(self, trade: OrderBookTradeEvent) -> None: ...

    def on_subscribed(self, trading_pairs: Sequence[str]) -> None: ...

    def on_stream_interrupted(self, trading_pairs: Sequence[str]) -> None: ...

    def on_message_error(self, error: BaseException, raw: Any) -> None: ...


class _Connection:
    """One market-data socket and the pairs it carries."""

    __slots__ = ("ws", "pairs", "reader", "closed", "control_sent")

    def __init__(self, ws: WSAssistant) -> None:
        self.ws = ws
        self.pairs: Set[str] = set()
        self.reader: Optional[asyncio.Task] = None
        self.closed = False
        self.control_sent: Deque[float] = deque()


class StreamConnections(ABC):
    """The connection machinery (module docstring).  The subclass's ``__init__`` sets the fields
    below; the venue hooks it calls are abstract here and documented on the data source."""

    _sink: Optional[OrderBookMessageSink]
    _connections: List[_Connection]
    _connection_of: Dict[str, _Connection]
    _connection_by_ws: Dict[int, _Connection]
    _pending: Dict[Any, tuple]          # request id -> (future, pairs)
    _next_request_id: int
    _trading_pairs: List[str]
    _control_rate: int
    _clock: Any
    _sleep: Any

    @abstractmethod
    async def _connected_websocket_assistant(self) -> WSAssistant:
        """A new, connected market-data ``WSAssistant``."""

    @abstractmethod
    async def _subscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> Optional[Any]:
        """Send the subscription of ``trading_pairs`` on ``ws`` (a request id, or None)."""

    @abstractmethod
    def _process_frame(self, data: Any, received_at: float, ws: WSAssistant) -> Optional[Awaitable[None]]:
        """Dispatch one decoded frame."""

    # ------------------------------------------------------------ subscriptions
    def _new_request_id(self, trading_pairs: Sequence[str]) -> int:
        """A request id whose answer confirms (or refuses) ``trading_pairs``."""
        request_id = self._next_request_id
        self._next_request_id += 1
        self._pending[request_id] = (asyncio.get_running_loop().create_future(), list(trading_pairs))
        return request_id

    def _confirm_subscription(self, request_id: Any, error: Optional[str] = None) -> bool:
        """Report the venue's answer to a subscription (False: not a pending request id)."""
        entry = self._pending.pop(request_id, None)
        if entry is None:
            return False
        future, pairs = entry
        if not future.done():
            future.set_result(error)
        if error is None:
            # an older request for some of these pairs whose socket dropped before its answer
            # came is answered by this one (the reconnect resubscribed every pair of the socket)
            confirmed = set(pairs)
            for older_id, (older, older_pairs) in list(self._pending.items()):
                if confirmed.issuperset(older_pairs):
                    del self._pending[older_id]
                    if not older.done():
                        older.set_result(None)
            live = [p for p in pairs if p in self._connection_of]
            if live and self._sink is not None:
                self._sink.on_subscribed(live)
        else:
            _log.error("subscription of %s refused: %s", ", ".join(pairs), error)
        return True

    def _drop_pending(self, future: asyncio.Future) -> None:
        for request_id, (pending, _) in list(self._pending.items()):
            if pending is future:
                del self._pending[request_id]

    async def _send_subscription(self, conn: _Connection, pairs: Sequence[str]) -> Optional[asyncio.Future]:
        await self._pace(conn)
        request_id = await self._subscribe_channels(conn.ws, pairs)
        if request_id is None:
            if self._sink is not None:
                self._sink.on_subscribed(list(pairs))
            return None
        return self._pending[request_id][0]

    async def _pace(self, conn: _Connection) -> None:
        """Keep client messages on one socket under the venue's per-second limit."""
        sent = conn.control_sent
        now = self._clock()
        while sent and now - sent[0] >= 1.0:
            sent.popleft()
        if len(sent) >= self._control_rate:
            await self._sleep(1.0 - (now - sent[0]))
            sent.popleft()
        sent.append(self._clock())

    def _forget(self, pair: str) -> None:
        conn = self._connection_of.pop(pair, None)
        if conn is not None:
            conn.pairs.discard(pair)
        if pair in self._trading_pairs:
            self._trading_pairs.remove(pair)

    # ------------------------------------------------------------ connections
    async def _open_connection(self) -> _Connection:
        ws = await self._connected_websocket_assistant()
        conn = _Connection(ws)

        async def resubscribe(assistant: WSAssistant) -> None:
            conn.control_sent.clear()       # a new socket: the venue's counter starts over
            if not conn.pairs:
                return
            try:
                await self._send_subscription(conn, sorted(conn.pairs))
            except (asyncio.CancelledError, WSDisconnectedError):
                raise
            except Exception as exc:        # noqa: BLE001 - WSAssistant retries a reconnect on WSDisconnectedError
                raise WSDisconnectedError(f"resubscribing failed ({type(exc).__name__}: {exc})") from exc

        ws.on_reconnected = resubscribe
        self._connections.append(conn)
        self._connection_by_ws[id(ws)] = conn
        conn.reader = asyncio.ensure_future(self._read(conn))
        return conn

    async def _close_connection(self, conn: _Connection) -> None:
        conn.closed = True
        if conn in self._connections:
            self._connections.remove(conn)
        self._connection_by_ws.pop(id(conn.ws), None)
        for pair in list(conn.pairs):
            if self._connection_of.get(pair) is conn:
                del self._connection_of[pair]
        await conn.ws.disconnect()
        if conn.reader is not None and conn.reader is not asyncio.current_task():
            conn.reader.cancel()
            await asyncio.gather(conn.reader, return_exceptions=True)

    async def _read(self, conn: _Connection) -> None:
        """One connection's reader: dispatch frames; on a drop, report, reconnect, resubscribe."""
        ws = conn.ws
        while not conn.closed:
            try:
                response = await ws.receive()
            except WSDisconnectedError as exc:
                if conn.closed:
                    return
                _log.warning("market data stream interrupted (%s); reconnecting", exc)
                if conn.pairs and self._sink is not None:
                    self._sink.on_stream_interrupted(sorted(conn.pairs))
                try:
                    await ws.reconnect()        # back-off, then the resubscribe hook
                except WSDisconnectedError as gave_up:
                    if not conn.closed:
                        _log.error("market data stream lost for good: %s", gave_up)
                    return
                continue
            if response is None:
                return
            sink = self._sink
            if sink is None:
                continue
            data = response.data
            sink.received_at = response.received_at
            try:
                pending = self._process_frame(data, response.received_at, ws)
                if pending is not None:
                    await pending
            except asyncio.CancelledError:
                raise
            except Exception as exc:        # noqa: BLE001 - a bad frame must not stop the stream
                sink.on_message_error(exc, data)
