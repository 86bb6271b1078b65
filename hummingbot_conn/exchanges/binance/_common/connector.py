"""``BinanceConnectorMixin``: the venue hooks ``BinanceExchange`` and ``BinancePerpetualDerivative`` share.

It goes before the framework base in each connector
(``class BinanceExchange(BinanceConnectorMixin, ExchangePyBase)``) and
answers the base's declarations and hooks from the venue's data: the class
attributes ``CONSTANTS`` (the venue's constants module), ``web_utils`` and
``utils``.  What it serves:

* declarations (paths, rate limits, client order id prefix and length,
  order types);
* error classification by typed code (``_common/errors.py``);
* the web stack and the data sources' symbol map;
* the one symbol map and its reload rule (``_common/symbols.py``): loaded
  with the trading rules; a lookup that misses reloads symbols and rules
  together when they are ``SYMBOL_MAP_REFRESH_S`` old, so a pair listed
  after start can be traded at its first use;
* order status, the fills of an order and a cancel's request (the venue
  supplies the parsers: ``_trade_update_from_account_trade``);
* last traded prices, the user stream listener and its event times.

The connector's constructor calls ``_init_binance`` before the base's
``__init__`` (the perpetual base reads ``trading_pairs`` while it builds).
"""
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from hummingbot_conn.common import OrderType
from hummingbot_conn.connector.trading_rule import TradingRule
from hummingbot_conn.connector.venue_time import stamp_ms
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import TradeFeeSchema
from hummingbot_conn.exchanges.binance._common import errors
from hummingbot_conn.exchanges.binance._common.rules import format_trading_rules
from hummingbot_conn.exchanges.binance._common.symbols import SYMBOL_MAP_REFRESH_S, symbol_pairs_from_exchange_info
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

if TYPE_CHECKING:
    from hummingbot_conn.connector.exchange_py_base import ExchangePyBase as _Exchange
else:
    _Exchange = object

__all__ = ["BinanceConnectorMixin"]


class BinanceConnectorMixin(_Exchange):
    """The shared half of a Binance connector (module doc)."""

    # class attributes of the venue's connector:
    #: the venue's constants module (``spot/constants.py``, ``usdm/constants.py``)
    CONSTANTS: Any
    #: the venue's web utils module (hummingbot's class attribute)
    web_utils: Any
    #: the venue's payload parsers (``is_exchange_information_valid``, ``trading_rule_from_symbol_info``,
    #: ``order_update_from_order_status``, ``DEFAULT_FEES``)
    utils: Any

    _domain: Any
    _trading_required: bool
    _trading_pairs: List[str]
    _fee_schema: TradeFeeSchema
    _symbol_map_loaded_at: Optional[float]
    _user_events: Any           # the venue's user event handler (BinanceUserEventHandlerBase)

    def _init_binance(self, domain: Any, trading_pairs: Optional[List[str]], trading_required: bool) -> None:
        self.CONSTANTS.ENDPOINTS.of(domain)          # an unknown domain name fails here, clearly
        self._domain = domain
        self._trading_required = trading_required
        self._trading_pairs = list(trading_pairs or [])
        self._fee_schema = self.utils.DEFAULT_FEES
        self._symbol_map_loaded_at = None

    # ---- declarations ------------------------------------------------------------------------------
    @property
    def rate_limits_rules(self) -> List[Any]:
        return list(self.CONSTANTS.RATE_LIMITS)

    @property
    def domain(self) -> Any:
        return self._domain

    @property
    def client_order_id_max_length(self) -> int:
        return self.CONSTANTS.MAX_ORDER_ID_LEN

    @property
    def client_order_id_prefix(self) -> str:
        return self.CONSTANTS.HBOT_ORDER_ID_PREFIX

    @property
    def trading_rules_request_path(self) -> str:
        return self.CONSTANTS.EXCHANGE_INFO_PATH_URL

    @property
    def trading_pairs_request_path(self) -> str:
        return self.CONSTANTS.EXCHANGE_INFO_PATH_URL

    @property
    def check_network_request_path(self) -> str:
        return self.CONSTANTS.PING_PATH_URL

    @property
    def trading_pairs(self) -> List[str]:
        return self._trading_pairs

    @property
    def is_cancel_request_in_exchange_synchronous(self) -> bool:
        return True

    @property
    def is_trading_required(self) -> bool:
        return self._trading_required

    def supported_order_types(self) -> List[OrderType]:
        return list(self.CONSTANTS.SUPPORTED_ORDER_TYPES)

    # ---- error classification (typed codes, _common/errors.py) -------------------------------------
    def _is_request_exception_related_to_time_synchronizer(self, request_exception: Exception) -> bool:
        return errors.is_time_synchronizer_error(request_exception)

    def _is_order_not_found_during_status_update_error(self, status_update_exception: Exception) -> bool:
        return errors.is_order_not_found(status_update_exception)

    def _is_order_not_found_during_cancelation_error(self, cancelation_exception: Exception) -> bool:
        return errors.is_unknown_order(cancelation_exception, self.CONSTANTS.CANCEL_NOT_FOUND_MESSAGE)

    def _is_permanent_auth_error(self, request_exception: BaseException) -> bool:
        # -2014 / -2015 / -1022 or HTTP 401: wait_ready raises it at once, the polls slow down
        return errors.is_auth_error(request_exception)

    def _is_request_outcome_unknown(self, request_exception: Exception) -> bool:
        return super()._is_request_outcome_unknown(request_exception) or errors.is_outcome_unknown(request_exception)

    # ---- factories -----------------------------------------------------------------------------------
    def _create_web_assistants_factory(self) -> WebAssistantsFactory:
        return self.web_utils.build_api_factory(throttler=self._throttler, time_synchronizer=self._time_synchronizer,
                                                domain=self._domain, auth=self._auth)

    async def _api_request_url(self, path_url: str, is_auth_required: bool = False) -> str:
        return self.web_utils.private_rest_url(path_url, self._domain)

    # ---- symbols and rules (one builder, one reload rule: _common/symbols.py) -------------------------
    def _initialize_trading_pair_symbols_from_exchange_info(self, exchange_info: Dict[str, Any]) -> None:
        self._set_trading_pair_symbol_map(
            symbol_pairs_from_exchange_info(exchange_info, self.utils.is_exchange_information_valid))

    def _set_trading_pair_symbol_map(self, pairs: Any) -> None:
        super()._set_trading_pair_symbol_map(pairs)
        self._symbol_map_loaded_at = self._clock()      # the age the reload rule reads

    async def _format_trading_rules(self, exchange_info_dict: Dict[str, Any]) -> List[TradingRule]:
        return format_trading_rules(exchange_info_dict, self.utils.is_exchange_information_valid,
                                    self.utils.trading_rule_from_symbol_info, self.logger())

    async def _reload_symbols_if_stale(self) -> bool:
        """Reload symbols and trading rules (one exchangeInfo request) when the map is at least
        ``SYMBOL_MAP_REFRESH_S`` old; True when it reloaded.  A failed reload is logged and
        leaves the map as it was (the lookup then answers from it)."""
        async with self._symbol_map_lock:
            loaded_at = self._symbol_map_loaded_at
            if loaded_at is not None and self._clock() - loaded_at < SYMBOL_MAP_REFRESH_S:
                return False
            try:
                await self._update_trading_rules()
            except Exception as exc:
                self.logger().warning("Reloading the symbols of %s failed (%s: %s); answering from the map "
                                      "loaded before.", self.name, type(exc).__name__, exc)
                return False
        return True

    async def exchange_symbol_associated_to_pair(self, trading_pair: str) -> str:
        """``"BTC-USDT"`` -> ``"BTCUSDT"``; ``KeyError`` when the venue does not list the pair, also after
        the reload a miss makes when the map is ``SYMBOL_MAP_REFRESH_S`` old (a new listing)."""
        await self._ensure_symbol_map()
        if not self._symbol_map.has_pair(trading_pair):
            await self._reload_symbols_if_stale()
        return self._symbol_map.exchange_symbol(trading_pair)

    async def trading_pair_associated_to_exchange_symbol(self, symbol: str) -> str:
        """``"BTCUSDT"`` -> ``"BTC-USDT"``, on the same reload rule; ``KeyError`` for a symbol not listed."""
        await self._ensure_symbol_map()
        try:
            return self._symbol_map.trading_pair(symbol)
        except KeyError:
            await self._reload_symbols_if_stale()
        return self._symbol_map.trading_pair(symbol)

    async def _market_data_symbol_map(self) -> Dict[str, str]:
        """The map the order book data source reads (``symbol_map=``).  The source asks again only
        after a miss in its own copy that is as old as the reload rule allows: the connector's map
        is then reloaded on the same rule, so the two agree."""
        if self._symbol_map.initialized:
            await self._reload_symbols_if_stale()
        return await self.trading_pair_symbol_map()

    # ---- orders --------------------------------------------------------------------------------------
    async def _request_order_status(self, tracked_order: InFlightOrder) -> OrderUpdate:
        """``GET <ORDER_PATH_URL>`` by client order id."""
        symbol = await self.exchange_symbol_associated_to_pair(tracked_order.trading_pair)
        payload = await self._order_status_answer(symbol, tracked_order.client_order_id)
        return self.utils.order_update_from_order_status(payload, tracked_order.trading_pair)

    async def _order_status_answer(self, symbol: str, client_order_id: str) -> Any:
        """The venue's order status document by client id (REST here; spot may ask its WebSocket API)."""
        return await self._api_get(path_url=self.CONSTANTS.ORDER_PATH_URL, is_auth_required=True,
                                   params={"symbol": symbol, "origClientOrderId": client_order_id},
                                   limit_id=self.CONSTANTS.GET_ORDER_LIMIT_ID)

    async def _cancel_answer(self, symbol: str, client_order_id: str) -> Any:
        """The venue's answer to a cancel by client id (REST here; spot may use its WebSocket API)."""
        return await self._api_delete(path_url=self.CONSTANTS.ORDER_PATH_URL, is_auth_required=True,
                                      params={"symbol": symbol, "origClientOrderId": client_order_id},
                                      limit_id=self.CONSTANTS.DELETE_ORDER_LIMIT_ID)

    def _trade_update_from_account_trade(self, trade: Dict[str, Any], order: InFlightOrder) -> TradeUpdate:
        """One row of the account's trade list (``MY_TRADES_PATH_URL``) -> TradeUpdate (the venue's parser)."""
        raise NotImplementedError

    async def _all_trade_updates_for_order(self, order: InFlightOrder) -> List[TradeUpdate]:
        """``GET <MY_TRADES_PATH_URL>`` by exchange order id (none yet: no fills to fetch)."""
        if order.exchange_order_id is None:
            return []
        symbol = await self.exchange_symbol_associated_to_pair(order.trading_pair)
        trades = await self._api_get(path_url=self.CONSTANTS.MY_TRADES_PATH_URL, is_auth_required=True,
                                     params={"symbol": symbol, "orderId": int(order.exchange_order_id)},
                                     limit_id=self.CONSTANTS.MY_TRADES_PATH_URL)
        return [self._trade_update_from_account_trade(trade, order)
                for trade in trades if str(trade.get("orderId")) == order.exchange_order_id]

    async def _place_cancel(self, order_id: str, tracked_order: InFlightOrder) -> bool:
        """``DELETE <ORDER_PATH_URL>`` (``_cancel_answer``) by client id; True when the answer says CANCELED.  Fills the
        answer reveals (``executedQty``) but we have not seen are fetched first, so they are
        reported before the cancel; when that fetch fails or comes back short they stay owed
        (``ClientOrderTracker.process_executed_amount``): fetched again with back-off, and the
        cancel's event waits for them, bounded (docs/contracts.md, Contract 2)."""
        symbol = await self.exchange_symbol_associated_to_pair(tracked_order.trading_pair)
        response = await self._cancel_answer(symbol, order_id)
        try:
            executed = Decimal(response.get("executedQty", "0"))
        except Exception:
            executed = Decimal(0)
        if not executed.is_finite():
            executed = Decimal(0)
        if tracked_order.exchange_order_id is None and response.get("orderId") is not None:
            # the fills are asked for by exchange id: learn it here if the placement's answer never came
            self._order_tracker.update_exchange_order_id(order_id, str(response["orderId"]))
        if executed > tracked_order.executed_amount_base and tracked_order.exchange_order_id is not None:
            try:
                for trade_update in await self._all_trade_updates_for_order(tracked_order):
                    self._order_tracker.process_trade_update(trade_update)
            except Exception as exc:
                self.logger().warning("Could not fetch the fills of cancelled order %s (%s: %s); fetching them "
                                      "again.", order_id, type(exc).__name__, exc)
        if executed > tracked_order.executed_amount_base:
            self._order_tracker.process_executed_amount(order_id, executed)
        return response.get("status") == "CANCELED"

    # ---- market ----------------------------------------------------------------------------------------
    async def get_last_traded_prices(self, trading_pairs: List[str]) -> Dict[str, Decimal]:
        """Last trade price per pair (``GET <LAST_TRADED_PRICES_PATH_URL>``, one call for all)."""
        path = self.CONSTANTS.LAST_TRADED_PRICES_PATH_URL
        field = self.CONSTANTS.LAST_TRADED_PRICE_FIELD
        rows = await self._api_get(path_url=path, limit_id=path)
        symbol_map = await self.trading_pair_symbol_map()
        wanted = set(trading_pairs)
        return {symbol_map[row["symbol"]]: Decimal(row[field]) for row in rows
                if symbol_map.get(row["symbol"]) in wanted}

    # ---- user stream -----------------------------------------------------------------------------------
    def _user_event_timestamp(self, event: Any) -> Optional[float]:
        # every Binance user event carries its event time "E" (ms; us / ns recognised): the user stream lag's start
        try:
            return stamp_ms(event["E"]) / 1000.0
        except (KeyError, TypeError, ValueError):
            return None

    async def _user_stream_event_listener(self) -> None:
        """Apply every user stream event through the venue's handler (``self._user_events``)."""
        await self._ensure_symbol_map()
        async for event in self._iter_user_event_queue():
            self._user_events.process(event)

    @classmethod
    def logger(cls) -> logging.Logger:  # hummingbot's connectors log through cls.logger()
        return logging.getLogger(cls.__module__)
