"""OrderPlacer: the create and cancel paths of a connector (Contract 2, docs/contracts.md).

Create: ``submit`` runs in the caller's ``buy()`` / ``sell()``.  It checks the
order against the trading rules (a refusal becomes a MarketOrderFailureEvent
on the next loop iteration, and no request is sent), then tracks it
(PENDING_CREATE) *before* the request and schedules the request.  The
request's outcome decides what happens next:

* accepted: an OPEN update with the exchange id (the Created event; a later
  state already reported by the stream or the answer is never moved back);
* rejected by the exchange (a 4xx, a 429, a refused connection): FAILED;
* unknown (timeout, reset, 5xx, a lost answer): the order stays
  PENDING_CREATE and the status poller asks the exchange by client order id
  until it knows.  The request is never sent again, the order never failed
  on a guess (hummingbot failed it, docs/weaknesses.md W-7, W-19).

Cancel: by client order id once the placement request has returned; an
"unknown order" answer or an unknown outcome makes the poller ask the
exchange what became of the order (filled, cancelled or never there).  A
cancel the exchange did not process -- refused by a rate limit (429 / 418)
or never admitted by the throttler within its timeout -- is sent again as
soon as the limit allows (the throttler holds it until the venue's
``Retry-After`` and window reset; cancels go before placements and polls),
for up to ``CANCEL_SEND_DEADLINE`` seconds while the order is live.  Past
that the order stays tracked as open and an ERROR says so: a cancel is never
silently dropped (docs/binance_spot.md section 1.4).
"""
import asyncio
import logging
import time
from decimal import Decimal
from typing import Any, Awaitable, Dict, List, Optional, Set

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.connector.cancellation_result import CancellationResult
from hummingbot_conn.connector.decimal_context import library_context
from hummingbot_conn.connector.trading_rules import OrderRejected, describe
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate
from hummingbot_conn.events import MarketEvent, MarketOrderFailureEvent
from hummingbot_conn.tracking.order_book_tracker_metrics import LatencyStats
from hummingbot_conn.web.errors import RateLimitExceededError, ThrottleTimeoutError

__all__ = ["OrderPlacer"]

_logger = logging.getLogger(__name__)

PLACEMENT_WAIT_BEFORE_CANCEL = 10.0  # seconds a cancel waits for its order's placement answer
# seconds a cancel the exchange did not process (rate limited) keeps being sent again:
# longer than one whole weight window, so a 429's Retry-After always ends within it
CANCEL_SEND_DEADLINE = 90.0
_NAN = Decimal("NaN")
CANCEL_RETRY_MIN_DELAY = 0.5         # at least this between two cancels refused by a rate limit


class OrderPlacer:
    """Create / cancel orders for ``connector`` (an ``ExchangePyBase``).

    Round trips (``hummingbot_conn.metrics`` exports them): ``create_round_trip``
    samples the seconds from sending a create request to the exchange's
    acceptance, ``cancel_round_trip`` from sending a cancel to its
    confirmation (``time.perf_counter``; rejections and unknown outcomes are not
    sampled).  ``cancels_not_open``: cancels the exchange answered with "unknown
    order" (the order had filled or gone meanwhile, an expected race; its status
    is then asked for).
    """

    def __init__(self, connector: Any) -> None:
        self._connector = connector
        self._placing: Dict[str, asyncio.Event] = {}   # client id -> set when its request has returned
        self._tasks: Set[asyncio.Task] = set()
        self.create_round_trip = LatencyStats()
        self.cancel_round_trip = LatencyStats()
        self.cancels_not_open = 0
        self.cancel_send_deadline = CANCEL_SEND_DEADLINE

    @property
    def placing(self) -> Set[str]:
        """Client ids whose placement request has not returned yet."""
        return set(self._placing)

    def is_placing(self, client_order_id: str) -> bool:
        return client_order_id in self._placing

    def spawn(self, coro: Any) -> asyncio.Task:
        # the caller's decimal context (its precision, rounding) must not reach our arithmetic
        task = asyncio.get_running_loop().create_task(coro, context=library_context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def stop(self) -> None:
        """Cancel requests in progress.  Placements cut off here keep their
        order PENDING_CREATE: their outcome is resolved later by client id."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ---- create -------------------------------------------------------------------------
    def submit(self, order_id: str, trade_type: TradeType, trading_pair: str, amount: Any,
               order_type: Any, price: Any, **kwargs: Any) -> None:
        """Check, track and schedule one order.  Needs a running event loop
        (``RuntimeError`` otherwise, raised before anything is tracked)."""
        asyncio.get_running_loop()
        connector = self._connector
        try:
            if not connector._started:
                # after stop_network() nothing watches the order (no stream, no
                # poller) and the request would reopen the closed web stack
                raise OrderRejected(f"{connector.name} is not running: call start_network() first")
            if not isinstance(order_type, OrderType) or order_type not in connector.supported_order_types():
                raise OrderRejected(f"{describe(order_type) if not isinstance(order_type, OrderType) else order_type}"
                                    " is not in the list of supported order types")
            reference = None
            if order_type is OrderType.MARKET:
                reference = connector._market_reference_price(trading_pair, trade_type is TradeType.BUY)
            quantized_amount, quantized_price = connector._trading_rules_part.check_order(
                trading_pair, order_type, amount, price, reference)
            order = connector._create_in_flight_order(
                order_id, trading_pair, order_type, trade_type, quantized_amount, quantized_price, **kwargs)
        except Exception as exc:
            # whatever the check raised (a venue hook included), the id the caller
            # gets back has its outcome: a failure event, and nothing sent
            if not isinstance(exc, (OrderRejected, ValueError, TypeError, ArithmeticError)):
                _logger.exception("Unexpected error checking order %s; it is rejected.", order_id)
            self.spawn(self._reject(order_id, trading_pair, trade_type, order_type, amount, price, exc))
            return
        connector._order_tracker.start_tracking_order(order)
        self._placing[order_id] = asyncio.Event()
        # tracked: now the request may leave, at once where the venue's socket takes it (no loop turn
        # between buy() and the bytes on the wire), else from the task below
        started = time.perf_counter()
        try:
            sent = connector._send_order_now(order)
        except Exception:
            # it may have left before the error: never resend, ask the exchange by client id
            _logger.exception("Unexpected error sending order %s; its outcome will be resolved by client id.",
                              order_id)
            self._placing.pop(order_id).set()
            connector._status_poller.resolve_soon(order)
            return
        task = self.spawn(self._place(order, kwargs, sent, started))
        if sent is not None and hasattr(sent, "close"):
            # a task cancelled before its first step never awaits ``sent``: close it (no warning)
            task.add_done_callback(lambda _: sent.close())
        warmer = connector._order_path_warmer
        if warmer is not None:          # after the send: what the rehearsals run (order_path_warmer.py)
            warmer.remember(trading_pair, trade_type, order_type, quantized_amount, quantized_price, kwargs,
                            reference)

    async def _reject(self, order_id: str, trading_pair: str, trade_type: Any, order_type: Any,
                      amount: Any, price: Any, exc: Exception) -> None:
        connector = self._connector
        # the caller's objects are described, never str()-ed: their methods may raise or re-enter
        _logger.warning("Rejected %s %s order %s for %s: %s",
                        trade_type.name, getattr(order_type, "name", None) if isinstance(order_type, OrderType)
                        else describe(order_type), order_id, order_terms(amount, trading_pair, order_type, price),
                        exc)
        # an order_type that is not an OrderType is reported as None: there is no true value to give
        reported_type = order_type if isinstance(order_type, OrderType) else None
        connector.trigger_event(MarketEvent.OrderFailure, MarketOrderFailureEvent(
            connector.current_timestamp, order_id, reported_type, str(exc), type(exc).__name__))  # type: ignore[arg-type]

    async def _place(self, order: InFlightOrder, kwargs: Dict[str, Any], sent: Optional[Awaitable[tuple]] = None,
                     started: Optional[float] = None) -> None:
        """The placement's outcome: ``sent`` (a request ``_send_order_now`` wrote) or ``_place_order``."""
        connector = self._connector
        cid = order.client_order_id
        if started is None:
            started = time.perf_counter()
        try:
            if sent is None:
                sent = connector._place_order(
                    cid, order.trading_pair, order.amount, order.trade_type, order.order_type,
                    order.price if order.price is not None else _NAN, **kwargs)
            exchange_order_id, update_timestamp = await sent
            self.create_round_trip.add(time.perf_counter() - started)
        except asyncio.CancelledError:
            _logger.warning("Placement of order %s interrupted; its outcome will be resolved by client id.", cid)
            raise
        except Exception as exc:
            if connector._is_request_outcome_unknown(exc):
                _logger.warning("The outcome of order %s is unknown (%s); asking the exchange by client id.",
                                cid, exc)
                connector._status_poller.resolve_soon(order)
                return
            _logger.warning("Error submitting %s %s order to %s for %s %s %s: %s", order.trade_type.name.lower(),
                            order.order_type.name, connector.name_cap, order.amount, order.trading_pair,
                            order.price, exc)
            connector._order_tracker.process_order_update(OrderUpdate(
                order.trading_pair, connector.current_timestamp, OrderState.FAILED, client_order_id=cid,
                misc_updates={"error_message": str(exc), "error_type": type(exc).__name__}))
            return
        finally:
            event = self._placing.pop(cid, None)
            if event is not None:
                event.set()
        if exchange_order_id is None:      # the venue answered without an id: ask it by client id
            connector._status_poller.resolve_soon(order)
            return
        connector._order_tracker.process_order_update(OrderUpdate(
            order.trading_pair, update_timestamp, OrderState.OPEN, client_order_id=cid,
            exchange_order_id=str(exchange_order_id)))

    # ---- cancel -------------------------------------------------------------------------
    def cancel(self, trading_pair: str, client_order_id: str) -> str:
        if not self._connector._started:
            # nothing would watch the answer, and the request would reopen the closed web stack
            _logger.warning("Not cancelling order %s: %s is not running.", describe(client_order_id),
                            self._connector.name)
            return client_order_id
        self.spawn(self.execute_cancel(trading_pair, client_order_id))
        return client_order_id

    async def execute_cancel(self, trading_pair: str, client_order_id: str) -> bool:
        """True if the exchange accepted the cancel (or the order is already cancelled);
        False without sending anything when the order is not ``trading_pair``'s."""
        connector = self._connector
        order = connector._order_tracker.fetch_tracked_order(client_order_id)
        if order is None:
            order = connector._order_tracker.fetch_order(client_order_id)
            if order is not None and order.is_cancelled:
                return True
            _logger.warning("Failed to cancel order %s: it is not an active order.", client_order_id)
            return False
        if order.trading_pair != trading_pair:
            # hummingbot's _execute_cancel(trading_pair, order_id): a pair that is not the
            # order's means the caller's idea of the order is wrong; nothing is sent
            _logger.error("Not cancelling order %s: it is a %s order, not %s.", client_order_id,
                          order.trading_pair, describe(trading_pair))
            return False
        placed = self._placing.get(client_order_id)
        if placed is not None:
            try:
                async with asyncio.timeout(PLACEMENT_WAIT_BEFORE_CANCEL):
                    await placed.wait()
            except asyncio.TimeoutError:
                pass            # cancel by client id anyway: "unknown order" makes us ask
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.cancel_send_deadline
        while True:
            if order.is_done:
                return order.is_cancelled
            sent = time.perf_counter()
            try:
                cancelled = await connector._place_cancel(client_order_id, order)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if connector._is_order_not_found_during_cancelation_error(exc):
                    # closed already (filled? cancelled?) or never there: ask, do not guess.  A cancel racing
                    # a fill is expected: counted, and DEBUG (the status asked for tells what happened)
                    self.cancels_not_open += 1
                    _logger.debug("The exchange does not know order %s as open; checking its status.",
                                  client_order_id)
                    await connector._status_poller.refresh_order(order)
                elif connector._is_request_outcome_unknown(exc):
                    _logger.warning("The outcome of the cancel of %s is unknown (%s); checking its status.",
                                    client_order_id, exc)
                    connector._status_poller.resolve_soon(order)
                elif isinstance(exc, (ThrottleTimeoutError, RateLimitExceededError)):
                    # not processed by the exchange: the order is live and resending is safe
                    left = deadline - loop.time()
                    if left > 0:
                        _logger.warning("The cancel of order %s was not processed by the exchange (%s); sending it "
                                        "again as soon as the rate limit allows (for up to %.0fs more).",
                                        client_order_id, exc, left)
                        # the throttler holds the resend until Retry-After; this only stops a 429
                        # without one (or with 0) from being answered by an immediate resend
                        pause = getattr(exc, "retry_after", CANCEL_RETRY_MIN_DELAY)
                        if pause < CANCEL_RETRY_MIN_DELAY:
                            await asyncio.sleep(min(CANCEL_RETRY_MIN_DELAY - pause, left))
                        continue
                    _logger.error("Order %s is still open on %s: its cancel could not reach the exchange within "
                                  "%.0fs (%s). It stays tracked as open; cancel it again.", client_order_id,
                                  connector.name, self.cancel_send_deadline, exc)
                else:
                    _logger.error("Failed to cancel order %s: %s", client_order_id, exc)
                return order.is_cancelled
        if cancelled:
            self.cancel_round_trip.add(time.perf_counter() - sent)
            state = (OrderState.CANCELED if connector.is_cancel_request_in_exchange_synchronous
                     else OrderState.PENDING_CANCEL)
            connector._order_tracker.process_order_update(OrderUpdate(
                order.trading_pair, connector.current_timestamp, state, client_order_id=client_order_id))
            return True
        return False

    async def cancel_all(self, timeout_seconds: float) -> List[CancellationResult]:
        """Cancel every unfinished active order concurrently; one result per
        order, ``success`` False for those not cancelled within the timeout."""
        orders = [o for o in self._connector._order_tracker.active_orders.values() if not o.is_done]
        if not self._connector._started:
            _logger.warning("Not cancelling %d orders: %s is not running.", len(orders), self._connector.name)
            return [CancellationResult(o.client_order_id, False) for o in orders]
        tasks = {self.spawn(self.execute_cancel(o.trading_pair, o.client_order_id)): o.client_order_id
                 for o in orders}
        if not tasks:
            return []
        done, pending = await asyncio.wait(tasks, timeout=timeout_seconds)
        for task in pending:
            task.cancel()
        results = []
        for task, cid in tasks.items():
            ok = task in done and not task.cancelled() and task.exception() is None and task.result() is True
            results.append(CancellationResult(cid, ok))
        return results

    def placement_event(self, client_order_id: str) -> Optional[asyncio.Event]:
        return self._placing.get(client_order_id)


_PLAIN_EXPONENT = 40      # digits either side of the point a log line writes out in full


def order_terms(amount: Any, trading_pair: Any, order_type: Any, price: Any) -> str:
    """What an order asked, as plain text for a log line: ``0.1 ETH-USDT at 2000.5``, ``0.1 ETH-USDT at
    market`` (a MARKET order), ``0.1 ETH-USDT without a price`` (another type with None / NaN). Exact
    numbers print as decimal text; anything else only by its type name (``describe``: the caller's
    objects are never str()-ed)."""
    def plain(value: Any) -> str:
        # plain text only for numbers of a sane size: format(Decimal("1e999999999"), "f") would
        # build a gigabyte of zeros (a hostile amount must never cost the process its memory)
        if type(value) is Decimal and value.is_finite() and -_PLAIN_EXPONENT <= value.adjusted() <= _PLAIN_EXPONENT:
            return format(value, "f")
        if type(value) is int and value.bit_length() <= 128:
            return str(value)
        if type(value) in (str, float) and value == value and len(str(value)) <= 64:
            return str(value)
        return describe(value)

    if order_type is OrderType.MARKET:
        at = " at market"
    elif price is None or (type(price) is Decimal and price.is_nan()) or (type(price) is float and price != price):
        at = " without a price"
    else:
        at = f" at {plain(price)}"
    return f"{plain(amount)} {plain(trading_pair)}{at}"
