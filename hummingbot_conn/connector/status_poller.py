"""StatusPoller: REST reconciliation (Contract 4, docs/contracts.md).

The user stream is the fast path; this part fills its gaps by asking the
exchange.  It polls balances and the status of every tracked order

* every ``long_poll_interval`` seconds while the stream is lively, every
  ``short_poll_interval`` while it has been silent for ``stream_silence_limit``;
* at once after every user-stream (re)connect (events sent while we were away
  are found there);
* for one order, soon and with back-off, while its placement or cancel outcome
  is unknown (``resolve_soon``).

Each poll also fetches again the fills orders still owe, finished ones too
(``ClientOrderTracker.retry_missing_fills``, with its own back-off;
docs/contracts.md, Contract 2).

What it learns goes through the same ``ClientOrderTracker`` paths as stream
events: trade ids dedupe fills and the state table makes statuses idempotent,
so nothing is reported twice.  Only an explicit "order does not exist" counts
towards marking an order lost; timeouts, 5xx and auth errors are logged and
retried (hummingbot counted every error as not-found, docs/weaknesses.md W-8).

A failure is logged once and its repeats counted (``hummingbot_conn.log_dedup``).
While the venue refuses the API key (the connector's ``_is_permanent_auth_error``)
the polls slow to ``long_poll_interval``: retrying sooner cannot help, and the
refusal is reported to the connector (``wait_ready`` raises it at once).
"""
import asyncio
import logging
from decimal import Decimal
from typing import Any, Callable, Dict, Sequence, Set

from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState
from hummingbot_conn.log_dedup import RepeatedLog

__all__ = ["StatusPoller"]

_logger = logging.getLogger(__name__)

_EXECUTED_STATES = frozenset((OrderState.PARTIALLY_FILLED, OrderState.FILLED, OrderState.CANCELED,
                              OrderState.EXPIRED, OrderState.PENDING_CANCEL))


class StatusPoller:
    """Polls for ``connector``; ``run()`` is its loop, ``tick(ts)`` the hummingbot-clock entry.

    :param clock: seconds (the connector's clock)
    :param resolve_delays: pauses before each status query of an order whose
        outcome is unknown; the last one repeats
    """

    def __init__(self, connector: Any, clock: Callable[[], float], *,
                 short_poll_interval: float = 5.0, long_poll_interval: float = 120.0,
                 stream_silence_limit: float = 60.0,
                 resolve_delays: Sequence[float] = (0.5, 1.0, 2.0, 4.0),
                 max_concurrent_requests: int = 10) -> None:
        if not resolve_delays or min(resolve_delays) < 0:
            raise ValueError("resolve_delays must be a non-empty sequence of non-negative seconds")
        self._connector = connector
        self._clock = clock
        self.short_poll_interval = short_poll_interval
        self.long_poll_interval = long_poll_interval
        self.stream_silence_limit = stream_silence_limit
        self.resolve_delays = tuple(resolve_delays)
        self._semaphore = asyncio.Semaphore(max_concurrent_requests)
        self._notifier = asyncio.Event()
        self._last_stream_activity = float("-inf")
        self._last_tick = 0.0
        self.last_poll_timestamp = 0.0
        self.poll_count = 0
        self._refreshing: Set[str] = set()
        self._resolving: Dict[str, asyncio.Task] = {}
        self._auth_refused = False
        self._balance_log = RepeatedLog(_logger)        # flushed when a balance poll succeeds
        self._order_log = RepeatedLog(_logger)

    # ---- cadence ------------------------------------------------------------------------
    def stream_activity(self) -> None:
        """Something arrived on the user stream (or it reconnected) just now."""
        self._last_stream_activity = self._clock()

    @property
    def last_stream_activity(self) -> float:
        """Clock time of the last user stream event or (re)connect (``-inf``: none yet)."""
        return self._last_stream_activity

    @property
    def poll_interval(self) -> float:
        if self._auth_refused:          # a refused key: polling faster cannot cure it
            return self.long_poll_interval
        silent = self._clock() - self._last_stream_activity > self.stream_silence_limit
        return self.short_poll_interval if silent else self.long_poll_interval

    def tick(self, timestamp: float) -> None:
        """hummingbot's clock entry: polls when ``timestamp`` enters a new interval."""
        interval = self.poll_interval
        if int(timestamp / interval) > int(self._last_tick / interval):
            self._notifier.set()
        self._last_tick = timestamp

    def poll_now(self) -> None:
        """Ask for a full poll as soon as possible (e.g. after a stream reconnect)."""
        self._notifier.set()

    async def run(self) -> None:
        """Poll forever: at once, then on ``poll_now`` / ``tick`` or when the interval elapses."""
        try:
            await self._run()
        finally:                # cancelled (stop_network): write the counts of repeated errors
            self._balance_log.flush()
            self._order_log.flush()

    async def _run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                self._order_log.exception("Unexpected error while polling the exchange; retrying at the next "
                                          "interval.")
            try:
                async with asyncio.timeout(self.poll_interval):
                    await self._notifier.wait()
            except asyncio.TimeoutError:
                pass
            self._notifier.clear()

    async def poll_once(self) -> None:
        """Balances, then the status of every tracked order (active and lost)."""
        connector = self._connector
        if connector.is_trading_required:
            try:
                await connector._update_balances()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._auth_refused = bool(connector._is_permanent_auth_error(exc))
                connector._note_auth_outcome(exc)
                self._balance_log.warning("Could not update balances: %s", exc)
            else:
                self._auth_refused = False
                connector._note_auth_outcome(None)
                self._balance_log.flush()
            await self.update_order_status()
        self.last_poll_timestamp = self._clock()
        self.poll_count += 1

    async def update_order_status(self) -> None:
        tracker = self._connector._order_tracker
        placer = self._connector._order_placer
        tracker.retry_missing_fills()       # fills owed to orders (finished ones too) whose back-off is over
        orders = []
        for order in tracker.all_updatable_orders.values():
            if placer.is_placing(order.client_order_id):
                continue                    # its request has not returned: nothing to ask yet
            if order.current_state is OrderState.PENDING_CREATE:
                self.resolve_soon(order)    # e.g. restored after a restart: resolve it promptly
            else:
                orders.append(order)
        if orders:
            await asyncio.gather(*(self.refresh_order(o) for o in orders))

    # ---- one order ------------------------------------------------------------------------
    async def refresh_order(self, order: InFlightOrder) -> None:
        """Ask the exchange for one order's status (and its fills when it
        executed more than we know) and feed the answers to the tracker."""
        cid = order.client_order_id
        if cid in self._refreshing:
            return
        self._refreshing.add(cid)
        connector = self._connector
        tracker = connector._order_tracker
        try:
            async with self._semaphore:
                try:
                    update = await connector._request_order_status(order)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if connector._is_order_not_found_during_status_update_error(exc):
                        await tracker.process_order_not_found(cid)
                    else:
                        self._order_log.warning("Could not get the status of order %s (not counted as not found): "
                                                "%s", cid, exc)
                    return
                if update.exchange_order_id is not None and order.exchange_order_id is None:
                    tracker.update_exchange_order_id(cid, update.exchange_order_id)
                if self._fills_missing(order, update):
                    await self._fetch_fills(order)
                tracker.process_order_update(update)
        finally:
            self._refreshing.discard(cid)

    @staticmethod
    def _fills_missing(order: InFlightOrder, update: Any) -> bool:
        if order.exchange_order_id is None or update.new_state not in _EXECUTED_STATES:
            return False
        executed = (update.misc_updates or {}).get("executed_amount_base")
        if isinstance(executed, Decimal):
            return executed > order.executed_amount_base
        return order.executed_amount_base < order.amount

    async def _fetch_fills(self, order: InFlightOrder) -> None:
        connector = self._connector
        try:
            trade_updates = await connector._all_trade_updates_for_order(order)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._order_log.warning("Could not fetch the fills of order %s: %s", order.client_order_id, exc)
            return
        for trade_update in trade_updates:
            connector._order_tracker.process_trade_update(trade_update)

    def resolve_soon(self, order: InFlightOrder) -> None:
        """Query this order by client id after each of ``resolve_delays`` until
        it leaves PENDING_CREATE / its cancel outcome is known, or it is lost."""
        cid = order.client_order_id
        if cid in self._resolving:
            return
        self._resolving[cid] = self._connector._order_placer.spawn(self._resolve(order))

    async def _resolve(self, order: InFlightOrder) -> None:
        cid = order.client_order_id
        tracker = self._connector._order_tracker
        start_state = order.current_state
        # a placement is resolved however long it takes; an uncertain cancel of a
        # live order is checked a few times, then left to the regular polls
        max_attempts = None if start_state is OrderState.PENDING_CREATE else len(self.resolve_delays)
        try:
            attempt = 0
            while (tracker.fetch_tracked_order(cid) is order and order.current_state is start_state
                   and (max_attempts is None or attempt < max_attempts)):
                await asyncio.sleep(self.resolve_delays[min(attempt, len(self.resolve_delays) - 1)])
                attempt += 1
                if tracker.fetch_tracked_order(cid) is not order or order.current_state is not start_state:
                    break
                await self.refresh_order(order)
        finally:
            self._resolving.pop(cid, None)

    def resolving(self) -> Set[str]:
        return set(self._resolving)
