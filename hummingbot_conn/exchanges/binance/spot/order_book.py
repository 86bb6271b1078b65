"""``BinanceOrderBook``: Binance Spot market-data payloads as ``OrderBookMessage``s (hummingbot's names).

Payload shapes: docs/binance_spot.md sections 3.4 (``GET /api/v3/depth``),
5.3 (``depthUpdate``) and 5.5 (``trade``).  Rows stay the exchange's decimal
strings: the compiled book parses them in C.  A diff states ``U`` as
``first_update_id``, which turns on gap detection (Binance ids are contiguous).
"""
from typing import Any, Dict, Optional

from hummingbot_conn.common import TradeType
from hummingbot_conn.core.order_book import OrderBook
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.exchanges.binance._common.order_book import depth_snapshot_message, int_field as _int_field

__all__ = ["BinanceOrderBook"]


class BinanceOrderBook(OrderBook):
    """The compiled book plus hummingbot's Binance message constructors (classmethods)."""

    @classmethod
    def snapshot_message_from_exchange(cls, msg: Dict[str, Any], timestamp: float,
                                       metadata: Optional[Dict] = None) -> OrderBookMessage:
        """``{"lastUpdateId", "bids", "asks"}`` -> SNAPSHOT (``metadata`` adds ``trading_pair``)."""
        if metadata:
            msg = {**msg, **metadata}
        _int_field(msg, "lastUpdateId", "a depth snapshot")
        return depth_snapshot_message(msg, timestamp, msg["trading_pair"])

    @classmethod
    def diff_message_from_exchange(cls, msg: Dict[str, Any], timestamp: Optional[float] = None,
                                   metadata: Optional[Dict] = None) -> OrderBookMessage:
        """A ``depthUpdate`` event -> DIFF with ``first_update_id`` = ``U`` and ``update_id`` = ``u``."""
        if metadata:
            msg = {**msg, **metadata}
        return OrderBookMessage(OrderBookMessageType.DIFF, {
            "trading_pair": msg["trading_pair"],
            "first_update_id": _int_field(msg, "U", "a depthUpdate"),
            "update_id": _int_field(msg, "u", "a depthUpdate"),
            "bids": msg["b"], "asks": msg["a"]}, timestamp=timestamp)

    @classmethod
    def trade_message_from_exchange(cls, msg: Dict[str, Any], metadata: Optional[Dict] = None) -> OrderBookMessage:
        """A ``trade`` event -> TRADE (``m``, buyer is maker, means the taker sold)."""
        if metadata:
            msg = {**msg, **metadata}
        ts = _int_field(msg, "T", "a trade")
        return OrderBookMessage(OrderBookMessageType.TRADE, {
            "trading_pair": msg["trading_pair"],
            "trade_type": float(TradeType.SELL.value) if msg["m"] else float(TradeType.BUY.value),
            "trade_id": msg["t"], "update_id": ts, "price": msg["p"], "amount": msg["q"]}, timestamp=ts * 1e-3)
