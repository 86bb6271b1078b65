"""``NatsOrderBookDataSource``: a venue's books from a ``BookFeed`` on NATS, for any ``OrderBookTracker``.

    tracker = OrderBookTracker(NatsOrderBookDataSource("nats://127.0.0.1:4222", venue="binance",
                                                       trading_pairs=["BTC-USDT"]), ["BTC-USDT"])

A data source like the venue's own (docs/bus.md, "Consumers"): it declares
the ``CONTIGUOUS`` sequence rule over the feed's bus sequence numbers and a
``REST_SNAPSHOT`` sync point served by the feed's snapshot request / reply,
so the tracker applies, buffers, detects gaps and resyncs exactly as it does
for the venue (docs/contracts.md, "Contract 1: order book sequencing").
Core NATS delivers at most once; what can go missing and how each case ends
in a resync of that pair, never a silently wrong book:

* a lost diff: the next one is a ``GAP``;
* a lost last diff of a quiet pair: the heartbeat shows a higher number
  twice in a row (once could be a heartbeat that overtook its diff on
  another subscription), and the pair resyncs (``stream_interruptions``);
* the feed's own book lost sync (``["o", seq]``): the pair goes out of sync
  at once, and the snapshot request is answered once the feed is synced again;
* the NATS connection dropped, or no heartbeat for ``heartbeat_timeout``
  seconds (the feed stopped): every pair goes out of sync until the feed
  answers again.

``received_at`` of a diff is the venue frame's arrival at the feed, turned
from the feed's monotonic clock to this process's: on the same host (same
boot id in the heartbeat) the clocks are one; elsewhere the offset is
estimated from the heartbeats (the smallest local-minus-feed difference seen,
so the network's minimum one-way delay is left out of the figure).  The
tracker's latency figure is then venue frame to this process's applied book.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

from hummingbot_conn.bus import wire
from hummingbot_conn.bus._nats import connect
from hummingbot_conn.common import TradeType
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.events import OrderBookTradeEvent
from hummingbot_conn.tracking.book_integrity import SequenceRule, SyncPoint
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource, UnknownTradingPairError
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["NatsOrderBookDataSource"]

_log = logging.getLogger(__name__)
_SELL, _BUY = TradeType.SELL, TradeType.BUY
# heartbeats a pair behind the feed may wait on a non-empty wildcard queue before it resyncs
_WILDCARD_WAITS = 4


def _raise_if_cancelled() -> None:
    """``CancelledError`` when this task was asked to stop, even if the client swallowed the cancel:
    ``nats-py`` waits for replies with ``asyncio.wait_for``, which on Python 3.11 drops a cancel that
    arrives with the reply.  Honoured before acting on a reply, so a stopped tracker's task does not
    go on (subscribe, announce its pairs) after the stop."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class NatsOrderBookDataSource(OrderBookTrackerDataSource):
    """The books of ``trading_pairs`` of ``venue`` from the feed on ``nats_url`` (module docstring).

    :param prefix: the feed's subject prefix (``hbconn``).
    :param request_timeout: seconds to wait for a snapshot or info answer of the feed.
    :param heartbeat_timeout: seconds without a heartbeat after which the feed counts as gone
        (default: four of the feed's default half-second heartbeats).
    :param pending_msgs_limit: messages the client may hold for this source before it drops them
        (a slow consumer: each drop is a gap, repaired by a resync).
    :param subscribe_all: one wildcard subscription to every book subject of the venue, messages
        handed to their pair by subject (those of pairs not subscribed are dropped before they are
        decoded), instead of one subscription per pair.  Cheaper per message when the source takes
        most of the feed's pairs (``nats-py`` runs a queue and a task per subscription); dearer when
        it takes a few of many, since every pair's messages then reach it (docs/bus.md, "Latency").

    Other keyword arguments: see ``OrderBookTrackerDataSource`` (``clock``, ``sleep``, ``book_depth``).
    """

    SEQUENCE_RULE = SequenceRule.CONTIGUOUS     # the feed's bus sequence numbers, one per message
    SYNC_POINT = SyncPoint.REST_SNAPSHOT        # the feed's snapshot request / reply, buffer replayed over it
    # the stale-diff rule's unit (the tracker's limit is five of them): diffs older than a snapshot are
    # normal for a while on a busy consumer (its backlog), and the bus's numbers cannot run ahead
    DIFF_INTERVAL = 1.0

    def __init__(self, nats_url: str, venue: str = "binance", trading_pairs: Sequence[str] = (), *,
                 prefix: str = "hbconn", request_timeout: float = 5.0, heartbeat_timeout: float = 2.0,
                 pending_msgs_limit: int = 65536, subscribe_all: bool = False,
                 clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        if not request_timeout > 0 or not heartbeat_timeout > 0:
            raise ValueError("request_timeout and heartbeat_timeout must be > 0 (seconds)")
        super().__init__(trading_pairs, clock=clock, subscription_timeout=request_timeout, **kwargs)
        self.subjects = wire.Subjects(venue, prefix)
        for pair in self._trading_pairs:
            self.subjects.book(pair)        # ValueError now for a pair that cannot name a subject
        self._nats_url = nats_url
        self._request_timeout = request_timeout
        self._heartbeat_timeout = heartbeat_timeout
        self._pending_limit = pending_msgs_limit
        self._nc: Any = None
        self._connecting = asyncio.Lock()
        self._subs: Dict[str, Any] = {}             # pair -> its subscription (the wildcard's with subscribe_all)
        self._subscribe_all = bool(subscribe_all)
        self._all_sub: Any = None                   # the wildcard subscription, once made
        self._pair_of_subject: Dict[str, str] = {}  # book subject -> pair, for the wildcard's messages
        self._heartbeat_sub: Any = None
        self._watchdog: Optional[asyncio.Task] = None
        self._last_seen: Dict[str, int] = {}        # pair -> highest bus seq received (diff, mark, snapshot)
        self._behind: Dict[str, int] = {}           # pair -> seq a heartbeat showed we had not seen
        self._waited: Dict[str, int] = {}           # pair -> heartbeats it has been behind with messages pending
        self._last_heartbeat = clock()
        self._feed_alive: Optional[bool] = None     # None: not heard yet; False: gone
        self._offset: Optional[float] = None        # the feed's monotonic clock -> ours (None: not known yet)
        self._boot_id = wire.boot_id()
        self._heard = (-1, float("-inf"))            # (the client's messages in, when that count last moved)
        self._reconnects = 0
        self.bus_errors = 0                          # messages that were not one of the bus's shapes

    # ------------------------------------------------------------ connection
    async def _client(self) -> Any:
        async with self._connecting:
            if self._nc is None or self._nc.is_closed:
                self._nc = await connect(self._nats_url, name=f"hbconn-books-{self.subjects.venue}",
                                         disconnected_cb=self._disconnected, reconnected_cb=self._reconnected,
                                         error_cb=self._nats_error)
                self._heartbeat_sub = await self._nc.subscribe(self.subjects.heartbeat, cb=self._on_heartbeat)
                self._last_heartbeat = self._clock()
                self._watchdog = asyncio.ensure_future(self._watch_heartbeats())
        return self._nc

    async def _disconnected(self) -> None:
        if not self._subs:
            return      # closing, or nothing subscribed: nothing went out of sync
        _log.warning("bus: NATS connection lost; %d book(s) out of sync until it is back", len(self._subs))
        self._interrupt(list(self._subs), restart=False)

    async def _reconnected(self) -> None:
        self._reconnects += 1
        _log.info("bus: NATS connection back; resyncing %d book(s)", len(self._subs))
        self._interrupt(list(self._subs), restart=True)

    async def _nats_error(self, exc: Exception) -> None:
        # a slow consumer's dropped messages show as gaps; nothing else to do here but say it
        _log.warning("bus: NATS client error: %s: %s", type(exc).__name__, exc)

    def _interrupt(self, pairs: List[str], restart: bool) -> None:
        """These pairs' books are no longer provably current: out of sync (``stream_interruptions``),
        and with ``restart`` resynced from a new snapshot request."""
        sink = self._sink
        if sink is None or not pairs:
            return
        for pair in pairs:
            self._behind.pop(pair, None)
            self._waited.pop(pair, None)
        sink.on_stream_interrupted(pairs)
        if restart:
            sink.on_subscribed(pairs)

    # ------------------------------------------------------------ subscriptions (the tracker's calls)
    async def check_trading_pairs(self, trading_pairs: Sequence[str]) -> Dict[str, Exception]:
        """``{pair: UnknownTradingPairError}`` for pairs the feed does not publish; raises (the tracker
        retries) while no feed answers on the bus."""
        published = set((await self._info())[1])
        return {pair: UnknownTradingPairError(pair, f"the {self.subjects.venue} feed on the bus does not "
                                                    f"publish it (it publishes {', '.join(sorted(published))})")
                for pair in trading_pairs if pair not in published}

    async def subscribe_to_trading_pairs(self, trading_pairs: Sequence[str]) -> Dict[str, Any]:
        if self._sink is None:
            raise RuntimeError("attach an OrderBookMessageSink (an OrderBookTracker) before subscribing")
        _raise_if_cancelled()       # e.g. its check_trading_pairs' reply came with a stop
        nc = await self._client()
        new: List[str] = []
        for pair in dict.fromkeys(trading_pairs):
            if pair in self._subs:
                continue
            subject = self.subjects.book(pair)
            if self._subscribe_all:
                if self._all_sub is None:
                    self._all_sub = await nc.subscribe(self.subjects.books, cb=self._deliver_any,
                                                       pending_msgs_limit=self._pending_limit)
                self._pair_of_subject[subject] = pair
                self._subs[pair] = self._all_sub
            else:
                async def deliver(msg: Any, pair: str = pair) -> None:
                    self._on_book_message(pair, msg.data)

                self._subs[pair] = await nc.subscribe(subject, cb=deliver, pending_msgs_limit=self._pending_limit)
            if pair not in self._trading_pairs:
                self._trading_pairs.append(pair)
            new.append(pair)
        if new:
            await nc.flush()        # the server holds the interest before the first snapshot is asked
            _raise_if_cancelled()
            self._sink.on_subscribed(new)
        return {}

    async def unsubscribe_from_trading_pair(self, trading_pair: str) -> bool:
        sub = self._subs.pop(trading_pair, None)
        if trading_pair in self._trading_pairs:
            self._trading_pairs.remove(trading_pair)
        self._last_seen.pop(trading_pair, None)
        if sub is None:
            return False
        if sub is self._all_sub:
            # the wildcard stays for the other pairs; this one's messages are dropped from now on
            self._pair_of_subject.pop(self.subjects.book(trading_pair), None)
            return True
        try:
            await sub.unsubscribe()
        except Exception as exc:        # noqa: BLE001 - a closed connection holds no interest anyway
            _log.debug("bus: unsubscribe %s: %s", trading_pair, exc)
        return True

    async def close(self) -> None:
        subs, self._subs = self._subs, {}
        self._all_sub = None
        self._pair_of_subject.clear()
        if self._watchdog is not None:
            self._watchdog.cancel()
            await asyncio.gather(self._watchdog, return_exceptions=True)
            self._watchdog = None
        nc, self._nc = self._nc, None
        if nc is not None and not nc.is_closed:
            try:
                await nc.close()
            except Exception as exc:        # noqa: BLE001 - closing anyway
                _log.debug("bus: close: %s", exc)
        subs.clear()
        self._last_seen.clear()
        self._behind.clear()
        self._waited.clear()

    @property
    def connection_count(self) -> int:
        return 1 if self._nc is not None and self._nc.is_connected else 0

    @property
    def reconnect_count(self) -> int:
        return self._reconnects

    # ------------------------------------------------------------ messages
    async def _deliver_any(self, msg: Any) -> None:
        pair = self._pair_of_subject.get(msg.subject)
        if pair is not None:
            self._on_book_message(pair, msg.data)

    def _on_book_message(self, pair: str, payload: bytes) -> None:
        sink = self._sink
        if sink is None:
            return
        try:
            message = wire.decode(payload)
            kind = message[0]
            if kind == "t":
                self._on_trade(pair, message)
                return
            kind, seq = wire.sequenced(message)
        except (wire.BusMessageError, TypeError, ValueError, IndexError) as exc:
            self.bus_errors += 1
            sink.on_message_error(exc, payload)
            return
        last = self._last_seen.get(pair)
        if last is None or seq > last:
            self._last_seen[pair] = seq
        if kind == "d":
            if len(message) != 5:
                self.bus_errors += 1
                sink.on_message_error(wire.BusMessageError("a diff has 5 elements"), payload)
                return
            at = message[2]
            offset = self._offset
            received_at = at + offset if offset is not None and type(at) is float else self._clock()
            sink.received_at = received_at
            sink.on_diff(pair, message[3], message[4], seq, seq, received_at)
        elif kind == "o":
            # the feed's book lost sync: ours is no longer provably current either
            self._interrupt([pair], restart=True)
        else:
            self.bus_errors += 1
            sink.on_message_error(wire.BusMessageError(f"unknown kind {kind!r}"), payload)

    def _on_trade(self, pair: str, message: List[Any]) -> None:
        _, _sent_at, timestamp, side, price, amount, trade_id = message
        sink = self._sink
        if sink is None:
            return
        when, price, amount = float(timestamp), float(price), float(amount)
        # a trade at no price or of no amount ("NaN", "inf", 0, < 0) would become the pair's last
        # traded price: refused like any other malformed message (docs/bus.md, "Messages")
        if not (math.isfinite(when) and math.isfinite(price) and math.isfinite(amount) and price > 0
                and amount > 0 and side in (1, 2) and type(side) is int):
            raise wire.BusMessageError(f"a trade needs a finite time, side 1 or 2, a price and an amount > 0: "
                                       f"{message[2:6]!r}")
        sink.on_trade(OrderBookTradeEvent(pair, when, _SELL if side == 2 else _BUY, price, amount, trade_id))

    async def _on_heartbeat(self, msg: Any) -> None:
        now = self._clock()
        self._last_heartbeat = now
        try:
            message = wire.decode(msg.data)
            seqs = wire.heartbeat_seqs(message)
        except wire.BusMessageError as exc:
            self.bus_errors += 1
            _log.warning("bus: heartbeat refused: %s", exc)
            return
        feed_now, boot = wire.heartbeat_clock(message)
        if feed_now is not None:
            if boot and boot == self._boot_id:
                self._offset = 0.0
            elif self._offset is None or now - feed_now < self._offset:
                self._offset = now - feed_now
        if self._feed_alive is not True:
            came_back = self._feed_alive is False
            self._feed_alive = True
            stale = [p for p in self._subs if p in seqs and self._last_seen.get(p) != seqs[p]]
            if came_back and stale:
                # the feed is back: resync at once rather than at the next back-off of a running sync
                self._interrupt(stale, restart=True)
            return
        behind: List[str] = []
        for pair in self._subs:
            feed_seq = seqs.get(pair)
            last = self._last_seen.get(pair)
            shown = self._behind.pop(pair, None)
            waited = self._waited.pop(pair, 0)
            if feed_seq is None or last is None:
                continue
            # what the previous heartbeat showed must have arrived by now (one heartbeat may overtake
            # its diffs, which come on another subscription, and a busy process may run this callback
            # after diffs sent later: a heartbeat below what we saw is no sign of anything)
            if shown is not None and last < shown:
                sub = self._subs[pair]
                # messages of this pair wait in our client: we are slow, not missing them.  The wildcard's
                # queue holds every pair's: busy with others it may never be empty, so it is believed
                # for a few heartbeats only, then the pair resyncs (a backlog that long is a slow consumer)
                if getattr(sub, "pending_msgs", 0) and (sub is not self._all_sub or waited < _WILDCARD_WAITS):
                    self._behind[pair] = shown
                    self._waited[pair] = waited + 1
                    continue
                behind.append(pair)
            elif feed_seq > last:
                self._behind[pair] = feed_seq
        if behind:
            for pair in behind:
                self._last_seen.pop(pair, None)
            _log.warning("bus: the feed is past the last message received for %s: resyncing", ", ".join(behind))
            self._interrupt(behind, restart=True)

    async def _watch_heartbeats(self) -> None:
        while True:
            await self._sleep(self._heartbeat_timeout / 4)
            now = self._clock()
            nc = self._nc
            received = nc.stats.get("in_msgs", 0) if nc is not None else 0
            if received != self._heard[0]:
                self._heard = (received, now)
            # gone: no heartbeat and nothing else from the bus either (a process too busy to run its
            # heartbeat callback still sees its client's counter move)
            if self._feed_alive is True and now - max(self._last_heartbeat, self._heard[1]) > self._heartbeat_timeout:
                self._feed_alive = False
                _log.warning("bus: no heartbeat of the %s feed for %.3gs: %d book(s) out of sync until it is back",
                             self.subjects.venue, self._heartbeat_timeout, len(self._subs))
                self._interrupt(list(self._subs), restart=True)

    # ------------------------------------------------------------ request / reply
    async def _info(self) -> List[Any]:
        nc = await self._client()
        reply = await nc.request(self.subjects.info, b"", timeout=self._request_timeout)
        _raise_if_cancelled()
        message = wire.decode(reply.data)
        if message[0] != "i" or len(message) != 3 or type(message[1]) is not list:
            raise wire.BusMessageError(f"not an info answer: {reply.data[:80]!r}")
        return message

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        """The feed's book of ``trading_pair`` and the bus sequence number it reflects.  Raises
        ``RuntimeError`` with the feed's refusal, ``nats.errors.TimeoutError`` /
        ``NoRespondersError`` while no feed answers (the tracker retries with back-off)."""
        nc = await self._client()
        # the feed may hold a request until its own book is synced: tell it how long we wait
        asked = wire.encode(["q", self._request_timeout * 0.8])
        reply = await nc.request(self.subjects.snapshot(trading_pair), asked, timeout=self._request_timeout)
        _raise_if_cancelled()
        message = wire.decode(reply.data)
        if message[0] == "e":
            raise RuntimeError(f"the feed refused the snapshot of {trading_pair}: {message[1:2]}")
        if message[0] != "s" or len(message) != 4 or type(message[1]) is not int:
            raise wire.BusMessageError(f"not a snapshot answer: {reply.data[:80]!r}")
        seq = message[1]
        last = self._last_seen.get(trading_pair)
        if last is None or seq > last:
            self._last_seen[trading_pair] = seq
        return OrderBookMessage(OrderBookMessageType.SNAPSHOT, {"trading_pair": trading_pair, "update_id": seq,
                                                                "bids": message[2], "asks": message[3]})

    async def get_last_traded_prices(self, trading_pairs: List[str], domain: Optional[str] = None) -> Dict[str, float]:
        """``{pair: last trade price}`` as the feed's books have them (pairs without a trade left out)."""
        prices = (await self._info())[2]
        return {pair: float(prices[pair]) for pair in trading_pairs
                if isinstance(prices.get(pair), (int, float)) and prices[pair] == prices[pair] and prices[pair] > 0}

    # ------------------------------------------------------------ the venue hooks a bus source has no use for
    async def _connected_websocket_assistant(self) -> WSAssistant:
        raise RuntimeError("NatsOrderBookDataSource opens no venue socket: the feed does (docs/bus.md)")

    async def _subscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> Optional[Any]:
        raise RuntimeError("NatsOrderBookDataSource subscribes on NATS, not on a venue socket (docs/bus.md)")

    def _channel_originating_message(self, event_message: Any) -> str:
        raise RuntimeError("NatsOrderBookDataSource reads bus messages, not venue frames (docs/bus.md)")

    async def _parse_order_book_diff_message(self, raw_message: Any, message_queue: Any) -> None:
        raise RuntimeError("NatsOrderBookDataSource reads bus messages, not venue frames (docs/bus.md)")

    async def _parse_trade_message(self, raw_message: Any, message_queue: Any) -> None:
        raise RuntimeError("NatsOrderBookDataSource reads bus messages, not venue frames (docs/bus.md)")
