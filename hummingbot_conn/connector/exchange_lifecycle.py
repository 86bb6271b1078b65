"""ExchangeLifecycle: the network side of ``ExchangePyBase``.

It builds the web stack (time synchronizer, throttler, auth, web assistants)
and the two trackers from the venue's hooks, starts and stops the background
loops, answers ``ready`` / ``status_dict`` / ``check_network``, and offers
hummingbot's ``_api_get`` / ``_api_post`` / ``_api_delete`` request helpers.
``ExchangePyBase`` adds the trading API on top; it is split from it only to
keep each module readable.
"""
import asyncio
import contextlib
import logging
from decimal import Decimal
from typing import Any, Dict, Iterator, List, Optional

from hummingbot_conn.connector.balances import Balances
from hummingbot_conn.connector.decimal_context import library_context
from hummingbot_conn.connector.exchange_hooks import ExchangeHooks
from hummingbot_conn.connector.network_status import NetworkStatus
from hummingbot_conn.connector.order_path_warmer import OrderPathWarmer
from hummingbot_conn.connector.order_placer import OrderPlacer
from hummingbot_conn.connector.status_poller import StatusPoller
from hummingbot_conn.connector.symbol_map import SymbolMap
from hummingbot_conn.connector.trading_rules import TradingRules
from hummingbot_conn.log_dedup import RepeatedLog
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker
from hummingbot_conn.tracking.order_book_tracker import OrderBookTracker
from hummingbot_conn.tracking.user_stream_tracker import UserStreamTracker
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.data_types import RESTMethod
from hummingbot_conn.web.errors import AuthenticationError, ExchangeError, is_auth_rejection
from hummingbot_conn.web.time_synchronizer import TimeSynchronizer

__all__ = ["ExchangeLifecycle"]

_logger = logging.getLogger(__name__)

RULES_RETRY_DELAY = 5.0   # seconds before retrying trading rules that failed to load
STOP_TIMEOUT = 10.0       # seconds each part gets to stop in stop_network


@contextlib.contextmanager
def _repeats_counted() -> Iterator[RepeatedLog]:
    """A loop's log: each failure written once, its repeats counted and written when the
    loop recovers (``flush``) or ends (stop_network cancels it)."""
    log = RepeatedLog(_logger)
    try:
        yield log
    finally:
        log.flush()


async def _bounded(what: str, awaitable: Any) -> None:
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT)
    if not done:
        task.cancel()
        _logger.warning("Stopping %s took more than %gs; it is left to finish in the background.",
                        what, STOP_TIMEOUT)
    elif not task.cancelled() and task.exception() is not None:
        _logger.warning("Stopping %s failed: %r", what, task.exception())


class ExchangeLifecycle(ExchangeHooks):
    """The network half of ``ExchangePyBase`` (its base): the web stack, the trackers and the
    loops, over the venue's declarations and hooks (``ExchangeHooks``, each with its contract)."""

    TRADING_RULES_INTERVAL = 30 * 60.0
    TRADING_FEES_INTERVAL = 12 * 3600.0

    # parts ExchangePyBase builds before it calls ``ExchangeLifecycle.__init__``
    _rate_limits_share_pct: Decimal
    _trading_rules_part: TradingRules
    _balances: Balances
    _symbol_map: SymbolMap
    _order_tracker: ClientOrderTracker
    _order_placer: OrderPlacer
    _order_path_warmer: Optional[OrderPathWarmer]
    _status_poller: StatusPoller

    @property
    def name_cap(self) -> str:
        return self.name.capitalize()

    # ---- hooks with a default (the required ones: exchange_hooks.py) -----------------------------
    async def _update_trading_fees(self) -> None:
        """Refresh fee rates (default: nothing to do)."""

    def _is_permanent_auth_error(self, request_exception: BaseException) -> bool:
        """True when the venue refused the credentials for good (default: HTTP 401); a venue
        adds its own codes (Binance: -2014, -2015, -1022)."""
        return is_auth_rejection(request_exception)

    def __init__(self) -> None:
        self._time_synchronizer = TimeSynchronizer()
        # calendar-window limits reset on the venue's clock, which the synchronizer estimates
        self._throttler = AsyncThrottler(rate_limits=self.rate_limits_rules,
                                         limits_share_percentage=self._rate_limits_share_pct,
                                         calendar_clock=self._time_synchronizer.time)
        self._auth = self.authenticator if self.is_trading_required else None
        self._web_assistants_factory = self._create_web_assistants_factory()
        self._order_book_tracker = OrderBookTracker(data_source=self._create_order_book_data_source(),
                                                    trading_pairs=self.trading_pairs)
        self._user_stream_tracker: Optional[UserStreamTracker] = None
        if self.is_trading_required:
            self._user_stream_tracker = self._create_user_stream_tracker()
            self._user_stream_tracker.add_connection_listener(self._on_user_stream_connected)
        self._user_stream_connections = 0
        self._network_tasks: List[asyncio.Task] = []
        self._warming_task: Optional[asyncio.Task] = None
        # the loop the network runs on (set by _start_loops), and the stop_network calls in progress:
        # rehearsals start only while started and not stopping (a warm_order_path() during
        # stop_network's awaits must not leave a loop running after it)
        self._network_loop: Optional[asyncio.AbstractEventLoop] = None
        self._stopping = 0
        self._started = False
        self._auth_failure: Optional[BaseException] = None     # from the REST polls (_note_auth_outcome)

    def _create_user_stream_tracker(self) -> UserStreamTracker:
        return UserStreamTracker(data_source=self._create_user_stream_data_source())

    # ---- state --------------------------------------------------------------------------------
    @property
    def throttler(self) -> AsyncThrottler:
        return self._throttler

    @property
    def order_book_tracker(self) -> OrderBookTracker:
        return self._order_book_tracker

    @property
    def user_stream_tracker(self) -> Optional[UserStreamTracker]:
        return self._user_stream_tracker

    async def add_trading_pair(self, trading_pair: str) -> bool:
        """Track one more pair's order book (True if added)."""
        added = await self._order_book_tracker.add_trading_pair(trading_pair)
        if added and trading_pair not in self.trading_pairs:
            self.trading_pairs.append(trading_pair)
        return added

    async def remove_trading_pair(self, trading_pair: str) -> bool:
        """Stop tracking a pair's order book (True if removed)."""
        removed = await self._order_book_tracker.remove_trading_pair(trading_pair)
        if removed and trading_pair in self.trading_pairs:
            self.trading_pairs.remove(trading_pair)
        return removed

    @property
    def status_dict(self) -> Dict[str, bool]:
        trading = self.is_trading_required
        return {
            "symbols_mapping_initialized": self._symbol_map.initialized,
            "order_books_initialized": bool(self._order_book_tracker.ready),
            "account_balance": not trading or self._balances.snapshot_received,
            "trading_rule_initialized": self._trading_rules_part.initialized,
            "user_stream_initialized": not trading or self._user_stream_connections > 0,
        }

    @property
    def ready(self) -> bool:
        return all(self.status_dict.values())

    @property
    def auth_error(self) -> Optional[AuthenticationError]:
        """The venue's refusal of our API key or secret, if the last signed account call
        (the user stream's subscription, the balance poll) got one; else None."""
        tracker = self._user_stream_tracker
        error = getattr(getattr(tracker, "data_source", None), "permanent_error", None) or self._auth_failure
        if not isinstance(error, ExchangeError) or not self._is_permanent_auth_error(error):
            return None
        return AuthenticationError.from_error(self.name, error)

    def _note_auth_outcome(self, error: Optional[BaseException]) -> None:
        """A signed account request succeeded (``None``) or failed with ``error`` (the status poller
        reports each balance poll here): a refused key is kept for ``auth_error``."""
        if error is None:
            self._auth_failure = None
        elif self._is_permanent_auth_error(error):
            self._auth_failure = error

    async def wait_ready(self, timeout: Optional[float] = None, poll: float = 0.05) -> None:
        """Wait until ``ready``.

        Raises ``AuthenticationError`` at once when the venue refuses the API key or
        secret (``auth_error``: one sentence naming the venue's code and message, e.g.
        ``binance rejected the API key: -2015 Invalid API-key, IP, or permissions for
        action.``): waiting cannot cure it.  Raises ``TimeoutError``
        (``asyncio.TimeoutError``) after ``timeout`` seconds whose message names the parts
        that are not ready and the user stream's last error, so a misconfigured bot is told
        why instead of only that it waited.
        """
        async def _wait() -> None:
            while not self.ready:
                error = self.auth_error
                if error is not None:
                    raise error
                await asyncio.sleep(poll)
        try:
            async with asyncio.timeout(timeout):
                await _wait()
        except TimeoutError:
            raise TimeoutError(self._not_ready_reason(timeout)) from None

    def _not_ready_reason(self, timeout: Optional[float]) -> str:
        missing = [name for name, ok in self.status_dict.items() if not ok]
        waited = "ever" if timeout is None else f"{timeout:g} s"
        reason = f"{self.name_cap} not ready after {waited}; waiting for: {', '.join(missing) or 'nothing'}"
        tracker = self._user_stream_tracker
        error = getattr(getattr(tracker, "data_source", None), "last_error", None)
        if error is not None:
            reason += f"; the user stream's last error: {type(error).__name__}: {error}"
        return reason

    # ---- start / stop -------------------------------------------------------------------------------
    async def start_network(self) -> None:
        """Start the books, the trading rules loop and, when trading, the user
        stream, its event listener and the status poller.  Returns at once;
        ``ready`` turns True when everything has loaded."""
        await self.stop_network()
        # started inside a task with the standard decimal context: every loop and
        # task started from here inherits it, not the caller's precision / rounding
        await asyncio.get_running_loop().create_task(self._start_loops(), context=library_context())

    async def _start_loops(self) -> None:
        self._started = True
        self._order_book_tracker.start()
        spawn = asyncio.get_running_loop().create_task
        # loops still here were started by a start_network that overlapped this one (both past their
        # stop_network): replaced, they would be in no list and outlive every stop, so end them
        for task in self._network_tasks:
            task.cancel()
        self._network_tasks = [spawn(self._trading_rules_polling_loop()),
                               spawn(self._trading_fees_polling_loop())]
        if self._user_stream_tracker is not None:       # built when trading is required
            self._network_tasks += [spawn(self._user_stream_tracker.start()),
                                    spawn(self._user_stream_event_listener_loop()),
                                    spawn(self._status_poller.run())]
        self._warming_task = None
        self._network_loop = asyncio.get_running_loop()
        self._restart_warming()

    def _warming_may_run(self) -> bool:
        return self._started and not self._stopping

    def _on_network_loop(self) -> bool:
        """False when rehearsals would start now but this thread runs no event loop or another than
        the network's (asyncio's objects are not thread-safe: a task made there would belong to no
        loop or to the wrong one)."""
        if not self._warming_may_run():
            return True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        return self._network_loop is None or loop is self._network_loop

    def _restart_warming(self) -> None:
        """Start (or stop) the order path's rehearsals to match ``_order_path_warmer`` while the
        network runs (connector/order_path_warmer.py).  Called on the network's loop."""
        task, self._warming_task = self._warming_task, None
        if task is not None:
            task.cancel()
            # dropped at once: a bot turning warming off and on would otherwise pile up one
            # finished task per call until stop_network (a cancelled sleep ends on the next turn)
            if task in self._network_tasks:
                self._network_tasks.remove(task)
        warmer = self._order_path_warmer
        if warmer is not None and self._warming_may_run():
            self._warming_task = asyncio.get_running_loop().create_task(warmer.run(), context=library_context())
            self._network_tasks.append(self._warming_task)

    async def stop_network(self) -> None:
        """Stop every loop and request in progress; tracked orders stay as they are.

        Each part gets ``STOP_TIMEOUT`` seconds to stop; one that does not is
        logged and left to finish in the background, so stopping never hangs.
        """
        self._stopping += 1             # before any await: nothing started meanwhile outlives the stop
        try:
            await self._stop_network()
        finally:
            self._stopping -= 1

    async def _stop_network(self) -> None:
        self._network_loop = None
        self._warming_task = None
        tasks, self._network_tasks = self._network_tasks, []
        for task in tasks:
            task.cancel()
        await _bounded("the connector's loops", asyncio.gather(*tasks, return_exceptions=True))
        await _bounded("the order placer", self._order_placer.stop())
        await _bounded("the order tracker", self._order_tracker.stop())
        if self._started:
            self._started = False
            await _bounded("the order book tracker", self._order_book_tracker.stop())
            if self._user_stream_tracker is not None:
                await _bounded("the user stream tracker", self._user_stream_tracker.stop())
        await _bounded("the web session", self._web_assistants_factory.close())
        self._user_stream_connections = 0

    async def check_network(self) -> NetworkStatus:
        try:
            await self._make_network_check_request()
        except asyncio.CancelledError:
            raise
        except Exception:
            return NetworkStatus.NOT_CONNECTED
        return NetworkStatus.CONNECTED

    # ---- loops -------------------------------------------------------------------------------------
    # each loop logs a failure once, then counts its repeats (written when it recovers)
    async def _trading_rules_polling_loop(self) -> None:
        with _repeats_counted() as log:
            while True:
                try:
                    await self._update_trading_rules()
                    delay = self.TRADING_RULES_INTERVAL
                    log.flush()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("Could not fetch the trading rules from %s: %s", self.name_cap, exc)
                    delay = RULES_RETRY_DELAY if not self._trading_rules_part.initialized \
                        else self.TRADING_RULES_INTERVAL
                await asyncio.sleep(delay)

    async def _trading_fees_polling_loop(self) -> None:
        with _repeats_counted() as log:
            while True:
                try:
                    await self._update_trading_fees()
                    log.flush()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("Could not fetch the trading fees from %s: %s", self.name_cap, exc)
                await asyncio.sleep(self.TRADING_FEES_INTERVAL)

    async def _user_stream_event_listener_loop(self) -> None:
        # the venue's listener should not end; if it raises, log and restart it
        with _repeats_counted() as log:
            while True:
                try:
                    await self._user_stream_event_listener()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("Unexpected error in the user stream listener loop; restarting it.")
                    await asyncio.sleep(1.0)

    def _on_user_stream_connected(self, connection_number: int) -> None:
        """Called by the user stream tracker after each subscription: whatever
        happened while disconnected is fetched by REST now (Contract 4)."""
        self._user_stream_connections = connection_number
        self._status_poller.stream_activity()
        if connection_number > 1:
            _logger.info("User stream reconnected (%d); reconciling orders and balances by REST.",
                         connection_number)
        self._status_poller.poll_now()

    async def _update_trading_rules(self) -> None:
        exchange_info = await self._make_trading_rules_request()
        rules = await self._format_trading_rules(exchange_info)
        self._trading_rules_part.replace_all(rules)
        self._initialize_trading_pair_symbols_from_exchange_info(exchange_info)

    # ---- REST helpers (hummingbot's names) -----------------------------------------------------------
    async def _make_network_check_request(self) -> Any:
        return await self._api_get(path_url=self.check_network_request_path)

    async def _make_trading_rules_request(self) -> Any:
        return await self._api_get(path_url=self.trading_rules_request_path)

    async def _make_trading_pairs_request(self) -> Any:
        return await self._api_get(path_url=self.trading_pairs_request_path)

    async def _api_get(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["method"] = RESTMethod.GET
        return await self._api_request(*args, **kwargs)

    async def _api_post(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["method"] = RESTMethod.POST
        return await self._api_request(*args, **kwargs)

    async def _api_put(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["method"] = RESTMethod.PUT
        return await self._api_request(*args, **kwargs)

    async def _api_delete(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["method"] = RESTMethod.DELETE
        return await self._api_request(*args, **kwargs)

    async def _api_request(self, path_url: str, overwrite_url: Optional[str] = None,
                           method: RESTMethod = RESTMethod.GET, params: Optional[Dict[str, Any]] = None,
                           data: Optional[Dict[str, Any]] = None, is_auth_required: bool = False,
                           return_err: bool = False, limit_id: Optional[str] = None,
                           headers: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Any:
        """One REST call through the throttler (limit ``limit_id`` or the path);
        time-sync errors are resynced and retried once by the web layer, errors
        raise the web layer's typed exceptions."""
        url = overwrite_url or await self._api_request_url(path_url=path_url, is_auth_required=is_auth_required)
        rest = await self._web_assistants_factory.get_rest_assistant()
        return await rest.execute_request(url=url, throttler_limit_id=limit_id or path_url, params=params,
                                          data=data, method=method, is_auth_required=is_auth_required,
                                          return_err=return_err, headers=headers, **kwargs)

    @property
    def rate_limits_share_pct(self) -> Decimal:
        return self._rate_limits_share_pct
