"""``BinancePerpetualAPIOrderBookDataSource``: USDⓈ-M depth, trades and funding info.

Two kinds of sockets (the stream host routes by path, docs/binance_usdm_futures.md section 1):

* ``/public/ws``: ``<symbol>@depth@100ms`` per pair, managed by
  ``OrderBookTrackerDataSource`` (pairs spread over connections, confirmed
  subscriptions, reconnect with back-off, resync of the pairs a drop hit);
* ``/market/ws``: ``<symbol>@aggTrade`` and ``<symbol>@markPrice@1s`` for all
  pairs, read by ``listen_for_funding_info`` (the perpetual base runs it):
  trades go to the tracker, mark price / index / rate / next funding time
  become ``FundingInfoUpdate`` records on the funding stream.

**The pu rule.** Futures update ids are not contiguous: an event chains to
the previous one by ``pu == previous u`` (section 6), never by
``U == previous u + 1``. The source declares the ``CHAINED`` sequence rule
(docs/contracts.md, Contract 1, "Sequence rules and sync points") and hands
each diff over with ``prev_update_id = pu``: it follows the book exactly
when ``pu`` equals the last applied ``u`` (the first after a snapshot: when
it straddles it); anything else is a gap, and only that pair resyncs. The
snapshot rule follows: a snapshot applies when it covers ``pu`` of the first
buffered diff (``U <= lastUpdateId <= u`` on the venue's side).
"""
from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Union

from hummingbot_conn.common import TradeType
from hummingbot_conn.connector.funding_info import FundingInfo, FundingInfoUpdate
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.events import OrderBookTradeEvent
from hummingbot_conn.exchanges.binance_perpetual import (
    binance_perpetual_constants as CONSTANTS,
    binance_perpetual_web_utils as web_utils,
)
from hummingbot_conn.tracking.book_integrity import SequenceRule, SyncPoint
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource, UnknownTradingPairError
from hummingbot_conn.web.data_types import RESTMethod, WSJSONRequest
from hummingbot_conn.web.errors import WSDisconnectedError
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["BinancePerpetualAPIOrderBookDataSource"]

_log = logging.getLogger(__name__)

MAX_STREAMS_PER_CONNECTION = 1024
DEFAULT_PAIRS_PER_CONNECTION = 200
SymbolMapSource = Union[Mapping[str, str], Callable[[], Awaitable[Mapping[str, str]]]]


def _int(value: Any, what: str) -> int:
    if type(value) is not int:
        raise ValueError(f"{what} must be an integer, got {value!r}")
    return value


class BinancePerpetualAPIOrderBookDataSource(OrderBookTrackerDataSource):
    """USDⓈ-M market data (``domain``: a domain name or a ``BinancePerpetualEndpoints``).

    :param api_factory: the connector's web stack (throttled); by default a public one, closed by ``close()``
    :param symbol_map: ``{exchange symbol: trading pair}`` or an async callable returning it
        (the connector's map), so exchangeInfo is not fetched twice
    :param snapshot_limit: levels per side of each REST snapshot (5..1000)

    Other keyword arguments: see ``OrderBookTrackerDataSource``.
    """

    DIFF_INTERVAL = 0.1     # <symbol>@depth@100ms: the cadence the stale-diff rule counts in
    SEQUENCE_RULE = SequenceRule.CHAINED        # pu == previous u (module docstring, the pu rule)
    SYNC_POINT = SyncPoint.REST_SNAPSHOT        # GET /fapi/v1/depth, the buffer replayed over it

    def __init__(self, trading_pairs: Sequence[str], domain: web_utils.Domain = CONSTANTS.DOMAIN,
                 api_factory: Optional[WebAssistantsFactory] = None, *,
                 symbol_map: Optional[SymbolMapSource] = None, snapshot_limit: int = CONSTANTS.SNAPSHOT_LIMIT,
                 max_pairs_per_connection: int = DEFAULT_PAIRS_PER_CONNECTION,
                 clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        if snapshot_limit not in (5, 10, 20, 50, 100, 500, 1000):
            raise ValueError("snapshot_limit must be one of 5, 10, 20, 50, 100, 500, 1000")
        super().__init__(trading_pairs, max_pairs_per_connection=max_pairs_per_connection, clock=clock, **kwargs)
        self._endpoints = web_utils.endpoints(domain)
        self._snapshot_limit = snapshot_limit
        self._own_factory = api_factory is None
        self._api_factory = api_factory or web_utils.build_api_factory(domain=domain)
        self._symbol_map_source = symbol_map
        self._symbol_to_pair: Optional[Dict[str, str]] = None
        self._pair_to_symbol: Dict[str, str] = {}
        self._map_lock = asyncio.Lock()
        self._market_ws: Optional[WSAssistant] = None
        self._market_request_id = 0

    # ------------------------------------------------------------ symbol map
    async def trading_pair_symbol_map(self) -> Dict[str, str]:
        if self._symbol_to_pair is None:
            async with self._map_lock:
                if self._symbol_to_pair is None:
                    source = self._symbol_map_source
                    if source is None:
                        info = await self._rest(CONSTANTS.EXCHANGE_INFO_URL)
                        mapping: Mapping[str, str] = {
                            s["symbol"]: f"{s['baseAsset']}-{s['quoteAsset']}" for s in info.get("symbols", ())
                            if web_utils.is_exchange_information_valid(s)}
                    elif callable(source):
                        mapping = await source()
                    else:
                        mapping = source
                    self._symbol_to_pair = dict(mapping)
                    self._pair_to_symbol = {pair: symbol for symbol, pair in mapping.items()}
        return dict(self._symbol_to_pair)

    async def exchange_symbol_associated_to_pair(self, trading_pair: str) -> str:
        await self.trading_pair_symbol_map()
        try:
            return self._pair_to_symbol[trading_pair]
        except KeyError:
            raise UnknownTradingPairError(trading_pair, "not a TRADING perpetual on Binance USDⓈ-M") from None

    async def check_trading_pairs(self, trading_pairs: Sequence[str]) -> Dict[str, Exception]:
        errors: Dict[str, Exception] = {}
        for pair in trading_pairs:
            try:
                await self.exchange_symbol_associated_to_pair(pair)
            except UnknownTradingPairError as exc:
                errors[pair] = exc
        return errors

    def _pair_of(self, symbol: str) -> str:
        return self._symbol_to_pair.get(symbol, symbol) if self._symbol_to_pair is not None else symbol

    # ------------------------------------------------------------ REST
    async def _rest(self, path: str, params: Optional[Dict[str, Any]] = None) -> Any:
        rest = await self._api_factory.get_rest_assistant()
        return await rest.execute_request(self._endpoints.rest_url(path), path, params=params, method=RESTMethod.GET)

    async def get_last_traded_prices(self, trading_pairs: List[str], domain: Optional[str] = None) -> Dict[str, float]:
        rows = await self._rest(CONSTANTS.TICKER_PRICE_CHANGE_URL)
        rows = rows if isinstance(rows, list) else [rows]
        await self.trading_pair_symbol_map()
        by_pair = {self._pair_of(r["symbol"]): float(r["lastPrice"]) for r in rows}
        return {pair: by_pair[pair] for pair in trading_pairs if pair in by_pair}

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        """``GET /fapi/v1/depth`` -> SNAPSHOT (``lastUpdateId``, best-first rows as decimal strings)."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        snapshot = await self._rest(CONSTANTS.SNAPSHOT_REST_URL, {"symbol": symbol, "limit": self._snapshot_limit})
        if not isinstance(snapshot, dict):
            raise ValueError(f"depth snapshot of {trading_pair} is not an object: {str(snapshot)[:200]}")
        return OrderBookMessage(OrderBookMessageType.SNAPSHOT, {
            "trading_pair": trading_pair, "update_id": _int(snapshot.get("lastUpdateId"), "lastUpdateId"),
            "bids": snapshot["bids"], "asks": snapshot["asks"]}, timestamp=self._clock())

    async def get_funding_info(self, trading_pair: str) -> FundingInfo:
        """``GET /fapi/v1/premiumIndex?symbol=`` -> ``FundingInfo`` (next funding time in seconds)."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        data = await self._rest(CONSTANTS.MARK_PRICE_URL, {"symbol": symbol})
        return FundingInfo(trading_pair, Decimal(data["indexPrice"]), Decimal(data["markPrice"]),
                           _int(data["nextFundingTime"], "nextFundingTime") // 1000, Decimal(data["lastFundingRate"]))

    # ------------------------------------------------------------ depth streams (/public)
    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant()
        await ws.connect(f"{self._endpoints.stream.rstrip('/')}/public/ws",
                         message_timeout=CONSTANTS.WS_MESSAGE_TIMEOUT)
        return ws

    def _depth_streams(self, trading_pairs: Sequence[str]) -> List[str]:
        return [f"{self._pair_to_symbol[pair].lower()}@depth@100ms" for pair in trading_pairs]

    async def _subscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> Optional[Any]:
        await self.trading_pair_symbol_map()
        request_id = self._new_request_id(trading_pairs)
        await ws.send(WSJSONRequest({"method": "SUBSCRIBE", "params": self._depth_streams(trading_pairs),
                                     "id": request_id}))
        return request_id

    async def _unsubscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> None:
        self._next_request_id += 1
        await ws.send(WSJSONRequest({"method": "UNSUBSCRIBE", "params": self._depth_streams(trading_pairs),
                                     "id": self._next_request_id}))

    def _channel_originating_message(self, event_message: Any) -> str:
        event = event_message.get("e") if isinstance(event_message, dict) else None
        return self.DIFF_CHANNEL if event == CONSTANTS.DIFF_EVENT_TYPE else ""

    async def _parse_order_book_diff_message(self, raw_message: Dict[str, Any], message_queue: Any) -> None:
        """A ``depthUpdate`` -> DIFF with ``prev_update_id = pu`` (the pu rule, module docstring)."""
        message_queue.put_nowait(OrderBookMessage(OrderBookMessageType.DIFF, {
            "trading_pair": self._pair_of(raw_message["s"]),
            "prev_update_id": _int(raw_message.get("pu"), "pu"),
            "update_id": _int(raw_message.get("u"), "u"),
            "bids": raw_message["b"], "asks": raw_message["a"]}, timestamp=raw_message.get("E", 0) / 1000))

    async def _parse_trade_message(self, raw_message: Dict[str, Any], message_queue: Any) -> None:
        """Trades arrive on the /market socket (``listen_for_funding_info``), not here."""

    def _process_frame(self, data: Any, received_at: float, ws: WSAssistant) -> Optional[Awaitable[None]]:
        sink = self._sink
        if sink is not None and type(data) is dict and data.get("e") == CONSTANTS.DIFF_EVENT_TYPE:
            update_id = _int(data.get("u"), "u")
            previous = _int(data.get("pu"), "pu")
            sink.on_diff(self._pair_of(data["s"]), data["b"], data["a"], update_id, -1, received_at, previous)
            return None
        return super()._process_frame(data, received_at, ws)

    async def _process_message_for_unknown_channel(self, event_message: Any, websocket_assistant: WSAssistant) -> None:
        if isinstance(event_message, dict) and "id" in event_message:
            if "code" in event_message:
                self._confirm_subscription(event_message["id"],
                                           f"{event_message.get('code')}: {event_message.get('msg')}")
            else:
                self._confirm_subscription(event_message["id"])

    # ------------------------------------------------------------ market streams (/market): trades, funding
    def _market_streams(self) -> List[str]:
        return [f"{self._pair_to_symbol[p].lower()}@{kind}" for p in self._trading_pairs
                if p in self._pair_to_symbol for kind in ("aggTrade", "markPrice@1s")]

    async def subscribe_to_trading_pairs(self, trading_pairs: Sequence[str]) -> Dict[str, Any]:
        """Depth on /public (the base), and trades and mark prices on the live /market socket."""
        errors = await super().subscribe_to_trading_pairs(trading_pairs)
        ws = self._market_ws
        added = [p for p in trading_pairs if p not in errors and p in self._pair_to_symbol]
        if ws is not None and added:
            self._market_request_id += 1
            await ws.send(WSJSONRequest({"method": "SUBSCRIBE", "id": self._market_request_id, "params": [
                f"{self._pair_to_symbol[p].lower()}@{kind}" for p in added for kind in ("aggTrade", "markPrice@1s")]}))
        return errors

    async def _subscribe_market(self, ws: WSAssistant) -> None:
        self._market_request_id += 1
        streams = self._market_streams()
        if streams:
            await ws.send(WSJSONRequest({"method": "SUBSCRIBE", "params": streams, "id": self._market_request_id}))

    async def listen_for_funding_info(self, output: asyncio.Queue) -> None:
        """Read the /market socket forever: trades to the tracker, funding updates to ``output``.

        A dropped socket reconnects with back-off (``WSAssistant.reconnect``) and resubscribes."""
        await self.trading_pair_symbol_map()
        while True:
            ws = await self._api_factory.get_ws_assistant()
            try:
                await ws.connect(f"{self._endpoints.stream.rstrip('/')}/market/ws",
                                 message_timeout=CONSTANTS.WS_MESSAGE_TIMEOUT)
                ws.on_reconnected = self._subscribe_market
                self._market_ws = ws
                await self._subscribe_market(ws)
                await self._read_market(ws, output)
                return                                  # closed locally
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("Funding info stream failed (%s: %s); reconnecting in 1 s", type(exc).__name__, exc)
                await self._sleep(1.0)
            finally:
                self._market_ws = None
                await ws.disconnect()

    async def _read_market(self, ws: WSAssistant, output: asyncio.Queue) -> None:
        while True:
            try:
                response = await ws.receive()
            except WSDisconnectedError as exc:
                _log.warning("Market stream interrupted (%s); reconnecting", exc)
                await ws.reconnect()
                continue
            if response is None:
                return
            try:
                self._market_frame(response.data, output)
            except Exception as exc:       # a bad frame must not stop the stream
                _log.warning("Skipped an unreadable market frame (%s: %s): %.200r", type(exc).__name__, exc,
                             response.data)

    def _market_frame(self, data: Any, output: asyncio.Queue) -> None:
        if not isinstance(data, dict):
            return
        event = data.get("e")
        if event == CONSTANTS.MARK_PRICE_EVENT_TYPE:
            pair = self._pair_of(data["s"])
            if pair in self._trading_pairs:
                output.put_nowait(FundingInfoUpdate(
                    pair, index_price=Decimal(data["i"]), mark_price=Decimal(data["p"]),
                    next_funding_utc_timestamp=_int(data["T"], "T") // 1000, rate=Decimal(data["r"])))
        elif event == CONSTANTS.AGG_TRADE_EVENT_TYPE and self._sink is not None:
            self._sink.on_trade(OrderBookTradeEvent(
                self._pair_of(data["s"]), _int(data["T"], "T") / 1000,
                TradeType.SELL if data["m"] else TradeType.BUY, float(data["p"]), float(data["q"]), data["a"]))

    async def close(self) -> None:
        await super().close()
        if self._market_ws is not None:
            await self._market_ws.disconnect()
        if self._own_factory:
            await self._api_factory.close()
