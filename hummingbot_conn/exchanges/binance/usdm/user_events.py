"""BinancePerpetualUserEventHandler: user stream events -> orders, balances, positions, leverage.

Events (docs/binance_usdm_futures.md section 8), bare dicts from the listenKey stream:

* ``ORDER_TRADE_UPDATE``: a fill (``x == "TRADE"``) becomes a TradeUpdate
  (fee class by the tracked order's position action), then the status an OrderUpdate;
* ``ACCOUNT_UPDATE``: ``B`` wallet balances (total = ``wb``; the available
  balance is not in the event), ``P`` the changed positions (recorded as of
  ``T``, which fires PositionUpdateEvent); reason ``FUNDING_FEE`` asks for a
  funding payment poll at once;
* ``ACCOUNT_CONFIG_UPDATE``: a leverage change made elsewhere (``ac.l``).

Each of these events, and ``MARGIN_CALL``, may move the available balance,
which no event carries (a resting or cancelled order sends no
``ACCOUNT_UPDATE`` at all): every accepted one, of any contract, asks the
connector for a prompt account read (``_refresh_account_soon``,
``connector/account_refresh.py``; docs/contracts.md, Contract 4).

Every frame is checked whole with the core's strict readers
(``core/strict_fields``) before anything of it is applied; one that fails is
refused, counted (``connector.refused_user_events``), logged once per kind
and answered by a REST reconcile (docs/contracts.md, Contract 4).  It never
becomes a fill, a balance or a position.  Dispatch, refusal and the symbol
lookup are shared with spot (``_common/user_events.py``).
"""
import logging
from typing import Any, Dict

from hummingbot_conn.common import TradeType
from hummingbot_conn.core.strict_fields import bool_field, choice_field, decimal_field, int_field, str_field
from hummingbot_conn.exchanges.binance._common.user_events import (
    BinanceUserEventHandlerBase,
    object_field as _dict,
    object_rows as _rows,
)
from hummingbot_conn.exchanges.binance.usdm import utils

__all__ = ["BinancePerpetualUserEventHandler", "check_order_trade_update", "check_account_update",
           "check_account_config_update"]

_logger = logging.getLogger(__name__)

# ORDER_TRADE_UPDATE "o" fields read when present: decimal text (sign: 0 means >= 0, -1 any), ints, booleans
_ORDER_DECIMALS = {"q": 0, "p": 0, "ap": 0, "sp": 0, "l": 0, "z": 0, "L": 0, "b": 0, "a": 0, "n": -1, "rp": -1}
_ORDER_INTS = {"i": 0, "T": 0, "t": 0}
_ORDER_BOOLS = ("m", "R", "cp", "pP")
_SIDES = ("BUY", "SELL")
_POSITION_SIDES = ("BOTH", "LONG", "SHORT")


def check_order_trade_update(event: Dict[str, Any]) -> None:
    """``ValueError`` unless ``E`` / ``T`` are ints and every field of ``o`` the
    connector reads (and every numeric field present) has its documented type
    and range; a TRADE needs ``t`` >= 0, ``l`` and ``L`` > 0."""
    int_field(event.get("E"), "E")
    int_field(event.get("T"), "T")
    o = _dict(event.get("o"), "o")
    for field, sign in _ORDER_DECIMALS.items():
        if field in o:
            decimal_field(o[field], f"o.{field}", sign)
    for field, minimum in _ORDER_INTS.items():
        if field in o:
            int_field(o[field], f"o.{field}", minimum)
    for field in _ORDER_BOOLS:
        if field in o:
            bool_field(o[field], f"o.{field}")
    str_field(o.get("s"), "o.s")
    str_field(o.get("c"), "o.c")
    choice_field(o.get("S"), "o.S", _SIDES)
    str_field(o.get("x"), "o.x")
    choice_field(o.get("X"), "o.X", utils.ORDER_STATE)
    int_field(o.get("i"), "o.i")
    decimal_field(o.get("z"), "o.z", 0)
    if "ps" in o:
        choice_field(o["ps"], "o.ps", _POSITION_SIDES)
    if "N" in o:
        str_field(o["N"], "o.N", True)
    if o["x"] == "TRADE":
        int_field(o.get("t"), "o.t", 0)
        int_field(o.get("T"), "o.T", 0)
        decimal_field(o.get("l"), "o.l", 1)
        decimal_field(o.get("L"), "o.L", 1)


def check_account_update(event: Dict[str, Any]) -> None:
    """``ACCOUNT_UPDATE``: ``T`` an int; ``a.B`` rows ``{"a": str, "wb": decimal}``, ``a.P`` rows
    ``{"s": str, "ps": BOTH|LONG|SHORT, "pa": decimal, "ep": >= 0, "up": decimal}``."""
    int_field(event.get("T"), "T")
    data = _dict(event.get("a"), "a")
    if "m" in data:
        str_field(data["m"], "a.m")
    for row in _rows(data.get("B", []), "a.B"):
        str_field(row.get("a"), "a.B.a")
        decimal_field(row.get("wb"), "a.B.wb")
        if "cw" in row:
            decimal_field(row["cw"], "a.B.cw")
    for row in _rows(data.get("P", []), "a.P"):
        str_field(row.get("s"), "a.P.s")
        choice_field(row.get("ps"), "a.P.ps", _POSITION_SIDES)
        decimal_field(row.get("pa"), "a.P.pa")
        decimal_field(row.get("ep"), "a.P.ep", 0)
        decimal_field(row.get("up"), "a.P.up")


def check_account_config_update(event: Dict[str, Any]) -> None:
    """``ACCOUNT_CONFIG_UPDATE`` with ``ac``: ``s`` a str, ``l`` an int >= 1 (the
    multi-assets variant ``ai`` carries no leverage and is not read)."""
    if "ac" in event:
        config = _dict(event["ac"], "ac")
        str_field(config.get("s"), "ac.s")
        int_field(config.get("l"), "ac.l", 1)


class BinancePerpetualUserEventHandler(BinanceUserEventHandlerBase):
    HANDLERS = {"ORDER_TRADE_UPDATE": "_order_trade_update", "ACCOUNT_UPDATE": "_account_update",
                "ACCOUNT_CONFIG_UPDATE": "_config_update", "MARGIN_CALL": "_margin_call"}

    def _order_trade_update(self, event: Dict[str, Any]) -> None:
        check_order_trade_update(event)
        self._connector._refresh_account_soon()    # open-order or position margin moved, any contract
        trading_pair = self._pair(event["o"]["s"])
        if trading_pair is None:
            return                      # a contract we do not trade
        trade_update = None
        if event["o"].get("x") == "TRADE":
            trade_type = TradeType.BUY if event["o"].get("S") == "BUY" else TradeType.SELL
            trade_update = utils.trade_update_from_event(event, trading_pair, trade_type,
                                                         self._connector._fee_schema,
                                                         self._order_action(event["o"].get("c")))
        self._apply_order_event(trade_update, utils.order_update_from_event(event, trading_pair))

    def _margin_call(self, event: Dict[str, Any]) -> None:
        self._connector._refresh_account_soon()
        _logger.warning("Margin call: position risk is too high, positions may be liquidated: %.300r", event)

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
        check_account_update(event)
        connector = self._connector
        data = event["a"]
        as_of = event["T"]
        wallets = [(b["a"], decimal_field(b["wb"], "wb")) for b in data.get("B", ())]
        positions = []
        for p in data.get("P", ()):
            trading_pair = self._pair(p["s"])
            if trading_pair is not None:
                positions.append((trading_pair, utils.position_side_of(p["ps"]), decimal_field(p["pa"], "pa"),
                                  decimal_field(p["ep"], "ep"), decimal_field(p["up"], "up")))
        for asset, wallet in wallets:
            # the wallet alone: the available balance is not in the event, the account read brings it
            connector._balances.set_total(asset, wallet, as_of=as_of)
        for trading_pair, side, amount, entry, unrealized in positions:
            connector._record_position(trading_pair, side, amount, entry, unrealized, as_of=as_of)
        connector._refresh_account_soon()
        if data.get("m") == "FUNDING_FEE":
            connector._funding_payment_poll_soon()

    def _config_update(self, event: Dict[str, Any]) -> None:
        check_account_config_update(event)
        self._connector._refresh_account_soon()    # a leverage (or margin mode) moved the initial margin
        config = event.get("ac")
        if config is not None:
            trading_pair = self._pair(config["s"])
            if trading_pair is not None:
                self._connector._perpetual_trading.set_leverage(trading_pair, config["l"])
