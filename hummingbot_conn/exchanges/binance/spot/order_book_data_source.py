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
from ``exchangeInfo``, or from the connector that already holds it
(``symbol_map=``), so exchangeInfo is not fetched twice; it reloads on the
rule both Binance venues share (``_common/symbols.py``).  The symbol map,
the snapshot request and the subscription handshake are
``_common/market_data.BinanceMarketDataMixin``'s; this module adds spot's
streams and its hot path.
"""
from __future__ import annotations

import time
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence

import orjson

from hummingbot_conn.common import TradeType
from hummingbot_conn.events import OrderBookTradeEvent
from hummingbot_conn.exchanges.binance._binance_depth import parse_depth_update
from hummingbot_conn.exchanges.binance._common.market_data import BinanceMarketDataMixin
from hummingbot_conn.exchanges.binance._common.symbols import SYMBOL_MAP_REFRESH_S, SymbolMapSource
from hummingbot_conn.exchanges.binance.spot import constants as CONSTANTS, web_utils
from hummingbot_conn.exchanges.binance.spot.order_book import BinanceOrderBook
from hummingbot_conn.exchanges.binance.spot.utils import symbol_map_from_exchange_info
from hummingbot_conn.tracking.book_integrity import SequenceRule, SyncPoint
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource
from hummingbot_conn.web.async_throttler import AsyncThrottler
from hummingbot_conn.web.data_types import RESTMethod
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["BinanceAPIOrderBookDataSource", "symbol_map_from_exchange_info", "SymbolMapSource", "SYMBOL_MAP_REFRESH_S",
           "MAX_STREAMS_PER_CONNECTION", "STREAMS_PER_PAIR", "DEFAULT_PAIRS_PER_CONNECTION", "DEFAULT_SNAPSHOT_LIMIT"]

MAX_STREAMS_PER_CONNECTION = 1024       # docs/binance_spot.md section 5.1
STREAMS_PER_PAIR = 2                    # depth diffs + trades
DEFAULT_PAIRS_PER_CONNECTION = 200      # 400 streams: a drop resyncs at most 200 books
DEFAULT_SNAPSHOT_LIMIT = 1000           # weight 50 (5000 would weigh 250)

_SELL = TradeType.SELL
_BUY = TradeType.BUY


class BinanceAPIOrderBookDataSource(BinanceMarketDataMixin, OrderBookTrackerDataSource):
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
    CONSTANTS = CONSTANTS
    EVENT_CHANNELS = {CONSTANTS.DIFF_EVENT_TYPE: OrderBookTrackerDataSource.DIFF_CHANNEL,
                      CONSTANTS.TRADE_EVENT_TYPE: OrderBookTrackerDataSource.TRADE_CHANNEL}
    TRADABLE = "a TRADING spot symbol"

    def __init__(self, trading_pairs: Sequence[str], domain: web_utils.Domain = CONSTANTS.DEFAULT_DOMAIN,
                 api_factory: Optional[WebAssistantsFactory] = None, throttler: Optional[AsyncThrottler] = None,
                 *, symbol_map: Optional[SymbolMapSource] = None, snapshot_limit: int = DEFAULT_SNAPSHOT_LIMIT,
                 max_pairs_per_connection: int = DEFAULT_PAIRS_PER_CONNECTION, fast_parser: bool = True,
                 clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        if not 1 <= max_pairs_per_connection * STREAMS_PER_PAIR <= MAX_STREAMS_PER_CONNECTION:
            raise ValueError(f"max_pairs_per_connection must be 1..{MAX_STREAMS_PER_CONNECTION // STREAMS_PER_PAIR}")
        super().__init__(trading_pairs, max_pairs_per_connection=max_pairs_per_connection, clock=clock, **kwargs)
        self._domain = domain
        own_factory = api_factory is None
        if api_factory is None:
            api_factory = web_utils.build_api_factory_without_time_synchronizer_pre_processor(
                throttler or web_utils.create_throttler())
        self._init_market_data(domain, api_factory, own_factory, symbol_map, snapshot_limit)
        self._order_book_create_function = BinanceOrderBook
        self._fast_parser = fast_parser

    def _symbol_map_from_exchange_info(self, exchange_info: Mapping[str, Any]) -> Dict[str, str]:
        return symbol_map_from_exchange_info(exchange_info)

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

    # ------------------------------------------------------------ streams
    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant(connect_limit_id=CONSTANTS.WS_CONNECTIONS)
        await ws.connect(self._endpoints.stream_url(), message_timeout=CONSTANTS.WS_MESSAGE_TIMEOUT,
                         decode_json=not self._fast_parser)
        return ws

    def _streams(self, trading_pairs: Sequence[str]) -> List[str]:
        streams: List[str] = []
        for pair in trading_pairs:
            symbol = self._symbols.to_symbol[pair].lower()
            streams.append(f"{symbol}@depth@100ms")
            streams.append(f"{symbol}@trade")
        return streams

    async def _parse_order_book_diff_message(self, raw_message: Dict[str, Any], message_queue: Any) -> None:
        pair = self._pair_of(raw_message["s"])
        message_queue.put_nowait(BinanceOrderBook.diff_message_from_exchange(
            raw_message, raw_message.get("E", 0) * 1e-3, {"trading_pair": pair}))

    async def _parse_trade_message(self, raw_message: Dict[str, Any], message_queue: Any) -> None:
        pair = self._pair_of(raw_message["s"])
        message_queue.put_nowait(BinanceOrderBook.trade_message_from_exchange(raw_message, {"trading_pair": pair}))

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
                pairs = self._symbols.to_pair
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
