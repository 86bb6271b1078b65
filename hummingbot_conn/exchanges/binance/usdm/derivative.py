"""BinancePerpetualDerivative: the Binance USDⓈ-M perpetual connector (hummingbot's name and constructor).

    exchange = BinancePerpetualDerivative(binance_perpetual_api_key=key, binance_perpetual_api_secret=secret,
                                          trading_pairs=["BTC-USDT"])
    await exchange.start_network(); await exchange.wait_ready()
    await exchange.set_leverage("BTC-USDT", 10)
    order_id = exchange.buy("BTC-USDT", Decimal("0.01"), OrderType.MARKET, position_action=PositionAction.OPEN)

``domain`` is ``"binance_perpetual"``, ``"binance_perpetual_testnet"`` or a
``BinancePerpetualEndpoints`` (``BinancePerpetualEndpoints.local("127.0.0.1:PORT")``
for ``hummingbot_conn.sim.futures``). Protocol facts: docs/binance_usdm_futures.md.

Orders: LIMIT (GTC), LIMIT_MAKER (GTX, post-only) and MARKET. In HEDGE mode
the position side follows the action (BUY+OPEN = LONG, SELL+CLOSE = LONG,
SELL+OPEN = SHORT, BUY+CLOSE = SHORT); in ONEWAY mode a CLOSE is sent
reduce-only. A 5xx or lost answer is an unknown outcome resolved by client
id (never a fake exchange id, W-19); errors are recognised by typed code.

What USDⓈ-M shares with spot (declarations, error codes, symbols and rules,
order status, fills, cancels, prices, the user stream listener) is
``_common/connector.BinanceConnectorMixin``'s; this module adds the
perpetual's orders, positions, leverage, position mode and funding.
"""
import logging
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple, Union

from hummingbot_conn.common import OrderType, PositionAction, PositionMode, TradeType
from hummingbot_conn.connector.account_refresh import AccountRefresher, min_interval_for
from hummingbot_conn.connector.funding_payments import FundingPayment, collect_window, nearest_rate
from hummingbot_conn.connector.perpetual_derivative_py_base import PerpetualDerivativePyBase
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderState, TradeUpdate
from hummingbot_conn.core.trade_fee import TradeFeeBase
from hummingbot_conn.exchanges.binance._common.connector import BinanceConnectorMixin
from hummingbot_conn.exchanges.binance.usdm import constants as CONSTANTS, utils, web_utils
from hummingbot_conn.exchanges.binance.usdm.auth import BinancePerpetualAuth
from hummingbot_conn.exchanges.binance.usdm.constants import BinancePerpetualEndpoints
from hummingbot_conn.exchanges.binance.usdm.order_book_data_source import BinancePerpetualAPIOrderBookDataSource
from hummingbot_conn.exchanges.binance.usdm.user_events import BinancePerpetualUserEventHandler
from hummingbot_conn.exchanges.binance.usdm.user_stream_data_source import BinancePerpetualUserStreamDataSource
from hummingbot_conn.web.errors import ExchangeError

__all__ = ["BinancePerpetualDerivative"]

_logger = logging.getLogger(__name__)

_NAN = Decimal("NaN")
_TERMINAL = frozenset((OrderState.FILLED, OrderState.CANCELED, OrderState.EXPIRED, OrderState.FAILED))


class BinancePerpetualDerivative(BinanceConnectorMixin, PerpetualDerivativePyBase):
    """Binance USDⓈ-M perpetuals, cross margin, ONEWAY and HEDGE position modes.

    Keyword-only extras (for tests and tools): ``clock``, ``client_order_id_generator``,
    ``short_poll_interval``, ``long_poll_interval``, ``unknown_outcome_retry_delays``,
    ``funding_fee_poll_interval`` (seconds, default 600), ``account_refresh_weight_share``
    (the most of the request weight the account reads after events may use, 0 < share <= 1,
    default 0.1: a read per 1.25 s under sustained activity; docs/contracts.md, Contract 4).
    """

    CONSTANTS = CONSTANTS
    web_utils = web_utils
    utils = utils
    MAX_LEVERAGE = CONSTANTS.MAX_LEVERAGE
    FUNDING_PAGE_LIMIT = 1000                 # rows per income / fundingRate answer (the venue's maximum)
    FUNDING_WINDOW_MS = 7 * 86_400_000        # one income read spans at most 7 days
    FUNDING_TIME_MATCH_MS = 60_000            # a payment's funding time in the rate history, give or take

    def __init__(self, binance_perpetual_api_key: str, binance_perpetual_api_secret: str,
                 trading_pairs: Optional[List[str]] = None, trading_required: bool = True,
                 domain: Union[str, BinancePerpetualEndpoints] = CONSTANTS.DOMAIN,
                 rate_limits_share_pct: Decimal = Decimal(100),
                 balance_asset_limit: Optional[Dict[str, Dict[str, Decimal]]] = None,
                 funding_fee_poll_interval: float = 600.0, account_refresh_weight_share: float = 0.1,
                 **options: Any) -> None:
        self._init_binance(domain, trading_pairs, trading_required)
        self.binance_perpetual_api_key = binance_perpetual_api_key
        self.binance_perpetual_secret_key = binance_perpetual_api_secret
        self._funding_fee_poll_interval = float(funding_fee_poll_interval)
        self._authenticator: Optional[BinancePerpetualAuth] = None
        super().__init__(balance_asset_limit, rate_limits_share_pct, **options)
        self._user_events = BinancePerpetualUserEventHandler(self)
        # ACCOUNT_UPDATE carries the wallet balance only: the available balance is REST's, read
        # again after every event that moves it (docs/contracts.md, Contract 4)
        self._balances.available_from_stream = False
        self._account_refresher = AccountRefresher(
            self._update_balances, is_permanent_error=self._is_permanent_auth_error,
            min_interval=min_interval_for(self._throttler, CONSTANTS.ACCOUNT_INFO_URL, account_refresh_weight_share))

    # ---- declarations ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        if isinstance(self._domain, BinancePerpetualEndpoints):
            return CONSTANTS.EXCHANGE_NAME
        return self._domain

    @property
    def authenticator(self) -> BinancePerpetualAuth:
        if self._authenticator is None:
            self._authenticator = BinancePerpetualAuth(self.binance_perpetual_api_key,
                                                       self.binance_perpetual_secret_key, self._time_synchronizer)
        return self._authenticator

    @property
    def funding_fee_poll_interval(self) -> float:
        return self._funding_fee_poll_interval

    def supported_position_modes(self) -> List[PositionMode]:
        return [PositionMode.ONEWAY, PositionMode.HEDGE]

    def get_buy_collateral_token(self, trading_pair: str) -> str:
        return self._trading_rules_part.rules[trading_pair].buy_order_collateral_token

    def get_sell_collateral_token(self, trading_pair: str) -> str:
        return self._trading_rules_part.rules[trading_pair].sell_order_collateral_token

    # ---- network -----------------------------------------------------------------------------------------
    async def start_network(self) -> None:
        await super().start_network()
        if self.is_trading_required:
            self._account_refresher.start()

    async def stop_network(self) -> None:
        await self._account_refresher.stop()
        await super().stop_network()

    def _refresh_account_soon(self) -> None:
        """An event moved what the stream does not carry (the available balance): read the account soon
        (``AccountRefresher``: one read in flight, coalesced, at most 10 % of the request weight)."""
        self._account_refresher.request()

    # ---- data sources ------------------------------------------------------------------------------------
    def _create_order_book_data_source(self) -> BinancePerpetualAPIOrderBookDataSource:
        return BinancePerpetualAPIOrderBookDataSource(
            trading_pairs=self._trading_pairs, domain=self._domain, api_factory=self._web_assistants_factory,
            symbol_map=self._market_data_symbol_map)

    def _create_user_stream_data_source(self) -> BinancePerpetualUserStreamDataSource:
        return BinancePerpetualUserStreamDataSource(auth=self.authenticator, connector=self,
                                                    api_factory=self._web_assistants_factory, domain=self._domain)

    # ---- orders -------------------------------------------------------------------------------------------
    def _order_params(self, symbol: str, order_id: str, amount: Decimal, trade_type: TradeType,
                      order_type: OrderType, price: Decimal, position_action: PositionAction) -> Dict[str, str]:
        data = {"symbol": symbol, "side": "BUY" if trade_type is TradeType.BUY else "SELL",
                "quantity": f"{amount:f}", "type": "MARKET" if order_type is OrderType.MARKET else "LIMIT",
                "newClientOrderId": order_id, "newOrderRespType": "RESULT"}
        if order_type is not OrderType.MARKET:
            data["price"] = f"{price:f}"
            data["timeInForce"] = CONSTANTS.TIME_IN_FORCE_GTX if order_type is OrderType.LIMIT_MAKER \
                else CONSTANTS.TIME_IN_FORCE_GTC
        if self.position_mode is PositionMode.HEDGE:
            opening = position_action is PositionAction.OPEN
            data["positionSide"] = "LONG" if (trade_type is TradeType.BUY) == opening else "SHORT"
        elif position_action is PositionAction.CLOSE:
            data["reduceOnly"] = "true"
        return data

    async def _place_order(self, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                           order_type: OrderType, price: Decimal,
                           position_action: PositionAction = PositionAction.NIL, **kwargs: Any) -> Tuple[str, float]:
        """``POST /fapi/v1/order`` (RESULT answer); a terminal answer is applied at once."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        response = await self._api_post(
            path_url=CONSTANTS.ORDER_PATH_URL, is_auth_required=True, limit_id=CONSTANTS.POST_ORDER_LIMIT_ID,
            data=self._order_params(symbol, order_id, amount, trade_type, order_type, price, position_action))
        try:
            update = utils.order_update_from_order_status(response, trading_pair)
        except Exception:
            _logger.exception("Unreadable answer to order %s; the stream and polls will report it.", order_id)
        else:
            if update.new_state in _TERMINAL:
                # the tracker fetches the fills it has not seen before completing the order
                self._order_tracker.process_order_update(update)
        return str(response["orderId"]), int(response["updateTime"]) / 1000

    def _trade_update_from_account_trade(self, trade: Dict[str, Any], order: InFlightOrder) -> TradeUpdate:
        # the fee class follows the order's own position action (section 12), not the fill's PnL
        return utils.trade_update_from_user_trade(trade, order.client_order_id, order.trading_pair,
                                                  order.trade_type, self._fee_schema,
                                                  utils.known_position_action(getattr(order, "position", None)))

    def _get_fee(  # type: ignore[override]  # hummingbot's derivative API inserts position_action
            self, base_currency: str, quote_currency: str, order_type: OrderType, order_side: TradeType,
            position_action: PositionAction, amount: Decimal, price: Decimal = _NAN,
            is_maker: Optional[bool] = None) -> TradeFeeBase:
        maker = order_type is OrderType.LIMIT_MAKER if is_maker is None else is_maker
        schema = self._fee_schema
        percent = schema.maker_percent_fee_decimal if maker else schema.taker_percent_fee_decimal
        return TradeFeeBase.new_perpetual_fee(schema, position_action, percent=percent)

    # ---- account: balances, positions, mode, leverage, funding ---------------------------------------------------
    async def _update_balances(self) -> None:
        """``GET /fapi/v2/account``: wallet and available balance per asset, and every position.

        Each asset and position row carries the venue's ``updateTime``; a row older than a stream
        report already applied, or requested before it, leaves that asset / position alone
        (docs/contracts.md, Contract 4).
        """
        requested_at = self._balances.snapshot_token()
        account = await self._api_get(path_url=CONSTANTS.ACCOUNT_INFO_URL, is_auth_required=True)
        balances = {a["asset"]: (utils.finite_decimal(a["walletBalance"]), utils.finite_decimal(a["availableBalance"]))
                    for a in account["assets"]}
        times = {a["asset"]: a.get("updateTime") for a in account["assets"]}
        self._balances.apply_snapshot(balances, requested_at=requested_at, asset_times=times)
        await self._apply_position_rows(account.get("positions", ()), "unrealizedProfit", requested_at)

    async def _update_positions(self) -> None:
        """``GET /fapi/v2/positionRisk``: every position slot with its leverage (same ordering rules)."""
        requested_at = self._balances.snapshot_token()
        rows = await self._api_get(path_url=CONSTANTS.POSITION_INFORMATION_URL, is_auth_required=True)
        await self._apply_position_rows(rows, "unRealizedProfit", requested_at)

    async def _apply_position_rows(self, rows: Any, pnl_field: str, requested_at: int) -> None:
        symbol_map = await self.trading_pair_symbol_map()
        parsed = []
        for row in rows:
            trading_pair = symbol_map.get(row.get("symbol"))
            if trading_pair is None:
                continue                        # a contract we do not trade
            parsed.append((trading_pair, utils.position_side_of(row["positionSide"]),
                           utils.finite_decimal(row["positionAmt"]), utils.finite_decimal(row["entryPrice"]),
                           utils.finite_decimal(row[pnl_field]), int(row["leverage"]), row.get("updateTime")))
        for trading_pair, side, amount, entry, pnl, leverage, as_of in parsed:
            self._perpetual_trading.set_leverage(trading_pair, leverage)
            try:
                self._record_position(trading_pair, side, amount, entry, pnl, Decimal(leverage), as_of=as_of,
                                      snapshot_token=requested_at)
            except ValueError as exc:           # an unreadable updateTime: that row only
                _logger.error("Position row of %s left alone: %s", trading_pair, exc)

    async def _fetch_account_position_mode(self) -> Optional[PositionMode]:
        answer = await self._api_get(path_url=CONSTANTS.CHANGE_POSITION_MODE_URL, is_auth_required=True,
                                     limit_id=CONSTANTS.GET_POSITION_MODE_LIMIT_ID)
        return PositionMode.HEDGE if answer.get("dualSidePosition") is True else PositionMode.ONEWAY

    async def _trading_pair_position_mode_set(self, mode: PositionMode, trading_pair: str) -> Tuple[bool, str]:
        try:
            await self._api_post(path_url=CONSTANTS.CHANGE_POSITION_MODE_URL, is_auth_required=True,
                                 limit_id=CONSTANTS.POST_POSITION_MODE_LIMIT_ID,
                                 data={"dualSidePosition": "true" if mode is PositionMode.HEDGE else "false"})
        except ExchangeError as exc:
            if exc.code == CONSTANTS.NO_NEED_TO_CHANGE_POSITION_SIDE_CODE:
                return True, ""
            return False, f"{exc.code}: {exc.msg}"
        return True, ""

    async def _set_trading_pair_leverage(self, trading_pair: str, leverage: int) -> Tuple[bool, str]:
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        try:
            answer = await self._api_post(path_url=CONSTANTS.SET_LEVERAGE_URL, is_auth_required=True,
                                          data={"symbol": symbol, "leverage": str(leverage)})
        except ExchangeError as exc:
            return False, f"{exc.code}: {exc.msg}"
        if answer.get("leverage") != leverage:
            return False, f"Unable to set leverage: the exchange answered {answer!r:.200}"
        self._refresh_account_soon()        # the initial margin of the pair's positions and orders moved
        return True, ""

    async def _fetch_funding_payments(self, trading_pair: str, start_ms: int, end_ms: int) -> List[FundingPayment]:
        """``GET /fapi/v1/income?incomeType=FUNDING_FEE`` over [start_ms, end_ms], read whole
        (``collect_window``: at most ``FUNDING_PAGE_LIMIT`` rows an answer, no order relied on),
        in windows of at most ``FUNDING_WINDOW_MS``; each row's ``tranId`` is its id."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        limit = self.FUNDING_PAGE_LIMIT

        async def fetch(start: int, end: int, page: Optional[int]) -> List[Any]:
            params: Dict[str, Any] = {"symbol": symbol, "incomeType": "FUNDING_FEE", "startTime": start,
                                      "endTime": end, "limit": limit}
            if page is not None:
                params["page"] = page
            rows = await self._api_get(path_url=CONSTANTS.GET_INCOME_HISTORY_URL, is_auth_required=True,
                                       params=params)
            if not isinstance(rows, list):
                raise ValueError(f"income history is not a list: {rows!r:.200}")
            return rows

        payments: List[FundingPayment] = []
        for chunk_start in range(start_ms, end_ms + 1, self.FUNDING_WINDOW_MS):
            chunk_end = min(end_ms, chunk_start + self.FUNDING_WINDOW_MS - 1)
            rows = await collect_window(fetch, chunk_start, chunk_end, limit, key=utils.income_row_id)
            payments += [utils.funding_payment_of(row) for row in rows
                         if row.get("incomeType") == "FUNDING_FEE" and row.get("symbol") == symbol]
        return payments

    async def _fetch_funding_rates(self, trading_pair: str, times_ms: List[int]) -> Dict[int, Decimal]:
        """``GET /fapi/v1/fundingRate`` around ``times_ms``: each payment gets the rate of the funding
        time nearest it within ``FUNDING_TIME_MATCH_MS`` (section 5)."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        limit = self.FUNDING_PAGE_LIMIT
        tolerance = self.FUNDING_TIME_MATCH_MS

        async def fetch(start: int, end: int, page: Optional[int]) -> List[Any]:
            rows = await self._api_get(path_url=CONSTANTS.FUNDING_RATE_URL,
                                       params={"symbol": symbol, "startTime": start, "endTime": end, "limit": limit})
            if not isinstance(rows, list):
                raise ValueError(f"funding rate history is not a list: {rows!r:.200}")
            return rows

        history: Dict[int, Decimal] = {}
        for row in await collect_window(fetch, min(times_ms) - tolerance, max(times_ms) + tolerance, limit,
                                        key=lambda r: r.get("fundingTime"), pageable=False):
            if row.get("symbol") == symbol:
                history[int(row["fundingTime"])] = utils.finite_decimal(row["fundingRate"])
        found = {t: nearest_rate(history, t, tolerance) for t in times_ms}
        return {t: rate for t, rate in found.items() if rate is not None}

    async def _venue_now_ms(self) -> int:
        """The venue's clock (``GET /fapi/v1/time``, weight 1): where funding news starts without saved
        state, and where a funding read ends."""
        return int(await web_utils.get_current_server_time(domain=self._domain,
                                                           api_factory=self._web_assistants_factory))
