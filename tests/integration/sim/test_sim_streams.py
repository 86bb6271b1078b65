"""Market streams over real sockets, and the documented local-order-book procedure (docs/binance_spot.md 6)."""
import asyncio
import json
from decimal import Decimal

import aiohttp
import pytest

from hummingbot_conn.sim import SimulatedExchange


class LocalOrderBook:
    """The client side of docs/binance_spot.md section 6, written from the doc (nothing shared with the sim)."""

    def __init__(self, session, rest_url, symbol):
        self.session, self.rest_url, self.symbol = session, rest_url, symbol
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.local_id = None
        self.buffer = []
        self.gaps = 0
        self.snapshots = 0
        self.stale_snapshots = 0

    async def on_event(self, event):
        if self.local_id is None:
            self.buffer.append(event)
            await self._snapshot()
        elif not self._apply(event):
            self._restart(event)

    def _restart(self, event):
        self.gaps += 1
        self.local_id = None
        self.bids, self.asks = {}, {}
        self.buffer = [event]

    async def _snapshot(self):
        for _ in range(5):
            async with self.session.get(f"{self.rest_url}/api/v3/depth",
                                        params={"symbol": self.symbol, "limit": "5000"}) as resp:
                snap = await resp.json()
            self.snapshots += 1
            if snap["lastUpdateId"] >= self.buffer[0]["U"]:
                break
            self.stale_snapshots += 1          # step 4: too old, fetch again
        else:
            raise AssertionError("no usable snapshot")
        self.bids = {Decimal(p): Decimal(q) for p, q in snap["bids"]}
        self.asks = {Decimal(p): Decimal(q) for p, q in snap["asks"]}
        self.local_id = snap["lastUpdateId"]
        pending, self.buffer = [e for e in self.buffer if e["u"] > self.local_id], []
        for event in pending:
            if not self._apply(event):
                self._restart(event)
                return

    def _apply(self, event) -> bool:
        if event["u"] <= self.local_id:
            return True
        if event["U"] > self.local_id + 1:
            return False
        for side, rows in ((self.bids, event["b"]), (self.asks, event["a"])):
            for price, qty in rows:
                p, q = Decimal(price), Decimal(qty)
                if q == 0:
                    side.pop(p, None)
                else:
                    side[p] = q
        self.local_id = event["u"]
        return True


async def _read(ws, out: asyncio.Queue):
    async for msg in ws:
        if msg.type == aiohttp.WSMsgType.TEXT:
            out.put_nowait(json.loads(msg.data))


async def _next(queue, timeout=5.0):
    return await asyncio.wait_for(queue.get(), timeout)


@pytest.fixture
async def sim():
    async with SimulatedExchange(seed=3, traders={"rate": 0, "seed_levels": 15}, auto_flush=False) as s:
        yield s


async def _run_book_sync(sim, steps, inject=None):
    symbol = "BTCUSDT"
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{sim.ws_url}/ws/btcusdt@depth@100ms")
        queue: asyncio.Queue = asyncio.Queue()
        reader = asyncio.ensure_future(_read(ws, queue))
        client = LocalOrderBook(session, sim.rest_url, symbol)
        for i in range(steps):
            if inject is not None:
                inject(i)
            for _ in range(3):
                sim.traders.step(symbol)
            sent = sim.streams.flush("100ms")
            for _ in range(sent):
                await client.on_event(await _next(queue))
        # quiesce: one last event so the client has seen the engine's final update id
        sim.traders.step(symbol)
        for _ in range(sim.streams.flush("100ms")):
            await client.on_event(await _next(queue))
        bids, asks = sim.book_levels(symbol)
        assert client.local_id == sim.engine.books[symbol].update_id
        assert client.bids == bids and client.asks == asks and len(bids) > 5 and len(asks) > 5
        await ws.close()
        await reader
        return client


async def test_local_order_book_equals_engine_book(sim):
    client = await _run_book_sync(sim, steps=40)
    assert client.gaps == 0 and client.snapshots == 1


async def test_local_order_book_resyncs_after_drops_duplicates_and_reorders(sim):
    def inject(i):
        if i == 10:
            sim.faults.add("drop_diff", symbol="BTCUSDT")
        elif i == 20:
            sim.faults.add("duplicate_diff", symbol="BTCUSDT", count=2)
        elif i == 25:
            sim.faults.add("reorder_diff", symbol="BTCUSDT")
        elif i == 30:
            sim.faults.add("drop_diff", symbol="BTCUSDT", count=3)
    client = await _run_book_sync(sim, steps=45, inject=inject)
    assert client.gaps == 3 and client.snapshots == 4


async def test_stale_snapshot_is_refetched(sim):
    sim.faults.add("stale_snapshot", symbol="BTCUSDT")
    client = await _run_book_sync(sim, steps=5)
    assert client.stale_snapshots == 1 and client.snapshots == 2


async def test_diffs_are_contiguous_with_exact_fields(sim):
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{sim.ws_url}/stream?streams=btcusdt@depth/ethusdt@depth@100ms")
        queue: asyncio.Queue = asyncio.Queue()
        reader = asyncio.ensure_future(_read(ws, queue))
        seen = {"btcusdt@depth": [], "ethusdt@depth@100ms": []}
        for _ in range(10):
            sim.traders.step()
            sim.streams.flush("100ms")
            sim.streams.flush("1000ms")
        while sum(map(len, seen.values())) < 20:
            msg = await _next(queue)
            assert set(msg) == {"stream", "data"}
            seen[msg["stream"]].append(msg["data"])
        for stream, events in seen.items():
            assert set(events[0]) == {"e", "E", "s", "U", "u", "b", "a"} and events[0]["e"] == "depthUpdate"
            assert events[0]["s"] == stream.split("@")[0].upper()
            for prev, cur in zip(events, events[1:]):
                assert cur["U"] == prev["u"] + 1 and cur["u"] >= cur["U"]
        await ws.close()
        await reader


async def test_control_messages_trade_book_ticker_and_partial_depth(sim):
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{sim.ws_url}/ws/")
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "id": 1,
                                      "params": ["btcusdt@trade", "btcusdt@bookTicker", "btcusdt@depth5@100ms"]}))
        assert json.loads((await ws.receive()).data) == {"result": None, "id": 1}
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": "list"}))
        assert json.loads((await ws.receive()).data) == {
            "result": ["btcusdt@trade", "btcusdt@bookTicker", "btcusdt@depth5@100ms"], "id": "list"}
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "id": 2, "params": ["nosuch@trade"]}))
        assert json.loads((await ws.receive()).data)["code"] == 2
        await ws.send_str("{not json")
        assert json.loads((await ws.receive()).data)["code"] == 3
        await ws.send_str(json.dumps({"method": "GET_PROPERTY", "params": ["combined"], "id": 4}))
        assert json.loads((await ws.receive()).data) == {"result": False, "id": 4}
        key, _ = sim.create_account({"USDT": "1000000"})
        account = sim.account(key)
        best_ask = sim.engine.books["BTCUSDT"].best_ask().price
        sim.engine.place_order(account, "BTCUSDT", "BUY", "LIMIT", quantity=Decimal("0.001"), price=best_ask,
                               time_in_force="GTC")
        sim.streams.flush("100ms")
        kinds = {}
        while len(kinds) < 3:
            msg = json.loads((await ws.receive(timeout=5)).data)
            kind = msg.get("e") or ("partial" if "lastUpdateId" in msg else "bookTicker")
            kinds.setdefault(kind, msg)
        trade = kinds["trade"]
        assert set(trade) == {"e", "E", "s", "t", "p", "q", "T", "m", "M"}
        assert trade["p"] == f"{best_ask:.8f}" and trade["m"] is False
        ticker = kinds["bookTicker"]
        assert set(ticker) == {"u", "s", "b", "B", "a", "A"} and ticker["s"] == "BTCUSDT"
        partial = kinds["partial"]
        assert len(partial["bids"]) == 5 and len(partial["asks"]) == 5
        assert partial["lastUpdateId"] == sim.engine.books["BTCUSDT"].update_id
        await ws.send_str(json.dumps({"method": "UNSUBSCRIBE", "id": 5, "params": ["btcusdt@trade"]}))
        while True:
            msg = json.loads((await ws.receive(timeout=5)).data)
            if msg.get("id") == 5:
                break
        assert msg == {"result": None, "id": 5}
        await ws.close()


async def test_server_pings_and_socket_close_fault():
    async with SimulatedExchange(heartbeat=0.2, auto_flush=False) as sim:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"{sim.ws_url}/ws/btcusdt@depth", autoping=False)
            msg = await ws.receive(timeout=5)
            assert msg.type == aiohttp.WSMsgType.PING
            await ws.pong(msg.data)
            sim.faults.add("close_market_sockets", symbol="BTCUSDT")
            while True:
                msg = await ws.receive(timeout=5)
                if msg.type == aiohttp.WSMsgType.PING:
                    await ws.pong(msg.data)
                    continue
                break
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert sim.streams.connections == set() or all(c.ws.closed for c in sim.streams.connections)


async def test_background_traders_move_the_book_on_their_own():
    async with SimulatedExchange(seed=5, traders={"rate": 200, "volatility": 0.01}, stream_interval=0.02) as sim:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"{sim.ws_url}/ws/ethusdt@depth@100ms")
            first = json.loads((await ws.receive(timeout=5)).data)
            second = json.loads((await ws.receive(timeout=5)).data)
            assert second["U"] == first["u"] + 1
            await ws.close()
        assert sim.traders.actions > 0 and sim.engine.trades["ETHUSDT"]


def test_seeded_traders_are_deterministic():
    from hummingbot_conn.sim import ManualClock

    def run():
        sim = SimulatedExchange(seed=11, traders={"rate": 0}, clock=ManualClock())
        for _ in range(200):
            sim.traders.step()
        return sim.depth_snapshot("BTCUSDT"), [(t.price, t.qty) for t in sim.engine.trades["ETHBTC"]]
    assert run() == run()


async def test_stop_sends_server_shutdown():
    sim = SimulatedExchange(auto_flush=False)
    await sim.start()
    async with aiohttp.ClientSession() as session:
        raw = await session.ws_connect(f"{sim.ws_url}/ws/btcusdt@trade")
        combined = await session.ws_connect(f"{sim.ws_url}/stream?streams=btcusdt@trade")
        api = await session.ws_connect(sim.ws_api_url)
        await asyncio.sleep(0.05)
        stopping = asyncio.ensure_future(sim.stop())
        assert (await raw.receive_json(timeout=5))["e"] == "serverShutdown"
        wrapped = await combined.receive_json(timeout=5)
        assert wrapped["stream"] == "!serverShutdown" and wrapped["data"]["e"] == "serverShutdown"
        assert (await api.receive_json(timeout=5))["event"]["e"] == "serverShutdown"
        await stopping
