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

The symbol map (one builder and reload rule for both Binance venues,
``_common/symbols.py``), the snapshot request and the subscription
handshake are ``_common/market_data.BinanceMarketDataMixin``'s.
"""
from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence

from hummingbot_conn.common import TradeType
from hummingbot_conn.connector.funding_info import FundingInfo, FundingInfoUpdate
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.events import OrderBookTradeEvent
from hummingbot_conn.exchanges.binance._common.market_data import BinanceMarketDataMixin
from hummingbot_conn.exchanges.binance._common.symbols import SymbolMapSource
from hummingbot_conn.exchanges.binance.usdm import constants as CONSTANTS, web_utils
from hummingbot_conn.exchanges.binance.usdm.utils import symbol_map_from_exchange_info
from hummingbot_conn.tracking.book_integrity import SequenceRule, SyncPoint
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource
from hummingbot_conn.web.data_types import WSJSONRequest
from hummingbot_conn.web.errors import WSDisconnectedError
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["BinancePerpetualAPIOrderBookDataSource", "SymbolMapSource", "MAX_STREAMS_PER_CONNECTION",
           "DEFAULT_PAIRS_PER_CONNECTION", "MARKET_STREAMS"]

_log = logging.getLogger(__name__)

MAX_STREAMS_PER_CONNECTION = 1024
DEFAULT_PAIRS_PER_CONNECTION = 200
MARKET_STREAMS = ("aggTrade", "markPrice@1s")      # per pair, on the /market socket


def _int(value: Any, what: str) -> int:
    if type(value) is not int:
        raise ValueError(f"{what} must be an integer, got {value!r}")
    return value


class BinancePerpetualAPIOrderBookDataSource(BinanceMarketDataMixin, OrderBookTrackerDataSource):
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
    CONSTANTS = CONSTANTS
    EVENT_CHANNELS = {CONSTANTS.DIFF_EVENT_TYPE: OrderBookTrackerDataSource.DIFF_CHANNEL}
    TRADABLE = "a TRADING perpetual"

    def __init__(self, trading_pairs: Sequence[str], domain: web_utils.Domain = CONSTANTS.DOMAIN,
                 api_factory: Optional[WebAssistantsFactory] = None, *,
                 symbol_map: Optional[SymbolMapSource] = None, snapshot_limit: int = CONSTANTS.SNAPSHOT_LIMIT,
                 max_pairs_per_connection: int = DEFAULT_PAIRS_PER_CONNECTION,
                 clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        super().__init__(trading_pairs, max_pairs_per_connection=max_pairs_per_connection, clock=clock, **kwargs)
        self._init_market_data(domain, api_factory or web_utils.build_api_factory(domain=domain),
                               api_factory is None, symbol_map, snapshot_limit)
        self._market_ws: Optional[WSAssistant] = None

    def _symbol_map_from_exchange_info(self, exchange_info: Mapping[str, Any]) -> Dict[str, str]:
        return symbol_map_from_exchange_info(exchange_info)

    # ------------------------------------------------------------ REST
    async def get_last_traded_prices(self, trading_pairs: List[str], domain: Optional[str] = None) -> Dict[str, float]:
        rows = await self._rest_get(CONSTANTS.TICKER_PRICE_CHANGE_PATH_URL)
        rows = rows if isinstance(rows, list) else [rows]
        await self.trading_pair_symbol_map()
        by_pair = {self._pair_of(r["symbol"]): float(r["lastPrice"]) for r in rows}
        return {pair: by_pair[pair] for pair in trading_pairs if pair in by_pair}

    async def get_funding_info(self, trading_pair: str) -> FundingInfo:
        """``GET /fapi/v1/premiumIndex?symbol=`` -> ``FundingInfo`` (next funding time in seconds)."""
        symbol = await self.exchange_symbol_associated_to_pair(trading_pair)
        data = await self._rest_get(CONSTANTS.MARK_PRICE_URL, params={"symbol": symbol})
        return FundingInfo(trading_pair, Decimal(data["indexPrice"]), Decimal(data["markPrice"]),
                           _int(data["nextFundingTime"], "nextFundingTime") // 1000, Decimal(data["lastFundingRate"]))

    # ------------------------------------------------------------ depth streams (/public)
    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant()
        await ws.connect(self._endpoints.public_ws_url(), message_timeout=CONSTANTS.WS_MESSAGE_TIMEOUT)
        return ws

    def _streams(self, trading_pairs: Sequence[str]) -> List[str]:
        return [f"{self._symbols.to_symbol[pair].lower()}@depth@100ms" for pair in trading_pairs]

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

    # ------------------------------------------------------------ market streams (/market): trades, funding
    def _market_streams(self, trading_pairs: Sequence[str]) -> List[str]:
        to_symbol = self._symbols.to_symbol
        return [f"{to_symbol[p].lower()}@{kind}" for p in trading_pairs if p in to_symbol for kind in MARKET_STREAMS]

    async def subscribe_to_trading_pairs(self, trading_pairs: Sequence[str]) -> Dict[str, Any]:
        """Depth on /public (the base), and trades and mark prices on the live /market socket."""
        errors = await super().subscribe_to_trading_pairs(trading_pairs)
        ws = self._market_ws
        streams = self._market_streams([p for p in trading_pairs if p not in errors])
        if ws is not None and streams:
            await ws.send(WSJSONRequest({"method": "SUBSCRIBE", "params": streams, "id": self._next_control_id()}))
        return errors

    async def _subscribe_market(self, ws: WSAssistant) -> None:
        streams = self._market_streams(self._trading_pairs)
        if streams:
            await ws.send(WSJSONRequest({"method": "SUBSCRIBE", "params": streams, "id": self._next_control_id()}))

    async def listen_for_funding_info(self, output: asyncio.Queue) -> None:
        """Read the /market socket forever: trades to the tracker, funding updates to ``output``.

        A dropped socket reconnects with back-off (``WSAssistant.reconnect``) and resubscribes."""
        await self.trading_pair_symbol_map()
        while True:
            ws = await self._api_factory.get_ws_assistant()
            try:
                await ws.connect(self._endpoints.market_ws_url(), message_timeout=CONSTANTS.WS_MESSAGE_TIMEOUT)
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
        if self._market_ws is not None:
            await self._market_ws.disconnect()
        await super().close()
