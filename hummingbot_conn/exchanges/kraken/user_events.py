"""``KrakenExecutionsHandler``: ``executions`` reports -> the order tracker (docs/contracts.md, Contract 2).

Kraken's own sequence for one order (docs/kraken_spot.md section 7):
``pending_new`` (validated; only the exchange order id is learned), ``new``
(OPEN), then per fill an ``exec_type: trade`` report whose ``order_status``
may say ``partially_filled`` even when that fill completes the order, and a
separate ``exec_type: filled`` report that ends it; or ``canceled`` /
``expired``.  Each trade report becomes the fill first, then the status it
states; the tracker's state table makes a ``partially_filled`` with the whole
amount executed a partial state until ``filled`` comes, so the completed
event is sent once, after every fill.  A ``canceled`` report's ``cum_qty``
above the fills seen leaves them owed (fetched by REST before the cancelled
event).  The snapshot sent at subscribe time is read the same way: the open
orders' state and executed amount.

A report that fails its checks is refused through the connector's
``FrameRefusals`` (counted, logged once per kind, answered by a REST
reconcile), never half applied.  Reports of orders that are not ours (no
tracked client id or exchange id) are ignored.  Every report but
``pending_new`` moved the account's balances: a refresh is scheduled
(``connector._balances_moved()``).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from hummingbot_conn.common import TradeType
from hummingbot_conn.exchanges.kraken import utils
from hummingbot_conn.exchanges.kraken.pairs import common_asset

__all__ = ["KrakenExecutionsHandler"]


class KrakenExecutionsHandler:
    def __init__(self, connector: Any) -> None:
        self._connector = connector

    def process(self, event: Any) -> None:
        """Apply one report; never raises (a frame never stops the stream)."""
        kind = (event.get("exec_type") or event.get("channel")) if isinstance(event, dict) else None
        try:
            if not isinstance(event, dict):
                raise ValueError(f"a report must be a JSON object, got {type(event).__name__}")
            self._report(event)
        except Exception as exc:
            self._connector._frame_refusals.refuse(kind if isinstance(kind, str) else None, exc, event)

    def _client_order_id(self, event: dict) -> Optional[str]:
        tracker = self._connector._order_tracker
        cid = event.get("cl_ord_id")
        if isinstance(cid, str) and tracker.fetch_order(client_order_id=cid) is not None:
            return cid
        order = tracker.all_fillable_orders_by_exchange_order_id.get(str(event.get("order_id")))
        return order.client_order_id if order is not None else None

    def _balance(self, event: dict) -> None:
        """A balances row (snapshot or ledger entry): the asset's total now; the available amount is
        read again by REST (the channel does not carry the holds)."""
        asset = event.get("asset")
        total = event.get("balance")
        if not isinstance(asset, str) or isinstance(total, bool) or not isinstance(total, (int, Decimal)):
            raise ValueError(f"a balances row needs an asset and a numeric balance, got {asset!r}, {total!r}")
        total = Decimal(total)
        if not total.is_finite() or total < 0:
            raise ValueError(f"balance must be finite and >= 0, got {total!r}")
        self._connector._balances.set_total(common_asset(asset), total)
        self._connector._balances_moved()

    def _report(self, event: dict) -> None:
        if event.get("channel") == "balances":
            self._balance(event)
            return
        # a snapshot row states the order as it is (the sim writes the last exec_type, Kraken none)
        exec_type = "status" if event.get("type") == "snapshot" else event.get("exec_type")
        if not isinstance(exec_type, str) or not isinstance(event.get("order_id"), str):
            raise ValueError("exec_type and order_id must be strings")
        cid = self._client_order_id(event)
        connector = self._connector
        if exec_type != "pending_new":
            connector._balances_moved()
        if cid is None:
            return
        tracker = connector._order_tracker
        order = tracker.fetch_order(client_order_id=cid)
        pair = order.trading_pair
        now = connector.current_timestamp
        trade_update = None
        if exec_type == "trade":
            quote = pair.split("-", 1)[1]
            trade_type = order.trade_type if order is not None else (
                TradeType.BUY if event.get("side") == "buy" else TradeType.SELL)
            trade_update = utils.trade_update_from_report(event, pair, cid, trade_type, connector._fee_schema,
                                                          quote, now)
        order_update = utils.order_update_from_report(event, pair, cid, now) if "order_status" in event else None
        if order.exchange_order_id is None:
            tracker.update_exchange_order_id(cid, event["order_id"])
        if trade_update is not None:
            tracker.process_trade_update(trade_update)
        if order_update is not None:
            tracker.process_order_update(order_update)
