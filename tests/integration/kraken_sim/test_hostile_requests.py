"""Malformed and hostile WS v2 requests: each is answered (or ignored) and the socket keeps serving.

Class of input closed: any JSON text or non-JSON text on the public or the private socket
(wrong types in every field, huge numbers, deep nesting, unknown methods and channels, a
forged or missing token) gets ``"success": false`` or a pong, never a dropped socket, and a
valid request on the same socket afterwards is served.
"""
import asyncio
import json
from decimal import Decimal

HOSTILE = [
    "not json", "[]", "null", "42", '"text"', "{}", '{"method": 7}', '{"method": "subscribe"}',
    '{"method": "subscribe", "params": []}', '{"method": "subscribe", "params": {"channel": ["book"]}}',
    '{"method": "subscribe", "params": {"channel": "book", "symbol": "BTC/USD"}}',
    '{"method": "subscribe", "params": {"channel": "book", "symbol": [1, null]}}',
    '{"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": "10"}}',
    '{"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": true}}',
    '{"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": 10.5}}',
    '{"method": "unsubscribe", "params": {"channel": "book", "symbol": ["BTC/USD"]}}',
    '{"method": "ping", "req_id": 123456789012345678901234567890}',
    '{"method": "ping", "req_id": 1.25}', '{"method": "add_order", "params": {}}',
    "[" * 5000 + "]" * 5000,
]
PRIVATE = [
    '{"method": "add_order", "params": {"token": "TOKEN", "symbol": ["BTC/USD"], "side": "buy"}}',
    '{"method": "add_order", "params": {"token": "TOKEN", "symbol": "BTC/USD", "side": "buy", '
    '"order_type": "limit", "order_qty": "NaN", "limit_price": 1}}',
    '{"method": "add_order", "params": {"token": "TOKEN", "symbol": "BTC/USD", "side": "buy", '
    '"order_type": "limit", "order_qty": 1e400, "limit_price": {"x": 1}}}',
    '{"method": "add_order", "params": {"token": "TOKEN", "symbol": "BTC/USD", "side": "buy", '
    '"order_type": "market", "order_qty": 0.001, "cl_ord_id": ["a"]}}',
    '{"method": "cancel_order", "params": {"token": "TOKEN", "order_id": {"a": 1}}}',
    '{"method": "cancel_order", "params": {"token": "TOKEN"}}',
    '{"method": "subscribe", "params": {"token": "TOKEN", "channel": "book"}}',
    '{"method": "subscribe", "params": {"token": ["TOKEN"], "channel": "executions"}}',
    '{"method": "fly", "params": {"token": "TOKEN"}}',
]


async def _answers(ws, count):
    out = []
    async with asyncio.timeout(10):
        while len(out) < count:
            message = json.loads((await ws.receive()).data, parse_float=Decimal)
            if message.get("channel") in (None,) or "success" in message or message.get("method") == "pong":
                out.append(message)
    return out


async def test_public_socket_answers_every_hostile_request_and_keeps_serving(venue, session):
    async with session.ws_connect(venue.ws_url) as ws:
        for text in HOSTILE:
            await ws.send_str(text)
        answers = await _answers(ws, len(HOSTILE))
        assert all(a.get("success") is False or a.get("method") == "pong" for a in answers), answers
        pongs = [a for a in answers if a.get("method") == "pong"]
        assert [p["req_id"] for p in pongs] == [123456789012345678901234567890, Decimal("1.25")]
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"]}}))
        assert (await _answers(ws, 1))[0]["success"] is True


async def test_private_socket_answers_every_hostile_request_and_keeps_serving(venue, session, signed):
    key, secret = venue.create_account({"USD": "1000"})
    token = (await signed(venue, key, secret)("GetWebSocketsToken"))["result"]["token"]
    async with session.ws_connect(venue.ws_auth_url) as ws:
        requests = HOSTILE + [text.replace("TOKEN", token) for text in PRIVATE]
        for text in requests:
            await ws.send_str(text)
        answers = await _answers(ws, len(requests))
        assert all(a.get("success") is False or a.get("method") == "pong" for a in answers), answers
        await ws.send_str(json.dumps({"method": "subscribe", "params": {"channel": "balances", "token": token}}))
        assert (await _answers(ws, 1))[0]["success"] is True
    assert venue.engine.open_orders(venue.account(key)) == []
