"""Two unmodified third-party Kraken clients against the simulator, pointed at it by URL.

* python-kraken-sdk: its REST ``Market`` / ``User`` / ``Trade`` clients (``url=``), and its
  ``SpotOrderBookClient``, which keeps a book at its depth, truncates after every row and
  verifies Kraken's CRC32 on every update (precision from ``AssetPairs?pair=BTC/USD``). The
  book client has no URL argument: its class defaults (``SpotClient.URL``,
  ``SpotWSClientBase.WS_URL``) are pointed at the simulator. Its REST calls are blocking, made
  from inside its event loop, so the simulator runs on a loop of its own in a thread here.
* ccxt's ``kraken`` (REST): markets, book, balance, orders, through its ``urls['api']``.

They parse, sign and encode requests their own way, so this checks the simulator speaks
Kraken's protocol (docs/kraken_spot.md), not merely our reading of it.
"""
import asyncio
import concurrent.futures
import threading
from decimal import Decimal

import pytest

from hummingbot_conn.sim.kraken import KrakenSimulatedExchange


class SimThread:
    """A simulator on its own event loop in a thread (for clients that block inside their loop)."""

    def __init__(self, **kwargs):
        self.sim = KrakenSimulatedExchange(**kwargs)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.sim.start(), self.loop).result(30)
        return self

    def call(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` on the simulator's loop; its result."""
        future: concurrent.futures.Future = concurrent.futures.Future()

        def run():
            try:
                future.set_result(fn(*args, **kwargs))
            except Exception as err:  # handed to the caller
                future.set_exception(err)
        self.loop.call_soon_threadsafe(run)
        return future.result(30)

    def __exit__(self, *exc):
        asyncio.run_coroutine_threadsafe(self.sim.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


def _sdk():
    pytest.importorskip("kraken", reason="python-kraken-sdk is in the test extra")
    from kraken.spot import Market, SpotOrderBookClient, Trade, User
    return Market, User, Trade, SpotOrderBookClient


async def test_python_kraken_sdk_rest_clients():
    Market, User, Trade, _ = _sdk()
    from kraken.exceptions import KrakenInsufficientFundsError, KrakenInvalidSignatureError
    async with KrakenSimulatedExchange(seed=5, traders={"rate": 0, "seed_levels": 8}, auto_flush=False) as sim:
        key, secret = sim.create_account({"USD": "50000", "BTC": "1"})
        market = Market(url=sim.rest_url)
        user = User(key=key, secret=secret, url=sim.rest_url)
        trade = Trade(key=key, secret=secret, url=sim.rest_url)

        def drive():
            out = {"pairs": market.get_asset_pairs(pair="BTC/USD"), "book": market.get_order_book(pair="XBTUSD",
                                                                                                count=5),
                   "ticker": market.get_ticker(pair="XBTUSD")}
            best_bid = Decimal(out["book"]["XXBTZUSD"]["bids"][0][0])
            out["placed"] = trade.create_order(ordertype="limit", side="buy", pair="XBTUSD", volume="0.01",
                                               price=str(best_bid - 100), oflags="post", cl_ord_id="sdk-1")
            out["open"] = user.get_open_orders()
            out["balances"] = user.get_balances()
            out["cancel"] = trade.cancel_order(txid=out["placed"]["txid"][0])
            out["taker"] = trade.create_order(ordertype="market", side="sell", pair="XBTUSD", volume="0.002")
            out["trades"] = user.get_trades_history()
            out["balance"] = user.get_account_balance()
            try:
                trade.create_order(ordertype="limit", side="buy", pair="XBTUSD", volume="10", price="50000")
            except KrakenInsufficientFundsError as err:
                out["funds"] = str(err)
            try:
                User(key=key, secret="c2VjcmV0" * 11, url=sim.rest_url).get_account_balance()
            except KrakenInvalidSignatureError as err:
                out["signature"] = str(err)
            return out

        out = await asyncio.to_thread(drive)
    assert out["pairs"]["BTC/USD"]["pair_decimals"] == 1
    assert len(out["book"]["XXBTZUSD"]["asks"]) == 5
    txid = out["placed"]["txid"][0]
    assert list(out["open"]["open"]) == [txid] and out["open"]["open"][txid]["cl_ord_id"] == "sdk-1"
    assert Decimal(out["balances"]["ZUSD"]["hold_trade"]) > 0
    assert out["cancel"]["count"] == 1
    assert out["trades"]["count"] >= 1
    assert Decimal(out["balance"]["XXBT"]) == Decimal("0.998")
    assert "funds" in out and "signature" in out


@pytest.mark.parametrize("depth, seed_levels", [(10, 15), (25, 30)])
async def test_python_kraken_sdk_book_client_verifies_every_checksum(depth, seed_levels):
    _, _, _, SpotOrderBookClient = _sdk()
    from kraken.base_api import SpotClient
    from kraken.spot.websocket import SpotWSClientBase
    traders = {"rate": 40, "seed_levels": seed_levels, "volatility": 0.0005}
    with SimThread(seed=6, traders=traders) as running, \
            pytest.MonkeyPatch.context() as patch:
        sim = running.sim
        patch.setattr(SpotClient, "URL", sim.rest_url)
        patch.setattr(SpotWSClientBase, "WS_URL", sim.ws_url.removesuffix("/v2"))
        messages: list = []

        async def on_update(pair, message):
            messages.append((pair, message))

        client = SpotOrderBookClient(depth=depth, callback=on_update)
        await client.start()
        try:
            await client.add_book(pairs=["BTC/USD"])
            async with asyncio.timeout(30):
                while sum(1 for _, m in messages if m.get("type") == "update") < 40:
                    await asyncio.sleep(0.05)
            assert not [m for _, m in messages if "error" in m], "the SDK found a checksum mismatch"
            # freeze the market, let the last updates arrive, compare the SDK's book with the venue's
            running.call(sim.traders.pause)
            await asyncio.sleep(0.5)
            bids, asks = running.call(sim.book_levels, "BTC/USD")
            book = client.get("BTC/USD")
            assert len(bids) > depth and len(asks) > depth          # the client truncates
            assert [(Decimal(p), Decimal(v)) for p, (v, _) in book["bid"].items()] == \
                sorted(bids.items(), reverse=True)[:depth]
            assert [(Decimal(p), Decimal(v)) for p, (v, _) in book["ask"].items()] == sorted(asks.items())[:depth]
            # a corrupted checksum is caught by the SDK, which then resubscribes (new snapshot)
            running.call(sim.faults.add, "corrupt_checksum", symbol="BTC/USD")
            running.call(sim.traders.resume)
            async with asyncio.timeout(30):
                while not [m for _, m in messages if "error" in m]:
                    await asyncio.sleep(0.05)
            assert "Checksum mismatch" in [m for _, m in messages if "error" in m][0]["error"]
        finally:
            await client.close()


async def test_ccxt_kraken_rest():
    ccxt = pytest.importorskip("ccxt", reason="ccxt is in the test extra")
    async with KrakenSimulatedExchange(seed=7, traders={"rate": 0, "seed_levels": 8}, auto_flush=False) as sim:
        key, secret = sim.create_account({"USD": "50000", "BTC": "1"})
        exchange = ccxt.kraken({"apiKey": key, "secret": secret, "enableRateLimit": False})
        exchange.urls["api"]["public"] = sim.rest_url
        exchange.urls["api"]["private"] = sim.rest_url

        def drive():
            out = {"book": exchange.fetch_order_book("BTC/USD", 5), "balance": exchange.fetch_balance()}
            price = out["book"]["bids"][0][0] - 100
            out["order"] = exchange.create_order("BTC/USD", "limit", "buy", 0.01, price, {"postOnly": True})
            out["open"] = exchange.fetch_open_orders("BTC/USD")
            out["cancel"] = exchange.cancel_order(out["order"]["id"], "BTC/USD")
            out["after"] = exchange.fetch_open_orders("BTC/USD")
            out["market"] = exchange.create_order("BTC/USD", "market", "sell", 0.001)
            out["balance_after"] = exchange.fetch_balance()
            try:
                exchange.create_order("BTC/USD", "limit", "buy", 10, price)
            except ccxt.InsufficientFunds as err:
                out["funds"] = str(err)
            return out

        bids, _ = sim.book_levels("BTC/USD")
        out = await asyncio.to_thread(drive)
    assert [Decimal(str(row[0])) for row in out["book"]["bids"]] == sorted(bids, reverse=True)[:5]
    assert out["balance"]["BTC"]["total"] == 1 and out["balance"]["USD"]["free"] == 50000
    assert [o["id"] for o in out["open"]] == [out["order"]["id"]]
    assert out["after"] == []
    assert out["balance_after"]["BTC"]["total"] == pytest.approx(0.999)
    assert "EOrder:Insufficient funds" in out["funds"]


async def test_python_kraken_sdk_private_websocket_client():
    """The SDK's ``SpotWSClient`` fetches its token by REST, subscribes ``executions`` and trades by WS."""
    pytest.importorskip("kraken", reason="python-kraken-sdk is in the test extra")
    from kraken.spot import SpotWSClient
    async with KrakenSimulatedExchange(seed=8, traders={"rate": 0, "seed_levels": 8}) as sim:
        key, secret = sim.create_account({"USD": "50000"})
        messages: list = []

        async def on_message(message):
            messages.append(message)

        async def wait_for(check):
            async with asyncio.timeout(20):
                while not any(check(m) for m in messages):
                    await asyncio.sleep(0.02)
            return next(m for m in messages if check(m))

        client = SpotWSClient(key=key, secret=secret, callback=on_message, no_public=True,
                              rest_url=sim.rest_url, auth_ws_url=sim.ws_auth_url.removesuffix("/v2"))
        await client.start()
        try:
            await client.subscribe(params={"channel": "executions", "snap_orders": True})
            await wait_for(lambda m: m.get("channel") == "executions" and m.get("type") == "snapshot")
            price = float(max(sim.book_levels("BTC/USD")[0]) - 100)
            await client.send_message({"method": "add_order", "params": {
                "order_type": "limit", "side": "buy", "order_qty": 0.001, "limit_price": price,
                "symbol": "BTC/USD", "cl_ord_id": "sdk-ws-1"}})
            placed = await wait_for(lambda m: m.get("method") == "add_order")
            assert placed["success"] is True and placed["result"]["cl_ord_id"] == "sdk-ws-1"
            await wait_for(lambda m: m.get("channel") == "executions"
                           and any(r["exec_type"] == "new" for r in m["data"]))
            await client.send_message({"method": "cancel_order", "params": {"cl_ord_id": ["sdk-ws-1"]}})
            await wait_for(lambda m: m.get("channel") == "executions"
                           and any(r["exec_type"] == "canceled" for r in m["data"]))
        finally:
            await client.close()
        assert sim.engine.open_orders(sim.account(key)) == []
