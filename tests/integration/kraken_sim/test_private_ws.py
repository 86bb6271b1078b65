"""The Kraken simulator's private WS v2 over real sockets: token, executions, balances, order methods.

Kraken's sequence of execution reports (docs/kraken_spot.md, section 7): ``pending_new``, ``new``;
a fill as ``trade`` with ``order_status`` ``partially_filled`` even when it completes the order,
then a separate ``filled``; a cancel as ``canceled``. A method's answer comes before its reports.
"""
import asyncio
import json
from decimal import Decimal


async def _next(ws, want=None):
    async with asyncio.timeout(10):
        while True:
            message = json.loads((await ws.receive()).data, parse_float=Decimal)
            if message.get("channel") == "heartbeat":
                continue
            if want is None or want(message):
                return message


async def _token(call):
    return (await call("GetWebSocketsToken"))["result"]["token"]


async def test_executions_snapshot_then_krakens_sequence_of_reports(venue, signed, session):
    key, secret = venue.create_account({"USD": "100000", "BTC": "1"})
    call = signed(venue, key, secret)
    resting = await call("AddOrder", pair="BTC/USD", type="buy", ordertype="limit", volume="0.01",
                         price=str(max(venue.book_levels("BTC/USD")[0]) - 10), cl_ord_id="rest-1")
    token = await _token(call)
    async with session.ws_connect(venue.ws_auth_url) as ws:
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "executions", "token": token,
                                                                        "snap_orders": True}, "req_id": 1}))
        ack = await _next(ws)
        assert ack["method"] == "subscribe" and ack["success"] is True and ack["req_id"] == 1
        snapshot = await _next(ws)
        assert snapshot["type"] == "snapshot"
        assert [(o["order_id"], o["cl_ord_id"], o["order_status"]) for o in snapshot["data"]] == \
            [(resting["result"]["txid"][0], "rest-1", "new")]
        # a taker through the WS method: answer first, then pending_new, new, trade(s), filled
        await ws.send_str(json.dumps({"method": "add_order", "req_id": 2, "params": {
            "order_type": "market", "side": "buy", "order_qty": 0.001, "symbol": "BTC/USD",
            "cl_ord_id": "ws-taker-1", "token": token}}))
        answer = await _next(ws)
        assert answer["method"] == "add_order" and answer["success"] is True and answer["req_id"] == 2
        order_id = answer["result"]["order_id"]
        assert answer["result"]["cl_ord_id"] == "ws-taker-1"
        reports = []
        while not reports or reports[-1]["exec_type"] != "filled":
            message = await _next(ws, lambda m: m.get("channel") == "executions")
            reports += message["data"]
        assert all(r["order_id"] == order_id for r in reports)
        kinds = [(r["exec_type"], r["order_status"]) for r in reports]
        assert kinds[:2] == [("pending_new", "pending_new"), ("new", "new")] and kinds[-1] == ("filled", "filled")
        assert set(kinds[2:-1]) == {("trade", "partially_filled")}
        assert sum(r["last_qty"] for r in reports[2:-1]) == Decimal("0.001") == reports[-1]["cum_qty"]
        assert all(r["liquidity_ind"] == "t" and r["fees"][0]["asset"] == "USD" for r in reports[2:-1])
        # cancel by client id through the WS method
        await ws.send_str(json.dumps({"method": "cancel_order", "params": {"cl_ord_id": ["rest-1"],
                                                                           "token": token}}))
        assert (await _next(ws))["success"] is True
        canceled = await _next(ws, lambda m: m.get("channel") == "executions")
        assert (canceled["data"][0]["exec_type"], canceled["data"][0]["order_status"]) == ("canceled", "canceled")
        # refusals are answered with Kraken's strings
        await ws.send_str(json.dumps({"method": "add_order", "params": {
            "order_type": "limit", "side": "buy", "order_qty": 100, "limit_price": 1000, "symbol": "BTC/USD",
            "token": token}}))
        refused = await _next(ws)
        assert refused["success"] is False and refused["error"] == "EOrder:Insufficient funds"
        await ws.send_str(json.dumps({"method": "add_order", "params": {"order_type": "market", "side": "buy",
                                                                        "order_qty": 1, "symbol": "BTC/USD",
                                                                        "token": "forged"}}))
        assert (await _next(ws))["success"] is False


async def test_a_resting_order_filled_by_another_account_and_the_balances_channel(venue, signed, session):
    key, secret = venue.create_account({"USD": "0", "BTC": "1"})
    call = signed(venue, key, secret)
    token = await _token(call)
    price = min(venue.book_levels("BTC/USD")[1]) - Decimal("0.1")
    async with session.ws_connect(venue.ws_auth_url) as ws:
        for channel in ("executions", "balances"):
            await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": channel, "token": token}}))
            assert (await _next(ws))["success"] is True
            await _next(ws, lambda m: m.get("type") == "snapshot")
        placed = await call("AddOrder", pair="BTC/USD", type="sell", ordertype="limit", volume="0.002",
                            price=str(price), oflags="post")
        txid = placed["result"]["txid"][0]
        other = venue.account(venue.create_account({"USD": "100000"})[0])
        venue.engine.place(other, venue.engine.pair("BTC/USD"), "BUY", "LIMIT", Decimal("0.002"), price)
        reports, ledger = [], []
        while not reports or reports[-1]["exec_type"] != "filled":
            message = await _next(ws)
            (reports if message["channel"] == "executions" else ledger).extend(message["data"])
        assert [r["exec_type"] for r in reports] == ["pending_new", "new", "trade", "filled"]
        assert reports[2]["order_status"] == "partially_filled" and reports[2]["liquidity_ind"] == "m"
        assert all(r["order_id"] == txid for r in reports)
        while len(ledger) < 2:
            ledger.extend((await _next(ws, lambda m: m.get("channel") == "balances"))["data"])
        by_asset = {e["asset"]: e for e in ledger}
        assert by_asset["BTC"]["amount"] == Decimal("-0.002") and by_asset["BTC"]["balance"] == Decimal("0.998")
        fee = (price * Decimal("0.002") * Decimal("0.0025")).quantize(Decimal("0.0001"), rounding="ROUND_DOWN")
        assert by_asset["USD"]["balance"] == price * Decimal("0.002") - fee


async def test_a_token_expires_for_new_sockets_only(venue, signed, session):
    key, secret = venue.create_account({"USD": "1000"})
    token = await _token(signed(venue, key, secret))
    async with session.ws_connect(venue.ws_auth_url) as ws:
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "balances", "token": token}}))
        assert (await _next(ws))["success"] is True
        venue.clock.advance(16 * 60_000)
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "executions", "token": token,
                                                                        "snap_trades": True}}))
        assert (await _next(ws, lambda m: "success" in m))["success"] is True
        async with session.ws_connect(venue.ws_auth_url) as late:
            await late.send_str(json.dumps({"method": "subscribe", "params": {"channel": "balances",
                                                                              "token": token}}))
            refused = await _next(late)
            assert refused["success"] is False and refused["error"] == "EGeneral:Permission denied"
