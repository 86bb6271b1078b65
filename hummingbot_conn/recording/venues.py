"""The venues a recording can be replayed on: how to rebuild the recorded connector, and its order requests.

A recording's header names the venue (hummingbot's connector name) and holds the
connector's options: ``endpoints`` (the base URLs it used, field by field) and
``trading_required``.  The replay builds the same connector class on the same
URLs (nothing is dialled: the transport is the recording), with dummy
credentials (secrets are never in a file; signatures are not compared).

The account side is replayed by re-issuing the strategy's calls: each recorded
order placement (``new_order``, or ``order.place`` on the WebSocket API) and cancel
(``cancel_order``, ``order.cancel``) becomes a
``buy`` / ``sell`` / ``cancel`` call on the connector at its recorded time, with
the recorded client order id (docs/recording.md, "Replay").
"""
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from typing import Any, Callable, Dict, Mapping, Optional
from urllib.parse import parse_qsl

import orjson

__all__ = ["ReplayVenue", "REPLAY_VENUES", "endpoints_options", "OrderCall"]


@dataclass(frozen=True)
class OrderCall:
    """One call of the strategy, read from a recorded request."""

    action: str                 # "buy", "sell" or "cancel"
    symbol: str                 # the exchange's symbol
    client_order_id: str
    order_type: str = ""        # OrderType name (LIMIT, LIMIT_MAKER, MARKET)
    amount: Decimal = Decimal(0)
    price: Decimal = Decimal("NaN")


def _params(rec: Mapping[str, Any]) -> Dict[str, str]:
    out = dict(parse_qsl(rec["u"].partition("?")[2], keep_blank_values=True))
    body = rec.get("b")
    if body and not body.startswith("{"):
        out.update(parse_qsl(body, keep_blank_values=True))
    return out


def _ws_api_order_call(rec: Mapping[str, Any]) -> Optional[OrderCall]:
    # an order sent over Binance's WebSocket API (docs/binance_spot.md section 7.6): a request frame
    # {"id": ..., "method": "order.place" | "order.cancel", "params": {...}}
    text = rec.get("d")
    if not isinstance(text, str) or '"order.' not in text:
        return None
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    params = frame.get("params") if isinstance(frame, dict) else None
    if not isinstance(params, dict):
        return None
    method = frame.get("method")
    if method == "order.place" and "newClientOrderId" in params:
        return OrderCall("buy" if params.get("side") == "BUY" else "sell", str(params.get("symbol", "")),
                         str(params["newClientOrderId"]), str(params.get("type", "LIMIT")),
                         Decimal(str(params.get("quantity", "0"))), Decimal(str(params.get("price", "NaN"))))
    if method == "order.cancel" and "origClientOrderId" in params:
        return OrderCall("cancel", str(params.get("symbol", "")), str(params["origClientOrderId"]))
    return None


def _binance_order_call(order_path: str) -> Callable[[Mapping[str, Any]], Optional[OrderCall]]:
    def read(rec: Mapping[str, Any]) -> Optional[OrderCall]:
        if rec["k"] == "out":
            return _ws_api_order_call(rec)
        if not rec["u"].partition("?")[0].endswith(order_path):
            return None
        params = _params(rec)
        if rec["m"] == "POST" and "newClientOrderId" in params:
            return OrderCall("buy" if params.get("side") == "BUY" else "sell", params.get("symbol", ""),
                             params["newClientOrderId"], params.get("type", "LIMIT"),
                             Decimal(params.get("quantity", "0")), Decimal(params.get("price", "NaN")))
        if rec["m"] == "DELETE" and "origClientOrderId" in params:
            return OrderCall("cancel", params.get("symbol", ""), params["origClientOrderId"])
        return None
    return read


@dataclass(frozen=True)
class ReplayVenue:
    name: str
    build: Callable[..., Any]           # (pairs, endpoints options, trading_required, **connector options)
    order_call: Callable[[Mapping[str, Any]], Optional[OrderCall]]


def endpoints_options(endpoints: Any) -> Dict[str, str]:
    """A connector's endpoints object as ``{field: base URL}`` (what a header's ``endpoints`` holds)."""
    if is_dataclass(endpoints):
        return {f.name: str(getattr(endpoints, f.name)) for f in fields(endpoints)}
    return {"domain": str(endpoints)}


def _spot(pairs: Any, endpoints: Mapping[str, str], trading_required: bool, **options: Any) -> Any:
    from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
    from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange

    domain: Any = endpoints.get("domain") or BinanceEndpoints(**endpoints)
    return BinanceExchange(binance_api_key="replay", binance_api_secret="replay", trading_pairs=list(pairs),
                           trading_required=trading_required, domain=domain, **options)


def _perp(pairs: Any, endpoints: Mapping[str, str], trading_required: bool, **options: Any) -> Any:
    from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_constants import BinancePerpetualEndpoints
    from hummingbot_conn.exchanges.binance_perpetual.binance_perpetual_derivative import BinancePerpetualDerivative

    domain: Any = endpoints.get("domain") or BinancePerpetualEndpoints(**endpoints)
    return BinancePerpetualDerivative(binance_perpetual_api_key="replay", binance_perpetual_api_secret="replay",
                                      trading_pairs=list(pairs), trading_required=trading_required,
                                      domain=domain, **options)


REPLAY_VENUES: Dict[str, ReplayVenue] = {
    "binance": ReplayVenue("binance", _spot, _binance_order_call("/api/v3/order")),
    "binance_perpetual": ReplayVenue("binance_perpetual", _perp, _binance_order_call("/fapi/v1/order")),
}
