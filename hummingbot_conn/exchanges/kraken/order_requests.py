"""Kraken's order requests and answers, for both transports (docs/kraken_spot.md sections 6, 7 and 10).

REST ``AddOrder`` takes form fields (``ordertype``, ``type``, ``volume``,
``pair`` as the altname, ``price``, ``oflags=post``, ``cl_ord_id``); WS v2
``add_order`` takes ``order_type``, ``side``, ``order_qty``, ``symbol`` (the
WS name, ``BTC/USD``), ``limit_price``, ``post_only``, ``cl_ord_id``, the
amounts as JSON numbers.  Amounts arrive already quantised by the trading
rules: here they are only written, as the Decimal's own digits (exact,
context-free).
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, Dict, Optional

import orjson

from hummingbot_conn.common import OrderType, TradeType
from hummingbot_conn.exchanges.kraken.pairs import KrakenPair
from hummingbot_conn.exchanges.kraken.ws_order_entry import json_number

__all__ = ["rest_add_order", "ws_add_order", "ws_cancel_order", "txid_of_rest_answer", "order_id_of_ws_answer"]

_log = logging.getLogger(__name__)


def rest_add_order(pair: KrakenPair, order_id: str, amount: Decimal, trade_type: TradeType, order_type: OrderType,
                   price: Decimal) -> Dict[str, str]:
    """``AddOrder``'s form fields."""
    data = {"ordertype": "market" if order_type is OrderType.MARKET else "limit",
            "type": "buy" if trade_type is TradeType.BUY else "sell",
            "volume": f"{amount:f}", "pair": pair.altname, "cl_ord_id": order_id}
    if order_type is not OrderType.MARKET:
        data["price"] = f"{price:f}"
    if order_type is OrderType.LIMIT_MAKER:
        data["oflags"] = "post"
    return data


def ws_add_order(pair: KrakenPair, order_id: str, amount: Decimal, trade_type: TradeType, order_type: OrderType,
                 price: Decimal) -> bytes:
    """``add_order``'s params as JSON members (``KrakenWSOrderEntry`` adds the token); ``ValueError``
    for an amount or price that is no finite, non-negative Decimal (nothing is sent then)."""
    parts = [b'"order_type":"market"' if order_type is OrderType.MARKET else b'"order_type":"limit"',
             b'"side":"buy"' if trade_type is TradeType.BUY else b'"side":"sell"',
             b'"order_qty":' + json_number(amount, "amount"),
             b'"symbol":' + orjson.dumps(pair.ws_symbol)]
    if order_type is not OrderType.MARKET:
        parts.append(b'"limit_price":' + json_number(price, "price"))
    if order_type is OrderType.LIMIT_MAKER:
        parts.append(b'"post_only":true')
    parts.append(b'"cl_ord_id":' + orjson.dumps(order_id))
    return b",".join(parts)


def ws_cancel_order(order_id: str) -> bytes:
    """``cancel_order``'s params for one order by client order id."""
    return b'"cl_ord_id":[' + orjson.dumps(order_id) + b"]"


def txid_of_rest_answer(result: Any, order_id: str) -> Optional[str]:
    """The txid of an ``AddOrder`` result; None (the order is then resolved by ``cl_ord_id``, never
    failed: the venue took it) when it has none to read."""
    txids = result.get("txid") if isinstance(result, dict) else None
    if not isinstance(txids, list) or not txids or not isinstance(txids[0], str) or not txids[0]:
        _log.warning("The answer to order %s has no txid; asking Kraken by client id.", order_id)
        return None
    return txids[0]


def order_id_of_ws_answer(result: Any, order_id: str) -> Optional[str]:
    """The txid (``order_id``) of an ``add_order`` success answer; None (resolved by ``cl_ord_id``)
    when it has none to read, or when its ``cl_ord_id`` names another order (an answer we cannot
    trust to be ours)."""
    if not isinstance(result, dict):
        _log.warning("The socket's answer to order %s has no result; asking Kraken by client id.", order_id)
        return None
    named = result.get("cl_ord_id")
    if named is not None and named != order_id:
        _log.warning("The socket's answer to order %s names order %.50r; asking Kraken by client id.", order_id,
                     named)
        return None
    txid = result.get("order_id")
    if not isinstance(txid, str) or not txid:
        _log.warning("The socket's answer to order %s has no order_id; asking Kraken by client id.", order_id)
        return None
    return txid
