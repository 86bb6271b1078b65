"""``BookFeed``: one process keeps a venue's books and publishes every change on NATS (docs/bus.md).

The feed runs the venue's own data source under an ``OrderBookTracker``
(snapshot, buffered diffs, gap detection and resync: docs/contracts.md,
"Contract 1: order book sequencing"), once for all its pairs, so the venue
sees one set of sockets and one snapshot per pair whatever the number of
consumers.  What leaves the feed is the feed's book, never the venue's raw
stream: a diff is published only once the feed's book applied it.

Per pair (subjects and shapes: ``wire.py``):

* each diff the synced book applies goes out as ``["d", seq, at, bids, asks]``, ``seq`` the
  pair's bus sequence number, one more than the previous sequenced message;
* any other change of the book (it lost sync and resynced, a snapshot replaced it) goes out as
  ``["o", seq]``: consumers resync that pair from a snapshot request, which the feed answers
  once its own book is synced again (never a book it knows to be wrong);
* trades go out as they come, unsequenced;
* a heartbeat carries every pair's last ``seq``, so a consumer that lost the last message of a
  quiet pair sees it within two heartbeats.

Sequence numbers start, per feed process, at the Unix time in microseconds:
a restarted feed continues above the numbers of the one before (as long as a
pair publishes fewer than a million messages a second), so a consumer sees a
gap and resyncs rather than taking the new numbers for old ones.

A message leaves in the step of the event loop that applied its frame: it is
written to the NATS socket at once (``_nats.publish_now``), so a burst of
frames read without a loop turn does not hold the first pair's message until
the last frame is done (docs/bus.md, "Latency").  When that is not safe (the
client reconnecting, its own buffer not empty, the socket backed up) the
message goes to a bounded outbox that one task hands to the NATS client, and
everything after it follows it there, in order.  Publishing never blocks the
socket reader.  A message the outbox or the client cannot take is dropped and
counted (``publish_errors``): to a consumer that is a bus gap, repaired like
any other.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from typing import Any, Deque, Dict, List, Optional, Sequence, Tuple

from hummingbot_conn.bus import wire
from hummingbot_conn.bus._nats import connect, publish_now
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.events import OrderBookTradeEvent
from hummingbot_conn.tracking.order_book_sync import OrderBookSyncEvent, OrderBookTrackerEvent
from hummingbot_conn.tracking.order_book_tracker import OrderBookTracker
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource

__all__ = ["BookFeed", "FeedTracker"]

_log = logging.getLogger(__name__)

_SNAPSHOT = OrderBookMessageType.SNAPSHOT
OUTBOX_LIMIT = 100_000      # messages waiting for the client; beyond it the newest are dropped (gaps)


def _with_drops(rows: Any, before: List[float], after: Any) -> Any:
    """``rows`` plus a delete ``[price, 0.0]`` for each price of ``before`` that is not in ``after``."""
    dropped = [[price, 0.0] for price in before if price not in after]
    return wire.rows(rows) + dropped if dropped else rows


class FeedTracker(OrderBookTracker):
    """An ``OrderBookTracker`` that tells its feed about every change of a book (module docstring).

    The safeguard snapshots are off (``snapshot_interval=None``): the books are kept exact by
    their sequence rule, and a refresh would change a book behind the consumers' backs."""

    def __init__(self, feed: "BookFeed", data_source: OrderBookTrackerDataSource, trading_pairs: Sequence[str],
                 **kwargs: Any) -> None:
        kwargs["snapshot_interval"] = None
        super().__init__(data_source, trading_pairs, **kwargs)
        self._feed = feed

    def on_diff(self, trading_pair: str, bids: Any, asks: Any, update_id: int, first_update_id: int,
                received_at: float, prev_update_id: int = -1, checksum: Optional[int] = None) -> None:
        book = self._order_books.get(trading_pair)
        if book is None:
            super().on_diff(trading_pair, bids, asks, update_id, first_update_id, received_at, prev_update_id,
                            checksum)
            return
        before = book.last_diff_uid
        # a book kept at a fixed depth (Kraken's subscription depth) drops the levels a diff pushes out
        # of range without a delete (the venue sends none): consumers keep full-depth books, so those
        # drops are published as deletes, or their books would keep levels the venue's view has not
        depth = book.depth_limit
        if depth:
            bid_prices = [row.price for row in book.bid_entries()]
            ask_prices = [row.price for row in book.ask_entries()]
        super().on_diff(trading_pair, bids, asks, update_id, first_update_id, received_at, prev_update_id, checksum)
        if book.last_diff_uid != before and book.is_synced:
            if depth:
                bids = _with_drops(bids, bid_prices, {row.price for row in book.bid_entries()})
                asks = _with_drops(asks, ask_prices, {row.price for row in book.ask_entries()})
            self._feed.diff_applied(trading_pair, bids, asks, received_at)

    def on_snapshot(self, trading_pair: str, bids: Any, asks: Any, update_id: int, received_at: float,
                    checksum: Optional[int] = None) -> None:
        book = self._order_books.get(trading_pair)
        before = (book.snapshot_uid, book.is_synced) if book is not None else None
        super().on_snapshot(trading_pair, bids, asks, update_id, received_at, checksum)
        # a snapshot that replaced a synced book (a venue's reset, a safeguard) is no diff: resync them
        if book is not None and before is not None and before[1] and book.snapshot_uid != before[0]:
            self._feed.book_replaced(trading_pair)

    def put_nowait(self, message: OrderBookMessage) -> None:
        if message.type is not _SNAPSHOT:
            super().put_nowait(message)     # a DIFF comes back through on_diff, a TRADE through on_trade
            return
        pair = message.content.get("trading_pair")
        book = self._order_books.get(pair) if isinstance(pair, str) else None
        before = (book.snapshot_uid, book.is_synced) if book is not None else None
        super().put_nowait(message)
        if book is not None and before is not None and before[1] and book.snapshot_uid != before[0]:
            self._feed.book_replaced(str(pair))

    def on_trade(self, trade: OrderBookTradeEvent) -> None:
        super().on_trade(trade)
        self._feed.trade(trade)


class BookFeed:
    """The venue's books of ``trading_pairs`` from ``data_source``, published on ``nats_url``.

    ``venue``: the subject token naming the venue (hummingbot's connector name, e.g. ``binance``);
    ``prefix``: the subjects' first tokens; ``heartbeat_interval``: seconds between heartbeats;
    ``tracker_kwargs``: passed to the ``OrderBookTracker`` (``max_buffered_diffs``, ``clock`` ...).
    ``snapshot_wait``: seconds a snapshot request for a pair not synced yet waits for its resync;
    ``max_waiting_requests``: how many such requests may wait at once -- past it a request is
    refused at once (a bot allowed to ask must not make the feed hold unbounded replies;
    docs/bus.md, "Who may publish").
    ``ValueError`` for a venue, prefix or pair that cannot name a subject.

    ``await start()`` connects (``OSError`` / ``nats.errors.NoServersError`` when no server answers)
    and starts tracking; ``await stop()`` stops both.  ``tracker`` is the feed's own tracker
    (its health figures are the venue's); ``stats`` counts what was published."""

    def __init__(self, nats_url: str, venue: str, data_source: OrderBookTrackerDataSource,
                 trading_pairs: Sequence[str], *, prefix: str = "hbconn", heartbeat_interval: float = 0.5,
                 snapshot_wait: float = 10.0, max_waiting_requests: int = 1000, **tracker_kwargs: Any) -> None:
        if not heartbeat_interval > 0:
            raise ValueError("heartbeat_interval must be > 0 (seconds)")
        if isinstance(max_waiting_requests, bool) or not isinstance(max_waiting_requests, int) \
                or max_waiting_requests < 1:
            raise ValueError(f"max_waiting_requests must be an int >= 1, not {max_waiting_requests!r}")
        self._max_waiting = max_waiting_requests
        self.subjects = wire.Subjects(venue, prefix)
        pairs = list(dict.fromkeys(trading_pairs))
        self._book_subject = {pair: self.subjects.book(pair) for pair in pairs}
        self._nats_url = nats_url
        self._heartbeat_interval = heartbeat_interval
        self._snapshot_wait = snapshot_wait
        base = time.time_ns() // 1000
        self._seq: Dict[str, int] = dict.fromkeys(pairs, base)
        self._synced: Dict[str, asyncio.Event] = {pair: asyncio.Event() for pair in pairs}
        self.tracker = FeedTracker(self, data_source, pairs, **tracker_kwargs)
        self.tracker.add_listener(OrderBookTrackerEvent.BookOutOfSync, self._out_of_sync)
        self.tracker.add_listener(OrderBookTrackerEvent.BookResynced, self._resynced)
        self._outbox: Deque[Tuple[str, bytes]] = collections.deque()
        self._wake = asyncio.Event()
        self._sending = False       # the send loop holds a message it took from the outbox
        self._nc: Any = None
        self._tasks: List[asyncio.Task] = []
        self._subs: List[Any] = []
        self._pending_replies: set = set()
        self._boot_id = wire.boot_id()
        self.stats: collections.Counter = collections.Counter()

    @property
    def trading_pairs(self) -> List[str]:
        return list(self._seq)

    def last_seq(self, trading_pair: str) -> int:
        """The pair's last bus sequence number (``KeyError`` for a pair the feed does not publish)."""
        return self._seq[trading_pair]

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Connect, answer snapshot and info requests, start the tracker.  If anything fails or is
        cancelled after the connection opened, the client is closed before the error goes on: a
        start that did not finish leaves nothing behind (nats-py would reconnect for ever)."""
        nc = await connect(self._nats_url, name=f"hbconn-feed-{self.subjects.venue}", error_cb=self._nats_error)
        self._nc = nc
        try:
            self._subs.append(await nc.subscribe(self.subjects.snapshots, cb=self._on_snapshot_request))
            self._subs.append(await nc.subscribe(self.subjects.info, cb=self._on_info_request))
            await nc.flush()
        except BaseException:
            self._subs.clear()
            self._nc = None
            with contextlib.suppress(Exception):
                await asyncio.shield(nc.close())
            raise
        self._tasks.append(asyncio.ensure_future(self._send_loop()))
        self._tasks.append(asyncio.ensure_future(self._heartbeat_loop()))
        self.tracker.start()

    async def stop(self) -> None:
        await self.tracker.stop()
        for task in [*self._tasks, *self._pending_replies]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._pending_replies, return_exceptions=True)
        self._tasks.clear()
        if self._nc is not None:
            nc, self._nc = self._nc, None
            if not nc.is_closed:
                try:
                    # what is still buffered goes out, the outbox's messages behind the client's own,
                    # unless the server is away (then Ctrl+C must not wait)
                    async with asyncio.timeout(2.0):
                        await self._hand_outbox_to(nc)
                        await nc.drain()
                except Exception as exc:        # noqa: BLE001 - closing anyway
                    _log.debug("drain on stop: %s", exc)
                    with contextlib.suppress(Exception):
                        await nc.close()
        self.stats["publish_errors"] += len(self._outbox)      # never sent: counted, like any other loss
        self._outbox.clear()

    async def __aenter__(self) -> "BookFeed":
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    # ------------------------------------------------------------ from the tracker
    def diff_applied(self, trading_pair: str, bids: Any, asks: Any, received_at: float) -> None:
        seq = self._seq[trading_pair] + 1
        self._seq[trading_pair] = seq
        self._post(self._book_subject[trading_pair],
                   wire.encode(["d", seq, received_at, wire.rows(bids), wire.rows(asks)]))

    def book_replaced(self, trading_pair: str) -> None:
        self._mark_out(trading_pair)

    def trade(self, trade: OrderBookTradeEvent) -> None:
        subject = self._book_subject.get(trade.trading_pair)
        if subject is None:
            return
        side = 2 if int(trade.type.value) == 2 else 1
        self._post(subject, wire.encode(["t", time.monotonic(), trade.timestamp, side, trade.price, trade.amount,
                                         trade.trade_id]))

    def _out_of_sync(self, event: OrderBookSyncEvent) -> None:
        event_set = self._synced.get(event.trading_pair)
        if event_set is not None:
            event_set.clear()
        self._mark_out(event.trading_pair)

    def _resynced(self, event: OrderBookSyncEvent) -> None:
        event_set = self._synced.get(event.trading_pair)
        if event_set is not None:
            event_set.set()

    def _mark_out(self, trading_pair: str) -> None:
        if trading_pair not in self._seq:
            return
        seq = self._seq[trading_pair] + 1
        self._seq[trading_pair] = seq
        self.stats["out_of_sync"] += 1
        self._post(self._book_subject[trading_pair], wire.encode(["o", seq]))

    # ------------------------------------------------------------ publishing
    def _post(self, subject: str, payload: bytes) -> None:
        # straight to the socket unless something published earlier still waits (order is kept)
        if not self._outbox and not self._sending and self._nc is not None and \
                publish_now(self._nc, subject, payload):
            self.stats["published"] += 1
            self.stats["written_at_once"] += 1
            return
        if len(self._outbox) >= OUTBOX_LIMIT:
            self.stats["publish_errors"] += 1       # a bus gap to the consumers, repaired by them
            return
        self._outbox.append((subject, payload))
        self._wake.set()

    async def _send_loop(self) -> None:
        outbox = self._outbox
        while True:
            await self._wake.wait()
            self._wake.clear()
            nc = self._nc
            while outbox:
                subject, payload = outbox.popleft()
                self._sending = True
                try:
                    await nc.publish(subject, payload)
                    self.stats["published"] += 1
                except asyncio.CancelledError:
                    raise
                except Exception as exc:        # noqa: BLE001 - e.g. the client's reconnect buffer is full
                    self.stats["publish_errors"] += 1
                    if self.stats["publish_errors"] in (1, 10, 100) or self.stats["publish_errors"] % 10_000 == 0:
                        _log.warning("feed: a message could not be published (%s: %s); consumers will resync",
                                     type(exc).__name__, exc)
                finally:
                    self._sending = False

    async def _hand_outbox_to(self, nc: Any) -> None:
        """On stop, after the send loop is cancelled: the outbox's messages to the client, in order."""
        outbox = self._outbox
        while outbox:
            subject, payload = outbox[0]
            try:
                await nc.publish(subject, payload)
                self.stats["published"] += 1
            except Exception:       # noqa: BLE001 - the client cannot take it: a loss, counted
                self.stats["publish_errors"] += 1
            outbox.popleft()

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_interval)
            self._post(self.subjects.heartbeat, wire.encode(["h", self._seq, time.monotonic(), self._boot_id]))

    async def _nats_error(self, exc: Exception) -> None:
        self.stats["nats_errors"] += 1
        _log.warning("feed: NATS client error: %s: %s", type(exc).__name__, exc)

    # ------------------------------------------------------------ request / reply
    async def _on_snapshot_request(self, msg: Any) -> None:
        if not msg.reply:
            return
        if len(self._pending_replies) >= self._max_waiting:
            # refused at once, never queued: the requester reads why and asks again later
            self.stats["snapshots_refused"] += 1
            self.stats["snapshots_refused_busy"] += 1
            try:
                await self._nc.publish(msg.reply, wire.encode(
                    ["e", f"the feed has {len(self._pending_replies)} snapshot requests waiting already; "
                          "ask again later"]))
            except Exception as exc:        # noqa: BLE001 - the requester times out and asks again
                _log.debug("feed: refusal lost: %s", exc)
            return
        task = asyncio.ensure_future(self._answer_snapshot(msg))
        self._pending_replies.add(task)
        task.add_done_callback(self._pending_replies.discard)

    async def _answer_snapshot(self, msg: Any) -> None:
        pair = self.subjects.pair_of_snapshot(msg.subject)
        synced = self._synced.get(pair)
        if synced is None:
            answer = ["e", f"this feed does not publish {pair!r}; it publishes {', '.join(self._seq)}"]
        else:
            wait = self._snapshot_wait
            try:
                asked = wire.decode(msg.data) if msg.data else []
                if len(asked) > 1 and isinstance(asked[1], (int, float)) and asked[1] > 0:
                    wait = min(wait, float(asked[1]))
            except wire.BusMessageError:
                pass
            if not synced.is_set():
                # a book the feed knows to be wrong is never sent: wait for its resync, or refuse
                try:
                    async with asyncio.timeout(wait):
                        await synced.wait()
                except TimeoutError:
                    pass
            answer = self._snapshot_of(pair) if synced.is_set() and self.tracker.is_synced(pair) else \
                ["e", f"the feed's book of {pair} is not synced with the venue yet"]
        payload = wire.encode(answer)
        limit = getattr(self._nc, "max_payload", 0)
        if limit and len(payload) > limit:
            # the client would refuse to send it, and the requester would time out and ask again for
            # ever: a refusal it can read (and log) instead, and a warning here
            answer = ["e", f"the feed's book of {pair} is {len(payload)} bytes, over the NATS server's "
                           f"max_payload of {limit}: raise max_payload in the server's configuration"]
            payload = wire.encode(answer)
            _log.warning("feed: %s", answer[1])
        self.stats["snapshots_served" if answer[0] == "s" else "snapshots_refused"] += 1
        try:
            await self._nc.publish(msg.reply, payload)
        except Exception as exc:        # noqa: BLE001 - the requester times out and asks again
            _log.debug("feed: snapshot reply lost: %s", exc)

    def _snapshot_of(self, pair: str) -> List[Any]:
        """The pair's book now, with the sequence number of the last message it reflects (taken in
        one step of the event loop: no diff can come in between)."""
        book = self.tracker.order_books[pair]
        bids = [[row.price, row.amount] for row in book.bid_entries()]
        asks = [[row.price, row.amount] for row in book.ask_entries()]
        return ["s", self._seq[pair], bids, asks]

    async def _on_info_request(self, msg: Any) -> None:
        if not msg.reply:
            return
        books = self.tracker.order_books
        prices = {pair: books[pair].last_trade_price for pair in self._seq if pair in books}
        try:
            await self._nc.publish(msg.reply, wire.encode(["i", list(self._seq), prices]))
        except Exception as exc:        # noqa: BLE001 - the requester asks again
            _log.debug("feed: info reply lost: %s", exc)
