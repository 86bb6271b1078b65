"""ExchangePyBase: the base a venue connector subclasses (hummingbot's name and hooks).

A thin coordinator over parts that each own one concern (docs/architecture.md,
"the connector as composed parts"):

    ClientOrderTracker  in-flight orders, the state table, exactly-once events
    OrderBookTracker    books per pair (market data source)
    UserStreamTracker   the account stream; calls us back on every (re)connect
    TradingRules        exchangeInfo -> quantisation and local order checks
    Balances            total / available, from stream events and REST
    OrderPlacer         create / cancel, outcome-unknown handling
    StatusPoller        REST reconciliation, cadence by stream health
    OrderBookQueries    Decimal price / volume queries over the books
    FrameRefusals       user-stream frames refused by the strict parser: counted, reconciled

A venue supplies the constants (``name``, ``rate_limits_rules``, ...) and the
hooks hummingbot defines (``_place_order``, ``_place_cancel``,
``_format_trading_rules``, ``_update_balances``, ``_all_trade_updates_for_order``,
``_request_order_status``, ``_user_stream_event_listener``, the data source
factories, the error classifiers).  docs/porting_connectors.md lists what a
hummingbot connector changes to port.

The connector runs on its own in an asyncio loop after ``start_network()``;
``tick(timestamp)`` also works for a hummingbot-style clock.  The clock
(``clock``: seconds) and the client order id generator are injected.
"""
import asyncio
import logging
import math
import time
from decimal import Decimal
from typing import Any, AsyncIterable, Awaitable, Callable, Dict, FrozenSet, List, Mapping, Optional

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.connector.arguments import (
    check_bool,
    check_number,
    check_order_keywords,
    exact_str,
    positive_seconds,
)
from hummingbot_conn.connector.balances import Balances
from hummingbot_conn.connector.cancellation_result import CancellationResult
from hummingbot_conn.connector.client_order_id import ClientOrderIdGenerator
from hummingbot_conn.connector.exchange_lifecycle import ExchangeLifecycle
from hummingbot_conn.connector.frame_refusals import FrameRefusals
from hummingbot_conn.connector.market_data import ClientOrderBookQueryResult, OrderBookQueries
from hummingbot_conn.connector.order_path_warmer import (
    DEFAULT_INTERVAL as DEFAULT_WARM_INTERVAL,
    OrderPathWarmer,
    positive_interval,
)
from hummingbot_conn.connector.order_placer import OrderPlacer
from hummingbot_conn.connector.status_poller import StatusPoller
from hummingbot_conn.connector.symbol_map import SymbolMap
from hummingbot_conn.connector.trading_rule import TradingRule
from hummingbot_conn.connector.trading_rules import TradingRules
from hummingbot_conn.core.in_flight_order import InFlightOrder
from hummingbot_conn.core.limit_order import LimitOrder
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.core.trade_fee import TradeFeeBase
from hummingbot_conn.tracking.client_order_tracker import ClientOrderTracker
from hummingbot_conn.tracking.order_book_tracker_metrics import LatencyStats
from hummingbot_conn.web.errors import RequestOutcomeUnknownError, ThrottleTimeoutError

__all__ = ["ExchangePyBase"]

_logger = logging.getLogger(__name__)

_NAN = Decimal("NaN")


class ExchangePyBase(ExchangeLifecycle):
    """The public API of a spot connector; a venue subclasses it and fills the hooks.

    :param balance_asset_limit: ``{exchange name: {asset: max amount}}``: the most
        ``get_available_balance`` reports for an asset (hummingbot's option)
    :param clock: current time in seconds (event timestamps, poll cadence); default ``time.time``
    :param client_order_id_generator: ``(is_buy, trading_pair) -> str``; default a
        ``ClientOrderIdGenerator`` with the venue's prefix and maximum length
    :param short_poll_interval: REST poll period while the user stream is silent (s)
    :param long_poll_interval: REST poll period while it is lively (s)
    """

    SHORT_POLL_INTERVAL = 5.0
    LONG_POLL_INTERVAL = 120.0
    TICK_INTERVAL_LIMIT = 60.0
    UNKNOWN_OUTCOME_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
    #: Keyword arguments ``buy`` / ``sell`` take besides ``order_type`` and ``price``
    #: (docs/porting.md, "Order arguments").  hummingbot's strategies pass
    #: ``position_action`` and ``expiration_ts`` to every connector; a spot venue
    #: ignores both.  Any other keyword is a ``TypeError`` (a misspelt option would
    #: otherwise be dropped silently and the order placed without it).
    ORDER_KEYWORDS: FrozenSet[str] = frozenset({"position_action", "expiration_ts"})

    def __init__(self, balance_asset_limit: Optional[Dict[str, Dict[str, Decimal]]] = None,
                 rate_limits_share_pct: Decimal = Decimal(100), *,
                 clock: Optional[Callable[[], float]] = None,
                 client_order_id_generator: Optional[Callable[[bool, str], str]] = None,
                 short_poll_interval: Optional[float] = None, long_poll_interval: Optional[float] = None,
                 unknown_outcome_retry_delays: Optional[tuple] = None) -> None:
        self._clock: Callable[[], float] = clock or time.time
        self._balance_asset_limit = balance_asset_limit or {}
        self._rate_limits_share_pct = Decimal(rate_limits_share_pct)
        self._new_client_order_id = client_order_id_generator or ClientOrderIdGenerator(
            self.client_order_id_prefix, self.client_order_id_max_length)
        self._trading_rules_part = TradingRules()
        self._balances = Balances(now_ms=lambda: self._time_synchronizer.time() * 1e3)
        self._symbol_map = SymbolMap()
        self._symbol_map_lock = asyncio.Lock()
        self._order_tracker = self._create_order_tracker()
        self._frame_refusals = FrameRefusals(self._reconcile_after_refused_frame)
        self._order_placer = OrderPlacer(self)
        self._order_path_warmer: Optional[OrderPathWarmer] = None
        self._status_poller = StatusPoller(
            self, self._clock,
            short_poll_interval=short_poll_interval or self.SHORT_POLL_INTERVAL,
            long_poll_interval=long_poll_interval or self.LONG_POLL_INTERVAL,
            stream_silence_limit=self.TICK_INTERVAL_LIMIT,
            resolve_delays=unknown_outcome_retry_delays or self.UNKNOWN_OUTCOME_RETRY_DELAYS)
        self._last_tick_timestamp = 0.0
        self._user_stream_lag = LatencyStats()     # s from the venue's event time to our taking the event
        ExchangeLifecycle.__init__(self)
        self._book_queries = OrderBookQueries(lambda: self.order_books, self.quantize_order_price)

    # ---- hooks with a default (the required ones: exchange_hooks.py) -----------------------------
    def _is_request_outcome_unknown(self, request_exception: Exception) -> bool:
        """True when a request may or may not have taken effect (then the order
        is resolved by asking the exchange, never resent).  Venues add their codes.
        A ``ThrottleTimeoutError`` is a ``TimeoutError`` but its outcome is known:
        the request waited for rate-limit capacity and was never sent, so the
        order fails at once (asking the exchange would only spend more weight
        while the limit is exhausted, then fail it as "not found")."""
        if isinstance(request_exception, ThrottleTimeoutError):
            return False
        return isinstance(request_exception, (RequestOutcomeUnknownError, asyncio.TimeoutError))

    def _send_order_now(self, order: InFlightOrder) -> Optional[Awaitable[tuple]]:
        """Send ``order`` inside ``buy()`` where the venue's socket takes it now: the awaitable of
        ``_place_order``'s outcome, or None (nothing sent; ``_place_order`` runs in a task).  An
        exception is taken as an unknown outcome (``OrderPlacer.submit``)."""
        return None

    def _create_order_tracker(self) -> ClientOrderTracker:
        return ClientOrderTracker(clock=self._clock, fetch_missing_fills=self._all_trade_updates_for_order)

    def _create_in_flight_order(self, order_id: str, trading_pair: str, order_type: OrderType,
                                trade_type: TradeType, amount: Decimal, price: Optional[Decimal],
                                **kwargs: Any) -> InFlightOrder:
        return InFlightOrder(order_id, trading_pair, order_type, trade_type, amount, self.current_timestamp,
                             price=price)

    def _rehearse_send(self, order: InFlightOrder) -> None:
        """Build (and sign) the request that would place ``order``, and send nothing: the venue's
        part of a rehearsal (connector/order_path_warmer.py).  A venue without a synchronous
        order path has nothing of its own to rehearse: the generic stages are all there is."""
        return None

    def warm_order_path(self, interval: Optional[float] = DEFAULT_WARM_INTERVAL) -> None:
        """Rehearse the last order placed every ``interval`` seconds, so the next ``buy()`` /
        ``sell()`` finds its code and data in the CPU caches (README, "Warm order path"); None
        turns it off.  Nothing is tracked, sent, charged or fired by a rehearsal.  Runs while
        the network runs (from ``start_network`` to ``stop_network``).

        ``ValueError`` unless ``interval`` is None or a number of seconds > 0 and <= 1;
        ``RuntimeError`` while the network runs and the call is not made on its event loop (another
        thread's).  Either leaves the warming as it was."""
        if interval is not None:
            interval = positive_interval(interval)
        if not self._on_network_loop():
            raise RuntimeError("warm_order_path must be called on the event loop the connector's network "
                               "runs on")
        # a new warmer rehearses from the next order on (None forgets the last one)
        self._order_path_warmer = OrderPathWarmer(self, interval) if interval is not None else None
        self._restart_warming()

    @property
    def order_path_warmer(self) -> Optional[OrderPathWarmer]:
        """The rehearsals' state (``rehearsals``, ``failures``, ``interval``); None when off."""
        return self._order_path_warmer

    def _market_reference_price(self, trading_pair: str, is_buy: bool) -> Decimal:
        """The price a MARKET order's notional is checked at: the best ask for a
        buy, the best bid for a sell (hummingbot always used the bid, W-7); NaN without a book."""
        if self._book_queries.find_order_book(trading_pair) is None:
            return _NAN
        return self._book_queries.get_price(trading_pair, is_buy)

    # ---- clock ------------------------------------------------------------------------------
    @property
    def current_timestamp(self) -> float:
        return self._clock()

    def tick(self, timestamp: float) -> None:
        """hummingbot's clock entry: speeds up REST polling when the interval elapses.
        ``timestamp``: finite seconds (``TypeError`` / ``ValueError`` otherwise,
        raised before any state changes)."""
        if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
            raise TypeError(f"timestamp must be a number of seconds, got {type(timestamp).__name__}")
        if not math.isfinite(timestamp):
            raise ValueError(f"timestamp must be finite, got {timestamp!r}")
        timestamp = float(timestamp)
        self._last_tick_timestamp = timestamp
        self._status_poller.tick(timestamp)

    # ---- events -------------------------------------------------------------------------------
    def add_listener(self, event_tag: Any, listener: Callable[[Any], Any]) -> None:
        self._order_tracker.add_listener(event_tag, listener)

    def remove_listener(self, event_tag: Any, listener: Callable[[Any], Any]) -> None:
        self._order_tracker.remove_listener(event_tag, listener)

    def get_listeners(self, event_tag: Any) -> list:
        return self._order_tracker._own_pubsub().get_listeners(event_tag)

    def trigger_event(self, event_tag: Any, message: Any) -> None:
        self._order_tracker._own_pubsub().trigger_event(event_tag, message)

    # ---- orders -------------------------------------------------------------------------------
    def buy(self, trading_pair: str, amount: Decimal, order_type: OrderType = OrderType.LIMIT,
            price: Decimal = _NAN, **kwargs: Any) -> str:
        """Place a buy order; returns its client order id at once.  Its outcome
        arrives as events (Created, Filled..., then Completed / Cancelled /
        Expired / MarketOrderFailure).  Needs a running event loop.

        Raised at once, before an id is made or anything is tracked or sent: a
        ``trading_pair`` that is not a str and a keyword not in ``ORDER_KEYWORDS``
        (``TypeError``).  Every other bad argument (amount, price, order type,
        position action) is a ``MarketOrderFailureEvent`` for the returned id
        (docs/porting.md, "Order arguments")."""
        trading_pair = exact_str(trading_pair, "trading_pair")
        check_order_keywords("buy", kwargs, self.ORDER_KEYWORDS)
        order_id = self._new_client_order_id(True, trading_pair)
        self._order_placer.submit(order_id, TradeType.BUY, trading_pair, amount, order_type, price, **kwargs)
        return order_id

    def sell(self, trading_pair: str, amount: Decimal, order_type: OrderType = OrderType.LIMIT,
             price: Decimal = _NAN, **kwargs: Any) -> str:
        """Place a sell order (see ``buy``)."""
        trading_pair = exact_str(trading_pair, "trading_pair")
        check_order_keywords("sell", kwargs, self.ORDER_KEYWORDS)
        order_id = self._new_client_order_id(False, trading_pair)
        self._order_placer.submit(order_id, TradeType.SELL, trading_pair, amount, order_type, price, **kwargs)
        return order_id

    def cancel(self, trading_pair: str, client_order_id: str) -> str:
        """Request the cancel of an order (asynchronously); returns its id.

        ``TypeError`` if either argument is not a str; ``ValueError`` if the order
        is tracked under another trading pair (nothing is sent: the caller's idea
        of the order is wrong).  An id that is not tracked is logged and ignored,
        as in hummingbot (docs/porting.md, "Order arguments")."""
        trading_pair = exact_str(trading_pair, "trading_pair")
        client_order_id = exact_str(client_order_id, "client_order_id")
        tracker = self._order_tracker
        order = tracker.fetch_order(client_order_id) or tracker.fetch_lost_order(client_order_id)
        if order is not None and order.trading_pair != trading_pair:
            raise ValueError(f"order {client_order_id} is a {order.trading_pair} order, not {trading_pair}: "
                             "not cancelled")
        return self._order_placer.cancel(trading_pair, client_order_id)

    async def cancel_all(self, timeout_seconds: float) -> List[CancellationResult]:
        """Cancel every unfinished active order; one ``CancellationResult`` per order.
        ``timeout_seconds``: a positive finite number (``TypeError`` / ``ValueError``
        otherwise, raised before any cancel is sent)."""
        return await self._order_placer.cancel_all(positive_seconds(timeout_seconds, "timeout_seconds"))

    async def _execute_cancel(self, trading_pair: str, order_id: str) -> bool:
        return await self._order_placer.execute_cancel(trading_pair, order_id)

    def start_tracking_order(self, order_id: str, exchange_order_id: Optional[str], trading_pair: str,
                             trade_type: TradeType, price: Decimal, amount: Decimal, order_type: OrderType,
                             **kwargs: Any) -> None:
        order = self._create_in_flight_order(order_id, trading_pair, order_type, trade_type, amount, price,
                                             **kwargs)
        if exchange_order_id is not None:
            order.update_exchange_order_id(exchange_order_id)
        self._order_tracker.start_tracking_order(order)

    def stop_tracking_order(self, order_id: str) -> None:
        self._order_tracker.stop_tracking_order(order_id)

    @property
    def in_flight_orders(self) -> Dict[str, InFlightOrder]:
        """Active orders by client id (the live dict: read it, do not modify it)."""
        return self._order_tracker.active_orders

    @property
    def limit_orders(self) -> List[LimitOrder]:
        return [order.to_limit_order() for order in self.in_flight_orders.values()]

    @property
    def tracking_states(self) -> Dict[str, Any]:
        """JSON-able state of every unfinished order, for ``restore_tracking_states`` after a restart."""
        return self._order_tracker.tracking_states

    def restore_tracking_states(self, saved_states: Mapping[str, Any]) -> Dict[str, str]:
        """Resume the orders of ``tracking_states``; the next poll (at start)
        finds what happened to them meanwhile, fills included.

        ``saved_states`` is a mapping (``TypeError`` otherwise).  Each entry is
        checked on its own (``ClientOrderTracker.restore_tracking_states``): the
        valid ones are restored whatever the others hold.  Returns ``{client
        order id: reason}`` for the refused ones (hummingbot returned nothing;
        ignoring the answer is fine), each also logged at WARNING.

        An order of a trading pair this connector cannot address is refused,
        never kept as an open order nobody can query or cancel: its pair must
        be one of ``trading_pairs`` or, once the symbol map is loaded (after
        ``start_network``), a pair the exchange lists (docs/contracts.md,
        Contract 4).  Build the connector with that pair to resume it."""
        if not isinstance(saved_states, Mapping):
            raise TypeError(f"saved_states must be a mapping, got {type(saved_states).__name__}")
        return self._order_tracker.restore_tracking_states(saved_states, check_pair=self._unaddressable_pair)

    def _unaddressable_pair(self, trading_pair: str) -> Optional[str]:
        # None when orders of the pair can be polled and cancelled here, else why not
        if trading_pair in self.trading_pairs:
            return None
        if self._symbol_map.initialized:
            if trading_pair in self._symbol_map.all_trading_pairs():
                return None
            return f"{trading_pair} is not a trading pair of {self.name}: the order could not be polled or cancelled"
        return (f"{trading_pair} is not one of this connector's trading_pairs and the exchange's pairs are not "
                f"loaded yet: the order could not be polled or cancelled; build the connector with {trading_pair} "
                "(or restore after start_network) to resume it")

    # ---- rules, fees, quantisation --------------------------------------------------------------
    @property
    def trading_rules(self) -> Dict[str, TradingRule]:
        return self._trading_rules_part.rules

    @property
    def _trading_rules(self) -> Dict[str, TradingRule]:     # hummingbot's attribute (tests write to it)
        return self._trading_rules_part.rules

    def quantize_order_price(self, trading_pair: str, price: Decimal) -> Decimal:
        """``price`` rounded down to the pair's tick (KeyError for a pair without rules)."""
        return self._trading_rules_part.quantize_order_price(trading_pair, price)

    def quantize_order_amount(self, trading_pair: str, amount: Decimal, price: Decimal = _NAN) -> Decimal:
        """``amount`` rounded down to the pair's step (KeyError for a pair without rules)."""
        return self._trading_rules_part.quantize_order_amount(trading_pair, amount)

    def get_order_price_quantum(self, trading_pair: str, price: Decimal) -> Decimal:
        return self.trading_rules[trading_pair].min_price_increment

    def get_order_size_quantum(self, trading_pair: str, order_size: Decimal) -> Decimal:
        return self.trading_rules[trading_pair].min_base_amount_increment

    def get_fee(self, base_currency: str, quote_currency: str, order_type: OrderType, order_side: TradeType,
                amount: Decimal, price: Decimal = _NAN, is_maker: Optional[bool] = None) -> TradeFeeBase:
        return self._get_fee(base_currency, quote_currency, order_type, order_side, amount, price, is_maker)

    # ---- balances -----------------------------------------------------------------------------
    @property
    def _account_balances(self) -> Dict[str, Decimal]:      # hummingbot connectors write these dicts
        return self._balances.total

    @property
    def _account_available_balances(self) -> Dict[str, Decimal]:
        return self._balances.available

    def get_balance(self, currency: str) -> Decimal:
        return self._balances.get_balance(currency)

    def get_available_balance(self, currency: str) -> Decimal:
        """Free amount; capped by ``balance_asset_limit[name][currency]`` when one is configured."""
        available = self._balances.get_available_balance(currency)
        limit = self._balance_asset_limit.get(self.name, {}).get(currency)
        return available if limit is None else min(available, Decimal(limit))

    def get_all_balances(self) -> Dict[str, Decimal]:
        return self._balances.get_all_balances()

    @property
    def available_balances(self) -> Dict[str, Decimal]:
        return dict(self._balances.available)

    # ---- order books ------------------------------------------------------------------------------
    @property
    def order_books(self) -> Dict[str, OrderBook]:
        return self._order_book_tracker.order_books

    def get_order_book(self, trading_pair: str) -> OrderBook:
        return self._book_queries.get_order_book(exact_str(trading_pair, "trading_pair"))

    def get_price(self, trading_pair: str, is_buy: bool) -> Decimal:
        """Best ask (``is_buy``) or bid; ``TypeError`` for a pair that is not a str or an
        ``is_buy`` that is not a bool (a truthy ``"no"`` would read the ask side)."""
        return self._book_queries.get_price(exact_str(trading_pair, "trading_pair"),
                                            check_bool(is_buy, "is_buy"))

    def get_mid_price(self, trading_pair: str) -> Decimal:
        return self._book_queries.get_mid_price(exact_str(trading_pair, "trading_pair"))

    def get_vwap_for_volume(self, trading_pair: str, is_buy: bool, volume: Decimal) -> ClientOrderBookQueryResult:
        return self._book_query("get_vwap_for_volume", trading_pair, is_buy, volume, "volume")

    def get_price_for_volume(self, trading_pair: str, is_buy: bool, volume: Decimal) -> ClientOrderBookQueryResult:
        return self._book_query("get_price_for_volume", trading_pair, is_buy, volume, "volume")

    def get_price_for_quote_volume(self, trading_pair: str, is_buy: bool,
                                   volume: Decimal) -> ClientOrderBookQueryResult:
        return self._book_query("get_price_for_quote_volume", trading_pair, is_buy, volume, "volume")

    def get_quote_volume_for_base_amount(self, trading_pair: str, is_buy: bool,
                                         base_amount: Decimal) -> ClientOrderBookQueryResult:
        return self._book_query("get_quote_volume_for_base_amount", trading_pair, is_buy, base_amount, "base_amount")

    def get_volume_for_price(self, trading_pair: str, is_buy: bool, price: Decimal) -> ClientOrderBookQueryResult:
        return self._book_query("get_volume_for_price", trading_pair, is_buy, price, "price")

    def get_quote_volume_for_price(self, trading_pair: str, is_buy: bool,
                                   price: Decimal) -> ClientOrderBookQueryResult:
        return self._book_query("get_quote_volume_for_price", trading_pair, is_buy, price, "price")

    def _book_query(self, name: str, trading_pair: str, is_buy: bool, value: Decimal,
                    value_name: str) -> ClientOrderBookQueryResult:
        # the caller's arguments are checked here, before the book sees them (TypeError)
        check_number(value, value_name)
        return getattr(self._book_queries, name)(exact_str(trading_pair, "trading_pair"),
                                                 check_bool(is_buy, "is_buy"), value)

    # ---- symbols ------------------------------------------------------------------------------
    async def trading_pair_symbol_map(self) -> Dict[str, str]:
        """exchange symbol -> trading pair, loaded from the venue on first use."""
        await self._ensure_symbol_map()
        return dict(self._symbol_map.as_dict())

    def trading_pair_symbol_map_ready(self) -> bool:
        return self._symbol_map.initialized

    async def all_trading_pairs(self) -> List[str]:
        await self._ensure_symbol_map()
        return self._symbol_map.all_trading_pairs()

    async def exchange_symbol_associated_to_pair(self, trading_pair: str) -> str:
        await self._ensure_symbol_map()
        return self._symbol_map.exchange_symbol(trading_pair)

    async def trading_pair_associated_to_exchange_symbol(self, symbol: str) -> str:
        await self._ensure_symbol_map()
        return self._symbol_map.trading_pair(symbol)

    def _set_trading_pair_symbol_map(self, pairs: Any) -> None:
        """``[(exchange_symbol, trading_pair), ...]`` or a mapping symbol -> pair (hummingbot's bidict)."""
        self._symbol_map.set_mapping(pairs.items() if isinstance(pairs, Mapping) else pairs)

    async def _ensure_symbol_map(self) -> None:
        if self._symbol_map.initialized:
            return
        async with self._symbol_map_lock:
            if not self._symbol_map.initialized:
                exchange_info = await self._make_trading_pairs_request()
                self._initialize_trading_pair_symbols_from_exchange_info(exchange_info)

    # ---- user stream ------------------------------------------------------------------------------
    @property
    def user_stream_lag(self) -> LatencyStats:
        """Seconds from each user event's time on the venue's clock (``_user_event_timestamp``) to the moment
        the connector takes it from the queue, on the venue's clock as ``TimeSynchronizer`` estimates it
        (so within its offset error: a small negative figure is possible); the last 1024 events."""
        return self._user_stream_lag

    def _user_event_timestamp(self, event: Any) -> Optional[float]:
        """The venue's time of a user event in seconds, or None when it carries none (a venue overrides this)."""
        return None

    @property
    def refused_user_events(self) -> Dict[str, int]:
        """User-stream frames refused by the venue's strict parser, per event type
        (e.g. ``{"executionReport": 2}``); each was logged (once per type) and
        answered by a REST reconcile (docs/contracts.md, Contract 4)."""
        return self._frame_refusals.counts

    def _reconcile_after_refused_frame(self) -> None:
        self._status_poller.poll_now()

    async def _iter_user_event_queue(self) -> AsyncIterable[Dict[str, Any]]:
        """Events of the user stream, one by one (for ``_user_stream_event_listener``)."""
        if self._user_stream_tracker is None:
            raise RuntimeError(f"{self.name} was built with trading_required=False: it has no user stream")
        queue = self._user_stream_tracker.user_stream
        while True:
            event = await queue.get()
            self._status_poller.stream_activity()
            sent_at = self._user_event_timestamp(event)
            if sent_at is not None:
                self._user_stream_lag.add(self._time_synchronizer.time() - sent_at)
            yield event
