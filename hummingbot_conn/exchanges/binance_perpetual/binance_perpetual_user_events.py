"""BinancePerpetualUserEventHandler: user stream events -> orders, balances, positions, leverage.

Events (docs/binance_usdm_futures.md section 8), bare dicts from the listenKey stream:

* ``ORDER_TRADE_UPDATE``: a fill (``x == "TRADE"``) becomes a TradeUpdate
  (fee class by the tracked order's position action), then the status an OrderUpdate;
* ``ACCOUNT_UPDATE``: ``B`` wallet balances (total = ``wb``; the available
  balance is not in the event, the REST poll owns it), ``P`` the changed
  positions (recorded as of ``T``, which fires PositionUpdateEvent); reason
  ``FUNDING_FEE`` asks for a funding payment poll at once;
* ``ACCOUNT_CONFIG_UPDATE``: a leverage change made elsewhere (``ac.l``).

A malformed event is logged and skipped, never half-applied: each one is
parsed whole before anything is changed.
"""
import logging
from typing import Any, Dict

from hummingbot_conn.common import TradeType
from hummingbot_conn.exchanges.binance_perpetual import binance_perpetual_utils as utils

__all__ = ["BinancePerpetualUserEventHandler"]

_logger = logging.getLogger(__name__)


class BinancePerpetualUserEventHandler:
    def __init__(self, connector: Any) -> None:
        self._connector = connector
        self.skipped = 0

    def process(self, event: Any) -> None:
        try:
            if not isinstance(event, dict):
                raise ValueError(f"not an object: {event!r}"[:200])
            kind = event.get("e")
            if kind == "ORDER_TRADE_UPDATE":
                self._order_trade_update(event)
            elif kind == "ACCOUNT_UPDATE":
                self._account_update(event)
            elif kind == "ACCOUNT_CONFIG_UPDATE":
                self._config_update(event)
            elif kind == "MARGIN_CALL":
                _logger.warning("Margin call: position risk is too high, positions may be liquidated: %.300r",
                                event)
        except Exception as exc:
            self.skipped += 1
            _logger.error("Skipped an unreadable user stream event (%s: %s): %.300r", type(exc).__name__, exc, event)

    def _pair(self, symbol: Any):
        try:
            return self._connector._symbol_map.trading_pair(symbol)
        except KeyError:
            return None          # a contract we do not trade

    def _order_trade_update(self, event: Dict[str, Any]) -> None:
        connector = self._connector
        trading_pair = self._pair(event["o"]["s"])
        if trading_pair is None:
            return
        trade_update = None
        if event["o"].get("x") == "TRADE":
            trade_type = TradeType.BUY if event["o"].get("S") == "BUY" else TradeType.SELL
            trade_update = utils.trade_update_from_event(event, trading_pair, trade_type, connector._fee_schema,
                                                         self._order_action(event["o"].get("c")))
        order_update = utils.order_update_from_event(event, trading_pair)
        if trade_update is not None:
            connector._order_tracker.process_trade_update(trade_update)
        connector._order_tracker.process_order_update(order_update)

    def _order_action(self, client_order_id: Any) -> Any:
        """The tracked order's own position action (OPEN / CLOSE), None when the order is unknown:
        a fill's fee class follows it (docs/binance_usdm_futures.md, section 12)."""
        if not isinstance(client_order_id, str):
            return None
        tracker = self._connector._order_tracker
        order = tracker.fetch_order(client_order_id=client_order_id) or \
            tracker.fetch_lost_order(client_order_id=client_order_id)
        return utils.known_position_action(getattr(order, "position", None))

    def _account_update(self, event: Dict[str, Any]) -> None:
        connector = self._connector
        data = event["a"]
        as_of = int(event["T"])
        wallets = [(b["a"], utils.finite_decimal(b["wb"])) for b in data.get("B", ())]
        positions = []
        for p in data.get("P", ()):
            trading_pair = self._pair(p["s"])
            if trading_pair is not None:
                positions.append((trading_pair, utils.position_side_of(p["ps"]), utils.finite_decimal(p["pa"]),
                                  utils.finite_decimal(p["ep"]), utils.finite_decimal(p["up"])))
        balances = connector._balances
        for asset, wallet in wallets:
            # keep the available amount until the next REST snapshot: the event does not carry it
            balances.set_balance(asset, wallet, balances.get_available_balance(asset), as_of=as_of)
        for trading_pair, side, amount, entry, unrealized in positions:
            connector._record_position(trading_pair, side, amount, entry, unrealized, as_of=as_of)
        if data.get("m") == "FUNDING_FEE":
            connector._funding_payment_poll_soon()

    def _config_update(self, event: Dict[str, Any]) -> None:
        config = event.get("ac")
        if isinstance(config, dict) and "s" in config and "l" in config:
            trading_pair = self._pair(config["s"])
            leverage = config["l"]
            if trading_pair is not None and isinstance(leverage, int) and not isinstance(leverage, bool) \
                    and leverage >= 1:
                self._connector._perpetual_trading.set_leverage(trading_pair, leverage)
