"""KrakenExchange: the Kraken Spot connector (hummingbot's connector API, docs/kraken_spot.md).

    exchange = KrakenExchange(kraken_api_key=key, kraken_api_secret=secret, trading_pairs=["BTC-USD"])
    await exchange.start_network()
    await exchange.wait_ready()
    order_id = exchange.buy("BTC-USD", Decimal("0.001"), OrderType.LIMIT, Decimal("60000"))

``domain`` is ``"com"`` or a ``KrakenEndpoints`` (``KrakenEndpoints.local("127.0.0.1:PORT")``
for the simulator).  What it does, by part:

* market data: ``KrakenAPIOrderBookDataSource`` (WS v2 ``book``, checksummed);
* orders: ``add_order`` / ``cancel_order`` on the authenticated WS v2 socket
  (``ws_order_entry.py``; ``order_transport="ws"``, the default) with REST's
  ``AddOrder`` / ``CancelOrder`` as the fallback while the socket is down
  (``order_transport="rest"``: REST only); our client order id is the
  ``cl_ord_id`` (``post`` for LIMIT_MAKER), cancels go by it; nonces strictly
  increasing per key (``auth.NonceSource``); an unknown outcome (either
  transport) is asked about by ``cl_ord_id`` (``QueryOrders``), never resent;
* order events: the WS v2 ``executions`` channel (``user_events.py``);
  after every private (re)connect ``OpenOrders`` / ``QueryOrders`` /
  ``TradesHistory`` / ``BalanceEx`` reconcile what was missed (Contract 4);
* balances: totals from the WS v2 ``balances`` channel as they change;
  ``BalanceEx`` (available = ``balance - hold_trade``) read at start, by the
  status poller, and again after execution reports, spaced so that these
  reads use half the call counter's decay at most (no channel carries the
  holds, so the available amount may lag the venue's by that spacing);
* rate limits: the REST call counter (constants.py) and the per-pair trading
  counter (``trading_counter.py``); ``EAPI:Rate limit exceeded`` pauses the
  private calls and ``EOrder:Rate limit exceeded`` the pair's placements as
  long as the venue's counter needs to decay, and both raise
  ``RateLimitExceededError`` (a refused placement fails, it is not resent);
* errors: the ``E...`` strings classified in ``errors.py``; a wrong key or
  signature makes ``wait_ready`` raise at once.

``cancel_all`` cancels the connector's own orders one by one: Kraken's
``CancelAll`` would also cancel the orders other clients keep on the key.
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any, Awaitable, Dict, List, NoReturn, Optional, Tuple, Union

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.connector.decimal_context import library_context
from hummingbot_conn.connector.exchange_py_base import ExchangePyBase
from hummingbot_conn.connector.trading_rule import TradingRule
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import TradeFeeBase
from hummingbot_conn.exchanges.kraken import constants as CONSTANTS, errors, order_requests, utils, web_utils
from hummingbot_conn.exchanges.kraken.auth import KrakenAuth, NonceSource
from hummingbot_conn.exchanges.kraken.balance_refresh import BALANCE_REFRESH_SPACING, BalanceRefresher
from hummingbot_conn.exchanges.kraken.constants import KrakenEndpoints
from hummingbot_conn.exchanges.kraken.errors import KrakenOrderNotFound
from hummingbot_conn.exchanges.kraken.order_book_data_source import KrakenAPIOrderBookDataSource
from hummingbot_conn.exchanges.kraken.pairs import KrakenPair, KrakenPairs
from hummingbot_conn.exchanges.kraken.trading_counter import TradingCounter, cancel_penalty
from hummingbot_conn.exchanges.kraken.user_events import KrakenExecutionsHandler
from hummingbot_conn.exchanges.kraken.user_stream_data_source import KrakenAPIUserStreamDataSource
from hummingbot_conn.exchanges.kraken.ws_order_entry import KrakenWSOrderEntry, Sent, WSOrderEntryUnavailable
from hummingbot_conn.web.data_types import RESTMethod
from hummingbot_conn.web.errors import ExchangeError, RateLimitExceededError
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = ["KrakenExchange", "KrakenOrderNotFound"]

_NAN = Decimal("NaN")
PAIRS_REUSE_S = 2.0                 # s: AssetPairs read this recently is not read again
RATE_LIMIT_PAUSE = 3.0              # s: one call's worth of the Starter counter's decay (1 / 0.33)


class KrakenExchange(ExchangePyBase):
    """Kraken Spot: LIMIT, LIMIT_MAKER (``post``) and MARKET orders; order events over WS v2 ``executions``.

    Keyword-only extras: ``book_depth`` (10, 25, 100, 500, 1000), ``nonce_path`` (a file keeping the
    nonce high-water mark), ``api_tier`` (the key's verification tier, ``starter`` / ``intermediate`` /
    ``pro``: the rate limits), ``trading_counter`` (a ``TradingCounter``), ``order_transport``
    (``"ws"``, the default: orders and cancels over the authenticated WebSocket v2 socket, REST
    while it is down; ``"rest"``: REST only; docs/kraken_spot.md section 10), ``ws_request_timeout``
    (seconds an order request waits for its answer on the socket before its outcome is unknown,
    then resolved by client id), and ``ExchangePyBase``'s
    ``clock``, ``client_order_id_generator``, ``short_poll_interval``, ``long_poll_interval``,
    ``unknown_outcome_retry_delays``.
    """

    UPDATE_ORDER_STATUS_MIN_INTERVAL = 10.0
    TRADING_RULES_INTERVAL = 1800.0
    TRADING_FEES_INTERVAL = 1800.0
    CONSTANTS = CONSTANTS
    web_utils = web_utils
    utils = utils

    def __init__(self, kraken_api_key: str, kraken_api_secret: str, trading_pairs: Optional[List[str]] = None,
                 trading_required: bool = True, domain: Union[str, KrakenEndpoints] = CONSTANTS.DEFAULT_DOMAIN,
                 rate_limits_share_pct: Decimal = Decimal(100),
                 balance_asset_limit: Optional[Dict[str, Dict[str, Decimal]]] = None, *,
                 book_depth: int = CONSTANTS.DEFAULT_BOOK_DEPTH, nonce_path: Optional[str] = None,
                 api_tier: str = CONSTANTS.DEFAULT_TIER, trading_counter: Optional[TradingCounter] = None,
                 order_transport: str = CONSTANTS.DEFAULT_ORDER_TRANSPORT, ws_request_timeout: float = 10.0,
                 **options: Any) -> None:
        if order_transport not in CONSTANTS.ORDER_TRANSPORTS:
            raise ValueError(f"order_transport must be one of {CONSTANTS.ORDER_TRANSPORTS}, not {order_transport!r}")
        self._endpoints = KrakenEndpoints.of(domain)        # an unknown domain fails here, clearly
        self._domain = domain
        self._trading_required = trading_required
        self._trading_pairs = list(trading_pairs or [])
        self._book_depth = book_depth
        self._fee_schema = utils.DEFAULT_FEES
        self.api_key = kraken_api_key
        self.secret_key = kraken_api_secret
        self._nonce_path = nonce_path
        self._authenticator: Optional[KrakenAuth] = None
        self._pairs: Optional[KrakenPairs] = None
        self._pairs_loaded_at = -float("inf")
        self._rules_lock = asyncio.Lock()
        _, call_decay, threshold, decay = CONSTANTS.tier_of(api_tier)
        self._api_tier = api_tier
        self._balance_refresher = BalanceRefresher(lambda: self._update_balances(),
                                                   BALANCE_REFRESH_SPACING / float(call_decay))
        self._trading_counter = trading_counter or TradingCounter(threshold, float(decay))
        super().__init__(balance_asset_limit, rate_limits_share_pct, **options)
        # the balances channel carries totals only; the available amount is BalanceEx's alone
        self._balances.available_from_stream = False
        self._executions = KrakenExecutionsHandler(self)
        self.order_transport = order_transport
        self._ws_orders: Optional[KrakenWSOrderEntry] = None
        if trading_required and order_transport == "ws":
            self._ws_orders = KrakenWSOrderEntry(
                self._endpoints.ws_private, self._ws_token,
                self._web_assistants_factory.connections_factory.get_ws_connection, self._throttler,
                request_timeout=ws_request_timeout, heartbeat_interval=CONSTANTS.WS_ORDER_PING_INTERVAL)

    # ---- declarations --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return CONSTANTS.EXCHANGE_NAME

    @property
    def authenticator(self) -> KrakenAuth:
        if self._authenticator is None:
            self._authenticator = KrakenAuth(self.api_key, self.secret_key,
                                             NonceSource(self.api_key, path=self._nonce_path))
        return self._authenticator

    @property
    def rate_limits_rules(self) -> List[Any]:
        return list(CONSTANTS.rate_limits(self._api_tier))

    @property
    def domain(self) -> Any:
        return self._domain

    @property
    def client_order_id_max_length(self) -> int:
        return CONSTANTS.MAX_ORDER_ID_LEN

    @property
    def client_order_id_prefix(self) -> str:
        return CONSTANTS.HBOT_ORDER_ID_PREFIX

    @property
    def trading_rules_request_path(self) -> str:
        return CONSTANTS.ASSET_PAIRS_PATH_URL

    @property
    def trading_pairs_request_path(self) -> str:
        return CONSTANTS.ASSET_PAIRS_PATH_URL

    @property
    def check_network_request_path(self) -> str:
        return CONSTANTS.SERVER_TIME_PATH_URL

    @property
    def trading_pairs(self) -> List[str]:
        return self._trading_pairs

    @property
    def is_cancel_request_in_exchange_synchronous(self) -> bool:
        # CancelOrder answers a count, not the fills the order had: the executions report of the
        # cancel (with its cum_qty) ends the order, so a fill racing the cancel is never lost
        return False

    @property
    def is_trading_required(self) -> bool:
        return self._trading_required

    def supported_order_types(self) -> List[OrderType]:
        return list(CONSTANTS.SUPPORTED_ORDER_TYPES)

    # ---- errors (errors.py) ----------------------------------------------------------------------
    def _is_request_exception_related_to_time_synchronizer(self, request_exception: Exception) -> bool:
        return errors.is_invalid_nonce(request_exception)

    def _is_order_not_found_during_status_update_error(self, status_update_exception: Exception) -> bool:
        return isinstance(status_update_exception, KrakenOrderNotFound) or \
            errors.is_unknown_order(status_update_exception)

    def _is_order_not_found_during_cancelation_error(self, cancelation_exception: Exception) -> bool:
        return errors.is_unknown_order(cancelation_exception)

    def _is_permanent_auth_error(self, request_exception: BaseException) -> bool:
        return errors.is_auth_error(request_exception)

    def _is_request_outcome_unknown(self, request_exception: Exception) -> bool:
        return super()._is_request_outcome_unknown(request_exception) or errors.is_outcome_unknown(request_exception)

    # ---- web -----------------------------------------------------------------------------------------
    def _create_web_assistants_factory(self) -> WebAssistantsFactory:
        return web_utils.build_api_factory(throttler=self._throttler, auth=self._auth)

    async def _api_request_url(self, path_url: str, is_auth_required: bool = False) -> str:
        return self._endpoints.rest_url(path_url)

    async def _api_request(self, path_url: str, overwrite_url: Optional[str] = None,
                           method: RESTMethod = RESTMethod.GET, params: Optional[Dict[str, Any]] = None,
                           data: Optional[Dict[str, Any]] = None, is_auth_required: bool = False,
                           return_err: bool = False, limit_id: Optional[str] = None,
                           headers: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Any:
        """The base's request; Kraken's rate-limit refusals (HTTP 200) pause what they concern and raise
        ``RateLimitExceededError``: ``EAPI``: the call counter's calls, ``EOrder``: the pair's placements."""
        try:
            return await super()._api_request(path_url, overwrite_url, method, params, data, is_auth_required,
                                              return_err, limit_id, headers, **kwargs)
        except ExchangeError as exc:
            pair = (data or {}).get("pair")
            self._raise_classified(exc, None if pair is None else str(pair))

    def _raise_classified(self, exc: ExchangeError, altname: Optional[str]) -> NoReturn:
        """Raise ``exc``, or what ``_rate_limit_error`` makes of it with ``exc`` as its cause (never an
        error as its own cause: a cycle for anything walking the chain)."""
        mapped = self._rate_limit_error(exc, altname)
        if mapped is exc:
            raise exc
        raise mapped from exc

    def _rate_limit_error(self, exc: ExchangeError, altname: Optional[str]) -> ExchangeError:
        """``exc`` itself, or for a Kraken rate-limit refusal (either transport) a ``RateLimitExceededError``
        after pausing what it concerns: ``EAPI``: the call counter's calls, ``EOrder``: the placements of
        the pair ``altname`` (its trading counter is taken as full)."""
        if not errors.is_rate_limited(exc) or isinstance(exc, RateLimitExceededError):
            return exc
        if errors.is_order_rate_limited(exc):
            if altname is not None:
                self._trading_counter.saturate(altname)
            pause = 0.0
        else:
            pause = RATE_LIMIT_PAUSE
            self._throttler.pause(CONSTANTS.CALL_COUNTER, pause)
        return RateLimitExceededError(exc.status, exc.code, exc.msg, exc.method, exc.url, exc.body,
                                      retry_after=pause)

    async def _private(self, path: str, data: Optional[Dict[str, Any]] = None) -> Any:
        """A signed POST; its ``result``."""
        answer = await self._api_post(path_url=path, data=dict(data or {}), is_auth_required=True, limit_id=path)
        if not isinstance(answer, dict):
            raise ValueError(f"{path}: the answer is not a JSON object: {answer!r:.200}")
        # no error and no result: for AddOrder the order was taken (resolved by cl_ord_id); the other
        # callers check the result's shape themselves
        return answer.get("result")

    # ---- pairs, rules, symbols ------------------------------------------------------------------------
    async def _format_trading_rules(self, exchange_info_dict: Dict[str, Any]) -> List[TradingRule]:
        pairs = KrakenPairs(exchange_info_dict["result"])
        for key in pairs.skipped:
            self.logger().warning("Skipping the unreadable AssetPairs entry %s.", key)
        self._pairs = pairs
        return pairs.trading_rules()

    def _initialize_trading_pair_symbols_from_exchange_info(self, exchange_info: Dict[str, Any]) -> None:
        pairs = self._pairs if self._pairs is not None else KrakenPairs(exchange_info["result"])
        self._pairs = pairs
        self._set_trading_pair_symbol_map(pairs.symbol_map())

    async def _update_trading_rules(self) -> None:
        """One ``AssetPairs`` read for rules, symbols and the books' precision; callers that come
        while one is in flight, or within ``PAIRS_REUSE_S`` of the last, share it (the public
        endpoints allow about one call a second)."""
        async with self._rules_lock:
            if self._pairs is not None and self._clock() - self._pairs_loaded_at < PAIRS_REUSE_S:
                return
            await super()._update_trading_rules()
            self._pairs_loaded_at = self._clock()

    async def _ensure_symbol_map(self) -> None:
        if not self._symbol_map.initialized:
            await self._update_trading_rules()

    async def _kraken_pairs(self) -> KrakenPairs:
        """The pairs of the last ``AssetPairs`` read (read now when none was)."""
        if self._pairs is None:
            await self._update_trading_rules()
        assert self._pairs is not None
        return self._pairs

    # ---- data sources ------------------------------------------------------------------------------------
    def _create_order_book_data_source(self) -> KrakenAPIOrderBookDataSource:
        return KrakenAPIOrderBookDataSource(self._trading_pairs, domain=self._endpoints,
                                            api_factory=self._web_assistants_factory,
                                            pairs_source=self._fresh_pairs, book_depth=self._book_depth)

    async def _fresh_pairs(self) -> KrakenPairs:
        # the data source asks at start and at a resync: one AssetPairs read serves rules, symbols, precision
        await self._update_trading_rules()
        return await self._kraken_pairs()

    def _create_user_stream_data_source(self) -> KrakenAPIUserStreamDataSource:
        return KrakenAPIUserStreamDataSource(self._ws_token, self._web_assistants_factory, self._endpoints)

    @property
    def ws_order_entry(self) -> Optional[KrakenWSOrderEntry]:
        """The WebSocket v2 order socket (None with ``order_transport="rest"`` or without trading)."""
        return self._ws_orders

    async def _start_loops(self) -> None:
        await super()._start_loops()
        if self._ws_orders is not None:
            self._network_tasks.append(asyncio.get_running_loop().create_task(self._ws_orders.run(),
                                                                              context=library_context()))

    async def _ws_token(self) -> str:
        result = await self._private(CONSTANTS.WS_TOKEN_PATH_URL)
        token = result.get("token") if isinstance(result, dict) else None
        if not isinstance(token, str) or not token:
            raise ValueError(f"GetWebSocketsToken answered no token: {result!r:.200}")
        return token

    # ---- orders (order_requests.py builds and reads them) ----------------------------------------------------
    def _ws_add_order(self, order: InFlightOrder) -> Optional[Tuple[KrakenWSOrderEntry, KrakenPair, bytes]]:
        """Socket, pair and ``add_order`` params of ``order`` if it can leave over the socket now (up, pairs
        read, trading counter room, valid params); else None, nothing counted (``_place_order`` follows)."""
        ws, pairs = self._ws_orders, self._pairs
        if ws is None or not ws.up or pairs is None or order.trading_pair not in pairs:
            return None
        pair = pairs.pair(order.trading_pair)
        if self._trading_counter.wait_for(pair.altname) > 0:
            return None
        try:
            params = order_requests.ws_add_order(pair, order.client_order_id, order.amount, order.trade_type,
                                                 order.order_type, order.price if order.price is not None else _NAN)
        except ValueError:
            return None
        return ws, pair, params

    def _send_order_now(self, order: InFlightOrder) -> Optional[Awaitable[tuple]]:
        """Write ``add_order`` inside ``buy()`` (no loop turn) and return the awaitable of its outcome; None
        when it cannot leave at once (``_ws_add_order``, throttler, token): nothing sent or counted."""
        found = self._ws_add_order(order)
        if found is None:
            return None
        ws, pair, params = found
        sent = ws.send_now(CONSTANTS.WS_ADD_ORDER_METHOD, params, CONSTANTS.ADD_ORDER_PATH_URL)
        if sent is None:
            return None
        self._trading_counter.add(pair.altname, 1)
        return self._ws_placed(ws, pair, params, sent, order.client_order_id, order.amount, order.trade_type,
                               order.order_type, order.price if order.price is not None else _NAN)

    def _rehearse_send(self, order: InFlightOrder) -> None:
        """``_send_order_now`` minus the send: nothing written, counted or charged (order_path_warmer.py)."""
        found = self._ws_add_order(order)
        if found is not None:
            found[0].rehearse(CONSTANTS.WS_ADD_ORDER_METHOD, found[2], CONSTANTS.ADD_ORDER_PATH_URL)

    async def _ws_placed(self, ws: KrakenWSOrderEntry, pair: KrakenPair, params: bytes, sent: Optional[Sent],
                         order_id: str, amount: Decimal, trade_type: TradeType, order_type: OrderType,
                         price: Decimal) -> tuple:
        """The outcome of ``add_order`` (``sent``: already written); a request the venue did not process
        for the socket's sake (``WSOrderEntryUnavailable``) goes over REST."""
        try:
            result = await ws.request(CONSTANTS.WS_ADD_ORDER_METHOD, params, CONSTANTS.ADD_ORDER_PATH_URL, sent=sent)
        except WSOrderEntryUnavailable as exc:
            self.logger().info("Order %s goes over REST: %s", order_id, exc)
            self._trading_counter.refund(pair.altname, 1)      # the venue did not count it
            return await self._rest_place(pair, order_id, amount, trade_type, order_type, price)
        except ExchangeError as exc:
            self._raise_classified(exc, pair.altname)
        return order_requests.order_id_of_ws_answer(result, order_id), self.current_timestamp

    async def _place_order(self, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                           order_type: OrderType, price: Decimal, **kwargs: Any) -> tuple:
        """``add_order`` on the socket while it is up, else ``AddOrder`` -> ``(txid, now)``, after the
        pair's trading counter has room; the amounts go as plain decimal text (already quantised)."""
        pair = (await self._kraken_pairs()).pair(trading_pair)
        wait = self._trading_counter.wait_for(pair.altname)
        if wait > 0:
            self.logger().info("Holding order %s %.2fs for Kraken's trading counter of %s.", order_id, wait,
                               trading_pair)
            await asyncio.sleep(wait)
        ws = self._ws_orders
        if ws is not None and ws.up:
            params = order_requests.ws_add_order(pair, order_id, amount, trade_type, order_type, price)
            self._trading_counter.add(pair.altname, 1)
            return await self._ws_placed(ws, pair, params, None, order_id, amount, trade_type, order_type, price)
        return await self._rest_place(pair, order_id, amount, trade_type, order_type, price)

    async def _rest_place(self, pair: KrakenPair, order_id: str, amount: Decimal, trade_type: TradeType,
                          order_type: OrderType, price: Decimal) -> tuple:
        data = order_requests.rest_add_order(pair, order_id, amount, trade_type, order_type, price)
        self._trading_counter.add(pair.altname, 1)
        result = await self._private(CONSTANTS.ADD_ORDER_PATH_URL, data)
        return order_requests.txid_of_rest_answer(result, order_id), self.current_timestamp

    async def _place_cancel(self, order_id: str, tracked_order: InFlightOrder) -> bool:
        """``cancel_order`` by ``cl_ord_id`` on the socket while it is up, else ``CancelOrder``; True when
        Kraken cancelled it (a success answer, a ``count`` >= 1)."""
        pair = (await self._kraken_pairs()).pair(tracked_order.trading_pair)
        self._trading_counter.add(pair.altname,
                                  cancel_penalty(self.current_timestamp - tracked_order.creation_timestamp))
        ws = self._ws_orders
        if ws is not None and ws.up:
            try:
                await ws.request(CONSTANTS.WS_CANCEL_ORDER_METHOD, order_requests.ws_cancel_order(order_id),
                                 CONSTANTS.CANCEL_ORDER_PATH_URL)
                return True
            except WSOrderEntryUnavailable:
                pass            # not processed: REST carries it
            except ExchangeError as exc:
                self._raise_classified(exc, None)
        result = await self._private(CONSTANTS.CANCEL_ORDER_PATH_URL, {"cl_ord_id": order_id})
        return isinstance(result, dict) and int(result.get("count", 0)) >= 1

    async def _request_order_status(self, tracked_order: InFlightOrder) -> OrderUpdate:
        """``QueryOrders`` by txid, or by ``cl_ord_id`` while the txid is unknown; ``KrakenOrderNotFound``
        when Kraken has no such order."""
        query = {"txid": tracked_order.exchange_order_id} if tracked_order.exchange_order_id else \
            {"cl_ord_id": tracked_order.client_order_id}
        result = await self._private(CONSTANTS.QUERY_ORDERS_PATH_URL, query)
        if not isinstance(result, dict):
            # unreadable is not "no such order": a not-found would count towards failing the order
            raise ValueError(f"QueryOrders answered {result!r:.200} for {query}: not an object of orders")
        if not result:
            raise KrakenOrderNotFound(f"Kraken has no order {query}")
        txid, order = next(iter(result.items()))
        return utils.order_update_from_rest(txid, order, tracked_order.trading_pair,
                                            tracked_order.client_order_id, self.current_timestamp)

    async def _all_trade_updates_for_order(self, order: InFlightOrder) -> List[TradeUpdate]:
        """``TradesHistory`` since the order was created, the rows of its txid."""
        if order.exchange_order_id is None:
            return []
        pairs = await self._kraken_pairs()
        result = await self._private(CONSTANTS.TRADES_HISTORY_PATH_URL,
                                     {"start": f"{max(0.0, order.creation_timestamp - 60):.0f}"})
        quote = pairs.pair(order.trading_pair).quote
        updates = []
        trades = result.get("trades") if isinstance(result, dict) else None
        if not isinstance(trades, dict):
            raise ValueError(f"TradesHistory answered no trades object: {result!r:.200}")
        for txid, trade in trades.items():
            if trade.get("ordertxid") != order.exchange_order_id:
                continue
            fee_asset = pairs.asset(str(trade["fee_asset"])) if trade.get("fee_asset") else quote
            updates.append(utils.trade_update_from_rest(txid, trade, order.trading_pair, order.client_order_id,
                                                        self._fee_schema, fee_asset, self.current_timestamp))
        return updates

    # ---- balances and fees -------------------------------------------------------------------------------
    async def _update_balances(self) -> None:
        """``BalanceEx``: total ``balance``, available ``balance - hold_trade`` per asset."""
        requested_at = self._balances.snapshot_token()
        result = await self._private(CONSTANTS.BALANCE_PATH_URL)
        pairs = await self._kraken_pairs()
        if not isinstance(result, dict):
            raise ValueError(f"BalanceEx answered {result!r:.200}: not an object of assets")
        self._balances.apply_snapshot(utils.balances_from_balance_ex(result, pairs.asset), requested_at=requested_at)

    def _balances_moved(self) -> None:
        """An execution or a ledger entry moved balances: read the available amounts again soon, spaced
        so that these reads never fill the call counter (``balance_refresh.py``)."""
        self._balance_refresher.moved()

    def _get_fee(self, base_currency: str, quote_currency: str, order_type: OrderType, order_side: TradeType,
                 amount: Decimal, price: Decimal = _NAN, is_maker: Optional[bool] = None) -> TradeFeeBase:
        maker = order_type is OrderType.LIMIT_MAKER if is_maker is None else is_maker
        schema = self._fee_schema
        percent = schema.maker_percent_fee_decimal if maker else schema.taker_percent_fee_decimal
        return TradeFeeBase.new_spot_fee(schema, order_side, percent=percent)

    async def stop_network(self) -> None:
        await self._balance_refresher.stop()
        await super().stop_network()

    # ---- market ----------------------------------------------------------------------------------------
    async def get_last_traded_prices(self, trading_pairs: List[str]) -> Dict[str, float]:
        return await self._order_book_tracker.data_source.get_last_traded_prices(trading_pairs)

    # ---- user stream -------------------------------------------------------------------------------------
    def _user_event_timestamp(self, event: Any) -> Optional[float]:
        stamp = event.get("timestamp") if isinstance(event, dict) else None
        return utils.seconds(stamp, float("nan")) if isinstance(stamp, str) else None

    async def _user_stream_event_listener(self) -> None:
        await self._ensure_symbol_map()
        async for event in self._iter_user_event_queue():
            self._executions.process(event)

    @classmethod
    def logger(cls) -> logging.Logger:
        return logging.getLogger(cls.__module__)
