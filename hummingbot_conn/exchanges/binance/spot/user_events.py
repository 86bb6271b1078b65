"""BinanceUserEventHandler: user data stream events -> order tracker and balances.

Payloads (docs/binance_spot.md section 7), already unwrapped from
``{"subscriptionId": 0, "event": {...}}`` by the user stream data source:

* ``executionReport``: a fill (``x == "TRADE"``) becomes a TradeUpdate, then
  the status an OrderUpdate (for a cancel the order's id is ``C``);
* ``outboundAccountPosition``: absolute free / locked per asset, as of ``u``;
* ``balanceUpdate``: a deposit or withdrawal delta, as of ``T``.

Every frame is checked whole with the core's strict readers
(``core/strict_fields``) before anything of it is applied: ids and times are
ints (not bools), amounts, prices and commissions plain decimal text within
a real range, strings strings.  A frame that fails is refused: counted
(``connector.refused_user_events``), logged once per kind, and answered by a
REST reconcile, so whatever it carried is learned from the exchange instead
(docs/contracts.md, Contract 4).  It never becomes a fill.  Dispatch,
refusal and the symbol lookup are shared with USDⓈ-M
(``_common/user_events.py``).
"""
from typing import Any, Dict

from hummingbot_conn.common import TradeType
from hummingbot_conn.core.strict_fields import bool_field, choice_field, decimal_field, int_field, str_field
from hummingbot_conn.exchanges.binance._common.user_events import BinanceUserEventHandlerBase, object_rows
from hummingbot_conn.exchanges.binance.spot import utils

__all__ = ["BinanceUserEventHandler", "check_execution_report", "check_account_position",
           "check_balance_update"]

# executionReport fields (section 7.4) read when present: decimal text >= 0, ints (minimum), booleans
_REPORT_DECIMALS = ("q", "p", "P", "F", "l", "z", "L", "n", "Z", "Y", "Q")
_REPORT_INTS = {"E": 0, "T": 0, "O": 0, "W": 0, "i": 0, "I": 0, "t": -1, "g": -1}
_REPORT_BOOLS = ("w", "m", "M")
_SIDES = ("BUY", "SELL")


def check_execution_report(event: Dict[str, Any]) -> None:
    """``ValueError`` unless every field the connector reads (and every numeric
    field present) has its documented type and range; a TRADE report needs its
    trade id ``t`` >= 0, ``l`` and ``L`` > 0 and a commission ``n``."""
    for field in ("E", "T", "i"):
        if field not in event:
            raise ValueError(f"{field} is missing")
    for field, minimum in _REPORT_INTS.items():
        if field in event:
            int_field(event[field], field, minimum)
    for field in _REPORT_DECIMALS:
        if field in event:
            decimal_field(event[field], field, 0)
    for field in _REPORT_BOOLS:
        if field in event:
            bool_field(event[field], field)
    for field in ("s", "c"):
        str_field(event.get(field), field)
    if event.get("C") != "":
        str_field(event.get("C"), "C", True)
    choice_field(event.get("S"), "S", _SIDES)
    str_field(event.get("x"), "x")
    choice_field(event.get("X"), "X", utils.ORDER_STATE)
    decimal_field(event.get("z"), "z", 0)
    if event["x"] == "TRADE":
        int_field(event.get("t"), "t", 0)
        decimal_field(event.get("l"), "l", 1)
        decimal_field(event.get("L"), "L", 1)
        decimal_field(event.get("n"), "n", 0)
        str_field(event.get("N"), "N", True)


def check_account_position(event: Dict[str, Any]) -> None:
    """``outboundAccountPosition``: ``u`` an int, ``B`` a list of ``{"a": str, "f": >= 0, "l": >= 0}``."""
    int_field(event.get("u"), "u")
    for row in object_rows(event.get("B"), "B"):
        str_field(row.get("a"), "B.a")
        decimal_field(row.get("f"), "B.f", 0)
        decimal_field(row.get("l"), "B.l", 0)


def check_balance_update(event: Dict[str, Any]) -> None:
    """``balanceUpdate``: ``a`` a str, ``d`` decimal text of any sign, ``T`` an int."""
    str_field(event.get("a"), "a")
    decimal_field(event.get("d"), "d")
    int_field(event.get("T"), "T")


class BinanceUserEventHandler(BinanceUserEventHandlerBase):
    HANDLERS = {"executionReport": "_execution_report", "outboundAccountPosition": "_account_position",
                "balanceUpdate": "_balance_update"}

    def _execution_report(self, event: Dict[str, Any]) -> None:
        check_execution_report(event)
        trading_pair = self._pair(event["s"])
        if trading_pair is None:
            return                      # a symbol we do not trade
        trade_update = None
        if event["x"] == "TRADE":
            trade_type = TradeType.BUY if event["S"] == "BUY" else TradeType.SELL
            trade_update = utils.trade_update_from_execution_report(event, trading_pair, trade_type,
                                                                   self._connector._fee_schema)
        self._apply_order_event(trade_update, utils.order_update_from_execution_report(event, trading_pair))

    def _account_position(self, event: Dict[str, Any]) -> None:
        check_account_position(event)
        as_of = event["u"]
        positions = [(b["a"], decimal_field(b["f"], "f"), decimal_field(b["l"], "l")) for b in event["B"]]
        balances = self._connector._balances
        for asset, free, locked in positions:
            balances.set_balance(asset, free + locked, free, as_of=as_of)

    def _balance_update(self, event: Dict[str, Any]) -> None:
        check_balance_update(event)
        self._connector._balances.apply_delta(event["a"], decimal_field(event["d"], "d"), as_of=event["T"])
