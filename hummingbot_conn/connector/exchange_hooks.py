"""ExchangeHooks: what a venue's connector supplies, with each hook's contract (hummingbot's names).

``ExchangeLifecycle`` and so ``ExchangePyBase`` derive from it; a connector class that lacks any of
these cannot be constructed (``hummingbot_conn.hooks.VenueHooks`` names every missing one).  The
rules the hooks serve are docs/contracts.md's: an order's events (Contract 2), an unknown outcome
resolved by asking the venue and never by resending, reconciliation by REST (Contract 4).
Times are seconds unless a name says ``_ms``; amounts and prices are ``Decimal``; trading pairs
are hummingbot's ``BASE-QUOTE``.
"""
from abc import abstractmethod
from decimal import Decimal
from typing import Any, Dict, List, Optional

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.connector.trading_rule import TradingRule
from hummingbot_conn.core.in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from hummingbot_conn.core.trade_fee import TradeFeeBase
from hummingbot_conn.hooks import VenueHooks
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory

__all__ = ["ExchangeHooks"]

_NAN = Decimal("NaN")


class ExchangeHooks(VenueHooks):
    """The declarations and hooks of a venue's connector (``ExchangePyBase``'s abstract members)."""

    # ---- what a venue declares (hummingbot's abstract properties) ------------------------------
    @property
    @abstractmethod
    def name(self) -> str:
        """The connector's name, lower case (``"binance"``, ``"binance_perpetual"``): events and logs."""

    @property
    @abstractmethod
    def authenticator(self) -> Any:
        """The venue's request signer (an ``AuthBase``: ``rest_authenticate`` / ``ws_authenticate``),
        or None for a connector without keys."""

    @property
    @abstractmethod
    def rate_limits_rules(self) -> List[Any]:
        """The venue's ``RateLimit`` list for the throttler: one per limit id (a path or a named pool),
        weights and linked pools as the venue states them."""

    @property
    @abstractmethod
    def domain(self) -> Any:
        """Where the connector talks: hummingbot's domain name or the venue's endpoints object."""

    @property
    @abstractmethod
    def trading_rules_request_path(self) -> str:
        """REST path of the instrument list the trading rules come from (Binance: exchangeInfo)."""

    @property
    @abstractmethod
    def trading_pairs_request_path(self) -> str:
        """REST path of the instrument list the symbol map comes from (often the same path)."""

    @property
    @abstractmethod
    def check_network_request_path(self) -> str:
        """REST path of a cheap public request; ``check_network`` is CONNECTED when it answers."""

    @property
    @abstractmethod
    def trading_pairs(self) -> List[str]:
        """The pairs the connector tracks (books, orders), as the user gave them."""

    @property
    @abstractmethod
    def is_trading_required(self) -> bool:
        """False for a market-data connector: no user stream, no balances (``trading_required``)."""

    @property
    @abstractmethod
    def client_order_id_max_length(self) -> Optional[int]:
        """The venue's longest client order id (None: no limit); generated ids fit it."""

    @property
    @abstractmethod
    def client_order_id_prefix(self) -> str:
        """The prefix of every generated client order id (the venue may require one)."""

    @property
    @abstractmethod
    def is_cancel_request_in_exchange_synchronous(self) -> bool:
        """True when the venue's answer to a cancel confirms it (the order ends CANCELED on the
        answer); False when only a later status or stream event does."""

    @abstractmethod
    def supported_order_types(self) -> List[OrderType]:
        """The order types the venue accepts; any other fails locally, nothing is sent."""

    # ---- network side: the web stack, the data sources, the rules -------------------------------
    @abstractmethod
    def _create_web_assistants_factory(self) -> WebAssistantsFactory:
        """A ``WebAssistantsFactory`` over ``self._throttler`` with the venue's auth and its error
        reader (how its bodies report errors: ``hummingbot_conn/web/errors.py``)."""

    @abstractmethod
    def _create_order_book_data_source(self) -> Any:
        """The venue's ``OrderBookTrackerDataSource`` for ``trading_pairs`` (its sequence rule, sync
        point and checksum declared on the class: docs/contracts.md, Contract 1)."""

    @abstractmethod
    def _create_user_stream_data_source(self) -> Any:
        """The venue's ``UserStreamTrackerDataSource`` (called only when ``is_trading_required``)."""

    @abstractmethod
    async def _format_trading_rules(self, exchange_info_dict: Dict[str, Any]) -> List[TradingRule]:
        """The ``TradingRule`` of every tradable pair in the venue's instrument list (the decoded
        answer of ``trading_rules_request_path``); an entry it cannot read is skipped and logged,
        never a reason to drop the others."""

    @abstractmethod
    def _initialize_trading_pair_symbols_from_exchange_info(self, exchange_info: Dict[str, Any]) -> None:
        """Fill the symbol map from the instrument list: ``self._set_trading_pair_symbol_map(
        [(exchange_symbol, "BASE-QUOTE"), ...])``.  A list without instruments keeps the old map."""

    @abstractmethod
    async def _api_request_url(self, path_url: str, is_auth_required: bool = False) -> str:
        """The full URL of REST ``path_url`` on ``domain`` (public or private base)."""

    @abstractmethod
    async def _user_stream_event_listener(self) -> None:
        """Consume ``self._iter_user_event_queue()`` forever: each decoded private event becomes
        ``OrderUpdate`` / ``TradeUpdate`` for ``self._order_tracker`` and balance changes; a frame
        the venue's parser refuses is counted (``self._frame_refusals``) and reconciled by REST."""

    # ---- error classifiers ------------------------------------------------------------------------
    @abstractmethod
    def _is_request_exception_related_to_time_synchronizer(self, request_exception: Exception) -> bool:
        """True when the venue refused a request for its timestamp (the clock is resynced)."""

    @abstractmethod
    def _is_order_not_found_during_status_update_error(self, status_update_exception: Exception) -> bool:
        """True when a status request's error means the venue has no such order (after a few, an
        order whose placement outcome was unknown fails)."""

    @abstractmethod
    def _is_order_not_found_during_cancelation_error(self, cancelation_exception: Exception) -> bool:
        """True when a cancel's error means the venue has no such open order (it ended already)."""

    # ---- orders and the account ---------------------------------------------------------------
    @abstractmethod
    async def _place_order(self, order_id: str, trading_pair: str, amount: Decimal, trade_type: TradeType,
                           order_type: OrderType, price: Decimal, **kwargs: Any) -> tuple:
        """Send the order (client id ``order_id``; amounts already quantised, leaving as plain decimal
        text); return ``(exchange_order_id, update_timestamp_seconds)``.  Raise on a rejection (the
        order fails once); ``RequestOutcomeUnknownError`` (or a timeout) when the venue may have
        taken it: the order is then resolved by ``_request_order_status``, never resent."""

    @abstractmethod
    async def _place_cancel(self, order_id: str, tracked_order: InFlightOrder) -> bool:
        """Cancel by client id; True when the venue confirmed the cancel.  Raise on an error (the
        order stays as it is; ``_is_order_not_found_during_cancelation_error`` classifies it)."""

    @abstractmethod
    def _get_fee(self, base_currency: str, quote_currency: str, order_type: OrderType, order_side: TradeType,
                 amount: Decimal, price: Decimal = _NAN, is_maker: Optional[bool] = None) -> TradeFeeBase:
        """The fee an order would pay (the account's rates when known, else the venue's default)."""

    @abstractmethod
    async def _update_balances(self) -> None:
        """Read every balance by REST and set total and available (``self._balances``), stamped
        with the venue's time so a newer stream value is never overwritten by an older answer."""

    @abstractmethod
    async def _all_trade_updates_for_order(self, order: InFlightOrder) -> List[TradeUpdate]:
        """Every fill of ``order`` on the venue (REST), one ``TradeUpdate`` per venue trade id; the
        tracker applies each trade id once, so returning known fills again is harmless."""

    @abstractmethod
    async def _request_order_status(self, tracked_order: InFlightOrder) -> OrderUpdate:
        """The order's status by client id; put ``executed_amount_base`` (Decimal) in
        ``misc_updates`` when known, so fills are fetched only when some are missing.  Raise
        when the venue has no such order (``_is_order_not_found_during_status_update_error``)."""
