"""``BinanceAPIOrderBookDataSource``: Binance Spot depth and trades for ``OrderBookTracker``.

Streams (docs/binance_spot.md section 5): ``<symbol>@depth@100ms`` and
``<symbol>@trade`` per pair, subscribed with ``SUBSCRIBE`` on raw ``/ws``
sockets (payloads carry ``s``, so no combined-stream wrapper to peel), at
most ``max_pairs_per_connection`` pairs (two streams each) per socket, well
under Binance's 1024 streams per connection; more pairs open more sockets.
Every ``SUBSCRIBE`` carries an id and Binance answers ``{"result": null,
"id": ...}``; the pairs count as subscribed (their snapshot may be fetched)
once that answer arrived.  Control messages per socket stay under Binance's
5 per second.

Snapshots: ``GET /api/v3/depth?limit=<snapshot_limit>`` through the
throttler under the weight tier of that limit (``snapshot_limit_id``).
Trading pairs are hummingbot style (``"BTC-USDT"``); the symbol map comes
from ``exchangeInfo`` (fetched once), or from the connector that already
holds it (``symbol_map=``), so exchangeInfo is not fetched twice.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Union

import orjson

from hummingbot_conn.common import TradeType
from hummingbot_conn.core.order_book_message import OrderBookMessage
from hummingbot_conn.events import OrderBookTradeEvent
from hummingbot_conn.exchanges.binance import binance_constants as CONSTANTS, binance_web_utils as web_utils
from hummingbot_conn.exchanges.binance._binance_depth import parse_depth_update
from hummingbot_conn.exchanges.binance.binance_order_book import BinanceOrderBook
from hummingbot_conn.tracking.book_integrity import SequenceRule, SyncPoint
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource, UnknownTradingPairError
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.data_types import RESTMethod, WSJSONRequest
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["BinanceAPIOrderBookDataSource", "symbol_map_from_exchange_info"]

MAX_STREAMS_PER_CONNECTION = 1024       # docs/binance_spot.md section 5.1
STREAMS_PER_PAIR = 2                    # depth diffs + trades
DEFAULT_PAIRS_PER_CONNECTION = 200      # 400 streams: a drop resyncs at most 200 books
DEFAULT_SNAPSHOT_LIMIT = 1000           # weight 50 (5000 would weigh 250)
SYMBOL_MAP_REFRESH_S = 60.0             # an unknown pair reloads a map older than this (new listings)

SymbolMapSource = Union[Mapping[str, str], Callable[[], Awaitable[Mapping[str, str]]]]

_SELL = TradeType.SELL
_BUY = TradeType.BUY


def symbol_map_from_exchange_info(exchange_info: Mapping[str, Any]) -> Dict[str, str]:
    """``{"BTCUSDT": "BTC-USDT"}`` for the spot symbols that are ``TRADING`` (hummingbot's filter)."""
    out: Dict[str, str] = {}
    for info in exchange_info.get("symbols", ()):
        if not isinstance(info, Mapping) or info.get("status") != "TRADING":
            continue
        permission_sets = info.get("permissionSets")
        if permission_sets and not any("SPOT" in group for group in permission_sets):
            continue
        out[info["symbol"]] = f"{info['baseAsset']}-{info['quoteAsset']}"
    return out


class BinanceAPIOrderBookDataSource(OrderBookTrackerDataSource):
    """Binance Spot market data (``domain``: a Binance domain name or a ``BinanceEndpoints``).

    :param api_factory: the connector's web stack (its throttler paces the
        snapshots); by default a public one is built and closed by ``close()``.
    :param symbol_map: ``{exchange symbol: trading pair}``, or an async
        callable returning it (the connector's own map), instead of fetching
        exchangeInfo here.
    :param snapshot_limit: levels per side of each REST snapshot (<= 5000).
    :param fast_parser: read text frames undecoded and parse ``depthUpdate``
        frames in C (``exchanges/binance/_binance_depth``), falling back to JSON for
        anything else; False: every frame is decoded by the connection.

    Other keyword arguments: see ``OrderBookTrackerDataSource``.
    """

    DIFF_INTERVAL = 0.1     # <symbol>@depth@100ms: the cadence the stale-diff rule counts in
    SEQUENCE_RULE = SequenceRule.CONTIGUOUS     # U..u ranges (docs/binance_spot.md section 6)
    SYNC_POINT = SyncPoint.REST_SNAPSHOT        # GET /api/v3/depth, the buffer replayed over it

    def __init__(self, trading_pairs: Sequence[str], domain: web_utils.Domain = CONSTANTS.DEFAULT_DOMAIN,
                 api_factory: Optional[WebAssistantsFactory] = None, throttler: Optional[AsyncThrottler] = None,
                 *, symbol_map: Optional[SymbolMapSource] = None, snapshot_limit: int = DEFAULT_SNAPSHOT_LIMIT,
                 max_pairs_per_connection: int = DEFAULT_PAIRS_PER_CONNECTION, fast_parser: bool = True,
                 clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        if not 1 <= max_pairs_per_connection * STREAMS_PER_PAIR <= MAX_STREAMS_PER_CONNECTION:
            raise ValueError(f"max_pairs_per_connection must be 1..{MAX_STREAMS_PER_CONNECTION // STREAMS_PER_PAIR}")
        super().__init__(trading_pairs, max_pairs_per_connection=max_pairs_per_connection, clock=clock, **kwargs)
        self._domain = domain
        self._endpoints = web_utils.endpoints(domain)
        self._snapshot_limit_id = CONSTANTS.snapshot_limit_id(snapshot_limit)
        self._snapshot_limit = snapshot_limit
        self._own_factory = api_factory is None
        if api_factory is None:
            api_factory = web_utils.build_api_factory_without_time_synchronizer_pre_processor(
                throttler or web_utils.create_throttler())
        self._api_factory = api_factory
        self._symbol_map_source = symbol_map
        self._symbol_to_pair: Optional[Dict[str, str]] = None
        self._pair_to_symbol: Dict[str, str] = {}
        self._map_lock = asyncio.Lock()
        self._map_loaded_at = 0.0
        self._order_book_create_function = BinanceOrderBook
        self._fast_parser = fast_parser

    # ------------------------------------------------------------ symbol map
    async def trading_pair_symbol_map(self) -> Dict[str, str]:
        """``{exchange symbol: trading pair}`` (loaded once; see ``exchange_symbol_associated_to_pair``)."""
        if self._symbol_to_pair is None:
            await self._load_symbol_map(None)
        assert self._symbol_to_pair is not None
        return dict(self._symbol_to_pair)

    async def _load_symbol_map(self, loaded: Optional[Dict[str, str]]) -> None:
        """(Re)load the map unless another task replaced ``loaded`` meanwhile."""
        async with self._map_lock:
            if self._symbol_to_pair is not loaded:
                return
            source = self._symbol_map_source
            if source is None:
                rest = await self._api_factory.get_rest_assistant()
                info = await rest.execute_request(self._endpoints.rest_url(CONSTANTS.EXCHANGE_INFO_PATH_URL),
                                                  CONSTANTS.EXCHANGE_INFO_PATH_URL)
                mapping: Mapping[str, str] = symbol_map_from_exchange_info(info)
            elif callable(source):
                mapping = await source()
            else:
                mapping = source
            self._symbol_to_pair = dict(mapping)
            self._pair_to_symbol = {pair: symbol for symbol, pair in self._symbol_to_pair.items()}
            self._map_loaded_at = self._clock()

    async def exchange_symbol_associated_to_pair(self, trading_pair: str) -> str:
        """``"BTC-USDT"`` -> ``"BTCUSDT"``; ``UnknownTradingPairError`` if Binance does not list it.

        A pair missing from a map older than ``SYMBOL_MAP_REFRESH_S`` reloads
        the map once (a new listing), so unknown names cost at most one
        exchangeInfo call (weight 20) per that interval."""
        await self.trading_pair_symbol_map()
        symbol = self._pair_to_symbol.get(trading_pair)
        if symbol is None and self._clock() - self._map_loaded_at >= SYMBOL_MAP_REFRESH_S:
            await self._load_symbol_map(self._symbol_to_pair)
            symbol = self._pair_to_symbol.get(trading_pair)
        if symbol is None:
            raise UnknownTradingPairError(trading_pair, "Binance's exchangeInfo does not list it "
                                          "as a TRADING spot symbol")
        return symbol

    async def trading_pair_associated_to_exchange_symbol(self, symbol: str) -> str:
        await self.trading_pair_symbol_map()
        assert self._symbol_to_pair is not None
        try:
            return self._symbol_to_pair[symbol]
        except KeyError:
            raise UnknownTradingPairError(symbol, "not a TRADING spot symbol on Binance") from None

    async def check_trading_pairs(self, trading_pairs: Sequence[str]) -> Dict[str, Exception]:
        errors: Dict[str, Exception] = {}
        for pair in trading_pairs:
            try:
                await self.exchange_symbol_associated_to_pair(pair)
            except UnknownTradingPairError as exc:
                errors[pair] = exc
        return errors

    # ------------------------------------------------------------ REST
    async def get_last_traded_prices(self, trading_pairs: List[str], domain: Optional[str] = None) -> Dict[str, float]:
        """``GET /api/v3/ticker/price`` (one call for all pairs)."""
        symbols = [await self.exchange_symbol_associated_to_pair(pair) for pair in trading_pairs]
        rest = await self._api_factory.get_rest_assistant()
        params = {"symbol": symbols[0]} if len(symbols) == 1 else None
        answer = await rest.execute_request(self._endpoints.rest_url(CONSTANTS.PRICES_PATH_URL),
                                            CONSTANTS.PRICES_PATH_URL, params=params, method=RESTMethod.GET)
        rows = answer if isinstance(answer, list) else [answer]
        by_symbol = {row["symbol"]: float(row["price"]) for row in rows}
        return {pair: by_symbol[symbol] for pair, symbol in zip(trading_pairs, symbols) if symbol in by_symbol}

    async def _request_order_book_snapshot(self, trading_pair: str) -> Dict[str, Any]:
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        rest = await self._api_factory.get_rest_assistant()
        return await rest.execute_request(self._endpoints.rest_url(CONSTANTS.SNAPSHOT_PATH_URL),
                                          self._snapshot_limit_id,
                                          params={"symbol": symbol, "limit": self._snapshot_limit},
                                          method=RESTMethod.GET)

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        snapshot = await self._request_order_book_snapshot(trading_pair)
        if not isinstance(snapshot, dict):
            raise ValueError(f"depth snapshot of {trading_pair} is not an object: {str(snapshot)[:200]}")
        return BinanceOrderBook.snapshot_message_from_exchange(snapshot, self._clock(),
                                                               metadata={"trading_pair": trading_pair})

    # ------------------------------------------------------------ streams
    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant(connect_limit_id=CONSTANTS.WS_CONNECTIONS)
        await ws.connect(self._endpoints.stream_url(), message_timeout=CONSTANTS.WS_MESSAGE_TIMEOUT,
                         decode_json=not self._fast_parser)
        return ws

    def _streams(self, trading_pairs: Sequence[str]) -> List[str]:
        streams: List[str] = []
        for pair in trading_pairs:
            symbol = self._pair_to_symbol[pair].lower()
            streams.append(f"{symbol}@depth@100ms")
            streams.append(f"{symbol}@trade")
        return streams

    async def _subscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> Optional[Any]:
        await self.trading_pair_symbol_map()
        request_id = self._new_request_id(trading_pairs)
        await ws.send(WSJSONRequest({"method": "SUBSCRIBE", "params": self._streams(trading_pairs),
                                     "id": request_id}))
        return request_id

    async def _unsubscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> None:
        await ws.send(WSJSONRequest({"method": "UNSUBSCRIBE", "params": self._streams(trading_pairs),
                                     "id": self._next_control_id()}))

    def _next_control_id(self) -> int:
        request_id = self._next_request_id
        self._next_request_id += 1
        return request_id

    def _channel_originating_message(self, event_message: Any) -> str:
        event = event_message.get("e") if isinstance(event_message, dict) else None
        if event == CONSTANTS.DIFF_EVENT_TYPE:
            return self.DIFF_CHANNEL
        if event == CONSTANTS.TRADE_EVENT_TYPE:
            return self.TRADE_CHANNEL
        return ""

    async def _parse_order_book_diff_message(self, raw_message: Dict[str, Any], message_queue: Any) -> None:
        pair = self._pair_of(raw_message["s"])
        message_queue.put_nowait(BinanceOrderBook.diff_message_from_exchange(
            raw_message, raw_message.get("E", 0) * 1e-3, {"trading_pair": pair}))

    async def _parse_trade_message(self, raw_message: Dict[str, Any], message_queue: Any) -> None:
        pair = self._pair_of(raw_message["s"])
        message_queue.put_nowait(BinanceOrderBook.trade_message_from_exchange(raw_message, {"trading_pair": pair}))

    async def _process_message_for_unknown_channel(self, event_message: Any, websocket_assistant: WSAssistant) -> None:
        if not isinstance(event_message, dict):
            # Binance's market streams send JSON objects only: anything else is a broken frame,
            # counted by the reader (``parse_errors``), never passed over in silence
            raise ValueError(f"market data frame is not a JSON object: {str(event_message)[:100]!r}")
        if "id" in event_message:
            if "code" in event_message:
                self._confirm_subscription(event_message["id"], f"{event_message.get('code')}: "
                                                                f"{event_message.get('msg')}")
            else:
                self._confirm_subscription(event_message["id"])

    def _pair_of(self, symbol: str) -> str:
        # a symbol missing from the map is passed on as is: the tracker counts it as unknown
        return self._symbol_to_pair.get(symbol, symbol) if self._symbol_to_pair is not None else symbol

    def _process_frame(self, data: Any, received_at: float, ws: WSAssistant) -> Optional[Awaitable[None]]:
        """The hot path: depth diffs and trades go to the tracker without a coroutine or a message object.

        Undecoded text (``fast_parser``): a ``depthUpdate`` is parsed in C
        straight into row buffers; any other frame is decoded here."""
        sink = self._sink
        if sink is None:
            return None
        if type(data) is str:
            parsed = parse_depth_update(data)
            if parsed is not None:
                symbol, first_update_id, update_id, bids, asks = parsed
                pairs = self._symbol_to_pair
                sink.on_diff(pairs.get(symbol, symbol) if pairs is not None else symbol,
                             bids, asks, update_id, first_update_id, received_at)
                return None
            try:
                data = orjson.loads(data)
            except orjson.JSONDecodeError:
                pass        # not JSON: the unknown-channel hook below gets the text
        if type(data) is dict:
            event = data.get("e")
            if event == "depthUpdate":
                update_id = data["u"]
                first_update_id = data["U"]
                if type(update_id) is not int or type(first_update_id) is not int:
                    raise ValueError(f"depthUpdate ids must be integers: U={first_update_id!r} u={update_id!r}")
                sink.on_diff(self._pair_of(data["s"]), data["b"], data["a"], update_id, first_update_id,
                             received_at)
                return None
            if event == "trade":
                trade_time = data["T"]
                sink.on_trade(OrderBookTradeEvent(
                    self._pair_of(data["s"]), trade_time * 1e-3, _SELL if data["m"] else _BUY,
                    float(data["p"]), float(data["q"]), data["t"]))
                return None
        return super()._process_frame(data, received_at, ws)

    async def close(self) -> None:
        await super().close()
        if self._own_factory:
            await self._api_factory.close()
