"""BinanceUserEventHandler: user data stream events -> order tracker and balances.

Payloads (docs/binance_spot.md section 7), already unwrapped from
``{"subscriptionId": 0, "event": {...}}`` by the user stream data source:

* ``executionReport``: a fill (``x == "TRADE"``) becomes a TradeUpdate, then
  the status an OrderUpdate (for a cancel the order's id is ``C``);
* ``outboundAccountPosition``: absolute free / locked per asset, as of ``u``;
* ``balanceUpdate``: a deposit or withdrawal delta, as of ``T``.

A malformed event is logged and skipped; it never stops the stream or
changes an order half-way (each record is parsed whole before it is applied).
"""
import logging
from typing import Any, Dict

from hummingbot_conn.common import TradeType
from hummingbot_conn.exchanges.binance import binance_utils as utils

__all__ = ["BinanceUserEventHandler"]

_logger = logging.getLogger(__name__)


class BinanceUserEventHandler:
    def __init__(self, connector: Any) -> None:
        self._connector = connector
        self.skipped = 0          # events that could not be read

    def process(self, event: Any) -> None:
        try:
            if not isinstance(event, dict):
                raise ValueError(f"not an object: {event!r}"[:200])
            kind = event.get("e")
            if kind == "executionReport":
                self._execution_report(event)
            elif kind == "outboundAccountPosition":
                self._account_position(event)
            elif kind == "balanceUpdate":
                self._balance_update(event)
        except Exception as exc:
            self.skipped += 1
            _logger.error("Skipped an unreadable user stream event (%s: %s): %.300r",
                          type(exc).__name__, exc, event)

    def _execution_report(self, event: Dict[str, Any]) -> None:
        connector = self._connector
        symbol_map = connector._symbol_map
        symbol = event["s"]
        try:
            trading_pair = symbol_map.trading_pair(symbol)
        except KeyError:
            return                      # a symbol we do not trade
        tracker = connector._order_tracker
        trade_update = None
        if event.get("x") == "TRADE":
            trade_type = TradeType.BUY if event.get("S") == "BUY" else TradeType.SELL
            trade_update = utils.trade_update_from_execution_report(event, trading_pair, trade_type,
                                                                   connector._fee_schema)
        order_update = utils.order_update_from_execution_report(event, trading_pair)
        if trade_update is not None:
            tracker.process_trade_update(trade_update)
        tracker.process_order_update(order_update)

    def _account_position(self, event: Dict[str, Any]) -> None:
        as_of = int(event["u"])
        positions = [(b["a"], utils.finite_decimal(b["f"]), utils.finite_decimal(b["l"])) for b in event["B"]]
        balances = self._connector._balances
        for asset, free, locked in positions:
            balances.set_balance(asset, free + locked, free, as_of=as_of)

    def _balance_update(self, event: Dict[str, Any]) -> None:
        asset, delta, as_of = event["a"], utils.finite_decimal(event["d"]), int(event["T"])
        self._connector._balances.apply_delta(asset, delta, as_of=as_of)
