"""Binance's hooks for recordings (``hummingbot_conn.recording``, docs/recording.md, "Venues").

For the venue names ``binance`` (spot) and ``binance_perpetual`` (USDⓈ-M):

* the connector a replay rebuilds on the recorded URLs, with dummy credentials;
* the strategy's calls read from the recorded order requests: ``POST`` / ``DELETE``
  of ``/api/v3/order`` (``/fapi/v1/order``), and ``order.place`` / ``order.cancel``
  frames sent on the WebSocket API (docs/binance_spot.md section 7.6);
* how the recorded market data reads (:class:`BinanceMarketFormat`): depth
  snapshots (``GET .../depth``, ``lastUpdateId``), ``depthUpdate`` diffs (``U`` ..
  ``u``) and ``trade`` events, raw or in a combined stream's envelope; and the
  protocol the replay server speaks (``recording_server.py``).
"""
from decimal import Decimal
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional
from urllib.parse import parse_qsl

import orjson

from hummingbot_conn.recording.venues import (
    BookSnapshot,
    DepthDiff,
    MarketEvent,
    MarketFormat,
    OrderCall,
    ReplayVenue,
    StreamFrame,
    Trade,
)

__all__ = ["BinanceMarketFormat", "REPLAY_VENUES"]

#: the recorded stream events the replay server plays, by event type -> its stream type
STREAM_OF_EVENT = {"depthUpdate": "depth", "trade": "trade", "aggTrade": "aggTrade", "bookTicker": "bookTicker"}


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


def _order_call(order_path: str) -> Callable[[Mapping[str, Any]], Optional[OrderCall]]:
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


def _levels(rows: Any) -> List[Any]:
    # a level is two texts; anything else is a damaged event (the caller drops the event whole)
    levels = [(p, q) for p, q in rows]
    if not all(isinstance(p, str) and isinstance(q, str) for p, q in levels):
        raise TypeError("a level is a price and an amount, as text")
    return levels


def _event_data(text: str) -> Optional[Dict[str, Any]]:
    """A frame's event object (out of a combined stream's envelope), or None when it is none."""
    if '"e"' not in text:
        return None
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"]
    return data if isinstance(data, dict) else None


class BinanceMarketFormat(MarketFormat):
    """Binance's recorded market data (spot and USDⓈ-M read alike; see the module)."""

    def depth_request_symbol(self, method: str, path: str, query: Mapping[str, str]) -> Optional[str]:
        if method == "GET" and path.endswith("/depth"):
            return query.get("symbol", "")
        return None

    def snapshot(self, body: str) -> Optional[BookSnapshot]:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            raise TypeError("a depth answer is an object")
        return BookSnapshot(int(data["lastUpdateId"]), _levels(data.get("bids", ())), _levels(data.get("asks", ())))

    @staticmethod
    def _diff(data: Dict[str, Any]) -> DepthDiff:
        return DepthDiff(data["s"], int(data["U"]), int(data["u"]), data.get("E"), _levels(data.get("b", ())),
                         _levels(data.get("a", ())))

    def market_events(self, text: str) -> Iterator[MarketEvent]:
        data = _event_data(text)
        if data is None:
            return
        event = data.get("e")
        if event == "depthUpdate":
            yield self._diff(data)
        elif event == "trade":
            yield Trade(data["s"], int(data["t"]), data.get("E"), data.get("T"), data["p"], data["q"],
                        bool(data.get("m")))

    def stream_frame(self, text: str) -> Optional[StreamFrame]:
        if '"e"' not in text:
            return None
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None
        if isinstance(data, dict) and "stream" in data and isinstance(data.get("data"), dict):
            data = data["data"]
            text = orjson.dumps(data).decode()      # served raw or in the client's own envelope
        if not isinstance(data, dict) or not isinstance(data.get("s"), str):
            return None
        stream = STREAM_OF_EVENT.get(str(data.get("e")))
        if stream is None:
            return None
        if stream != "depth":
            return StreamFrame(data["s"].lower(), stream, text)
        try:
            return StreamFrame(data["s"].lower(), stream, text, self._diff(data))
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError):
            # played as recorded; the served book is gapped by it until the next recorded snapshot
            return StreamFrame(data["s"].lower(), stream, text, damaged=True)

    def server_protocol(self, server: Any) -> Any:
        from hummingbot_conn.exchanges.binance.recording_server import BinanceServerProtocol

        return BinanceServerProtocol(server)


_MARKET = BinanceMarketFormat()

REPLAY_VENUES: Dict[str, ReplayVenue] = {
    "binance": ReplayVenue("binance", _spot, _order_call("/api/v3/order"), _MARKET),
    "binance_perpetual": ReplayVenue("binance_perpetual", _perp, _order_call("/fapi/v1/order"), _MARKET),
}
