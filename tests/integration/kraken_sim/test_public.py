"""The Kraken simulator's public side over real sockets: REST market data and the WS v2 channels.

The book is checked the way a client must keep it (docs/kraken_spot.md, sections 1-2): the
snapshot after the acknowledgement, every row applied in order and the book truncated to the
subscribed depth after each, and every message's CRC32 recomputed here, independently.
"""
import asyncio
import json
import zlib
from decimal import Decimal

import pytest

DEC = {"BTC/USD": (1, 8), "ETH/USD": (2, 8)}


class LocalBook:
    """A client's book of one pair at ``depth``, checked against each message's checksum."""

    def __init__(self, symbol, depth):
        self.symbol, self.depth = symbol, depth
        self.bids, self.asks = {}, {}
        self.checked = 0

    def apply(self, message):
        entry = message["data"][0]
        if message["type"] == "snapshot":
            self.bids, self.asks = {}, {}
        for side, rows, best_first in ((self.bids, entry["bids"], True), (self.asks, entry["asks"], False)):
            for row in rows:
                assert all(isinstance(row[k], (int, Decimal)) for k in ("price", "qty"))   # numbers, not strings
                price, qty = Decimal(row["price"]), Decimal(row["qty"])
                p, q = DEC[self.symbol]
                assert -price.as_tuple().exponent <= p and -qty.as_tuple().exponent <= q
                if qty == 0:
                    side.pop(price, None)
                else:
                    side[price] = qty
                keep = sorted(side, reverse=best_first)[:self.depth]
                for gone in set(side) - set(keep):
                    del side[gone]
        return entry["checksum"] == self.checksum()

    def top(self):
        return (sorted(self.bids.items(), reverse=True), sorted(self.asks.items()))

    def checksum(self):
        p, q = DEC[self.symbol]

        def text(value, decimals):
            return f"{value:.{decimals}f}".replace(".", "").lstrip("0")
        bids, asks = self.top()
        body = "".join(text(pr, p) + text(qt, q) for pr, qt in asks[:10])
        body += "".join(text(pr, p) + text(qt, q) for pr, qt in bids[:10])
        return zlib.crc32(body.encode())


async def _next(ws, channel=None):
    async with asyncio.timeout(10):
        while True:
            message = json.loads((await ws.receive()).data, parse_float=Decimal)
            if channel is None or message.get("channel") == channel:
                return message


async def _drain(ws, book):
    """Apply every book message waiting on ``ws``; returns how many checksums failed."""
    bad = 0
    while True:
        try:
            async with asyncio.timeout(0.3):
                raw = await ws.receive()
        except TimeoutError:
            return bad
        message = json.loads(raw.data, parse_float=Decimal)
        if message.get("channel") == "book":
            if not book.apply(message):
                bad += 1
            book.checked += 1


async def test_rest_market_data_in_krakens_shapes(venue, session):
    base = venue.rest_url
    async with session.get(f"{base}/0/public/Time") as resp:
        body = await resp.json()
    assert body["error"] == [] and body["result"]["unixtime"] == venue.clock.now_ms() // 1000
    async with session.get(f"{base}/0/public/AssetPairs", params={"pair": "BTC/USD"}) as resp:
        pairs = (await resp.json())["result"]
    assert list(pairs) == ["BTC/USD"]
    info = pairs["BTC/USD"]
    assert (info["pair_decimals"], info["lot_decimals"], info["ordermin"], info["costmin"], info["tick_size"],
            info["wsname"], info["altname"]) == (1, 8, "0.00005", "0.5", "0.1", "BTC/USD", "XBTUSD")
    async with session.get(f"{base}/0/public/AssetPairs") as resp:
        everything = (await resp.json())["result"]
    assert set(everything) == {"XXBTZUSD", "XETHZUSD"} and everything["XETHZUSD"]["wsname"] == "ETH/USD"
    async with session.get(f"{base}/0/public/Depth", params={"pair": "XBTUSD", "count": "3"}) as resp:
        depth = (await resp.json())["result"]["XXBTZUSD"]
    bids, asks = venue.book_levels("BTC/USD")
    assert [Decimal(r[0]) for r in depth["bids"]] == sorted(bids, reverse=True)[:3]
    assert [Decimal(r[0]) for r in depth["asks"]] == sorted(asks)[:3]
    assert all(len(r[1].split(".")[1]) == 8 for r in depth["asks"])
    async with session.get(f"{base}/0/public/Ticker", params={"pair": "ETH/USD"}) as resp:
        ticker = (await resp.json())["result"]["ETH/USD"]
    assert Decimal(ticker["b"][0]) == max(venue.book_levels("ETH/USD")[0])
    async with session.get(f"{base}/0/public/Assets") as resp:
        assets = (await resp.json())["result"]
    assert assets["XXBT"]["altname"] == "XBT" and assets["ZUSD"]["decimals"] == 4
    async with session.get(f"{base}/0/public/Depth", params={"pair": "DOGEUSD"}) as resp:
        assert resp.status == 200 and await resp.json() == {"error": ["EQuery:Unknown asset pair"], "result": {}}


@pytest.mark.parametrize("depth", [10, 25])
async def test_book_ack_then_snapshot_then_updates_that_keep_a_truncating_client_exact(venue, session, depth):
    async with session.ws_connect(venue.ws_url) as ws:
        status = await _next(ws)
        assert status["channel"] == "status" and status["data"][0]["system"] == "online"
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"],
                                                                        "depth": depth}, "req_id": 7}))
        ack = await _next(ws)
        assert ack["method"] == "subscribe" and ack["success"] is True and ack["req_id"] == 7
        assert ack["result"] == {"channel": "book", "symbol": "BTC/USD", "depth": depth, "snapshot": True}
        snapshot = await _next(ws)
        assert snapshot["type"] == "snapshot"
        book = LocalBook("BTC/USD", depth)
        assert book.apply(snapshot)
        for _ in range(30):
            venue.traders.step("BTC/USD")
            venue.tick()
        assert await _drain(ws, book) == 0 and book.checked > 5
        bids, asks = venue.book_levels("BTC/USD")
        assert book.top() == (sorted(bids.items(), reverse=True)[:depth], sorted(asks.items())[:depth])


async def test_a_level_leaving_the_top_brings_the_next_one_in(venue, session):
    """Cancelling inside the depth: the venue sends the removal and the level that moves into range."""
    bids, _ = venue.book_levels("ETH/USD")
    assert len(bids) > 10
    async with session.ws_connect(venue.ws_url) as ws:
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "book", "symbol": ["ETH/USD"]}}))
        book = LocalBook("ETH/USD", 10)
        assert book.apply(await _next(ws, "book"))
        eleventh = sorted(bids, reverse=True)[10]
        best = venue.engine.books["ETH/USD"].best_bid()
        owner = venue.engine.accounts.by_id(next(iter(best.orders.values())).account_id)
        venue.engine.cancel(owner, list(best.orders.values()))
        venue.tick()
        update = await _next(ws, "book")
        rows = {r["price"]: r["qty"] for r in update["data"][0]["bids"]}
        assert rows == {best.price: 0, eleventh: bids[eleventh]}
        assert list(rows)[0] == best.price          # the removal first: a client truncating per row stays exact
        assert book.apply(update)


async def test_corrupt_checksum_and_dropped_update_are_seen_by_the_client(venue, session):
    async with session.ws_connect(venue.ws_url) as ws:
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"]}}))
        book = LocalBook("BTC/USD", 10)
        assert book.apply(await _next(ws, "book"))
        venue.faults.add("corrupt_checksum", symbol="BTC/USD")
        venue.place_liquidity("BTC/USD", "sell", max(venue.book_levels("BTC/USD")[0]) + Decimal("0.1"), "0.01")
        venue.tick()
        assert not book.apply(await _next(ws, "book"))          # the rows are true, the checksum is not
        venue.place_liquidity("BTC/USD", "buy", max(venue.book_levels("BTC/USD")[0]) - Decimal("0.1"), "0.02")
        venue.tick()
        assert book.apply(await _next(ws, "book"))              # the next one is true again
        venue.faults.add("drop_diff", symbol="BTC/USD")
        venue.place_liquidity("BTC/USD", "buy", max(venue.book_levels("BTC/USD")[0]), "0.03")
        venue.tick()
        venue.place_liquidity("BTC/USD", "sell", min(venue.book_levels("BTC/USD")[1]), "0.04")
        venue.tick()
        assert not book.apply(await _next(ws, "book"))          # a lost update shows in the next checksum
        # resync: unsubscribe, subscribe again, a new snapshot
        await ws.send_str(json.dumps({"method": "unsubscribe", "params": {"channel": "book",
                                                                          "symbol": ["BTC/USD"]}}))
        assert (await _next(ws))["method"] == "unsubscribe"
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"]}}))
        assert (await _next(ws))["success"] is True
        assert book.apply(await _next(ws, "book"))


async def test_ping_trade_ticker_instrument_heartbeat_and_refusals(venue, session):
    async with session.ws_connect(venue.ws_url) as ws:
        await _next(ws, "status")
        await ws.send_str(json.dumps({"method": "ping", "req_id": 3}))
        pong = await _next(ws)
        assert pong["method"] == "pong" and pong["req_id"] == 3
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "book", "symbol": ["NOPE/USD"]}}))
        refused = await _next(ws)
        assert refused["success"] is False and "NOPE/USD" in refused["error"]
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"],
                                                                        "depth": 7}}))
        assert (await _next(ws))["success"] is False
        for channel in ("trade", "ticker"):
            await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": channel,
                                                                            "symbol": ["BTC/USD"]}}))
            assert (await _next(ws))["result"]["channel"] == channel
        ticker = await _next(ws, "ticker")
        assert ticker["type"] == "snapshot" and ticker["data"][0]["bid"] == max(venue.book_levels("BTC/USD")[0])
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "instrument"}}))
        instrument = await _next(ws, "instrument")
        pairs = {p["symbol"]: p for p in instrument["data"]["pairs"]}
        assert (pairs["BTC/USD"]["price_precision"], pairs["BTC/USD"]["qty_precision"]) == (1, 8)
        key, secret = venue.create_account({"USD": "100000"})
        account = venue.account(key)
        venue.engine.place(account, venue.engine.pair("BTC/USD"), "BUY", "MARKET", Decimal("0.001"))
        venue.tick()
        trade = await _next(ws, "trade")
        assert trade["type"] == "update" and trade["data"][0]["side"] == "buy"
        assert sum(t["qty"] for t in trade["data"]) == Decimal("0.001")
        for n in range(1, 11):
            venue.on_tick(n)
        await _next(ws, "heartbeat")
