"""``KrakenAPIOrderBookDataSource``: Kraken Spot books and trades over WebSocket v2 for ``OrderBookTracker``.

The book channel has no sequence numbers at all (docs/kraken_spot.md
sections 1 and 2), so the declaration is: ``SEQUENCE_RULE = ARRIVAL`` (the
socket's order is the only order), ``SYNC_POINT = STREAM_SNAPSHOT`` (each
subscription brings a snapshot), ``CHECKSUM_STYLE = KRAKEN`` over the top
``CHECKSUM_LEVELS = 10`` levels per side, and ``book_depth`` the subscribed
depth (the tracker truncates each book to it after every message, as the
venue sends no delete for a level pushed out).  Every message's CRC32 is
verified in C against the book at the pair's precision from ``AssetPairs``
(``pair_decimals`` / ``lot_decimals``); a mismatch resyncs that pair alone by
unsubscribing and subscribing it again, and the precisions are read again
first (a venue that changes them shows as mismatches until then).

Subscriptions: one ``subscribe`` per channel for a chunk of pairs, carrying a
``req_id``; Kraken acknowledges each symbol separately, before its snapshot,
and the pairs count as subscribed when every book acknowledgement of the
request came (a refusal of any reports the error).  Trades feed the books'
last traded price; their acknowledgements are not waited for.

Prices and sizes are JSON numbers; they are read as binary doubles here,
which the book stores anyway, and the checksum renders each at the pair's
decimals, which gives the venue's text back exactly for any number with at
most 15 significant digits (every Kraken level).

The connection hands text frames over undecoded: a book update is scanned in
C straight into row buffers (``_kraken_book.parse_book_update``, the same
doubles orjson gives); any other frame, or one the scanner does not
recognise, is decoded with orjson here and takes the general path.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Set, Tuple

import orjson

from hummingbot_conn.common import TradeType
from hummingbot_conn.core.book_checksum import ChecksumStyle
from hummingbot_conn.core.order_book_message import OrderBookMessage, OrderBookMessageType
from hummingbot_conn.events import OrderBookTradeEvent
from hummingbot_conn.exchanges.kraken import constants as CONSTANTS
from hummingbot_conn.exchanges.kraken._kraken_book import KrakenBookChecksum, apply_book_update, parse_book_update
from hummingbot_conn.exchanges.kraken.constants import KrakenEndpoints
from hummingbot_conn.exchanges.kraken.pairs import KrakenPairs
from hummingbot_conn.exchanges.kraken.web_utils import build_public_factory, fetch_pairs
from hummingbot_conn.tracking.book_integrity import SequenceRule, SyncPoint
from hummingbot_conn.tracking.order_book_tracker_data_source import OrderBookTrackerDataSource, UnknownTradingPairError
from hummingbot_conn.web.data_types import RESTMethod, WSJSONRequest
from hummingbot_conn.web.web_assistants_factory import WebAssistantsFactory
from hummingbot_conn.web.ws_assistant import WSAssistant

__all__ = ["KrakenAPIOrderBookDataSource", "PAIRS_REFRESH_S"]

PairsSource = Callable[[], Awaitable[KrakenPairs]]
PAIRS_REFRESH_S = 30.0      # the precisions are read again at a resync at most this often

_BUY, _SELL = TradeType.BUY, TradeType.SELL

_log = logging.getLogger(__name__)


def _rows(levels: Any) -> List[Tuple[Any, Any]]:
    return [(level["price"], level["qty"]) for level in levels]


def _seconds(stamp: Any) -> float:
    """RFC 3339 (``2023-10-06T17:35:55.440295Z``) -> Unix seconds; our clock for anything else."""
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except (TypeError, ValueError):
        return time.time()


class KrakenAPIOrderBookDataSource(OrderBookTrackerDataSource):
    """Kraken Spot market data (``domain``: ``"com"`` or a ``KrakenEndpoints``).

    :param book_depth: the subscribed depth, one of 10, 25, 100, 500, 1000 (default 10)
    :param api_factory: the connector's web stack (by default a public one, closed by ``close()``)
    :param pairs_source: an async callable returning the ``KrakenPairs`` (the connector's), instead of
        fetching ``AssetPairs`` here

    Other keyword arguments: see ``OrderBookTrackerDataSource``.
    """

    SEQUENCE_RULE = SequenceRule.ARRIVAL
    SYNC_POINT = SyncPoint.STREAM_SNAPSHOT
    CHECKSUM_STYLE = ChecksumStyle.KRAKEN
    CHECKSUM_LEVELS = 10

    def __init__(self, trading_pairs: Sequence[str], domain: CONSTANTS.Domain = CONSTANTS.DEFAULT_DOMAIN,
                 api_factory: Optional[WebAssistantsFactory] = None, *, pairs_source: Optional[PairsSource] = None,
                 book_depth: int = CONSTANTS.DEFAULT_BOOK_DEPTH, max_pairs_per_connection: int = 50,
                 clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        if book_depth not in CONSTANTS.BOOK_DEPTHS:
            raise ValueError(f"book_depth must be one of {CONSTANTS.BOOK_DEPTHS}, got {book_depth!r}")
        super().__init__(trading_pairs, max_pairs_per_connection=max_pairs_per_connection, clock=clock,
                         book_depth=book_depth, **kwargs)
        self._endpoints = KrakenEndpoints.of(domain)
        self._own_factory = api_factory is None
        self._api_factory = api_factory or build_public_factory()
        self._pairs_source = pairs_source
        self._pairs: Optional[KrakenPairs] = None
        self._pairs_loaded_at = -float("inf")
        # WS symbol -> trading pair for the pairs AssetPairs lists, filled as frames name them (the
        # hot path's one dict lookup); emptied whenever the pairs are read again
        self._pair_by_symbol: Dict[str, str] = {}
        self._acks: Dict[int, Set[str]] = {}        # req_id -> WS symbols whose book ack is awaited
        # the tracker's pair -> sync map for apply_book_update, taken from the sink it was asked of
        self._fast_sink: Any = None
        self._fast_syncs: Optional[Dict[str, Any]] = None
        self._book_lanes: Dict[str, Any] = {}       # apply_book_update's cache, per symbol

    # ------------------------------------------------------------ instruments
    async def _load_pairs(self) -> KrakenPairs:
        if self._pairs_source is not None:
            pairs = await self._pairs_source()
        else:
            pairs = await fetch_pairs(self._api_factory, self._endpoints)
        self._pairs = pairs
        self._pair_by_symbol = {}
        self._pairs_loaded_at = self._clock()
        return pairs

    async def kraken_pairs(self) -> KrakenPairs:
        return self._pairs if self._pairs is not None else await self._load_pairs()

    def checksum_precision(self, trading_pair: str) -> Tuple[int, int]:
        """``(pair_decimals, lot_decimals)`` of the pair from ``AssetPairs`` (docs/kraken_spot.md section 2)."""
        if self._pairs is None:
            raise RuntimeError("AssetPairs not loaded yet (check_trading_pairs loads them)")
        pair = self._pairs.pair(trading_pair)
        return pair.price_decimals, pair.qty_decimals

    def book_checksum(self, trading_pair: str) -> KrakenBookChecksum:
        """The pair's ``KrakenBookChecksum``: a checksum that cannot be judged (not an int in
        ``[0, 2**32)``, a level too large to render or finer than the pair's precision) counts as a
        mismatch and resyncs the pair, as the checksum is the only integrity Kraken's books have."""
        price_decimals, qty_decimals = self.checksum_precision(trading_pair)
        return KrakenBookChecksum(self.CHECKSUM_STYLE, price_decimals, qty_decimals, self.CHECKSUM_LEVELS)

    async def check_trading_pairs(self, trading_pairs: Sequence[str]) -> Dict[str, Exception]:
        pairs = await self._load_pairs()
        return {p: UnknownTradingPairError(p, "Kraken's AssetPairs does not list it online")
                for p in trading_pairs if p not in pairs}

    async def resubscribe_trading_pair(self, trading_pair: str) -> None:
        """Read the precisions again (at most every ``PAIRS_REFRESH_S``), then unsubscribe and
        subscribe the pair for a new snapshot (the base's)."""
        if self._clock() - self._pairs_loaded_at >= PAIRS_REFRESH_S:
            try:
                await self._load_pairs()
            except Exception as exc:        # noqa: BLE001 - the precisions held stay; the resync goes on
                _log.warning("Kraken: could not refresh the pairs' precisions before a resync (%s: %s); "
                             "the ones held stay.", type(exc).__name__, exc)
        await super().resubscribe_trading_pair(trading_pair)

    def _symbol(self, trading_pair: str) -> str:
        if self._pairs is not None and trading_pair in self._pairs:
            return self._pairs.pair(trading_pair).ws_symbol
        return trading_pair.replace("-", "/")

    def _pair_of(self, symbol: str) -> str:
        pairs = self._pairs
        if pairs is not None:
            pair = pairs.by_ws.get(symbol)
            if pair is not None:
                # only names AssetPairs lists are kept: the map stays as small as the pair list
                self._pair_by_symbol[symbol] = pair.trading_pair
                return pair.trading_pair
        return symbol.replace("/", "-")

    # ------------------------------------------------------------ REST
    async def get_last_traded_prices(self, trading_pairs: List[str], domain: Optional[str] = None) -> Dict[str, float]:
        """``GET /0/public/Ticker`` (one call for all pairs): the last trade price ``c[0]``."""
        pairs = await self.kraken_pairs()
        wanted = {pairs.pair(p).altname: p for p in trading_pairs}
        rest = await self._api_factory.get_rest_assistant()
        answer = await rest.execute_request(self._endpoints.rest_url(CONSTANTS.TICKER_PATH_URL),
                                            CONSTANTS.TICKER_PATH_URL, params={"pair": ",".join(wanted)},
                                            method=RESTMethod.GET)
        out: Dict[str, float] = {}
        for name, row in answer["result"].items():
            pair = pairs.by_rest.get(name) or pairs.by_ws.get(name)
            if pair is not None and pair.trading_pair in trading_pairs:
                out[pair.trading_pair] = float(row["c"][0])
        return out

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        """``GET /0/public/Depth`` at the subscribed depth (``get_new_order_book`` only: the
        tracker's sync point is the stream's snapshot)."""
        pair = (await self.kraken_pairs()).pair(trading_pair)
        rest = await self._api_factory.get_rest_assistant()
        answer = await rest.execute_request(self._endpoints.rest_url(CONSTANTS.DEPTH_PATH_URL),
                                            CONSTANTS.DEPTH_PATH_URL,
                                            params={"pair": pair.altname, "count": min(self.book_depth, 500)},
                                            method=RESTMethod.GET)
        (book,) = answer["result"].values()
        return OrderBookMessage(OrderBookMessageType.SNAPSHOT, {
            "trading_pair": trading_pair, "update_id": 0,
            "bids": [(row[0], row[1]) for row in book["bids"]], "asks": [(row[0], row[1]) for row in book["asks"]]},
            timestamp=time.time())

    async def close(self) -> None:
        await super().close()
        if self._own_factory:
            await self._api_factory.close()

    # ------------------------------------------------------------ streams
    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant()
        await ws.connect(self._endpoints.ws_public, message_timeout=CONSTANTS.WS_MESSAGE_TIMEOUT,
                         decode_json=False)      # text frames reach _process_frame undecoded
        return ws

    async def _subscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> Optional[Any]:
        symbols = [self._symbol(p) for p in trading_pairs]
        request_id = self._new_request_id(trading_pairs)
        self._acks[request_id] = set(symbols)
        await ws.send(WSJSONRequest({"method": "subscribe", "req_id": request_id, "params": {
            "channel": CONSTANTS.BOOK_CHANNEL, "symbol": symbols, "depth": self.book_depth, "snapshot": True}}))
        await ws.send(WSJSONRequest({"method": "subscribe", "params": {
            "channel": CONSTANTS.TRADE_CHANNEL, "symbol": symbols, "snapshot": False}}))
        return request_id

    async def _unsubscribe_channels(self, ws: WSAssistant, trading_pairs: Sequence[str]) -> None:
        symbols = [self._symbol(p) for p in trading_pairs]
        await ws.send(WSJSONRequest({"method": "unsubscribe", "params": {
            "channel": CONSTANTS.BOOK_CHANNEL, "symbol": symbols, "depth": self.book_depth}}))
        await ws.send(WSJSONRequest({"method": "unsubscribe", "params": {
            "channel": CONSTANTS.TRADE_CHANNEL, "symbol": symbols}}))

    def _on_subscribe_answer(self, data: Dict[str, Any]) -> None:
        request_id = data.get("req_id")
        if not isinstance(request_id, int) or request_id not in self._acks:
            return          # a trade subscription's answer, or one for a request given up on
        awaited = self._acks[request_id]
        result = data.get("result")
        result = result if isinstance(result, dict) else {}
        if result.get("channel", CONSTANTS.BOOK_CHANNEL) != CONSTANTS.BOOK_CHANNEL:
            return
        if data.get("success") is not True:
            del self._acks[request_id]
            self._confirm_subscription(request_id, str(data.get("error") or "refused"))
            return
        awaited.discard(result.get("symbol"))
        if not awaited:
            del self._acks[request_id]
            self._confirm_subscription(request_id)

    def _channel_originating_message(self, event_message: Any) -> str:
        channel = event_message.get("channel") if isinstance(event_message, dict) else None
        if channel == CONSTANTS.BOOK_CHANNEL:
            kind = event_message.get("type")
            return self.SNAPSHOT_CHANNEL if kind == "snapshot" else self.DIFF_CHANNEL
        if channel == CONSTANTS.TRADE_CHANNEL:
            return self.TRADE_CHANNEL
        return ""

    def _process_frame(self, data: Any, received_at: float, ws: WSAssistant) -> Optional[Awaitable[None]]:
        """The hot path: book snapshots and updates straight to the tracker with their checksum."""
        sink = self._sink
        if sink is None:
            return None
        if type(data) is str:
            # a synced pair's update: parsed, applied and verified in one compiled call; anything
            # else (or a sink that is not the tracker) comes back untouched for the path below
            if sink is not self._fast_sink:     # (the sink's map is asked once per sink, not per frame)
                self._fast_syncs = getattr(sink, "pair_syncs", None)
                self._fast_sink = sink
            syncs = self._fast_syncs
            if syncs is not None and apply_book_update(data, self._pair_by_symbol, syncs, received_at,
                                                       self._book_lanes):
                return None
            parsed = parse_book_update(data)
            if parsed is not None:
                symbol, bid_rows, ask_rows, crc = parsed
                pair = self._pair_by_symbol.get(symbol)
                sink.on_diff(pair if pair is not None else self._pair_of(symbol), bid_rows, ask_rows, 0, -1,
                             received_at, -1, crc)
                return None
            try:
                data = orjson.loads(data)
            except orjson.JSONDecodeError:
                return None     # not JSON: ignored, as when the connection decoded it
        if type(data) is not dict:
            return None
        channel = data.get("channel")
        if channel == CONSTANTS.BOOK_CHANNEL:
            snapshot = data.get("type") == "snapshot"
            for entry in data["data"]:
                pair = self._pair_of(entry["symbol"])
                bids, asks = _rows(entry.get("bids", ())), _rows(entry.get("asks", ()))
                checksum = entry.get("checksum")
                if snapshot:
                    sink.on_snapshot(pair, bids, asks, 0, received_at, checksum)
                else:
                    sink.on_diff(pair, bids, asks, 0, -1, received_at, -1, checksum)
            return None
        if channel == CONSTANTS.TRADE_CHANNEL:
            for trade in data["data"]:
                sink.on_trade(OrderBookTradeEvent(
                    self._pair_of(trade["symbol"]), _seconds(trade.get("timestamp")),
                    _SELL if trade.get("side") == "sell" else _BUY, float(trade["price"]), float(trade["qty"]),
                    trade.get("trade_id")))
            return None
        if data.get("method") == "subscribe":
            self._on_subscribe_answer(data)
        return None         # heartbeats, status, unsubscribe answers

    async def _parse_order_book_diff_message(self, raw_message: Any, message_queue: Any) -> None:
        self._process_frame(raw_message, getattr(message_queue, "received_at", time.monotonic()), None)  # type: ignore[arg-type]

    async def _parse_trade_message(self, raw_message: Any, message_queue: Any) -> None:
        self._process_frame(raw_message, getattr(message_queue, "received_at", time.monotonic()), None)  # type: ignore[arg-type]
