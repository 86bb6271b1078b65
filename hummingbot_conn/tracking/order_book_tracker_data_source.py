"""``OrderBookTrackerDataSource``: what a venue implements so ``OrderBookTracker`` can keep its books.

The hooks keep hummingbot's names and roles, so a hummingbot data source
ports with small changes:

* ``_connected_websocket_assistant()`` opens one market-data WebSocket;
* ``_subscribe_channels(ws, trading_pairs)`` subscribes pairs on it
  (hummingbot's takes no pairs and subscribes them all: here one connection
  carries a share of the pairs, see below);
* ``_channel_originating_message(event)`` names the channel of a frame
  (``"order_book_diff"``, ``"trade"``, ``"order_book_snapshot"``, or anything
  else for ``_process_message_for_unknown_channel``);
* ``_parse_order_book_diff_message(raw, message_queue)``,
  ``_parse_trade_message``, ``_parse_order_book_snapshot_message`` turn a
  frame into ``OrderBookMessage``s and ``put_nowait`` them;
* ``_order_book_snapshot(trading_pair)`` fetches a REST snapshot as an
  ``OrderBookMessage`` (``SNAPSHOT``);
* ``get_last_traded_prices``, ``subscribe_to_trading_pair``,
  ``unsubscribe_from_trading_pair`` as in hummingbot.

Differences, on purpose:

* There is no chain of unbounded per-channel queues (hummingbot's
  ``_message_queue``, W-16): the "queue" the parse hooks receive is the
  tracker itself, which sequences and applies each message as it arrives,
  so the socket reader never waits on a consumer and nothing piles up.
* Pairs are spread over several connections, at most
  ``max_pairs_per_connection`` each (a venue's streams-per-connection limit);
  more pairs open more connections.
* A dropped socket reconnects with back-off (``WSAssistant``, never a tight
  loop: W-18); the pairs it carried are reported interrupted at once (their
  books go out of sync), resubscribed after the reconnect, and resynced when
  the venue confirms the subscription.
* Subscriptions are confirmed: ``_subscribe_channels`` may return a request
  id, and the reader reports the venue's answer through
  ``_confirm_subscription``; the tracker fetches a pair's snapshot only once
  its diffs are flowing (the buffer-first procedure of docs/binance_spot.md
  section 6).

What keeps the books exact is declared as data (``book_integrity.py``;
docs/contracts.md, "Contract 1: order book sequencing", "Sequence rules and
sync points"): ``SEQUENCE_RULE`` (``CONTIGUOUS`` ids, ``CHAINED`` ids, or
``ARRIVAL`` order), ``SYNC_POINT`` (a REST snapshot, or one sent on the
stream at subscribe time), ``CHECKSUM_STYLE`` / ``CHECKSUM_LEVELS`` with
``checksum_precision(trading_pair)``, and ``book_depth`` (the subscribed
depth the books are truncated to).  A source that declares no rule has its
diffs judged by the ids each one carries (``first_update_id``: contiguous;
``prev_update_id``: chained; neither: ordered, no gap can be seen).
"""
from __future__ import annotations

import asyncio
import logging
import time
from abc import abstractmethod
from typing import Any, Awaitable, Callable, ClassVar, Dict, Iterable, List, Optional, Sequence, Tuple

from hummingbot_conn.core.book_checksum import BookChecksum, ChecksumStyle
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.core.order_book_message import OrderBookMessage
from hummingbot_conn.hooks import VenueHooks
from hummingbot_conn.tracking.book_integrity import BookIntegrity, SequenceRule, SyncPoint
from hummingbot_conn.tracking.stream_connections import (
    OrderBookMessageSink,
    StreamConnections,
    SubscriptionError,
    _Connection,
)
from hummingbot_conn.web.errors import WSDisconnectedError
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["OrderBookMessageSink", "OrderBookTrackerDataSource", "SubscriptionError", "UnknownTradingPairError"]

_log = logging.getLogger(__name__)


class UnknownTradingPairError(ValueError):
    """The venue does not list ``trading_pair`` (raised by ``check_trading_pairs`` users)."""

    def __init__(self, trading_pair: str, detail: str = "") -> None:
        self.trading_pair = trading_pair
        super().__init__(f"unknown trading pair {trading_pair!r}" + (f": {detail}" if detail else ""))


class OrderBookTrackerDataSource(StreamConnections, VenueHooks):
    """Market data of one venue for a set of trading pairs (hummingbot-style names).

    ``max_pairs_per_connection``: pairs per socket (a venue's stream limit
    divided by the streams one pair needs); ``control_messages_per_second``:
    the venue's limit on messages a client may send on one socket (Binance
    disconnects above 5 per second, docs/binance_spot.md section 5.1; we stay
    one under it); ``subscription_timeout``: seconds to wait for a venue's
    answer to a subscription.  ``clock`` / ``sleep`` are injected (tests).
    ``DIFF_INTERVAL`` (class attribute): the venue's diff cadence in seconds;
    the tracker's stale limit is a few of them.  ``book_depth``: the depth the
    venue's book stream is subscribed at (0: full depth); each book is
    truncated to it after every message.  The class attributes
    ``SEQUENCE_RULE``, ``SYNC_POINT``, ``CHECKSUM_STYLE`` and
    ``CHECKSUM_LEVELS`` declare how the books are kept exact (module
    docstring; ``book_integrity()`` reads them).
    """

    TRADE_CHANNEL = "trade"
    DIFF_CHANNEL = "order_book_diff"
    SNAPSHOT_CHANNEL = "order_book_snapshot"
    # The venue's diff cadence, seconds: at most this long between two diffs of a book that
    # changes (Binance ``@depth@100ms``: 0.1).  The tracker judges a run of STALE diffs by it
    # (docs/contracts.md, "Contract 1: order book sequencing"); 1 s for a venue that states none.
    DIFF_INTERVAL: float = 1.0
    # How the venue's book stream shows a lost message and where a book (re)syncs from
    # (book_integrity.py; docs/contracts.md, Contract 1): None = undeclared, each diff's ids decide
    SEQUENCE_RULE: ClassVar[Optional[SequenceRule]] = None
    SYNC_POINT: ClassVar[SyncPoint] = SyncPoint.REST_SNAPSHOT
    # the venue's book checksum (None: none) and the levels per side it covers
    CHECKSUM_STYLE: ClassVar[Optional[ChecksumStyle]] = None
    CHECKSUM_LEVELS: ClassVar[int] = 10

    @classmethod
    def _conditional_missing_hooks(cls) -> List[str]:
        """A ``REST_SNAPSHOT`` source fetches its snapshots (``_order_book_snapshot``); a source with a
        ``CHECKSUM_STYLE`` renders its levels at the venue's precision (``checksum_precision``)."""
        missing = []
        if cls.SYNC_POINT is SyncPoint.REST_SNAPSHOT and not cls._overrides("_order_book_snapshot",
                                                                             OrderBookTrackerDataSource):
            missing.append("_order_book_snapshot (SYNC_POINT is REST_SNAPSHOT)")
        if cls.CHECKSUM_STYLE is not None and not cls._overrides("checksum_precision", OrderBookTrackerDataSource):
            missing.append(f"checksum_precision (CHECKSUM_STYLE is {cls.CHECKSUM_STYLE!r})")
        return missing

    def __init__(self, trading_pairs: Iterable[str], *, max_pairs_per_connection: int = 200,
                 control_messages_per_second: int = 4, subscription_timeout: float = 10.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, book_depth: int = 0) -> None:
        if max_pairs_per_connection < 1:
            raise ValueError("max_pairs_per_connection must be >= 1")
        if control_messages_per_second < 1:
            raise ValueError("control_messages_per_second must be >= 1")
        if isinstance(book_depth, bool) or not isinstance(book_depth, int) or book_depth < 0:
            raise ValueError(f"book_depth must be an int >= 0 (0: full depth), got {book_depth!r}")
        self.book_depth = book_depth
        self._trading_pairs: List[str] = list(dict.fromkeys(trading_pairs))
        self._order_book_create_function: Callable[[], OrderBook] = OrderBook
        self._max_pairs = max_pairs_per_connection
        self._control_rate = control_messages_per_second
        self._subscription_timeout = subscription_timeout
        self._clock = clock
        self._sleep = sleep
        self._sink: Optional[OrderBookMessageSink] = None
        self._connections: List[_Connection] = []
        self._connection_of: Dict[str, _Connection] = {}
        self._connection_by_ws: Dict[int, _Connection] = {}
        self._pending: Dict[Any, tuple] = {}        # request id -> (future, pairs)
        self._next_request_id = 1
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ hummingbot API
    @property
    def trading_pairs(self) -> List[str]:
        return list(self._trading_pairs)

    @property
    def order_book_create_function(self) -> Callable[[], OrderBook]:
        return self._order_book_create_function

    @order_book_create_function.setter
    def order_book_create_function(self, func: Callable[[], OrderBook]) -> None:
        self._order_book_create_function = func

    @abstractmethod
    async def get_last_traded_prices(self, trading_pairs: List[str], domain: Optional[str] = None) -> Dict[str, float]:
        """``{trading_pair: last trade price}`` from REST."""

    async def get_new_order_book(self, trading_pair: str) -> OrderBook:
        """A fresh book holding the REST snapshot (no stream involved)."""
        snapshot = await self._order_book_snapshot(trading_pair)
        book = self._order_book_create_function()
        book.apply_snapshot(snapshot.content["bids"], snapshot.content["asks"], snapshot.update_id)
        return book

    # ------------------------------------------------------------ book integrity (declared as data)
    def book_integrity(self) -> BookIntegrity:
        """This source's declaration (the class attributes and ``book_depth``), read once by the tracker;
        ``ValueError`` for an inconsistent one."""
        return BookIntegrity(sequence=self.SEQUENCE_RULE, sync_point=self.SYNC_POINT,
                             checksum=self.CHECKSUM_STYLE, checksum_levels=self.CHECKSUM_LEVELS,
                             depth=self.book_depth)

    def checksum_precision(self, trading_pair: str) -> Tuple[int, int]:
        """``(price_decimals, qty_decimals)`` of ``trading_pair`` as the venue renders them in its
        checksum (its instrument data).  A source with ``CHECKSUM_STYLE`` implements it; it is asked
        at every sync point (after ``check_trading_pairs``), so a venue's new precision is taken up."""
        raise NotImplementedError(f"{type(self).__name__} declares CHECKSUM_STYLE {self.CHECKSUM_STYLE!r} "
                                  f"but does not implement checksum_precision()")

    def book_checksum(self, trading_pair: str) -> Optional[BookChecksum]:
        """The ``BookChecksum`` the pair's book is verified with after each message (None: none)."""
        if self.CHECKSUM_STYLE is None:
            return None
        price_decimals, qty_decimals = self.checksum_precision(trading_pair)
        return BookChecksum(self.CHECKSUM_STYLE, price_decimals, qty_decimals, self.CHECKSUM_LEVELS)

    async def check_trading_pairs(self, trading_pairs: Sequence[str]) -> Dict[str, Exception]:
        """``{pair: error}`` for the pairs the venue cannot serve (default: none).

        Venues override this with their symbol map (Binance: exchangeInfo)."""
        return {}

    async def subscribe_to_trading_pair(self, trading_pair: str) -> bool:
        """Subscribe one pair on a connection with room; True once the venue confirmed it."""
        errors = await self.subscribe_to_trading_pairs([trading_pair])
        return trading_pair not in errors

    async def unsubscribe_from_trading_pair(self, trading_pair: str) -> bool:
        """Stop one pair's streams (a connection left empty is closed); False if it was not subscribed."""
        async with self._lock:
            conn = self._connection_of.pop(trading_pair, None)
            if trading_pair in self._trading_pairs:
                self._trading_pairs.remove(trading_pair)
            if conn is None:
                return False
            conn.pairs.discard(trading_pair)
            if not conn.pairs:
                await self._close_connection(conn)
                return True
            try:
                await self._pace(conn)
                await self._unsubscribe_channels(conn.ws, [trading_pair])
            except WSDisconnectedError:
                pass        # the reconnect resubscribes only conn.pairs, which no longer holds it
            return True

    async def resubscribe_trading_pair(self, trading_pair: str) -> None:
        """Unsubscribe and subscribe again one pair on its connection (the others untouched), so a
        venue that sends a snapshot at subscribe time sends a new one (the ``STREAM_SNAPSHOT`` sync
        point's resync).  Returns once the venue confirmed it; ``SubscriptionError`` when the pair is
        not subscribed or the venue refused; ``WSDisconnectedError`` when the socket dropped (its
        reconnect subscribes the pair again)."""
        async with self._lock:
            conn = self._connection_of.get(trading_pair)
            if conn is None:
                raise SubscriptionError(f"{trading_pair} is not subscribed")
            await self._pace(conn)
            await self._unsubscribe_channels(conn.ws, [trading_pair])
            future = await self._send_subscription(conn, [trading_pair])
        if future is None:
            return
        try:
            async with asyncio.timeout(self._subscription_timeout):
                error = await asyncio.shield(future)
        except asyncio.TimeoutError:
            self._drop_pending(future)
            error = f"no answer to the subscription within {self._subscription_timeout:g}s"
        if error is not None:
            raise SubscriptionError(f"subscribing {trading_pair} again failed: {error}")

    @property
    def subscription_timeout(self) -> float:
        return self._subscription_timeout

    async def subscribe_to_trading_pairs(self, trading_pairs: Sequence[str]) -> Dict[str, SubscriptionError]:
        """Subscribe pairs, opening connections as needed; ``{pair: error}`` for those that failed.

        Waits for the venue's confirmations (``subscription_timeout``)."""
        if self._sink is None:
            raise RuntimeError("attach an OrderBookMessageSink (an OrderBookTracker) before subscribing")
        waits: List[tuple] = []
        errors: Dict[str, SubscriptionError] = {}
        async with self._lock:
            todo = [p for p in dict.fromkeys(trading_pairs) if p not in self._connection_of]
            for pair in todo:
                if pair not in self._trading_pairs:
                    self._trading_pairs.append(pair)
            while todo:
                conn = next((c for c in self._connections if len(c.pairs) < self._max_pairs), None)
                if conn is None:
                    try:
                        conn = await self._open_connection()
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:      # noqa: BLE001 - reported per pair, others go on
                        for pair in todo:
                            errors[pair] = SubscriptionError(f"cannot open a market-data connection for {pair}: "
                                                             f"{type(exc).__name__}: {exc}")
                            self._forget(pair)
                        break
                chunk = todo[:self._max_pairs - len(conn.pairs)]
                todo = todo[len(chunk):]
                conn.pairs.update(chunk)
                for pair in chunk:
                    self._connection_of[pair] = conn
                try:
                    waits.append((chunk, await self._send_subscription(conn, chunk)))
                except WSDisconnectedError:
                    # the reader's reconnect resubscribes conn.pairs and confirms them later
                    waits.append((chunk, None))
        for chunk, future in waits:
            if future is None:
                continue
            try:
                async with asyncio.timeout(self._subscription_timeout):
                    error = await asyncio.shield(future)
            except asyncio.TimeoutError:
                error = f"no answer to the subscription within {self._subscription_timeout:g}s"
                self._drop_pending(future)      # an answer that never came must not be kept forever
            if error is not None:
                for pair in chunk:
                    errors[pair] = SubscriptionError(f"subscribing {pair} failed: {error}")
                    self._forget(pair)
        return errors

    async def listen_for_subscriptions(self) -> None:
        """hummingbot's entry point: subscribe this source's pairs and serve them until cancelled."""
        await self.subscribe_to_trading_pairs(self._trading_pairs)
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()

    def attach(self, sink: OrderBookMessageSink) -> None:
        """Deliver everything read from now on to ``sink`` (the tracker calls this in ``start()``)."""
        self._sink = sink

    async def close(self) -> None:
        """Close every connection (the pairs stay listed; subscribing again reopens)."""
        async with self._lock:
            for conn in list(self._connections):
                await self._close_connection(conn)
            self._connection_of.clear()
            for future, _ in self._pending.values():
                if not future.done():
                    future.set_result("the data source was closed")
            self._pending.clear()

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    @property
    def reconnect_count(self) -> int:
        return sum(conn.ws.reconnect_count for conn in self._connections)

    # ------------------------------------------------------------ venue hooks
    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        """The REST snapshot as a SNAPSHOT ``OrderBookMessage`` (content: trading_pair, update_id, bids,
        asks, optionally checksum).  Every ``REST_SNAPSHOT`` source implements it; a
        ``STREAM_SNAPSHOT`` one only if it also wants ``get_new_order_book``."""
        raise NotImplementedError(f"{type(self).__name__} has no REST snapshot (its sync point is "
                                  f"{self.SYNC_POINT.name})")

    @abstractmethod
    async def _connected_websocket_assistant(self) -> WSAssistant:
        """A new, connected market-data ``WSAssistant``."""

    @abstractmethod
    async def _subscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> Optional[Any]:
        """Send the subscription of ``trading_pairs`` on ``ws``.

        Return a request id (from ``_new_request_id``) when the venue answers
        subscriptions: the reader then reports the answer through
        ``_confirm_subscription``.  Return None when the venue confirms
        nothing: the pairs count as subscribed at once."""

    async def _unsubscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> None:
        """Send the unsubscription of ``trading_pairs`` (default: nothing to send; a
        ``STREAM_SNAPSHOT`` venue sends one, or a resubscription would not bring a new snapshot)."""
        return None

    @abstractmethod
    def _channel_originating_message(self, event_message: Any) -> str:
        """``DIFF_CHANNEL``, ``TRADE_CHANNEL``, ``SNAPSHOT_CHANNEL`` or another name."""

    @abstractmethod
    async def _parse_order_book_diff_message(self, raw_message: Any, message_queue: Any) -> None:
        """Put the DIFF ``OrderBookMessage``(s) of ``raw_message`` on ``message_queue``."""

    @abstractmethod
    async def _parse_trade_message(self, raw_message: Any, message_queue: Any) -> None:
        """Put the TRADE ``OrderBookMessage``(s) of ``raw_message`` on ``message_queue``."""

    async def _parse_order_book_snapshot_message(self, raw_message: Any, message_queue: Any) -> None:
        """Put a streamed SNAPSHOT ``OrderBookMessage`` on ``message_queue`` (venues that stream them)."""
        return None

    async def _process_message_for_unknown_channel(self, event_message: Any, websocket_assistant: WSAssistant) -> None:
        """Frames of no known channel: control answers, heartbeats ... (default: ignored)."""
        return None

    def _process_frame(self, data: Any, received_at: float, ws: WSAssistant) -> Optional[Awaitable[None]]:
        """Dispatch one decoded frame; returns an awaitable when a hook must be awaited.

        Venues override it to serve their hot messages without a coroutine
        (see the Binance and Kraken sources); the default routes through the
        hooks.  The per-channel hooks stay abstract even then: an overriding
        source still defines them (Kraken's call ``_process_frame``)."""
        channel = self._channel_originating_message(data)
        if channel == self.DIFF_CHANNEL:
            return self._parse_order_book_diff_message(data, self._sink)
        if channel == self.TRADE_CHANNEL:
            return self._parse_trade_message(data, self._sink)
        if channel == self.SNAPSHOT_CHANNEL:
            return self._parse_order_book_snapshot_message(data, self._sink)
        return self._process_message_for_unknown_channel(data, ws)
