"""PerpetualDerivativePyBase: a perpetual-futures connector = ExchangePyBase + PerpetualTrading.

The seeds draw a derivative connector as the exchange connector with a second
part, ``PerpetualTrading`` (positions, position mode, leverage, funding).
Here the part is composed, not inherited: ``self._perpetual_trading`` holds the
state and this class wires it to the network (hummingbot's names and hooks):

* orders carry a ``position_action`` (OPEN / CLOSE) and the pair's leverage
  (``PerpetualDerivativeInFlightOrder``); any other action fails the order
  with a ``MarketOrderFailureEvent`` before anything is sent (hummingbot
  raised inside a detached task and the order was never heard of, W-7);
* ``get_fee`` takes the position action (``TradeFeeBase.new_perpetual_fee``);
* ``set_position_mode`` / ``set_leverage`` ask the exchange, then record it;
  they return the task doing it (hummingbot returned nothing) so a caller can
  await the outcome; position mode changes fire ``PositionModeChangeSucceeded``
  / ``Failed`` per trading pair;
* funding info is initialised by REST per pair, then kept live from the
  order book data source's funding stream; ``status_dict`` gains
  ``funding_info``;
* funding payments are polled (``funding_fee_poll_interval``, or at once when
  the venue's stream reports one): every payment since the last one reported
  fires ``FundingPaymentCompletedEvent`` exactly once, with the rate of its
  own funding time, also after a failing poll and across a restart (the
  ledger travels in ``tracking_states``; ``funding_payments.FundingLedger``,
  the loop in ``funding_payment_poller.py``);
* a failure of these loops (funding payments, the account's position mode
  and positions) is logged once and its repeats counted
  (``hummingbot_conn.log_dedup``): a refused API key writes one line, then
  its count, not one line per attempt;
* position changes fire ``PositionUpdateEvent`` (``AccountEvent.PositionUpdate``);
  stream and REST reports of a position are ordered by the venue's time and
  a REST answer never undoes a newer stream report (``venue_time.Freshness``,
  docs/contracts.md, Contract 4).
"""
import asyncio
import logging
from abc import ABC, abstractmethod
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Protocol, Tuple, cast

from hummingbot_conn.common import OrderType, PositionAction, PositionMode, PositionSide, TradeType
from hummingbot_conn.connector.arguments import check_leverage, exact_str
from hummingbot_conn.connector.exchange_py_base import ExchangePyBase
from hummingbot_conn.connector.funding_info import FundingInfo
from hummingbot_conn.connector.funding_payment_poller import FundingPaymentPoller
from hummingbot_conn.connector.funding_payments import FundingLedger, FundingPayment
from hummingbot_conn.connector.perpetual_trading import PerpetualTrading
from hummingbot_conn.connector.position import Position
from hummingbot_conn.connector.trading_rules import describe
from hummingbot_conn.connector.venue_time import Freshness
from hummingbot_conn.core.in_flight_order import InFlightOrder, PerpetualDerivativeInFlightOrder
from hummingbot_conn.core.trade_fee import TradeFeeBase
from hummingbot_conn.events import AccountEvent, PositionModeChangeEvent, PositionUpdateEvent
from hummingbot_conn.log_dedup import RepeatedLog

__all__ = ["PerpetualDerivativePyBase"]

_logger = logging.getLogger(__name__)

_NAN = Decimal("NaN")
_ZERO = Decimal(0)
FUNDING_INFO_RETRY_DELAY = 5.0
# where the funding ledger sits in ``tracking_states``: '#' is never in a client order id
FUNDING_STATE_KEY = "#funding_payments"


class FundingInfoSource(Protocol):
    """What a perpetual venue's order book data source adds (hummingbot's PerpetualAPIOrderBookDataSource)."""

    async def get_funding_info(self, trading_pair: str) -> FundingInfo: ...

    async def listen_for_funding_info(self, output: asyncio.Queue) -> None: ...


class PerpetualDerivativePyBase(ExchangePyBase, ABC):
    """The base a perpetual venue connector subclasses (see the module docstring)."""

    VALID_POSITION_ACTIONS = (PositionAction.OPEN, PositionAction.CLOSE)
    #: The highest leverage ``set_leverage`` lets through when the venue gives no
    #: per-pair maximum (``_max_leverage``); higher values are a ``ValueError``
    #: before anything is sent (docs/porting.md, "Order arguments").
    MAX_LEVERAGE = 125

    def __init__(self, balance_asset_limit: Optional[Dict[str, Dict[str, Decimal]]] = None,
                 rate_limits_share_pct: Decimal = Decimal(100), **options: Any) -> None:
        self._perpetual_trading = PerpetualTrading(self.trading_pairs)
        self._funding_ledger = FundingLedger()
        self._position_freshness = Freshness("position", lambda: self._time_synchronizer.time() * 1e3)
        self._set_position_mode_lock = asyncio.Lock()
        self._funding_poller = FundingPaymentPoller(self)
        self._account_log = RepeatedLog(_logger)    # the position mode and positions reads
        self._perpetual_tasks: List[asyncio.Task] = []
        self._config_tasks: set = set()
        super().__init__(balance_asset_limit, rate_limits_share_pct, **options)

    # ---- what a venue declares ------------------------------------------------------------------
    @property
    @abstractmethod
    def funding_fee_poll_interval(self) -> float:
        """Seconds between funding payment polls (a payment is also looked for soon after each
        funding time)."""

    @abstractmethod
    def supported_position_modes(self) -> List[PositionMode]:
        """The position modes the venue offers (ONEWAY, HEDGE); ``set_position_mode`` refuses others."""

    @abstractmethod
    def get_buy_collateral_token(self, trading_pair: str) -> str:
        """The asset a buy of ``trading_pair`` is margined in (a linear contract: its quote)."""

    @abstractmethod
    def get_sell_collateral_token(self, trading_pair: str) -> str:
        """The asset a sell of ``trading_pair`` is margined in."""

    @abstractmethod
    async def _update_positions(self) -> None:
        """Fetch every position (REST) and record each with ``_record_position``, a closed one with
        amount 0 (so a position closed while the stream was down is removed)."""

    @abstractmethod
    async def _trading_pair_position_mode_set(self, mode: PositionMode, trading_pair: str) -> Tuple[bool, str]:
        """Set the account's position mode on the venue (for ``trading_pair`` where the venue sets it
        per pair): ``(success, error message)``; never raises for a refusal."""

    @abstractmethod
    async def _set_trading_pair_leverage(self, trading_pair: str, leverage: int) -> Tuple[bool, str]:
        """Set the pair's leverage on the venue: ``(success, error message)``; never raises for a
        refusal (``set_leverage`` has checked it against ``_max_leverage`` already)."""

    @abstractmethod
    async def _fetch_funding_payments(self, trading_pair: str, start_ms: int, end_ms: int) -> List[FundingPayment]:
        """Every funding payment of the pair stamped in [start_ms, end_ms] (venue ms, inclusive),
        whatever the venue's page size and order; ``rate`` may be left None."""

    @abstractmethod
    async def _fetch_funding_rates(self, trading_pair: str, times_ms: List[int]) -> Dict[int, Decimal]:
        """The funding rate of each of ``times_ms`` (payment times): {time ms: rate}; a time the
        venue's history lacks is left out."""

    async def _venue_now_ms(self) -> int:
        """The venue's clock now (ms): where funding news starts on a first start without saved state,
        and where a funding read ends (default: the synchronised clock; a venue with a time endpoint
        asks it, so a clock not synchronised yet never stretches the window)."""
        return int(self._time_synchronizer.time() * 1e3)

    async def _fetch_account_position_mode(self) -> Optional[PositionMode]:
        """The account's mode on the exchange (None: the venue cannot tell)."""
        return None

    @abstractmethod
    def _get_fee(  # type: ignore[override]  # hummingbot's derivative API inserts position_action
            self, base_currency: str, quote_currency: str, order_type: OrderType, order_side: TradeType,
            position_action: PositionAction, amount: Decimal, price: Decimal = _NAN,
                 is_maker: Optional[bool] = None) -> TradeFeeBase:
        """The fee an order would pay; ``position_action`` (OPEN / CLOSE) is hummingbot's derivative
        argument, inserted before ``amount``."""

    # ---- state ------------------------------------------------------------------------------------------
    @property
    def status_dict(self) -> Dict[str, bool]:
        status = super().status_dict
        status["funding_info"] = self._perpetual_trading.is_funding_info_initialized()
        return status

    @property
    def position_mode(self) -> PositionMode:
        return self._perpetual_trading.position_mode

    @property
    def account_positions(self):
        """Open positions by position key (read-only view)."""
        return self._perpetual_trading.account_positions

    def get_position(self, trading_pair: str, side: Optional[PositionSide] = None) -> Optional[Position]:
        return self._perpetual_trading.get_position(trading_pair, side)

    def get_leverage(self, trading_pair: str) -> int:
        return self._perpetual_trading.get_leverage(trading_pair)

    def get_funding_info(self, trading_pair: str) -> FundingInfo:
        return self._perpetual_trading.get_funding_info(trading_pair)

    # ---- saved state ------------------------------------------------------------------------------------------
    @property
    def tracking_states(self) -> Dict[str, Any]:
        """The orders' states and, under ``"#funding_payments"``, the funding ledger (which payments
        were reported), for ``restore_tracking_states`` after a restart."""
        states = dict(super().tracking_states)
        if self._funding_ledger:
            states[FUNDING_STATE_KEY] = self._funding_ledger.to_json()
        return states

    def restore_tracking_states(self, saved_states: Mapping[str, Any]) -> Dict[str, str]:
        """Resume orders and the funding ledger (call it before ``start_network``); a ledger that
        cannot be read is logged and ignored (funding news then starts at the next start) and
        reported under its key.  Returns ``{key: reason}`` of what was refused (see
        ``ExchangePyBase.restore_tracking_states``)."""
        ledger_refused: Dict[str, str] = {}
        if isinstance(saved_states, Mapping) and FUNDING_STATE_KEY in saved_states:
            try:
                self._funding_ledger.restore(saved_states[FUNDING_STATE_KEY])
            except ValueError as exc:
                _logger.error("Could not restore the funding ledger: %s", exc)
                ledger_refused[FUNDING_STATE_KEY] = f"not a funding ledger ({exc})"
            saved_states = {k: v for k, v in saved_states.items() if k != FUNDING_STATE_KEY}
        return {**ledger_refused, **super().restore_tracking_states(saved_states)}

    # ---- orders -------------------------------------------------------------------------------------------
    def _create_in_flight_order(self, order_id: str, trading_pair: str, order_type: OrderType,
                                trade_type: TradeType, amount: Decimal, price: Optional[Decimal],
                                position_action: PositionAction = PositionAction.NIL,
                                **kwargs: Any) -> InFlightOrder:
        """A new order must say whether it opens or closes (ValueError -> a failure event)."""
        if position_action not in self.VALID_POSITION_ACTIONS:
            given = position_action.name if isinstance(position_action, PositionAction) else describe(position_action)
            raise ValueError(f"Invalid position action {given}: must be one of "
                             f"{', '.join(a.name for a in self.VALID_POSITION_ACTIONS)}")
        return self._perpetual_order(order_id, trading_pair, order_type, trade_type, amount, price,
                                     position_action)

    def _perpetual_order(self, order_id: str, trading_pair: str, order_type: OrderType, trade_type: TradeType,
                         amount: Decimal, price: Optional[Decimal],
                         position_action: PositionAction) -> PerpetualDerivativeInFlightOrder:
        return PerpetualDerivativeInFlightOrder(
            order_id, trading_pair, order_type, trade_type, amount, self.current_timestamp, price=price,
            leverage=self.get_leverage(trading_pair), position=position_action)

    def start_tracking_order(self, order_id: str, exchange_order_id: Optional[str], trading_pair: str,
                             trade_type: TradeType, price: Decimal, amount: Decimal, order_type: OrderType,
                             position_action: PositionAction = PositionAction.NIL, **kwargs: Any) -> None:
        order = self._perpetual_order(order_id, trading_pair, order_type, trade_type, amount, price,
                                      position_action)
        if exchange_order_id is not None:
            order.update_exchange_order_id(exchange_order_id)
        self._order_tracker.start_tracking_order(order)

    def get_fee(  # type: ignore[override]  # hummingbot's derivative API inserts position_action
            self, base_currency: str, quote_currency: str, order_type: OrderType, order_side: TradeType,
            position_action: PositionAction, amount: Decimal, price: Decimal = _NAN,
            is_maker: Optional[bool] = None) -> TradeFeeBase:
        """The expected fee of an order (AddedToCost when it opens, per ``new_perpetual_fee``)."""
        return self._get_fee(base_currency, quote_currency, order_type, order_side, position_action, amount,
                             price, is_maker)

    # ---- position mode and leverage ---------------------------------------------------------------------------
    def _spawn_config(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._config_tasks.add(task)
        task.add_done_callback(self._config_tasks.discard)
        return task

    def set_position_mode(self, mode: PositionMode) -> asyncio.Task:
        """Switch the account's mode; returns the task (its result: True on success).
        Fires ``PositionModeChangeSucceeded`` or ``PositionModeChangeFailed`` for every trading pair
        (a mode the venue does not support included, as hummingbot).  A ``mode`` that is not a
        ``PositionMode`` is a ``TypeError``, raised before anything is sent."""
        if not isinstance(mode, PositionMode):
            raise TypeError(f"mode must be a PositionMode, got {type(mode).__name__}")
        return self._spawn_config(self._execute_set_position_mode(mode))

    async def _execute_set_position_mode(self, mode: PositionMode) -> bool:
        if mode not in self.supported_position_modes():
            message = f"Position mode {mode} is not supported. Mode not set."
            _logger.error(message)
            self._fire_position_mode_events(mode, False, message)
            return False
        async with self._set_position_mode_lock:
            try:
                exchange_mode = await self._fetch_account_position_mode()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._account_log.warning("Could not fetch the position mode from the exchange: %s", exc)
                exchange_mode = None
            if exchange_mode == mode:
                success, message = True, ""
            else:
                try:
                    success, message = await self._trading_pair_position_mode_set(
                        mode, self.trading_pairs[0] if self.trading_pairs else "")
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    success, message = False, str(exc)
            if success:
                self._perpetual_trading.set_position_mode(mode)
                _logger.info("Position mode switched to %s.", mode)
            else:
                _logger.error("Failed to set position mode to %s: %s", mode, message)
            self._fire_position_mode_events(mode, success, message)
            return success

    def _fire_position_mode_events(self, mode: PositionMode, success: bool, message: str = "") -> None:
        tag = AccountEvent.PositionModeChangeSucceeded if success else AccountEvent.PositionModeChangeFailed
        for trading_pair in self.trading_pairs:
            self.trigger_event(tag, PositionModeChangeEvent(self.current_timestamp, trading_pair, mode,
                                                            message or None))

    def set_leverage(self, trading_pair: str, leverage: int = 1) -> asyncio.Task:
        """Set the pair's leverage on the exchange; returns the task (its result: True on success,
        False when the exchange refused it).

        Checked before anything is sent: ``trading_pair`` a str and ``leverage`` an int, not a
        bool (``TypeError``); ``1 <= leverage <= _max_leverage(trading_pair)`` (``ValueError``;
        hummingbot passed any value to the venue).  docs/porting.md, "Order arguments"."""
        trading_pair = exact_str(trading_pair, "trading_pair")
        check_leverage(trading_pair, leverage, self._max_leverage(trading_pair))
        return self._spawn_config(self._execute_set_leverage(trading_pair, leverage))

    def _max_leverage(self, trading_pair: str) -> int:
        """The highest leverage the venue allows on ``trading_pair``; ``MAX_LEVERAGE``
        unless the venue knows better (e.g. from its leverage brackets)."""
        return self.MAX_LEVERAGE

    async def _execute_set_leverage(self, trading_pair: str, leverage: int) -> bool:
        if isinstance(leverage, bool) or not isinstance(leverage, int) or leverage < 1:
            _logger.error("Error setting leverage %r for %s: leverage must be an integer >= 1",
                          leverage, trading_pair)
            return False
        try:
            success, message = await self._set_trading_pair_leverage(trading_pair, leverage)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            success, message = False, str(exc)
        if success:
            self._perpetual_trading.set_leverage(trading_pair, leverage)
            _logger.info("Leverage for %s successfully set to %s.", trading_pair, leverage)
        else:
            _logger.error("Error setting leverage %s for %s: %s", leverage, trading_pair, message)
        return success

    # ---- positions ------------------------------------------------------------------------------------------------
    def _record_position(self, trading_pair: str, side: PositionSide, amount: Decimal, entry_price: Decimal,
                         unrealized_pnl: Decimal, leverage: Optional[Decimal] = None, *,
                         as_of: Optional[float] = None, snapshot_token: Optional[int] = None) -> bool:
        """Store (or, at amount 0, remove) one position; fires ``PositionUpdateEvent`` when it changed.

        ``side`` is the venue's: BOTH in one-way mode, LONG / SHORT in hedge mode. ``as_of`` is the
        venue's time of the report (ms); ``snapshot_token`` (``Freshness.token()`` taken before the
        request was sent) marks a REST report, None a stream report. A report older than the state
        held is dropped (returns False): ``venue_time.Freshness``, docs/contracts.md, Contract 4.
        """
        # the key follows the venue's side (BOTH: one-way), not our local mode, so rows read
        # before the mode is known can never collide
        if side is PositionSide.BOTH:
            key = self._perpetual_trading.position_key(trading_pair, side, PositionMode.ONEWAY)
        else:
            key = self._perpetual_trading.position_key(trading_pair, side, PositionMode.HEDGE)
        freshness = self._position_freshness
        applies = freshness.accept_stream(key, as_of) if snapshot_token is None \
            else freshness.accept_snapshot(key, as_of, snapshot_token)
        if not applies:
            return False
        current = self._perpetual_trading.account_positions.get(key)
        leverage = Decimal(self.get_leverage(trading_pair)) if leverage is None else leverage
        if amount == _ZERO:
            if current is not None:
                self._perpetual_trading.remove_position(key)
                self.trigger_event(AccountEvent.PositionUpdate, PositionUpdateEvent(
                    self.current_timestamp, trading_pair, None, _ZERO, _ZERO, _ZERO, leverage))
            return True
        fresh = Position(trading_pair, side, unrealized_pnl, entry_price, amount, leverage)
        if fresh == current:
            return True
        if current is None:
            self._perpetual_trading.set_position(key, fresh)
        else:
            current.update_position(side, unrealized_pnl, entry_price, amount, leverage)
        self.trigger_event(AccountEvent.PositionUpdate, PositionUpdateEvent(
            self.current_timestamp, trading_pair, side, unrealized_pnl, entry_price, amount, leverage))
        return True

    # ---- network -------------------------------------------------------------------------------------------------
    async def start_network(self) -> None:
        await super().start_network()
        self._perpetual_trading.start()
        spawn = asyncio.get_running_loop().create_task
        for task in self._perpetual_tasks:      # an overlapping start_network's (as _start_loops does)
            task.cancel()
        self._perpetual_tasks = [spawn(self._listen_for_funding_info())]
        if self.is_trading_required:
            self._perpetual_tasks += [spawn(self._initialize_account_state()),
                                      spawn(self._funding_poller.run())]

    async def stop_network(self) -> None:
        tasks, self._perpetual_tasks = self._perpetual_tasks + list(self._config_tasks), []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._account_log.flush()
        self._perpetual_trading.stop()
        await super().stop_network()

    def tick(self, timestamp: float) -> None:
        previous = self._last_tick_timestamp
        super().tick(timestamp)
        interval = self.funding_fee_poll_interval
        if int(timestamp / interval) > int(previous / interval):
            self._funding_poller.poll_now.set()

    async def _initialize_account_state(self) -> None:
        """The account's position mode (when the venue has several), then its positions."""
        if len(self.supported_position_modes()) > 1:
            async with self._set_position_mode_lock:
                try:
                    mode = await self._fetch_account_position_mode()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self._account_log.warning("Could not fetch the position mode from the exchange (%s); "
                                              "keeping %s.", exc, self.position_mode)
                    mode = None
                if mode is not None:
                    self._perpetual_trading.set_position_mode(mode)
        try:
            await self._update_positions()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._account_log.warning("Could not fetch the positions: %s (the status poll retries)", exc)
        else:
            self._account_log.flush()           # read: what repeated until now is counted

    def _funding_source(self) -> FundingInfoSource:
        return cast(FundingInfoSource, self._order_book_tracker.data_source)

    async def add_trading_pair(self, trading_pair: str) -> bool:
        """Funding info first (REST), then the book; nothing is left half-added on failure."""
        try:
            info = await self._funding_source().get_funding_info(trading_pair)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _logger.error("Could not add %s: no funding info (%s)", trading_pair, exc)
            return False
        self._perpetual_trading.initialize_funding_info(info)
        self._perpetual_trading.add_trading_pair(trading_pair)
        added = await super().add_trading_pair(trading_pair)
        if not added:
            self._perpetual_trading.remove_trading_pair(trading_pair)
        return added

    async def remove_trading_pair(self, trading_pair: str) -> bool:
        """Stop tracking the pair's book and funding info (its positions stay until closed)."""
        removed = await super().remove_trading_pair(trading_pair)
        self._perpetual_trading.remove_trading_pair(trading_pair)
        return removed

    async def _listen_for_funding_info(self) -> None:
        data_source = self._funding_source()
        while True:
            try:
                for trading_pair in self.trading_pairs:
                    if trading_pair not in self._perpetual_trading.funding_info:
                        self._perpetual_trading.initialize_funding_info(
                            await data_source.get_funding_info(trading_pair))
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _logger.warning("Could not fetch the funding info (%s); retrying in %s s.", exc,
                                FUNDING_INFO_RETRY_DELAY)
                await asyncio.sleep(FUNDING_INFO_RETRY_DELAY)
        await data_source.listen_for_funding_info(self._perpetual_trading.funding_info_stream)

    # ---- funding payments (funding_payment_poller.py) ---------------------------------------------------------
    def _funding_payment_poll_soon(self) -> None:
        """Ask for a funding payment poll now (the venue's stream reported one)."""
        self._funding_poller.poll_now.set()

    async def _update_all_funding_payments(self) -> bool:
        """One funding payment poll of every trading pair; True when every read succeeded."""
        return await self._funding_poller.poll_all()
