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

What spot shares with USDⓈ-M (declarations, error codes, symbols and rules,
order status, fills, cancels, prices, the user stream listener) is
``_common/connector.BinanceConnectorMixin``'s; this module adds spot's orders,
balances and fees.
"""
import asyncio
from decimal import Decimal
from typing import Any, Awaitable, Dict, List, Optional, Tuple, Union

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.connector.exchange_py_base import ExchangePyBase
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import TradeFeeBase
from hummingbot_conn.exchanges.binance._common.auth import BinanceAuth
from hummingbot_conn.exchanges.binance._common.connector import BinanceConnectorMixin
from hummingbot_conn.exchanges.binance.spot import constants as CONSTANTS, utils, web_utils
from hummingbot_conn.exchanges.binance.spot.constants import BinanceEndpoints
from hummingbot_conn.exchanges.binance.spot.order_book_data_source import BinanceAPIOrderBookDataSource
from hummingbot_conn.exchanges.binance.spot.user_events import BinanceUserEventHandler
from hummingbot_conn.exchanges.binance.spot.user_stream_data_source import BinanceAPIUserStreamDataSource
from hummingbot_conn.exchanges.binance.spot.ws_order_entry import BinanceWSOrderEntry, WSOrderEntryUnavailable
from hummingbot_conn.web.errors import WSDisconnectedError

__all__ = ["BinanceExchange"]

_NAN = Decimal("NaN")
_TERMINAL_ANSWERS = frozenset((OrderState.FILLED, OrderState.CANCELED, OrderState.EXPIRED, OrderState.FAILED))


def _exchange_id(value: Any) -> Optional[str]:
    # Binance order ids are integers; a missing, null or odd one is "unknown", not a new id
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
        return None
    return str(value)


class BinanceExchange(BinanceConnectorMixin, ExchangePyBase):
    """Binance Spot: LIMIT, LIMIT_MAKER and MARKET orders, user data over the WebSocket API.

    ``order_transport``: ``"ws"`` (default) places, cancels and queries orders over the
    WebSocket API (``order.place`` / ``order.cancel`` / ``order.status``) while its socket is
    up and over REST while it is down; ``"rest"`` always uses REST (docs/binance_spot.md
    section 7.6).  ``ws_request_timeout``: seconds an order request waits for its answer
    on the socket before its outcome is unknown (then resolved by client id).

    Keyword-only extras (injected for tests and tools): ``clock``,
    ``client_order_id_generator``, ``short_poll_interval``, ``long_poll_interval``,
    ``unknown_outcome_retry_delays`` (see ``ExchangePyBase``).
    """

    UPDATE_ORDER_STATUS_MIN_INTERVAL = 10.0
    CONSTANTS = CONSTANTS
    web_utils = web_utils
    utils = utils

    def __init__(self, binance_api_key: str, binance_api_secret: str, trading_pairs: Optional[List[str]] = None,
                 trading_required: bool = True, domain: Union[str, BinanceEndpoints] = CONSTANTS.DEFAULT_DOMAIN,
                 rate_limits_share_pct: Decimal = Decimal(100),
                 balance_asset_limit: Optional[Dict[str, Dict[str, Decimal]]] = None, *,
                 order_transport: str = CONSTANTS.DEFAULT_ORDER_TRANSPORT, ws_request_timeout: float = 10.0,
                 **options: Any) -> None:
        if order_transport not in CONSTANTS.ORDER_TRANSPORTS:
            raise ValueError(f"order_transport must be one of {CONSTANTS.ORDER_TRANSPORTS}, not {order_transport!r}")
        self._init_binance(domain, trading_pairs, trading_required)
        self.order_transport = order_transport
        self.api_key = binance_api_key
        self.secret_key = binance_api_secret
        self._commission_rates: Optional[Dict[str, Decimal]] = None
        self._authenticator: Optional[BinanceAuth] = None
        super().__init__(balance_asset_limit, rate_limits_share_pct, **options)
        self._user_events = BinanceUserEventHandler(self)
        self._ws_orders: Optional[BinanceWSOrderEntry] = None
        self._order_templates: Dict[tuple, Dict[str, Any]] = {}
        if trading_required and order_transport == "ws":
            factory = self._web_assistants_factory
            self._ws_orders = BinanceWSOrderEntry(
                # the answers' rateLimits are what the pools are corrected from: asked for explicitly
                # (Binance's default), which also tells this socket from the user stream's on the same
                # path (a recording's replay pairs connections by URL: docs/recording.md)
                web_utils.wss_api_url(self._domain) + "?returnRateLimits=true", self.authenticator, self._throttler,
                factory.connections_factory.get_ws_connection, rate_limit_pools=CONSTANTS.WS_RATE_LIMIT_POOLS,
                pause_scopes=CONSTANTS.PAUSE_SCOPES, time_sync_retry=factory.time_sync_retry,
                request_timeout=ws_request_timeout, connect_limit_id=CONSTANTS.WS_CONNECTIONS,
                heartbeat_interval=CONSTANTS.WS_HEARTBEAT_TIME_INTERVAL, message_timeout=CONSTANTS.WS_MESSAGE_TIMEOUT)

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

    # ---- data sources ----------------------------------------------------------------------------
    def _create_order_book_data_source(self) -> BinanceAPIOrderBookDataSource:
        return BinanceAPIOrderBookDataSource(trading_pairs=self._trading_pairs, domain=self._domain,
                                             api_factory=self._web_assistants_factory, throttler=self._throttler,
                                             symbol_map=self._market_data_symbol_map)

    def _create_user_stream_data_source(self) -> BinanceAPIUserStreamDataSource:
        return BinanceAPIUserStreamDataSource(auth=self.authenticator, trading_pairs=self._trading_pairs,
                                              connector=self, api_factory=self._web_assistants_factory,
                                              domain=self._domain)

    @property
    def ws_order_entry(self) -> Optional[BinanceWSOrderEntry]:
        """The WebSocket API order channel (None with ``order_transport="rest"`` or without trading)."""
        return self._ws_orders

    async def _start_loops(self) -> None:
        await super()._start_loops()
        if self._ws_orders is not None:
            self._network_tasks.append(asyncio.get_running_loop().create_task(self._ws_orders.run()))

    # ---- orders --------------------------------------------------------------------------------
    async def _order_status_answer(self, symbol: str, client_order_id: str) -> Any:
        """``order.status`` on the WebSocket API while it is up (a query: any failure of the socket
        falls back to REST), else ``GET /api/v3/order``."""
        ws = self._ws_orders
        if ws is not None and ws.up:
            try:
                return await ws.request(CONSTANTS.WS_ORDER_STATUS_METHOD,
                                        {"symbol": symbol, "origClientOrderId": client_order_id},
                                        outcome_matters=False)
            except (WSOrderEntryUnavailable, WSDisconnectedError, TimeoutError):
                pass                # a query may be asked again: it goes over REST below
        return await super()._order_status_answer(symbol, client_order_id)

    async def _cancel_answer(self, symbol: str, client_order_id: str) -> Any:
        """``order.cancel`` on the WebSocket API while it is up, else ``DELETE /api/v3/order``."""
        ws = self._ws_orders
        if ws is not None and ws.up:
            try:
                return await ws.request(CONSTANTS.WS_ORDER_CANCEL_METHOD,
                                        {"symbol": symbol, "origClientOrderId": client_order_id})
            except WSOrderEntryUnavailable:
                pass            # not sent: REST carries it
        return await super()._cancel_answer(symbol, client_order_id)

    def _order_params(self, symbol: str, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                      order_type: OrderType, price: Decimal) -> Dict[str, Any]:
        """The request's params: a per (pair, side, type) template built once (symbol, side, type, answer
        type, time in force) plus this order's id, quantity and price as plain decimal text."""
        key = (trading_pair, trade_type, order_type)
        template = self._order_templates.get(key)
        if template is None or template["symbol"] != symbol:
            template = {"symbol": symbol,
                        "side": CONSTANTS.SIDE_BUY if trade_type is TradeType.BUY else CONSTANTS.SIDE_SELL,
                        "type": order_type.name, "newOrderRespType": "FULL"}
            if order_type is OrderType.LIMIT:
                template["timeInForce"] = CONSTANTS.TIME_IN_FORCE_GTC
            self._order_templates[key] = template
        data = template.copy()
        data["newClientOrderId"] = order_id
        # already quantised by the trading rules: format only (exact, context-free)
        data["quantity"] = f"{amount:f}"
        if order_type is not OrderType.MARKET:
            data["price"] = f"{price:f}"
        return data

    def _ws_order_params(self, order: InFlightOrder) -> Optional[Tuple[BinanceWSOrderEntry, Dict[str, Any]]]:
        """The socket and ``order.place`` params of ``order`` while the socket is up and its pair is in the
        symbol map; else None (the order's path is ``_place_order``)."""
        ws = self._ws_orders
        pair = order.trading_pair
        if ws is None or not ws.up or not self._symbol_map.has_pair(pair):
            return None
        return ws, self._order_params(self._symbol_map.exchange_symbol(pair), order.client_order_id, pair,
                                      order.amount, order.trade_type, order.order_type,
                                      order.price if order.price is not None else _NAN)

    def _send_order_now(self, order: InFlightOrder) -> Optional[Awaitable[tuple]]:
        """Write ``order.place`` to the WebSocket API inside ``buy()`` (no loop turn before the
        request leaves; docs/binance_spot.md section 7.6) and return the awaitable of its outcome
        (as ``_place_order``'s); None when it cannot leave at once (socket down, no throttler
        room, pair not in the symbol map yet): nothing was sent, ``_place_order`` follows."""
        found = self._ws_order_params(order)
        if found is None:
            return None
        ws, data = found
        sent = ws.send_now(CONSTANTS.WS_ORDER_PLACE_METHOD, data)
        if sent is None:
            return None
        return self._ws_order_outcome(ws, data, sent, order.client_order_id, order.trading_pair, order.trade_type)

    def _rehearse_send(self, order: InFlightOrder) -> None:
        """``_send_order_now`` without the send: params, signature and frame built, the throttler
        asked, nothing written or charged (connector/order_path_warmer.py)."""
        found = self._ws_order_params(order)
        if found is not None:
            found[0].rehearse(CONSTANTS.WS_ORDER_PLACE_METHOD, found[1])

    async def _ws_order_outcome(self, ws: BinanceWSOrderEntry, data: Dict[str, Any], sent: Any, order_id: str,
                                trading_pair: str, trade_type: TradeType) -> tuple:
        response = await ws.request(CONSTANTS.WS_ORDER_PLACE_METHOD, data, sent=sent)
        return self._read_order_answer(response, order_id, trading_pair, trade_type)

    async def _place_order(self, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                           order_type: OrderType, price: Decimal, **kwargs: Any) -> tuple:
        """``order.place`` on the WebSocket API while it is up, else ``POST /api/v3/order``, with a FULL
        answer; its fills and final state are applied before returning ``(orderId, transactTime
        seconds)``.  Amounts and prices go as plain decimal text (``f"{d:f}"``, already quantised)."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        data = self._order_params(symbol, order_id, trading_pair, amount, trade_type, order_type, price)
        ws = self._ws_orders
        if ws is not None and ws.up:
            try:
                response = await ws.request(CONSTANTS.WS_ORDER_PLACE_METHOD, data.copy())
            except WSOrderEntryUnavailable:
                pass            # nothing left: REST carries it (never both: sent only when this raised)
            else:
                return self._read_order_answer(response, order_id, trading_pair, trade_type)
        response = await self._api_post(path_url=CONSTANTS.ORDER_PATH_URL, data=data, is_auth_required=True,
                                        limit_id=CONSTANTS.POST_ORDER_LIMIT_ID)
        return self._read_order_answer(response, order_id, trading_pair, trade_type)

    def _read_order_answer(self, response: Any, order_id: str, trading_pair: str, trade_type: TradeType) -> tuple:
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

    def _trade_update_from_account_trade(self, trade: Dict[str, Any], order: InFlightOrder) -> TradeUpdate:
        return utils.trade_update_from_my_trade(trade, order.client_order_id, order.trading_pair, order.trade_type,
                                                self._fee_schema)

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
