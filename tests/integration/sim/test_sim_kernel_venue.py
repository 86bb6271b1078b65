"""A venue that is not Binance, built on the simulator's kernel in this file alone.

It follows sim/README.md ("Building a venue on the kernel") with a protocol
unlike Binance's on every point the kernel leaves to the venue: string error
codes in HTTP-200 bodies (``{"error": ["EQuery:Unknown asset pair"], "result": {}}``,
as Kraken answers), parameters as a JSON body, an ``API-Key`` header, stream
names and control frames of its own. Over real sockets it gets the kernel's
pipeline (weights, faults, errors worded by its table), its hub (subscriptions,
depth diffs with their faults), its admin API and its order book, and nothing
of Binance's.
"""
import asyncio
from decimal import Decimal

import aiohttp
import orjson
import pytest

from hummingbot_conn.sim import ManualClock
from hummingbot_conn.sim.kernel.accounts import AccountRegistryBase
from hummingbot_conn.sim.kernel.depth import DepthDiffs
from hummingbot_conn.sim.kernel.errors import SimError
from hummingbot_conn.sim.kernel.hub import StreamHub
from hummingbot_conn.sim.kernel.matching import MatchingCore
from hummingbot_conn.sim.kernel.ratelimit import WeightLimiter
from hummingbot_conn.sim.kernel.records import BookOrder
from hummingbot_conn.sim.kernel.rest import RestPipeline
from hummingbot_conn.sim.kernel.server import SimServer
from hummingbot_conn.sim.kernel.specs import InstrumentSpec


class ToyErrors:
    """Errors as a Kraken-like venue words them: ``"<category>:<message>"``, mostly in HTTP 200
    (the venue's own errors are raised with ``SimError(code, msg, 200)``)."""

    def render(self, err):
        return {"error": [f"{err.code}:{err.msg}"], "result": {}}

    def internal_error(self, status):
        return SimError("EService", "Unavailable", status)

    def queue_full(self):
        return SimError("EAPI", "Rate limit exceeded", 429, {"Retry-After": "1"})

    def unknown_error(self):
        return SimError("EGeneral", "Internal error", 500)

    def body_timeout(self, seconds):
        return SimError("EGeneral", f"Timeout after {seconds:g}s", 408)

    def body_too_large(self, limit):
        return SimError("EGeneral", f"Request over {limit} bytes", 413)

    def weight_exceeded(self, limit, window_ms, retry_s):
        return SimError("EAPI", "Rate limit exceeded", 200)

    def ip_banned(self, until_ms, retry_s):
        return SimError("EGeneral", "Temporary lockout", 200)

    def orders_exceeded(self, limit, window, retry_s):
        return SimError("EOrder", "Rate limit exceeded", 200)


ERRORS = ToyErrors()


class Account:
    def __init__(self, account_id, api_key, secret, usd):
        self.account_id, self.api_key, self.secret, self.usd = account_id, api_key, secret, usd


class Accounts(AccountRegistryBase):
    def create(self, usd="0"):
        account_id, key, secret = self._credentials(None, None)
        return self._add(Account(account_id, key, secret, Decimal(usd)))


class Engine(MatchingCore):
    """Only resting orders (enough to move a book); a real venue matches them too."""

    def unknown_symbol(self):
        return SimError("EQuery", "Unknown asset pair", 200)

    def rest_order(self, account, symbol, side, price, qty):
        spec = self.spec(symbol)
        if spec.price_fault(price) or spec.quantity_fault(qty):
            raise SimError("EOrder", "Invalid price or volume", 200)
        now = self.clock.now_ms()
        order = BookOrder(symbol, self._new_order_id(symbol), f"toy{now}", account.account_id, side, "limit", "gtc",
                          price, qty, now, now, on_book=True)
        self._register(order)
        self.books[symbol].add(order)
        return order


class ToyRest(RestPipeline):
    def __init__(self, engine, **kwargs):
        super().__init__(errors=ERRORS, **kwargs)
        self.engine = engine
        self.endpoints = {
            ("GET", "/0/public/Time"): (self.time, 1, "public"),
            ("POST", "/0/public/Depth"): (self.depth, 2, "public"),
            ("POST", "/0/private/AddOrder"): (self.add_order, 1, "private"),
        }

    def parse(self, raw_query, raw_body):
        try:
            params = orjson.loads(raw_body or "{}")
        except orjson.JSONDecodeError:
            raise SimError("EGeneral", "Invalid arguments", 200) from None
        if not isinstance(params, dict):
            raise SimError("EGeneral", "Invalid arguments", 200)
        return params

    def authenticate(self, security, request, raw_query, raw_body, params):
        if security != "private":
            return None
        account = self.engine.accounts.by_key(request.headers.get("API-Key", ""))
        if account is None:
            raise SimError("EAPI", "Invalid key", 200)
        return account

    def fault_symbol(self, params):
        return params.get("pair")

    def time(self, params, account, headers):
        return {"error": [], "result": {"unixtime": self.clock.now_ms() // 1000}}

    def depth(self, params, account, headers):
        symbol = str(params.get("pair"))
        self.engine.spec(symbol)
        bids, asks = self.engine.books[symbol].depth(10)
        return {"error": [], "result": {symbol: {"bids": [[str(p), str(q)] for p, q in bids],
                                                 "asks": [[str(p), str(q)] for p, q in asks]}}}

    def add_order(self, params, account, headers):
        order = self.engine.rest_order(account, str(params.get("pair")), str(params.get("type")).upper(),
                                       Decimal(str(params.get("price"))), Decimal(str(params.get("volume"))))
        return {"error": [], "result": {"txid": [str(order.order_id)]}}


class ToyHub(StreamHub):
    """Channels ``book.<PAIR>``; control frames ``{"method": "subscribe", "params": {"channel": "book", ...}}``."""

    def __init__(self, engine, faults):
        super().__init__()
        self.engine = engine
        self.depth = DepthDiffs(engine.books, faults)

    def normalise(self, name):
        channel, _, pair = name.partition(".")
        return name if channel == "book" and pair in self.engine.books else None

    def symbol_of(self, stream):
        return stream.partition(".")[2]

    def watch(self, stream):
        self.depth.watch(self.symbol_of(stream), "live")

    def control(self, conn, text):
        request = orjson.loads(text)
        pairs = request.get("params", {}).get("symbol", [])
        ok = [self.subscribe(conn, f"book.{pair}") for pair in pairs]
        return {"method": "subscribe", "success": all(ok) and bool(ok)}

    def flush(self):
        sent = 0
        for symbol, frames in self.depth.flush("live", self._render):
            for frame in frames:
                sent += self.publish(f"book.{symbol}", frame)
        return sent

    @staticmethod
    def _render(symbol, first, final, prev, bids, asks):
        return orjson.dumps({"channel": "book", "type": "update", "symbol": symbol, "seq": final,
                             "bids": [[str(p), str(q)] for p, q in bids], "asks": [[str(p), str(q)] for p, q in asks]})


class ToyVenue(SimServer):
    def __init__(self, *, clock, weight_limit=100):
        super().__init__(errors=ERRORS, clock=clock, auto_flush=False)
        self.engine = Engine([InstrumentSpec("XBTUSD", "XBT", "USD", tick_size=Decimal("0.1"))], Accounts(), self.clock)
        self.limiter = WeightLimiter(self.clock, weight_limit, window_ms=60_000, errors=ERRORS)
        self.rest = ToyRest(self.engine, clock=self.clock, limiter=self.limiter, faults=self.faults)
        self.streams = ToyHub(self.engine, self.faults)
        self.wire_faults(snapshot_limit=10)

    def add_stream_routes(self, app):
        async def handle(request):
            return await self.streams.serve(request, [], combined=False)
        app.router.add_get("/v2", handle)

    def on_tick(self, n):
        self.streams.flush()

    def tick(self):
        return {"frames": self.streams.flush()}

    def flush_streams(self):
        return self.streams.flush()

    def depth_snapshot(self, symbol, limit):
        bids, asks = self.engine.books[symbol].depth(limit)
        return {"bids": bids, "asks": asks}

    def restart_ids(self, symbol=None):
        self.streams.flush()
        self.streams.depth.restart(symbol)

    def admin_account(self, balances):
        account = self.engine.accounts.create(balances.get("USD", "0"))
        return account.api_key, account.secret

    def admin_deposit(self, account, asset, amount):
        if asset != "USD":
            raise ValueError("USD only")
        account.usd += amount


@pytest.fixture
async def toy():
    async with ToyVenue(clock=ManualClock(), weight_limit=12) as venue, aiohttp.ClientSession() as session:
        yield venue, session


async def _post(session, url, body, headers=None):
    async with session.post(url, data=orjson.dumps(body), headers=headers or {}) as resp:
        return resp.status, await resp.json()


async def test_the_pipeline_answers_in_the_venues_words(toy):
    venue, session = toy
    async with session.get(f"{venue.rest_url}/0/public/Time") as resp:
        assert resp.status == 200 and (await resp.json())["result"]["unixtime"] == venue.clock.now_ms() // 1000
    # a string code in an HTTP-200 body, through the venue's error table
    assert await _post(session, f"{venue.rest_url}/0/public/Depth", {"pair": "NOPE"}) == \
        (200, {"error": ["EQuery:Unknown asset pair"], "result": {}})
    assert await _post(session, f"{venue.rest_url}/0/private/AddOrder", {"pair": "XBTUSD"},
                       {"API-Key": "nobody"}) == (200, {"error": ["EAPI:Invalid key"], "result": {}})
    status, made = await _post(session, f"{venue.rest_url}/sim/accounts", {"balances": {"USD": "100"}})
    assert status == 200
    order = {"pair": "XBTUSD", "type": "buy", "price": "100.5", "volume": "0.01"}
    status, placed = await _post(session, f"{venue.rest_url}/0/private/AddOrder", order, {"API-Key": made["apiKey"]})
    assert status == 200 and placed["result"]["txid"] == ["1"]
    assert venue.book_levels("XBTUSD") == ({Decimal("100.5"): Decimal("0.01")}, {})
    # the kernel's own errors, worded by the venue: an injected 5xx, then the weight limit (HTTP 200 here)
    venue.faults.add("http_error", endpoint="/0/public/Depth", status=502)
    assert await _post(session, f"{venue.rest_url}/0/public/Depth", {"pair": "XBTUSD"}) == \
        (502, {"error": ["EService:Unavailable"], "result": {}})
    answers = [await _post(session, f"{venue.rest_url}/0/public/Depth", {"pair": "XBTUSD"}) for _ in range(4)]
    assert answers[-1] == (200, {"error": ["EAPI:Rate limit exceeded"], "result": {}}), answers


async def test_response_faults_spare_an_error_answered_with_200(toy):
    """``lose_response`` fires on success only, not on every HTTP 200 (this venue's errors are 200s)."""
    venue, session = toy
    venue.faults.add("lose_response", endpoint="POST /0/public/Depth", count=None)
    assert await _post(session, f"{venue.rest_url}/0/public/Depth", {"pair": "NOPE"}) == \
        (200, {"error": ["EQuery:Unknown asset pair"], "result": {}})
    with pytest.raises(aiohttp.ClientError):
        await _post(session, f"{venue.rest_url}/0/public/Depth", {"pair": "XBTUSD"})


async def test_the_hub_and_the_depth_faults_serve_the_venues_streams(toy):
    venue, session = toy
    account = venue.engine.accounts.create("1000")
    async with session.ws_connect(f"{venue.ws_url}/v2") as ws:
        await ws.send_str(orjson.dumps({"method": "subscribe", "params": {"channel": "book",
                                                                          "symbol": ["XBTUSD", "NOPE"]}}).decode())
        async with asyncio.timeout(10):
            assert orjson.loads((await ws.receive()).data) == {"method": "subscribe", "success": False}
        venue.engine.rest_order(account, "XBTUSD", "BUY", Decimal("100"), Decimal("1"))
        assert venue.tick() == {"frames": 1}
        async with asyncio.timeout(10):
            first = orjson.loads((await ws.receive()).data)
        assert first["bids"] == [["100", "1"]] and first["seq"] == 1
        venue.faults.add("drop_diff", symbol="XBTUSD")                  # the kernel's diff faults, this venue's frames
        venue.engine.rest_order(account, "XBTUSD", "BUY", Decimal("99"), Decimal("1"))
        assert venue.tick() == {"frames": 0}
        venue.engine.rest_order(account, "XBTUSD", "SELL", Decimal("101"), Decimal("2"))
        venue.tick()
        async with asyncio.timeout(10):
            after_gap = orjson.loads((await ws.receive()).data)
        assert after_gap["seq"] == 3 and after_gap["asks"] == [["101", "2"]]
