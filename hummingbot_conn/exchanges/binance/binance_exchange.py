"""BinanceExchange: the Binance Spot connector (hummingbot's name and constructor).

    exchange = BinanceExchange(binance_api_key=key, binance_api_secret=secret,
                               trading_pairs=["BTC-USDT"], domain="com")
    await exchange.start_network()
    await exchange.wait_ready()
    order_id = exchange.buy("BTC-USDT", Decimal("0.001"), OrderType.LIMIT, Decimal("60000"))

``domain`` is a Binance domain name (``"com"``, ``"us"``, ``"testnet"``) or a
``BinanceEndpoints`` (``BinanceEndpoints.local("127.0.0.1:PORT")`` for the
simulator).  Protocol facts: docs/binance_spot.md (sections 3 REST, 4 errors,
7 user data stream, 9 the connector checklist).

Differences from hummingbot's connector, on purpose: orders are sent with
``newOrderRespType=FULL`` and the fills and final state in the answer are
used at once (a market order completes without waiting for the stream); a
503 "unknown error" is an unknown outcome resolved by client id, never a fake
exchange id "UNKNOWN" (W-19); ``PENDING_CANCEL`` stays PENDING_CANCEL; errors
are recognised by their typed code, not by searching the message text.
"""
import logging
from decimal import Decimal
from typing import Any, Dict, List, Optional, Union

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.connector.exchange_py_base import ExchangePyBase
from hummingbot_conn.connector.trading_rule import TradingRule
from hummingbot_conn.connector.venue_time import stamp_ms
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import TradeFeeBase, TradeFeeSchema
from hummingbot_conn.exchanges.binance import (
    binance_constants as CONSTANTS,
    binance_utils as utils,
    binance_web_utils as web_utils,
)
from hummingbot_conn.exchanges.binance.binance_api_order_book_data_source import BinanceAPIOrderBookDataSource
from hummingbot_conn.exchanges.binance.binance_api_user_stream_data_source import BinanceAPIUserStreamDataSource
from hummingbot_conn.exchanges.binance.binance_auth import BinanceAuth
from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_user_events import BinanceUserEventHandler
from hummingbot_conn.web.errors import ExchangeError

__all__ = ["BinanceExchange"]

_logger = logging.getLogger(__name__)

_NAN = Decimal("NaN")
_TERMINAL_ANSWERS = frozenset((OrderState.FILLED, OrderState.CANCELED, OrderState.EXPIRED, OrderState.FAILED))


def _exchange_id(value: Any) -> Optional[str]:
    # Binance order ids are integers; a missing, null or odd one is "unknown", not a new id
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
        return None
    return str(value)


class BinanceExchange(ExchangePyBase):
    """Binance Spot: LIMIT, LIMIT_MAKER and MARKET orders, user data over the WebSocket API.

    Keyword-only extras (injected for tests and tools): ``clock``,
    ``client_order_id_generator``, ``short_poll_interval``, ``long_poll_interval``,
    ``unknown_outcome_retry_delays`` (see ``ExchangePyBase``).
    """

    UPDATE_ORDER_STATUS_MIN_INTERVAL = 10.0
    web_utils = web_utils

    def __init__(self, binance_api_key: str, binance_api_secret: str, trading_pairs: Optional[List[str]] = None,
                 trading_required: bool = True, domain: Union[str, BinanceEndpoints] = CONSTANTS.DEFAULT_DOMAIN,
                 rate_limits_share_pct: Decimal = Decimal(100),
                 balance_asset_limit: Optional[Dict[str, Dict[str, Decimal]]] = None, **options: Any) -> None:
        web_utils.endpoints(domain)            # an unknown domain name fails here, clearly
        self.api_key = binance_api_key
        self.secret_key = binance_api_secret
        self._domain = domain
        self._trading_required = trading_required
        self._trading_pairs = list(trading_pairs or [])
        self._fee_schema: TradeFeeSchema = utils.DEFAULT_FEES
        self._commission_rates: Optional[Dict[str, Decimal]] = None
        self._authenticator: Optional[BinanceAuth] = None
        super().__init__(balance_asset_limit, rate_limits_share_pct, **options)
        self._user_events = BinanceUserEventHandler(self)

    # ---- declarations --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        if isinstance(self._domain, BinanceEndpoints) or self._domain == CONSTANTS.DEFAULT_DOMAIN:
            return "binance"
        return f"binance_{self._domain}"

    @property
    def authenticator(self) -> BinanceAuth:
        if self._authenticator is None:
            self._authenticator = BinanceAuth(self.api_key, self.secret_key, self._time_synchronizer)
        return self._authenticator

    @property
    def rate_limits_rules(self) -> List[Any]:
        return list(CONSTANTS.RATE_LIMITS)

    @property
    def domain(self) -> Union[str, BinanceEndpoints]:
        return self._domain

    @property
    def client_order_id_max_length(self) -> int:
        return CONSTANTS.MAX_ORDER_ID_LEN

    @property
    def client_order_id_prefix(self) -> str:
        return CONSTANTS.HBOT_ORDER_ID_PREFIX

    @property
    def trading_rules_request_path(self) -> str:
        return CONSTANTS.EXCHANGE_INFO_PATH_URL

    @property
    def trading_pairs_request_path(self) -> str:
        return CONSTANTS.EXCHANGE_INFO_PATH_URL

    @property
    def check_network_request_path(self) -> str:
        return CONSTANTS.PING_PATH_URL

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
        return [OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET]

    # ---- error classification (typed codes, docs/binance_spot.md section 4) ------------------------
    def _is_request_exception_related_to_time_synchronizer(self, request_exception: Exception) -> bool:
        return isinstance(request_exception, ExchangeError) and request_exception.code == CONSTANTS.TIMESTAMP_ERROR_CODE

    def _is_order_not_found_during_status_update_error(self, status_update_exception: Exception) -> bool:
        return (isinstance(status_update_exception, ExchangeError)
                and status_update_exception.code == CONSTANTS.ORDER_NOT_EXIST_ERROR_CODE)

    def _is_order_not_found_during_cancelation_error(self, cancelation_exception: Exception) -> bool:
        # -2011 also answers "not canceled due to cancel restrictions": only "Unknown order" is not-found
        return (isinstance(cancelation_exception, ExchangeError)
                and cancelation_exception.code == CONSTANTS.UNKNOWN_ORDER_ERROR_CODE
                and CONSTANTS.UNKNOWN_ORDER_MESSAGE.lower() in (cancelation_exception.msg or "").lower())

    def _is_permanent_auth_error(self, request_exception: BaseException) -> bool:
        # -2014 / -2015 / -1022 or HTTP 401: wait_ready raises it at once, the polls slow down
        return web_utils.is_auth_error(request_exception)

    def _is_request_outcome_unknown(self, request_exception: Exception) -> bool:
        if super()._is_request_outcome_unknown(request_exception):
            return True
        return (isinstance(request_exception, ExchangeError)
                and request_exception.code in CONSTANTS.OUTCOME_UNKNOWN_ERROR_CODES)

    # ---- factories -------------------------------------------------------------------------------
    def _create_web_assistants_factory(self) -> Any:
        return web_utils.build_api_factory(throttler=self._throttler, time_synchronizer=self._time_synchronizer,
                                           domain=self._domain, auth=self._auth)

    def _create_order_book_data_source(self) -> BinanceAPIOrderBookDataSource:
        return BinanceAPIOrderBookDataSource(trading_pairs=self._trading_pairs, domain=self._domain,
                                             api_factory=self._web_assistants_factory, throttler=self._throttler,
                                             symbol_map=self.trading_pair_symbol_map)

    def _create_user_stream_data_source(self) -> BinanceAPIUserStreamDataSource:
        return BinanceAPIUserStreamDataSource(auth=self.authenticator, trading_pairs=self._trading_pairs,
                                              connector=self, api_factory=self._web_assistants_factory,
                                              domain=self._domain)

    async def _api_request_url(self, path_url: str, is_auth_required: bool = False) -> str:
        return web_utils.private_rest_url(path_url, self._domain)

    # ---- symbols and rules -------------------------------------------------------------------------
    def _initialize_trading_pair_symbols_from_exchange_info(self, exchange_info: Dict[str, Any]) -> None:
        self._set_trading_pair_symbol_map([
            (info["symbol"], utils.trading_pair_of(info))
            for info in exchange_info.get("symbols", ()) if utils.is_exchange_information_valid(info)])

    async def _format_trading_rules(self, exchange_info_dict: Dict[str, Any]) -> List[TradingRule]:
        rules = []
        for info in exchange_info_dict.get("symbols", ()):
            if not utils.is_exchange_information_valid(info):
                continue
            try:
                rules.append(utils.trading_rule_from_symbol_info(info))
            except Exception:
                self.logger().exception("Error parsing the trading pair rule %s. Skipping.", info.get("symbol"))
        return rules

    @classmethod
    def logger(cls) -> logging.Logger:  # hummingbot's connectors log through cls.logger()
        return _logger

    # ---- orders --------------------------------------------------------------------------------
    async def _place_order(self, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                           order_type: OrderType, price: Decimal, **kwargs: Any) -> tuple:
        """``POST /api/v3/order`` with a FULL answer; its fills and final state are
        applied before returning ``(orderId, transactTime seconds)``.  Amounts
        and prices go as plain decimal text (``f"{d:f}"``, already quantised)."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        data = {"symbol": symbol, "side": CONSTANTS.SIDE_BUY if trade_type is TradeType.BUY else CONSTANTS.SIDE_SELL,
                "quantity": f"{amount:f}", "type": order_type.name, "newClientOrderId": order_id,
                "newOrderRespType": "FULL"}
        if order_type in (OrderType.LIMIT, OrderType.LIMIT_MAKER):
            data["price"] = f"{price:f}"
        if order_type is OrderType.LIMIT:
            data["timeInForce"] = CONSTANTS.TIME_IN_FORCE_GTC
        response = await self._api_post(path_url=CONSTANTS.ORDER_PATH_URL, data=data, is_auth_required=True,
                                        limit_id=CONSTANTS.ORDER_PATH_URL)
        # a 200 answer means the order was taken: if its body cannot be read, the
        # order is live but unknown to us, so it is resolved by client id (an
        # exchange id of None), never failed (a KeyError here used to fail it)
        if not isinstance(response, dict):
            self.logger().warning("Unreadable answer to order %s; asking the exchange by client id.", order_id)
            return None, self.current_timestamp
        exchange_order_id = _exchange_id(response.get("orderId"))
        if exchange_order_id is None:
            self.logger().warning("The answer to order %s has no order id; asking the exchange by client id.",
                                  order_id)
            return None, self.current_timestamp
        self._apply_order_answer(response, order_id, trading_pair, trade_type)
        return exchange_order_id, self._answer_time(response)

    def _answer_time(self, response: Dict[str, Any]) -> float:
        # transactTime (ms) when readable, else our clock: a bad time is no reason to drop an order
        value = response.get("transactTime")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value * 1e-3
        return self.current_timestamp

    def _apply_order_answer(self, response: Dict[str, Any], order_id: str, trading_pair: str,
                            trade_type: TradeType) -> None:
        try:
            trade_updates = utils.trade_updates_from_order_response(response, order_id, trading_pair, trade_type,
                                                                    self._fee_schema)
            state = utils.ORDER_STATE.get(str(response.get("status")))
        except Exception:
            self.logger().exception("Unreadable fills in the answer to order %s; the stream and polls will "
                                    "report them.", order_id)
            return
        for trade_update in trade_updates:
            self._order_tracker.process_trade_update(trade_update)
        exchange_order_id = _exchange_id(response.get("orderId"))
        if state in _TERMINAL_ANSWERS and exchange_order_id is not None:
            self._order_tracker.process_order_update(OrderUpdate(
                trading_pair, self._answer_time(response), state, client_order_id=order_id,
                exchange_order_id=exchange_order_id))

    async def _place_cancel(self, order_id: str, tracked_order: InFlightOrder) -> bool:
        """``DELETE /api/v3/order`` by client id; True when the answer says CANCELED.
        Fills the answer reveals but we have not seen are fetched first, so they
        are reported before the cancel."""
        symbol = await self.exchange_symbol_associated_to_pair(tracked_order.trading_pair)
        response = await self._api_delete(path_url=CONSTANTS.ORDER_PATH_URL, is_auth_required=True,
                                          params={"symbol": symbol, "origClientOrderId": order_id},
                                          limit_id=CONSTANTS.CANCEL_ORDER_LIMIT_ID)
        try:
            executed = Decimal(response.get("executedQty", "0"))
        except Exception:
            executed = Decimal(0)
        if executed > tracked_order.executed_amount_base and tracked_order.exchange_order_id is not None:
            try:
                for trade_update in await self._all_trade_updates_for_order(tracked_order):
                    self._order_tracker.process_trade_update(trade_update)
            except Exception as exc:
                self.logger().warning("Could not fetch the fills of cancelled order %s: %s", order_id, exc)
        return response.get("status") == "CANCELED"

    async def _request_order_status(self, tracked_order: InFlightOrder) -> OrderUpdate:
        symbol = await self.exchange_symbol_associated_to_pair(tracked_order.trading_pair)
        payload = await self._api_get(path_url=CONSTANTS.ORDER_PATH_URL, is_auth_required=True,
                                      params={"symbol": symbol, "origClientOrderId": tracked_order.client_order_id},
                                      limit_id=CONSTANTS.ORDER_STATUS_LIMIT_ID)
        return utils.order_update_from_order_status(payload, tracked_order.trading_pair)

    async def _all_trade_updates_for_order(self, order: InFlightOrder) -> List[TradeUpdate]:
        """``GET /api/v3/myTrades`` by exchange order id (none yet: no fills to fetch)."""
        if order.exchange_order_id is None:
            return []
        symbol = await self.exchange_symbol_associated_to_pair(order.trading_pair)
        trades = await self._api_get(path_url=CONSTANTS.MY_TRADES_PATH_URL, is_auth_required=True,
                                     params={"symbol": symbol, "orderId": int(order.exchange_order_id)},
                                     limit_id=CONSTANTS.MY_TRADES_PATH_URL)
        return [utils.trade_update_from_my_trade(trade, order.client_order_id, order.trading_pair,
                                                 order.trade_type, self._fee_schema)
                for trade in trades if str(trade.get("orderId")) == order.exchange_order_id]

    # ---- balances and fees -------------------------------------------------------------------------
    async def _update_balances(self) -> None:
        """``GET /api/v3/account``: free + locked per asset, as of its ``updateTime``; an asset the
        stream updated after the request was sent keeps the stream's value (docs/contracts.md, Contract 4)."""
        requested_at = self._balances.snapshot_token()
        account = await self._api_get(path_url=CONSTANTS.ACCOUNTS_PATH_URL, is_auth_required=True,
                                      limit_id=CONSTANTS.ACCOUNTS_PATH_URL)
        balances = {}
        for entry in account["balances"]:
            free, locked = Decimal(entry["free"]), Decimal(entry["locked"])
            balances[entry["asset"]] = (free + locked, free)
        self._balances.apply_snapshot(balances, as_of=account.get("updateTime"), requested_at=requested_at)
        rates = account.get("commissionRates")
        if isinstance(rates, dict) and "maker" in rates and "taker" in rates:
            self._commission_rates = {"maker": Decimal(rates["maker"]), "taker": Decimal(rates["taker"])}

    def _get_fee(self, base_currency: str, quote_currency: str, order_type: OrderType, order_side: TradeType,
                 amount: Decimal, price: Decimal = _NAN, is_maker: Optional[bool] = None) -> TradeFeeBase:
        """The expected fee: the account's commission rate (from ``/account``) or 0.1%."""
        maker = order_type is OrderType.LIMIT_MAKER if is_maker is None else is_maker
        if self._commission_rates is not None:
            percent = self._commission_rates["maker" if maker else "taker"]
        else:
            schema = self._fee_schema
            percent = schema.maker_percent_fee_decimal if maker else schema.taker_percent_fee_decimal
        return TradeFeeBase.new_spot_fee(self._fee_schema, order_side, percent=percent)

    async def get_last_traded_prices(self, trading_pairs: List[str]) -> Dict[str, Decimal]:
        """Last trade price per pair (``GET /api/v3/ticker/price``, one call)."""
        prices = await self._api_get(path_url=CONSTANTS.PRICES_PATH_URL, limit_id=CONSTANTS.PRICES_PATH_URL)
        symbol_map = await self.trading_pair_symbol_map()
        wanted = set(trading_pairs)
        return {symbol_map[p["symbol"]]: Decimal(p["price"]) for p in prices
                if symbol_map.get(p["symbol"]) in wanted}

    # ---- user stream ------------------------------------------------------------------------------
    def _user_event_timestamp(self, event: Any) -> Optional[float]:
        # every Binance user event carries its event time "E" (ms; us / ns recognised): the user stream lag's start
        try:
            return stamp_ms(event["E"]) / 1000.0
        except (KeyError, TypeError, ValueError):
            return None

    async def _user_stream_event_listener(self) -> None:
        """Apply every user stream event (section 7): execution reports to the
        order tracker, account positions and balance updates to the balances."""
        await self._ensure_symbol_map()
        async for event in self._iter_user_event_queue():
            self._user_events.process(event)
