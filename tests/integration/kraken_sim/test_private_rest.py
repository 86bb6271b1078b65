"""The Kraken simulator's private REST over real sockets: authentication, orders, balances, the counters.

Each refusal is Kraken's E-string in an HTTP-200 body (docs/kraken_spot.md, sections 3, 5, 6, 8).
"""
from decimal import Decimal


async def test_key_signature_and_nonce_are_checked_in_that_order(venue, signed, session):
    key, secret = venue.create_account({"USD": "1000"})
    call = signed(venue, key, secret)
    assert (await call("Balance", nonce=5))["result"] == {"ZUSD": "1000.0000"}
    assert await call("Balance", nonce=5) == {"error": ["EAPI:Invalid nonce"], "result": {}}
    assert await call("Balance", nonce=4) == {"error": ["EAPI:Invalid nonce"], "result": {}}
    assert (await call("Balance", nonce=6))["error"] == []
    wrong_secret = signed(venue, key, "a2V5" * 22)
    assert await wrong_secret("Balance") == {"error": ["EAPI:Invalid signature"], "result": {}}
    nobody = signed(venue, "nobody", secret)
    assert await nobody("Balance") == {"error": ["EAPI:Invalid key"], "result": {}}
    # a body changed after signing fails the signature
    body, path = "nonce=99&x=1", "/0/private/Balance"
    headers = call.headers(path, body, 99)
    async with session.post(venue.rest_url + path, data="nonce=99&x=2", headers=headers) as resp:
        assert (await resp.json())["error"] == ["EAPI:Invalid signature"]


async def test_orders_holds_fills_and_their_records(venue, signed):
    key, secret = venue.create_account({"USD": "10000", "BTC": "0.5"})
    call = signed(venue, key, secret)
    best_ask = min(venue.book_levels("BTC/USD")[1])
    placed = await call("AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="0.01",
                        price=str(best_ask - 50), cl_ord_id="my-order-1")
    assert placed["error"] == [] and placed["result"]["descr"]["order"].startswith("buy 0.01000000 XBTUSD @ limit")
    txid = placed["result"]["txid"][0]
    held = ((best_ask - 50) * Decimal("0.01") * Decimal("1.004")).quantize(Decimal("0.0001"))
    balance = (await call("BalanceEx"))["result"]
    assert Decimal(balance["ZUSD"]["hold_trade"]) >= held and balance["ZUSD"]["balance"] == "10000.0000"
    opened = (await call("OpenOrders"))["result"]["open"]
    assert list(opened) == [txid] and opened[txid]["cl_ord_id"] == "my-order-1" and opened[txid]["status"] == "open"
    assert (await call("CancelOrder", cl_ord_id="my-order-1"))["result"] == {"count": 1}
    assert await call("CancelOrder", txid=txid) == {"error": ["EOrder:Unknown order"], "result": {}}
    assert (await call("BalanceEx"))["result"]["ZUSD"]["hold_trade"] == "0.0000"
    assert (await call("QueryOrders", txid=txid))["result"][txid]["status"] == "canceled"
    # a taker: filled at once, fee in the quote asset
    taken = await call("AddOrder", pair="BTC/USD", type="buy", ordertype="market", volume="0.001")
    assert taken["error"] == []
    trades = (await call("TradesHistory"))["result"]
    assert trades["count"] >= 1
    cost = sum(Decimal(t["cost"]) + Decimal(t["fee"]) for t in trades["trades"].values())
    assert Decimal((await call("Balance"))["result"]["ZUSD"]) == Decimal("10000") - cost
    assert Decimal((await call("Balance"))["result"]["XXBT"]) == Decimal("0.501")
    closed = (await call("ClosedOrders"))["result"]
    assert closed["count"] == 2 and {o["status"] for o in closed["closed"].values()} == {"canceled", "closed"}
    assert (await call("GetWebSocketsToken"))["result"]["expires"] == 900


async def test_order_rules_answer_krakens_strings(venue, signed):
    key, secret = venue.create_account({"USD": "100", "BTC": "0.001"})
    call = signed(venue, key, secret)
    best_bid, best_ask = max(venue.book_levels("BTC/USD")[0]), min(venue.book_levels("BTC/USD")[1])

    async def add(**params):
        return (await call("AddOrder", pair="XBTUSD", **params))["error"]
    assert await add(type="buy", ordertype="limit", volume="0.00001", price="100") == ["EOrder:Order minimum not met"]
    assert await add(type="buy", ordertype="limit", volume="0.0001", price="1.0") == ["EOrder:Cost minimum not met"]
    assert await add(type="buy", ordertype="limit", volume="1", price="1000") == ["EOrder:Insufficient funds"]
    assert await add(type="sell", ordertype="limit", volume="0.002", price=str(best_ask)) == \
        ["EOrder:Insufficient funds"]
    assert await add(type="sell", ordertype="limit", volume="0.001", price=str(best_bid), oflags="post") == \
        ["EOrder:Post only order"]
    assert (await add(type="buy", ordertype="limit", volume="0.001", price="1000.05"))[0].startswith(
        "EOrder:Invalid price")
    assert await add(type="buy", ordertype="limit", volume="0.000000001", price="1000") == \
        ["EGeneral:Invalid arguments:volume"]
    assert await add(type="hold", ordertype="limit", volume="0.001", price="1000") == \
        ["EGeneral:Invalid arguments:type"]
    assert await add(type="buy", ordertype="limit", volume="0.001", price="1000", cl_ord_id="x" * 19) == \
        ["EGeneral:Invalid arguments:cl_ord_id"]
    checked = await call("AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="0.001", price="1000",
                         validate="true")
    assert checked["error"] == [] and "txid" not in checked["result"]
    assert (await call("OpenOrders"))["result"]["open"] == {}


async def test_call_counter_and_trading_counter_decay_with_time(venue, signed):
    key, secret = venue.create_account({"USD": "100000"})
    call = signed(venue, key, secret)
    answers = [await call("Balance") for _ in range(21)]            # intermediate tier: 20 at -0.5/s
    assert [a["error"] for a in answers[:20]] == [[]] * 20
    assert answers[20] == {"error": ["EAPI:Rate limit exceeded"], "result": {}}
    venue.clock.advance(2_000)                                     # one call's worth decayed
    assert (await call("Balance"))["error"] == []
    assert (await call("Balance"))["error"] == ["EAPI:Rate limit exceeded"]
    # trading counter: orders count on it, not on the call counter; young cancels cost extra
    venue.clock.advance(60_000)
    limits = venue.limits
    price = str(max(venue.book_levels("BTC/USD")[0]) - 100)
    txid = (await call("AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="0.001",
                       price=price))["result"]["txid"][0]
    assert limits.trading(key, "BTC/USD").current(venue.clock.now_ms()) == 1
    await call("CancelOrder", txid=txid)
    assert limits.trading(key, "BTC/USD").current(venue.clock.now_ms()) == 9     # +8: under 5 s old
    limits.trading(key, "BTC/USD").value = limits.tier.trading_max
    refused = await call("AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="0.001", price=price)
    assert refused == {"error": ["EOrder:Rate limit exceeded"], "result": {}}
    venue.clock.advance(1_000)                                     # 2.34 decayed: room for one
    assert (await call("AddOrder", pair="XBTUSD", type="buy", ordertype="limit", volume="0.001",
                       price=price))["error"] == []


async def test_fills_of_an_order_by_querying_it_with_trades_then_query_trades(venue, signed):
    key, secret = venue.create_account({"USD": "100000"})
    call = signed(venue, key, secret)
    asks = sorted(venue.book_levels("BTC/USD")[1].items())
    volume = asks[0][1] + asks[1][1]                         # two levels: at least two fills
    txid = (await call("AddOrder", pair="XBTUSD", type="buy", ordertype="market", volume=str(volume),
                       cl_ord_id="two-fills"))["result"]["txid"][0]
    order = (await call("QueryOrders", txid=txid, trades="true"))["result"][txid]
    assert order["status"] == "closed" and len(order["trades"]) >= 2
    by_client = (await call("QueryOrders", cl_ord_id="two-fills", trades="true"))["result"]
    assert by_client[txid]["trades"] == order["trades"]
    fills = (await call("QueryTrades", txid=",".join(order["trades"])))["result"]
    assert {f["ordertxid"] for f in fills.values()} == {txid}
    assert sum(Decimal(f["vol"]) for f in fills.values()) == volume
    assert (await call("QueryTrades", txid="TNOPE-NOPE-NOPE"))["error"] == ["EQuery:Invalid query"]
    assert (await call("ClosedOrders", ofs="1"))["result"]["closed"] == {}
    assert (await call("ClosedOrders", ofs="x"))["error"] == ["EGeneral:Invalid arguments:ofs"]
