"""What both Binance order book data sources do alike: symbols, snapshots, subscriptions.

``BinanceMarketDataMixin`` goes before ``OrderBookTrackerDataSource`` in a
venue's data source (``class BinanceAPIOrderBookDataSource(BinanceMarketDataMixin,
OrderBookTrackerDataSource)``) and serves its hooks from the venue's
constants (class attribute ``CONSTANTS``):

* the symbol map (``_common/symbols.py``: one builder, one reload rule),
  from exchangeInfo fetched here or from the connector's map;
* the REST depth snapshot (``SNAPSHOT_PATH_URL`` under the throttler limit
  id of its ``limit``, ``snapshot_limit_id``);
* subscriptions on Binance's market streams, which answer every control
  message by id: ``SUBSCRIBE`` / ``UNSUBSCRIBE`` of the venue's streams
  (``_streams``), their answers (``{"result": null, "id": 1}`` or
  ``{"code": 2, "msg": "...", "id": 1}``) confirming or refusing the pairs,
  and one id counter for every control message of the source.

Its ``__init__`` part is ``_init_market_data``, called by the venue's
constructor after ``OrderBookTrackerDataSource.__init__``.
"""
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence

from hummingbot_conn.core.order_book_message import OrderBookMessage
from hummingbot_conn.exchanges.binance._common.order_book import depth_snapshot_message
from hummingbot_conn.exchanges.binance._common.symbols import SymbolMapCache, SymbolMapSource
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource, UnknownTradingPairError
from hummingbot_conn.web.data_types import RESTMethod, WSJSONRequest
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["BinanceMarketDataMixin"]

if TYPE_CHECKING:
    _DataSource = OrderBookTrackerDataSource
else:
    _DataSource = object


class BinanceMarketDataMixin(_DataSource):
    """The shared half of a Binance order book data source (module doc)."""

    # class attributes of the venue's data source:
    #: the venue's constants module: ENDPOINTS, EXCHANGE_INFO_PATH_URL, SNAPSHOT_PATH_URL, snapshot_limit_id
    CONSTANTS: Any
    #: stream event type (``e``) -> the tracker channel it feeds
    EVENT_CHANNELS: Mapping[str, str] = {}
    #: what the symbol map holds, for errors: "a TRADING spot symbol"
    TRADABLE: str = "a TRADING symbol"

    _endpoints: Any
    _api_factory: WebAssistantsFactory
    _own_factory: bool
    _symbols: SymbolMapCache

    def _init_market_data(self, domain: Any, api_factory: WebAssistantsFactory, own_factory: bool,
                          symbol_map: Optional[SymbolMapSource], snapshot_limit: int) -> None:
        """``ValueError`` for an unknown domain or a depth limit the venue does not serve."""
        self._endpoints = self.CONSTANTS.ENDPOINTS.of(domain)
        self._snapshot_limit_id = self.CONSTANTS.snapshot_limit_id(snapshot_limit)
        self._snapshot_limit = snapshot_limit
        self._api_factory = api_factory
        self._own_factory = own_factory
        self._symbol_map_source = symbol_map
        self._symbols = SymbolMapCache(self._load_symbol_map, lambda: self._clock())

    # ------------------------------------------------------------ symbol map
    def _symbol_map_from_exchange_info(self, exchange_info: Mapping[str, Any]) -> Dict[str, str]:
        """The venue's builder (its tradable filter over ``_common/symbols``)."""
        raise NotImplementedError

    async def _load_symbol_map(self) -> Mapping[str, str]:
        source = self._symbol_map_source
        if source is None:
            info = await self._rest_get(self.CONSTANTS.EXCHANGE_INFO_PATH_URL)
            return self._symbol_map_from_exchange_info(info)
        if callable(source):
            return await source()
        return source

    @property
    def _symbol_to_pair(self) -> Optional[Dict[str, str]]:
        return self._symbols.to_pair

    @property
    def _pair_to_symbol(self) -> Dict[str, str]:
        return self._symbols.to_symbol

    async def trading_pair_symbol_map(self) -> Dict[str, str]:
        """``{exchange symbol: trading pair}`` (loaded on first use; a copy)."""
        return await self._symbols.mapping()

    async def exchange_symbol_associated_to_pair(self, trading_pair: str) -> str:
        """``"BTC-USDT"`` -> ``"BTCUSDT"``; ``UnknownTradingPairError`` if the venue does not list it.

        A miss reloads a map ``SYMBOL_MAP_REFRESH_S`` old or older once (a new listing), so
        unknown names cost at most one exchangeInfo request per that interval."""
        symbol = await self._symbols.exchange_symbol(trading_pair)
        if symbol is None:
            raise UnknownTradingPairError(trading_pair, f"the exchangeInfo does not list it as {self.TRADABLE}")
        return symbol

    async def trading_pair_associated_to_exchange_symbol(self, symbol: str) -> str:
        """``"BTCUSDT"`` -> ``"BTC-USDT"`` (same reload rule); ``UnknownTradingPairError`` otherwise."""
        pair = await self._symbols.trading_pair(symbol)
        if pair is None:
            raise UnknownTradingPairError(symbol, f"not {self.TRADABLE}")
        return pair

    async def check_trading_pairs(self, trading_pairs: Sequence[str]) -> Dict[str, Exception]:
        errors: Dict[str, Exception] = {}
        for pair in trading_pairs:
            try:
                await self.exchange_symbol_associated_to_pair(pair)
            except UnknownTradingPairError as exc:
                errors[pair] = exc
        return errors

    def _pair_of(self, symbol: str) -> str:
        # a symbol missing from the map is passed on as is: the tracker counts it as unknown
        # (SymbolMapCache.pair_of inlined: this runs for every trade frame)
        to_pair = self._symbols.to_pair
        return to_pair.get(symbol, symbol) if to_pair is not None else symbol

    # ------------------------------------------------------------ REST
    async def _rest_get(self, path: str, limit_id: Optional[str] = None,
                        params: Optional[Dict[str, Any]] = None) -> Any:
        rest = await self._api_factory.get_rest_assistant()
        return await rest.execute_request(self._endpoints.rest_url(path), limit_id or path, params=params,
                                          method=RESTMethod.GET)

    async def _request_order_book_snapshot(self, trading_pair: str) -> Any:
        """The depth snapshot's JSON (``GET <SNAPSHOT_PATH_URL>?symbol=&limit=``)."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        return await self._rest_get(self.CONSTANTS.SNAPSHOT_PATH_URL, self._snapshot_limit_id,
                                    {"symbol": symbol, "limit": self._snapshot_limit})

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        snapshot = await self._request_order_book_snapshot(trading_pair)
        return depth_snapshot_message(snapshot, self._clock(), trading_pair)

    # ------------------------------------------------------------ subscriptions
    def _streams(self, trading_pairs: Sequence[str]) -> List[str]:
        """The venue's stream names of ``trading_pairs`` on a market-data socket."""
        raise NotImplementedError

    def _next_control_id(self) -> int:
        """The id of a control message that confirms no pairs (an unsubscription, a side socket's
        subscription): from the same counter as ``_new_request_id``, so ids never repeat."""
        request_id = self._next_request_id
        self._next_request_id += 1
        return request_id

    async def _subscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> Optional[Any]:
        await self.trading_pair_symbol_map()
        request_id = self._new_request_id(trading_pairs)
        await ws.send(WSJSONRequest({"method": "SUBSCRIBE", "params": self._streams(trading_pairs),
                                     "id": request_id}))
        return request_id

    async def _unsubscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> None:
        await ws.send(WSJSONRequest({"method": "UNSUBSCRIBE", "params": self._streams(trading_pairs),
                                     "id": self._next_control_id()}))

    def _channel_originating_message(self, event_message: Any) -> str:
        event = event_message.get("e") if isinstance(event_message, dict) else None
        return self.EVENT_CHANNELS.get(event, "") if isinstance(event, str) else ""

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

    async def close(self) -> None:
        await super().close()
        if self._own_factory:
            await self._api_factory.close()
