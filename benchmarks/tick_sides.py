"""The clients of benchmarks/tick_to_trade.py: one strategy, written against each of them.

The strategy (``Side``): keep BTC-USDT's book from the depth stream and, on each
change of the best bid, place a LIMIT BUY at half the best bid (it rests; the
market never comes down that far), provided ``spacing`` seconds have passed
since its previous order and the venue has acknowledged that one; cancel each
order as soon as the venue acknowledges it, so the account stays clean.  It
stamps the moment it saw the change (``now_ns``, the venue's clock: the
system-wide monotonic clock) and remembers which depth frame caused it (the
frame's final update id ``u``), so tick_to_trade.py can join the venue's
stamps: that frame leaving the venue, this order reaching it.

``spacing`` keeps every side under the venue's 100 orders per 10 s (each
connector's throttler enforces that limit, hummingbot's counting cancels too,
and a wait for the window would be timed otherwise); changes that come sooner
are skipped, not queued.

* ``HbconnSide``: ``BinanceExchange`` (its ``OrderBookTracker`` and order
  tracker); the strategy runs right after the tracker applied a diff (a
  wrapper of ``tracker.on_diff``, the data source's sink) and places with
  ``buy()``, cancels with ``cancel()`` on the BuyOrderCreated event; orders
  over REST (``order_transport="rest"``).
* ``HbconnWsSide``: the same over the WebSocket API (``order_transport="ws"``,
  the default: ``order.place`` leaves inside ``buy()``), configured as a
  latency-sensitive bot would: ``warm_order_path()`` rehearses the last order
  every 10 ms so the next ``buy()`` finds its code and data in the CPU caches
  (README, "Warm order path").
* ``HummingbotSide``: hummingbot's ``BinanceExchange``, the same strategy
  hooked after its tracker applied a diff (needs the benchmark peers).
* ``RawSide``: the floor, a raw aiohttp client doing the same work by hand:
  its own socket on the depth stream decoded with orjson, its own book (a
  snapshot, then diffs with the update-id check), its own signed REST POST
  and DELETE.
* ``RawWsSide``: the floor over the WebSocket API: the same book, and its own
  signed ``order.place`` / ``order.cancel`` frames on one ``/ws-api/v3`` socket.
"""
from __future__ import annotations

import abc
import asyncio
import hashlib
import hmac
import itertools
import time
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, Optional

import aiohttp
import orjson

from hummingbot_conn.common import OrderType
from hummingbot_conn.events import MarketEvent
from hummingbot_conn.exchanges.binance import BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.sim.kernel.trace import now_ns

PAIR, SYMBOL, STREAM = "BTC-USDT", "BTCUSDT", "btcusdt@depth@100ms"
QTY = Decimal("0.001")
TICK = Decimal("0.01")
#: an order's price as a share of the best bid: far below the market, so it rests
FAR = Decimal("0.5")
_RAW_IDS = itertools.count(1)
#: seconds to wait for anything the venue should answer within milliseconds
PATIENCE = 30.0


@dataclass(frozen=True)
class VenueInfo:
    """Where the simulator listens and the account the sides trade on."""

    host_port: str
    api_key: str
    api_secret: str

    @property
    def rest(self) -> str:
        return f"http://{self.host_port}"


@dataclass(frozen=True)
class Placed:
    """One order of a side: its id, the depth frame that caused it, when the side saw that frame's change."""

    client_order_id: str
    update_id: int
    seen_ns: int


class Side(abc.ABC):
    """The strategy; a subclass connects (``start``), places (``_place``) and stops (``stop``)."""

    impl = ""

    def __init__(self, venue: VenueInfo, spacing: float) -> None:
        self.venue = venue
        self.spacing = spacing
        self.placed: list[Placed] = []
        self.failures: list[str] = []
        self._best: Optional[float] = None
        self._want = 0
        self._unacknowledged: Optional[str] = None
        self._last = 0.0
        self._changed = time.monotonic()
        self._frames = 0
        self._done: Optional[asyncio.Event] = None

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect and wait until the side can place."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Disconnect."""

    @abc.abstractmethod
    def _place(self, best_bid: float) -> str:
        """Send a resting BUY below ``best_bid`` without waiting; returns its client order id."""

    @abc.abstractmethod
    async def settle(self) -> None:
        """Return once every cancel this side sent has been confirmed."""

    async def trade(self, orders: int) -> list[Placed]:
        """Place ``orders`` orders, one per best-bid change (see the module doc); their stamps, in order."""
        self.placed = []
        self._done = asyncio.Event()
        self._want = orders
        patience = PATIENCE + orders * self.spacing * 20
        try:
            async with asyncio.timeout(patience):
                await self._done.wait()
                await self.settle()
        except TimeoutError:
            # say where it stood: a venue whose best bid stopped moving, or an order never acknowledged
            raise RuntimeError(
                f"{self.impl}: {orders - self._want} of {orders} orders placed in {patience:g} s; waiting for the "
                f"venue to acknowledge {self._unacknowledged!r}; best bid {self._best!r}, last seen changing "
                f"{time.monotonic() - self._changed:.1f} s ago, {self._frames} frames applied") from None
        if self.failures:
            raise RuntimeError(f"{self.impl}: orders failed: {self.failures[:3]}")
        return self.placed

    def on_best_bid(self, best_bid: float, update_id: int) -> None:
        """The strategy, called after every depth frame the side applied."""
        self._frames += 1
        if best_bid == self._best or not 0 < best_bid < float("inf"):
            return                  # unchanged, or no bid at all (a book's NaN): nothing to trade on
        self._best = best_bid
        self._changed = time.monotonic()
        if self._want <= 0 or self._unacknowledged is not None:
            return
        now = time.monotonic()
        if now - self._last < self.spacing:
            return
        seen = now_ns()
        order_id = self._place(best_bid)
        self._last = now
        self._unacknowledged = order_id
        self._want -= 1
        self.placed.append(Placed(order_id, update_id, seen))

    def acknowledged(self, order_id: str) -> None:
        """The venue accepted ``order_id``: the next change may place the next order."""
        if order_id == self._unacknowledged:
            self._unacknowledged = None
            if self._want == 0 and self._done is not None:
                self._done.set()


def signed(secret: bytes, query: str) -> str:
    """``query`` with its Binance HMAC-SHA256 ``signature`` appended."""
    return f"{query}&signature={hmac.new(secret, query.encode(), hashlib.sha256).hexdigest()}"


def _far_price(best_bid: float) -> Decimal:
    return (Decimal(repr(best_bid)) * FAR).quantize(TICK, rounding=ROUND_DOWN)


class HbconnSide(Side):
    """Our ``BinanceExchange``: its tracker keeps the book, ``buy()`` / ``cancel()`` trade (over REST)."""

    impl = "hbconn"
    transport = "rest"

    async def start(self) -> None:
        self.connector = connector = BinanceExchange(
            binance_api_key=self.venue.api_key, binance_api_secret=self.venue.api_secret, trading_pairs=[PAIR],
            domain=BinanceEndpoints.local(self.venue.host_port), order_transport=self.transport)
        self._listeners = (self._created, self._failed)       # held here as well as by the connector
        connector.add_listener(MarketEvent.BuyOrderCreated, self._created)
        connector.add_listener(MarketEvent.OrderFailure, self._failed)
        await connector.start_network()
        await connector.wait_ready(PATIENCE)
        tracker = connector.order_book_tracker
        books = tracker.order_books
        apply_diff = tracker.on_diff

        def on_diff(trading_pair: str, bids: Any, asks: Any, update_id: int, *ids_and_time: Any,
                    **venue_fields: Any) -> None:
            # the data source hands each decoded frame to its sink, the tracker: the strategy
            # looks at the book right after the tracker applied the diff
            apply_diff(trading_pair, bids, asks, update_id, *ids_and_time, **venue_fields)
            book = books.get(trading_pair)
            if book is not None and book.is_synced:
                self.on_best_bid(book.best_bid, update_id)

        tracker.on_diff = on_diff           # type: ignore[method-assign]
        entry = connector.ws_order_entry
        if entry is not None:
            async with asyncio.timeout(PATIENCE):
                await entry.wait_up()

    def _place(self, best_bid: float) -> str:
        return self.connector.buy(PAIR, QTY, OrderType.LIMIT, _far_price(best_bid))

    def _created(self, event: Any) -> None:
        self.connector.cancel(PAIR, event.order_id)
        self.acknowledged(event.order_id)

    def _failed(self, event: Any) -> None:
        self.failures.append(f"{event.order_id}: {event.error_message}")
        self.acknowledged(event.order_id)

    async def settle(self) -> None:
        while self.connector.in_flight_orders:
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        await self.connector.stop_network()


class HbconnWsSide(HbconnSide):
    """Our ``BinanceExchange`` with orders over the WebSocket API (its default), its order path kept warm."""

    impl = "hbconn_ws"
    transport = "ws"

    async def start(self) -> None:
        await super().start()
        self.connector.warm_order_path()


class RawSide(Side):
    """The floor: aiohttp and orjson by hand, nothing else between the socket and the order."""

    impl = "aiohttp_raw"

    async def start(self) -> None:
        self._secret = self.venue.api_secret.encode()
        self._headers = {"X-MBX-APIKEY": self.venue.api_key, "Content-Type": "application/x-www-form-urlencoded"}
        self._tasks: set[asyncio.Task] = set()
        self._bids: dict[float, str] = {}
        self._raw_best = 0.0
        self._last_u: Optional[int] = None
        self._buffer: Optional[list[dict]] = []        # frames that came before the snapshot
        self.session = aiohttp.ClientSession()
        self.ws = await self.session.ws_connect(f"ws://{self.venue.host_port}/ws/{STREAM}", autoping=True)
        self._reader = asyncio.ensure_future(self._read())
        async with self.session.get(f"{self.venue.rest}/api/v3/depth",
                                    params={"symbol": SYMBOL, "limit": "1000"}) as resp:
            snapshot = orjson.loads(await resp.read())
        self._bids = {float(p): q for p, q in snapshot["bids"]}
        self._raw_best = max(self._bids, default=0.0)
        self._last_u = snapshot["lastUpdateId"]
        buffered, self._buffer = self._buffer or [], None
        for frame in buffered:
            self._apply(frame)

    async def _read(self) -> None:
        try:
            await self._read_frames()
        except Exception as exc:  # noqa: BLE001 - a broken feed ends the block with its reason, not a hang
            self.failures.append(f"depth stream: {exc!r}")
            if self._done is not None:
                self._done.set()

    async def _read_frames(self) -> None:
        ws = self.ws
        while True:
            msg = await ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING,
                                aiohttp.WSMsgType.ERROR):
                    return
                continue
            frame = orjson.loads(msg.data)
            if self._buffer is not None:
                self._buffer.append(frame)
            else:
                self._apply(frame)

    def _apply(self, frame: dict) -> None:
        last = self._last_u
        assert last is not None
        if frame["u"] <= last:
            return                                              # older than the snapshot
        if frame["U"] > last + 1:
            raise RuntimeError(f"aiohttp_raw: depth gap after update id {last} (next frame starts at {frame['U']})")
        self._last_u = frame["u"]
        bids, best, lost_best = self._bids, self._raw_best, False
        for price_text, qty in frame["b"]:
            price = float(price_text)
            if float(qty) == 0.0:
                bids.pop(price, None)
                lost_best = lost_best or price == best
            else:
                bids[price] = qty
                best = price if price > best else best
        if lost_best:
            best = max(bids, default=0.0)             # the best level went: look for the next one
        self._raw_best = best
        if bids:
            self.on_best_bid(best, frame["u"])

    def _signed(self, query: str) -> str:
        return signed(self._secret, query)

    def _place(self, best_bid: float) -> str:
        order_id = f"raw-{next(_RAW_IDS)}"          # unique across blocks: ids are joined with the trace
        task = asyncio.ensure_future(self._order(order_id, _far_price(best_bid)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return order_id

    async def _order(self, order_id: str, price: Decimal) -> None:
        body = self._signed(f"symbol={SYMBOL}&side=BUY&type=LIMIT&timeInForce=GTC&quantity={QTY}&price={price}"
                            f"&newClientOrderId={order_id}&timestamp={int(time.time() * 1000)}")
        async with self.session.post(f"{self.venue.rest}/api/v3/order", data=body, headers=self._headers) as resp:
            answer = orjson.loads(await resp.read())
        if resp.status != 200:
            self.failures.append(f"{order_id}: {answer} (sent {body.partition('timestamp=')[2][:13]}, "
                                 f"now {int(time.time() * 1000)})")
            self.acknowledged(order_id)
            return
        self.acknowledged(order_id)
        query = self._signed(f"symbol={SYMBOL}&origClientOrderId={order_id}&timestamp={int(time.time() * 1000)}")
        async with self.session.delete(f"{self.venue.rest}/api/v3/order?{query}", headers=self._headers) as resp:
            if resp.status != 200:
                self.failures.append(f"cancel {order_id}: {await resp.text()}")

    async def settle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def stop(self) -> None:
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self.ws.close()
        await self.session.close()


class HummingbotSide(Side):
    """hummingbot's own ``BinanceExchange`` (the peer cache's build of its sdist), pointed at the simulator.

    hummingbot reads its URLs from module constants formatted with the domain:
    they are set to the simulator's for the run.  Its strategies are ticked by
    a ``Clock`` once a second; this side ticks the connector the same way
    (balances, status polls).  The strategy runs right after hummingbot's
    tracker applied a diff to the book: the data source builds the books, and
    here it builds a subclass of hummingbot's ``OrderBook`` whose
    ``apply_diffs`` calls the strategy after its own.  Needs the peer cache on
    ``sys.path`` (tick_to_trade.py puts it there).
    """

    impl = "hummingbot"

    async def start(self) -> None:
        import importlib

        constants = importlib.import_module("hummingbot.connector.exchange.binance.binance_constants")
        host = self.venue.host_port
        constants.REST_URL = f"http://{host}/api/"
        constants.WSS_URL = f"ws://{host}/ws"
        constants.WSS_API_URL = f"ws://{host}/ws-api/v3"
        exchange = importlib.import_module("hummingbot.connector.exchange.binance.binance_exchange")
        common = importlib.import_module("hummingbot.core.data_type.common")
        events = importlib.import_module("hummingbot.core.event.events")
        forwarder = importlib.import_module("hummingbot.core.event.event_forwarder")
        order_book = importlib.import_module("hummingbot.core.data_type.order_book")
        self._limit = common.OrderType.LIMIT
        side = self

        class StrategyBook(order_book.OrderBook):   # type: ignore[misc, name-defined]
            def apply_diffs(self, bids: Any, asks: Any, update_id: int) -> None:
                super().apply_diffs(bids, asks, update_id)
                try:
                    best_bid = self.get_price(False)
                except Exception:   # noqa: BLE001 - hummingbot's book without bids: nothing to trade on
                    return
                side.on_best_bid(best_bid, update_id)

        self.connector = connector = exchange.BinanceExchange(
            binance_api_key=self.venue.api_key, binance_api_secret=self.venue.api_secret, trading_pairs=[PAIR])
        connector._orderbook_ds.order_book_create_function = StrategyBook
        # hummingbot's pubsub holds listeners weakly: this side keeps them
        self._forwarders = (forwarder.EventForwarder(self._created), forwarder.EventForwarder(self._failed))
        connector.add_listener(events.MarketEvent.BuyOrderCreated, self._forwarders[0])
        connector.add_listener(events.MarketEvent.OrderFailure, self._forwarders[1])
        self._clock = asyncio.ensure_future(self._tick())
        await connector.start_network()
        async with asyncio.timeout(PATIENCE):
            while not connector.ready:
                await asyncio.sleep(0.05)

    async def _tick(self) -> None:
        while True:              # what hummingbot's Clock does for a connector: tick it every second
            self.connector.tick(time.time())
            await asyncio.sleep(1.0)

    def _place(self, best_bid: float) -> str:
        return self.connector.buy(PAIR, QTY, self._limit, _far_price(best_bid))

    def _created(self, event: Any) -> None:
        self.connector.cancel(PAIR, event.order_id)
        self.acknowledged(event.order_id)

    def _failed(self, event: Any) -> None:
        self.failures.append(f"{event.order_id}: {getattr(event, 'error_message', event)}")
        self.acknowledged(event.order_id)

    async def settle(self) -> None:
        while self.connector.in_flight_orders:
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        import importlib

        self._clock.cancel()
        await asyncio.gather(self._clock, return_exceptions=True)
        await self.connector.stop_network()
        # hummingbot shares one aiohttp session per process, made on the first loop that asks:
        # closed here, the next block's loop gets its own
        await importlib.import_module("hummingbot.core.web_assistant.connections.connections_factory") \
            .ConnectionsFactory().close()


class RawWsSide(RawSide):
    """The floor over the WebSocket API: RawSide's book, orders as signed frames on one ``/ws-api/v3`` socket."""

    impl = "aiohttp_raw_ws"

    async def start(self) -> None:
        await super().start()
        self._answers: dict[str, str] = {}          # request id -> client order id of an order.place
        self._cancelling: set[str] = set()           # request ids of cancels not answered yet
        self.api = await self.session.ws_connect(f"ws://{self.venue.host_port}/ws-api/v3", autoping=True)
        self._api_reader = asyncio.ensure_future(self._read_answers())

    def _request(self, request_id: str, method: str, params: dict) -> str:
        params["apiKey"] = self.venue.api_key
        params["timestamp"] = int(time.time() * 1000)
        payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        params["signature"] = hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()
        return orjson.dumps({"id": request_id, "method": method, "params": params}).decode()

    def _place(self, best_bid: float) -> str:
        order_id = f"raww-{next(_RAW_IDS)}"
        self._answers[order_id] = order_id
        frame = self._request(order_id, "order.place", {
            "symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": str(QTY),
            "price": str(_far_price(best_bid)), "newClientOrderId": order_id})
        task = asyncio.ensure_future(self.api.send_str(frame))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return order_id

    async def _read_answers(self) -> None:
        async for msg in self.api:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            answer = orjson.loads(msg.data)
            request_id = str(answer.get("id"))
            if request_id in self._cancelling:
                self._cancelling.discard(request_id)
                if answer.get("status") != 200:
                    self.failures.append(f"cancel {request_id}: {answer}")
                continue
            order_id = self._answers.pop(request_id, None)
            if order_id is None:
                continue
            if answer.get("status") != 200:
                self.failures.append(f"{order_id}: {answer}")
                self.acknowledged(order_id)
                continue
            self.acknowledged(order_id)
            self._cancelling.add(f"c-{order_id}")
            cancel = self._request(f"c-{order_id}", "order.cancel", {"symbol": SYMBOL,
                                                                    "origClientOrderId": order_id})
            task = asyncio.ensure_future(self.api.send_str(cancel))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        await super().settle()
        while self._cancelling:                     # every cancel answered: nothing left open
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        self._api_reader.cancel()
        await asyncio.gather(self._api_reader, return_exceptions=True)
        await self.api.close()
        await super().stop()


SIDES: dict[str, type[Side]] = {side.impl: side for side in (HbconnSide, HbconnWsSide, RawSide, RawWsSide,
                                                             HummingbotSide)}
#: the sides that need the benchmark peers (benchmarks/peers/build_peers.py)
PEER_SIDES = ("hummingbot",)
