"""The Kraken simulator's fault rules on the private socket's order methods, over real sockets
(docs/kraken_spot.md section 9): ``http_error`` and ``http_429`` refuse before processing (nothing
placed, nothing counted), ``lose_response`` processes and closes the socket unanswered,
``delay_response`` processes at once and answers late; ``private_ws.requests`` counts every request.
"""
import asyncio
import json
from decimal import Decimal

import aiohttp

LIMIT = {"order_type": "limit", "side": "buy", "order_qty": 0.001, "limit_price": 1000, "symbol": "BTC/USD"}


async def _answer(ws, timeout=10):
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                return msg
            message = json.loads(msg.data, parse_float=Decimal)
            if message.get("channel") != "heartbeat":
                return message


async def _socket(venue, signed, session):
    key, secret = venue.create_account({"USD": "100000", "BTC": "1"})
    token = (await signed(venue, key, secret)("GetWebSocketsToken"))["result"]["token"]
    return venue.account(key), token, await session.ws_connect(venue.ws_auth_url)


def _request(method, token, req_id, **params):
    return json.dumps({"method": method, "params": {**params, "token": token}, "req_id": req_id})


async def test_a_refusal_fault_answers_krakens_error_before_processing(venue, signed, session):
    account, token, ws = await _socket(venue, signed, session)
    async with ws:
        venue.faults.add("http_error", endpoint="add_order", count=1)
        venue.faults.add("http_429", endpoint="add_order", count=1)
        for req_id, code in ((1, "EService:Unavailable"), (2, "EOrder:Rate limit exceeded")):
            await ws.send_str(_request("add_order", token, req_id, **LIMIT, cl_ord_id=f"f-{req_id}"))
            answer = await _answer(ws)
            assert (answer["method"], answer["req_id"], answer["success"], answer["error"]) == \
                ("add_order", req_id, False, code)
        assert venue.engine.open_orders(account) == []
        assert venue.limits.trading(account.api_key, "BTC/USD").value == 0       # refused ones are not counted
        # the rules were used up: the next one is processed
        await ws.send_str(_request("add_order", token, 3, **LIMIT, cl_ord_id="f-3"))
        assert (await _answer(ws))["success"] is True
        venue.faults.add("http_429", endpoint="cancel_order", count=1)
        await ws.send_str(_request("cancel_order", token, 4, cl_ord_id=["f-3"]))
        refused = await _answer(ws)
        assert (refused["req_id"], refused["success"], refused["error"]) == (4, False, "EAPI:Rate limit exceeded")
        assert [o.cl_ord_id for o in venue.engine.open_orders(account)] == ["f-3"]
        assert venue.private_ws.requests["add_order"] == 3 and venue.private_ws.requests["cancel_order"] == 1


async def test_a_lost_answer_takes_effect_and_closes_the_socket(venue, signed, session):
    account, token, ws = await _socket(venue, signed, session)
    async with ws:
        venue.faults.add("lose_response", endpoint="add_order", count=1)
        await ws.send_str(_request("add_order", token, 1, **LIMIT, cl_ord_id="lost-1"))
        msg = await _answer(ws)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
        assert [o.cl_ord_id for o in venue.engine.open_orders(account)] == ["lost-1"]


async def test_a_late_answer_comes_after_the_request_took_effect(venue, signed, session):
    account, token, ws = await _socket(venue, signed, session)
    async with ws:
        venue.faults.add("delay_response", endpoint="add_order", delay=0.3, count=1)
        await ws.send_str(_request("add_order", token, 1, **LIMIT, cl_ord_id="late-1"))
        async with asyncio.timeout(10):
            while not venue.engine.open_orders(account):
                await asyncio.sleep(0.01)
        (order,) = venue.engine.open_orders(account)
        answer = await _answer(ws)
        assert (answer["req_id"], answer["success"], answer["result"]) == \
            (1, True, {"order_id": order.txid, "cl_ord_id": "late-1"})


async def test_order_methods_count_on_the_trading_counter_never_on_the_call_counter(venue, signed, session):
    account, token, ws = await _socket(venue, signed, session)
    calls_before = venue.limits.calls(account.api_key).value
    async with ws:
        # more orders than the call counter's maximum (20 at the intermediate tier): none is refused
        for req_id in range(1, 26):
            await ws.send_str(_request("add_order", token, req_id, **LIMIT, cl_ord_id=f"n-{req_id}"))
            assert (await _answer(ws))["success"] is True
        await ws.send_str(_request("cancel_order", token, 26, cl_ord_id=["n-1"]))
        assert (await _answer(ws))["success"] is True
    assert venue.limits.calls(account.api_key).value == calls_before
    # the venue's clock stands still (ManualClock): 25 placements, then a young order's cancel, +8
    assert venue.limits.trading(account.api_key, "BTC/USD").value == 25 + 8
