"""``OrderBookTracker``: live order books for a set of trading pairs, from any data source.

    tracker = OrderBookTracker(BinanceAPIOrderBookDataSource(["BTC-USDT", "ETH-USDT"]),
                               ["BTC-USDT", "ETH-USDT"])
    tracker.start()
    await tracker.wait_ready(timeout=10)
    book = tracker.order_books["BTC-USDT"]          # a compiled OrderBook, always current
    ...
    await tracker.stop()

hummingbot's public names (``start``, ``stop``, ``wait_ready``, ``ready``,
``order_books``, ``add_trading_pair``, ``remove_trading_pair``, ``metrics``,
``data_source``) without its weaknesses (docs/weaknesses.md):

* every pair is synced by the buffer / snapshot / replay procedure with gap
  detection (``order_book_sync.py``), so stale buffered diffs never reach a
  book (W-4) and a missed diff is caught at the next one (W-5), under the
  sequence rule, sync point, checksum and depth the data source declares
  (``book_integrity.py``, ``sync_points.py``; no venue is named here);
* a gap resyncs that pair only, within one snapshot round trip, while every
  other pair keeps applying diffs;
* a book never stays synced while it is provably behind its stream: ids
  that move backwards (a venue restart, a far-future id the book took) or
  diffs that stay ``STALE`` for longer than a few of the venue's cadences (a
  far-future snapshot) resync that pair, and the resync snapshot replaces
  the book whatever its ids (``order_book_sync.py``, step 5);
* pairs start concurrently, with no sleep per pair (W-16); the throttler
  behind the data source's REST calls paces the snapshots' weight;
* diffs are applied as the socket reader hands them over: no unbounded
  queue between reader and book (W-16).  The one buffer (per pair, while a
  snapshot is awaited) is bounded.  A consumer too slow for its socket makes
  the venue cut it off: that shows in ``stream_interruptions`` and as a
  resync, never as silent loss;
* periodic snapshots remain only as a safeguard (``snapshot_interval``).

``stop()`` is a coroutine (it closes the sockets and waits for the tasks).
Times (``clock``) are in seconds on the same clock as the connections'
``received_at`` (``time.monotonic`` by default).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Iterable, List, Optional, Sequence

from hummingbot_conn.common import TradeType
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.core.pubsub import PubSub
from hummingbot_conn.events import OrderBookTradeEvent
from hummingbot_conn.tracking.order_book_sync import (
    OrderBookPairSync,
    OrderBookSyncEvent,
    OrderBookTrackerEvent,
    SyncState,
)
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource
from hummingbot_conn.tracking.order_book_tracker_metrics import OrderBookPairMetrics, OrderBookTrackerMetrics
from hummingbot_conn.tracking.sync_points import build_procedure
from hummingbot_conn.web.backoff import ExponentialBackoff

__all__ = ["OrderBookTracker", "STALE_CADENCES"]

_log = logging.getLogger(__name__)

_DIFF = OrderBookMessageType.DIFF
_finite = math.isfinite     # TypeError for what is not a real number: refused as a bad trade
_TRADE = OrderBookMessageType.TRADE
_SNAPSHOT = OrderBookMessageType.SNAPSHOT

# a run of STALE diffs longer than this many of the venue's cadences means the book is behind
# (docs/contracts.md, "Contract 1: order book sequencing"); a diff in flight lags a cadence or so
STALE_CADENCES = 5


class OrderBookTracker:
    """Order books kept in sync from ``data_source`` for ``trading_pairs``.

    :param snapshot_interval: seconds between safeguard snapshots of every
        synced pair (None: never).  Gaps are repaired at once whatever this is.
    :param max_buffered_diffs: bound of each pair's resync buffer.
    :param stale_limit: seconds a pair's diffs may stay ``STALE`` (and its resync
        snapshots below the book's last id) before the book counts as provably
        behind; None: ``STALE_CADENCES`` times the data source's ``DIFF_INTERVAL``.
    :param clock: seconds, same clock as the sockets' ``received_at``.
    :param sleep: injected for tests.
    """

    def __init__(self, data_source: OrderBookTrackerDataSource, trading_pairs: Iterable[str],
                 domain: Optional[str] = None, *, snapshot_interval: Optional[float] = 3600.0,
                 max_buffered_diffs: int = 1000, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 stale_limit: Optional[float] = None) -> None:
        if snapshot_interval is not None and snapshot_interval <= 0:
            raise ValueError("snapshot_interval must be > 0 (or None)")
        if stale_limit is None:
            stale_limit = STALE_CADENCES * data_source.DIFF_INTERVAL
        if not (math.isfinite(stale_limit) and stale_limit > 0):
            raise ValueError(f"stale_limit must be a finite number of seconds > 0, got {stale_limit!r}")
        self._stale_limit = stale_limit
        self._integrity = data_source.book_integrity()
        self._procedure = build_procedure(self._integrity.sync_point, fetch=data_source._order_book_snapshot,
                                          resubscribe=data_source.resubscribe_trading_pair,
                                          snapshot_timeout=data_source.subscription_timeout)
        self._data_source = data_source
        self._domain = domain
        self._initial_pairs: List[str] = list(dict.fromkeys(trading_pairs))
        self._snapshot_interval = snapshot_interval
        self._max_buffered = max_buffered_diffs
        self._clock = clock
        self._sleep = sleep
        self._order_books: Dict[str, OrderBook] = {}
        self._syncs: Dict[str, OrderBookPairSync] = {}
        self._failed: Dict[str, Exception] = {}
        self._metrics = OrderBookTrackerMetrics()
        self._pubsub = PubSub()
        self._ready = asyncio.Event()
        self._initialized = False
        self._tasks: List[asyncio.Task] = []
        self._running = False
        # add / remove of one pair run one at a time: a remove racing an add (or the reverse)
        # must not leave a pair tracked but unsubscribed, nor subscribed but untracked
        self._pair_locks: Dict[str, List[Any]] = {}      # pair -> [lock, holders + waiters]
        self.received_at = 0.0      # set by the data source's reader before each frame

    # ------------------------------------------------------------ public API
    @property
    def data_source(self) -> OrderBookTrackerDataSource:
        return self._data_source

    @property
    def order_books(self) -> Dict[str, OrderBook]:
        """``{trading_pair: OrderBook}`` of every tracked pair (a pair is listed as soon as it is added;
        its ``is_synced`` tells whether it may be read)."""
        return self._order_books

    @property
    def trading_pairs(self) -> List[str]:
        return list(self._syncs) if self._running else list(self._initial_pairs)

    @property
    def failed_trading_pairs(self) -> Dict[str, Exception]:
        """Pairs that could not be tracked, with the reason (e.g. ``UnknownTradingPairError``)."""
        return dict(self._failed)

    @property
    def metrics(self) -> OrderBookTrackerMetrics:
        """Counters per pair (``metrics.pairs[pair]``) and in total (``metrics.total``)."""
        return self._metrics

    @property
    def ready(self) -> bool:
        """True once every tracked pair has been synced (set once, as hummingbot's; a pair
        resyncing later shows in its book's ``is_synced`` and in ``BookOutOfSync`` events)."""
        return self._ready.is_set()

    async def wait_ready(self, timeout: Optional[float] = None) -> None:
        """Wait until ``ready``; ``asyncio.TimeoutError`` after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            await self._ready.wait()

    def is_synced(self, trading_pair: str) -> bool:
        sync = self._syncs.get(trading_pair)
        return sync is not None and sync.state is SyncState.SYNCED

    def add_listener(self, event_tag: OrderBookTrackerEvent, listener: Callable[[OrderBookSyncEvent], Any]) -> None:
        """Call ``listener(OrderBookSyncEvent)`` on ``BookOutOfSync`` / ``BookResynced`` of any pair."""
        self._pubsub.add_listener(event_tag, listener)

    def remove_listener(self, event_tag: OrderBookTrackerEvent, listener: Callable[[OrderBookSyncEvent], Any]) -> None:
        self._pubsub.remove_listener(event_tag, listener)

    def start(self) -> None:
        """Start tracking (returns at once; ``wait_ready`` to wait for the books).  Idempotent."""
        if self._running:
            return
        self._running = True
        self._data_source.attach(self)
        self._tasks.append(asyncio.ensure_future(self._init_order_books(self._initial_pairs)))
        if self._snapshot_interval is not None:
            self._tasks.append(asyncio.ensure_future(self._safeguard_loop(self._snapshot_interval)))

    async def stop(self) -> None:
        """Stop every task and close the data source's sockets.  The books stay readable."""
        if not self._running:
            return
        self._running = False
        self._initial_pairs = list(self._syncs)     # pairs added while stopping are kept after them
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for sync in self._syncs.values():
            sync.close()
        await asyncio.gather(*tasks, *(s.wait_closed() for s in self._syncs.values()), return_exceptions=True)
        await self._data_source.close()
        self._syncs.clear()
        self._initialized = False
        self._ready.clear()

    async def add_trading_pair(self, trading_pair: str, timeout: Optional[float] = 30.0) -> bool:
        """Track one more pair without touching the others; returns once its book is synced.

        False if it is already tracked.  Raises ``UnknownTradingPairError``
        (the venue does not list it), ``SubscriptionError`` (the venue refused
        the stream), ``asyncio.TimeoutError`` (not synced within ``timeout``;
        the pair stays tracked and keeps trying) or ``RuntimeError`` (the pair
        was removed, or the tracker stopped, before its book synced)."""
        if not self._running:
            if trading_pair in self._initial_pairs:
                return False
            self._initial_pairs.append(trading_pair)
            return True
        async with self._pair_lock(trading_pair):
            if trading_pair in self._syncs:
                return False
            errors = await self._data_source.check_trading_pairs([trading_pair])
            if trading_pair in errors:
                raise errors[trading_pair]
            if trading_pair in self._syncs:     # added by the start-up meanwhile
                return False
            if not self._running:
                raise RuntimeError(f"the tracker stopped while {trading_pair} was being added")
            sync = self._new_sync(trading_pair)
            refused = await self._data_source.subscribe_to_trading_pairs([trading_pair])
            if trading_pair in refused:
                if self._syncs.get(trading_pair) is sync:
                    self._drop(trading_pair)
                raise refused[trading_pair]
            if not self._running:
                # stop() closed the sockets before this subscription opened one: close it too
                await self._data_source.unsubscribe_from_trading_pair(trading_pair)
            self._failed.pop(trading_pair, None)
        async with asyncio.timeout(timeout):
            await sync.wait_synced()
        return True

    async def remove_trading_pair(self, trading_pair: str) -> bool:
        """Stop tracking one pair (its book and metrics go); False if it was not tracked."""
        if not self._running:
            if trading_pair not in self._initial_pairs:
                return False
            self._initial_pairs.remove(trading_pair)
            return True
        async with self._pair_lock(trading_pair):
            if trading_pair not in self._syncs:
                return False
            sync = self._drop(trading_pair)
            await sync.wait_closed()
            await self._data_source.unsubscribe_from_trading_pair(trading_pair)
            return True

    @contextlib.asynccontextmanager
    async def _pair_lock(self, trading_pair: str) -> AsyncIterator[None]:
        """Hold the pair's lock; the entry goes once nobody holds or awaits it (bounded memory
        whatever names callers try)."""
        entry = self._pair_locks.get(trading_pair)
        if entry is None:
            entry = self._pair_locks[trading_pair] = [asyncio.Lock(), 0]
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._pair_locks[trading_pair]

    # ------------------------------------------------------------ sink (called by the data source)
    @property
    def pair_syncs(self) -> Optional[Dict[str, OrderBookPairSync]]:
        """trading pair -> its ``OrderBookPairSync``, the live map (read only), for a data source's
        compiled fast path that does what ``on_diff`` does without the calls in Python
        (``exchanges/kraken/_kraken_book.apply_book_update``); None when a subclass overrides
        ``on_diff``, whose override must then see every diff."""
        if type(self).on_diff is not OrderBookTracker.on_diff:
            return None
        return self._syncs

    def on_diff(self, trading_pair: str, bids: Any, asks: Any, update_id: int, first_update_id: int,
                received_at: float, prev_update_id: int = -1, checksum: Optional[int] = None) -> None:
        """One diff of ``trading_pair``: the ids the source has (-1: absent; its declared rule says
        which is read), ``received_at`` on the connections' clock, the venue's checksum (None: none)."""
        sync = self._syncs.get(trading_pair)
        if sync is None:
            self._metrics.unknown_pair_messages += 1
            return
        sync.on_diff(bids, asks, update_id, first_update_id, received_at, prev_update_id, checksum)

    def on_snapshot(self, trading_pair: str, bids: Any, asks: Any, update_id: int, received_at: float,
                    checksum: Optional[int] = None) -> None:
        """A snapshot sent on the stream: the sync point of a ``STREAM_SNAPSHOT`` source, a safeguard
        refresh of a synced book otherwise (applied only if it does not step the book back)."""
        sync = self._syncs.get(trading_pair)
        if sync is None:
            self._metrics.unknown_pair_messages += 1
            return
        if sync.procedure.streams_snapshots:
            sync.on_stream_snapshot(bids, asks, update_id, received_at, checksum)
            return
        try:
            message = OrderBookMessage(_SNAPSHOT, {"trading_pair": trading_pair, "update_id": update_id,
                                                   "bids": bids, "asks": asks})
        except (ValueError, TypeError) as exc:
            self.on_message_error(exc, update_id)
            return
        sync.apply_safeguard_snapshot(message)

    def on_trade(self, trade: OrderBookTradeEvent) -> None:
        sync = self._syncs.get(trade.trading_pair)
        if sync is None:
            self._metrics.unknown_pair_messages += 1
            return
        try:
            # the book checks the price; a trade's amount and time matter to trade listeners
            # (volume, candles), so a NaN / negative amount or an infinite time stops here too
            if not (_finite(trade.amount) and trade.amount > 0 and _finite(trade.timestamp)):
                raise ValueError(f"trade of {trade.trading_pair}: amount must be finite and > 0 and the "
                                 f"timestamp finite, got amount={trade.amount!r} timestamp={trade.timestamp!r}")
            sync.book.apply_trade(trade)
        except (ValueError, TypeError) as exc:
            self.on_message_error(exc, trade)
            return
        sync.metrics.trades += 1

    def put_nowait(self, message: OrderBookMessage) -> None:
        """hummingbot's queue interface: any DIFF / TRADE / SNAPSHOT message."""
        kind = message.type
        content = message.content
        if kind is _DIFF:
            # the ids a message states (OrderBookMessage's own first_update_id defaults to update_id,
            # so the content says whether U was given); the declared rule reads its own (Contract 1)
            first_update_id = content.get("first_update_id", -1)
            self.on_diff(content["trading_pair"], content["bids"], content["asks"], message.update_id,
                         first_update_id if isinstance(first_update_id, int) else -1, self.received_at,
                         message.prev_update_id, content.get("checksum"))
        elif kind is _TRADE:
            trade_type = TradeType.SELL if float(content["trade_type"]) == float(TradeType.SELL.value) \
                else TradeType.BUY
            self.on_trade(OrderBookTradeEvent(
                trading_pair=content["trading_pair"], timestamp=message.timestamp or 0.0, type=trade_type,
                price=float(content["price"]), amount=float(content["amount"]),
                trade_id=message.trade_id if message.trade_id != -1 else None))
        elif kind is _SNAPSHOT:
            sync = self._syncs.get(content["trading_pair"])
            if sync is None:
                self._metrics.unknown_pair_messages += 1
            elif sync.procedure.streams_snapshots:
                sync.on_stream_snapshot(content["bids"], content["asks"], message.update_id, self.received_at,
                                        content.get("checksum"))
            else:
                sync.apply_safeguard_snapshot(message)

    def on_subscribed(self, trading_pairs: Sequence[str]) -> None:
        for pair in trading_pairs:
            sync = self._syncs.get(pair)
            if sync is not None:
                sync.start()

    def on_stream_interrupted(self, trading_pairs: Sequence[str]) -> None:
        for pair in trading_pairs:
            sync = self._syncs.get(pair)
            if sync is not None:
                sync.interrupt()

    def on_message_error(self, error: BaseException, raw: Any) -> None:
        self._metrics.parse_errors += 1
        _log.warning("market data message refused (%s: %s): %.200r", type(error).__name__, error, raw)

    # ------------------------------------------------------------ internals
    def _new_sync(self, trading_pair: str) -> OrderBookPairSync:
        source = self._data_source
        book = source.order_book_create_function()
        if self._integrity.depth:
            book.depth_limit = self._integrity.depth
        metrics = OrderBookPairMetrics()

        def checksum_source() -> Any:
            return source.book_checksum(trading_pair)

        sync = OrderBookPairSync(trading_pair, book, metrics, procedure=self._procedure, integrity=self._integrity,
                                 checksum_source=checksum_source if self._integrity.checksum is not None else None,
                                 notify=self._notify, clock=self._clock, sleep=self._sleep,
                                 max_buffered=self._max_buffered, stale_limit=self._stale_limit)
        self._syncs[trading_pair] = sync
        self._order_books[trading_pair] = book
        self._metrics.pairs[trading_pair] = metrics
        return sync

    def _drop(self, trading_pair: str) -> OrderBookPairSync:
        sync = self._syncs.pop(trading_pair)
        sync.close()
        self._order_books.pop(trading_pair, None)
        self._metrics.pairs.pop(trading_pair, None)
        return sync

    def _notify(self, tag: OrderBookTrackerEvent, event: OrderBookSyncEvent) -> None:
        if tag is OrderBookTrackerEvent.BookResynced:
            self._check_ready()
        self._pubsub.trigger_event(tag, event)

    def _check_ready(self) -> None:
        if self._initialized and not self._ready.is_set() and all(s.ever_synced for s in self._syncs.values()):
            self._ready.set()

    async def _init_order_books(self, trading_pairs: List[str]) -> None:
        """Validate, subscribe and sync every initial pair at once (no per-pair sleep)."""
        backoff = ExponentialBackoff(initial=0.5, maximum=30.0)
        attempt = 0
        while True:
            try:
                errors = await self._data_source.check_trading_pairs(trading_pairs)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:        # noqa: BLE001 - e.g. exchangeInfo unreachable: retry
                _log.warning("cannot check the trading pairs (%s: %s); retrying", type(exc).__name__, exc)
                await self._sleep(backoff.delay(attempt))
                attempt += 1
        for pair, error in errors.items():
            self._failed[pair] = error
            _log.error("not tracking %s: %s", pair, error)
        valid = [p for p in trading_pairs if p not in errors and p not in self._syncs]
        for pair in valid:
            self._new_sync(pair)
        if valid:
            sub_errors = await self._data_source.subscribe_to_trading_pairs(valid)
            for pair, error in sub_errors.items():
                if pair in self._syncs:
                    self._drop(pair)
                self._failed[pair] = error
                _log.error("not tracking %s: %s", pair, error)
        self._initialized = True
        self._check_ready()

    async def _safeguard_loop(self, interval: float) -> None:
        """Every ``interval`` s, refresh each synced pair from REST (not the primary repair; a pair whose
        sync point is the stream has no REST snapshot to compare)."""
        while True:
            await self._sleep(interval)
            for pair, sync in list(self._syncs.items()):
                if sync.state is not SyncState.SYNCED or not sync.procedure.safeguard:
                    continue
                try:
                    snapshot = await self._data_source._order_book_snapshot(pair)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:        # noqa: BLE001 - the next round tries again
                    sync.metrics.snapshot_errors += 1
                    _log.warning("%s: safeguard snapshot failed: %s", pair, exc)
                    continue
                if self._syncs.get(pair) is sync:
                    sync.apply_safeguard_snapshot(snapshot)
