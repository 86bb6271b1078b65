"""The simulator holds under hostile clients: real sockets on 127.0.0.1, bounded counts.

Strict numbers over HTTP, an oversized body, a body shorter than its
Content-Length, half-sent requests against the connection limit and the
header timeout, WS-API fields of the wrong type, and a WS-API client that
sends without ever reading. Each time: a Binance-style error or a closed
socket for the offender, no traceback, and normal clients still served.
"""
import asyncio
import base64
import hashlib
import hmac
import logging
import os
import socket
import struct
import time

import aiohttp
import orjson
import yarl
from support.polling import holds_within

from hummingbot_conn.sim import SimulatedExchange


def _signed_query(secret: str, raw: str) -> str:
    return raw + "&signature=" + hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()


def _no_tracebacks(caplog):
    return [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()] == []


# --------------------------------------------------------------------------------- HTTP
async def test_numbers_and_timestamps_with_hostile_text_are_refused_over_http(caplog):
    async with SimulatedExchange(seed=1) as sim:
        key, secret = sim.create_account({"USDT": "100000"})
        async with aiohttp.ClientSession() as session:
            async def order(quantity: str, timestamp: str):
                raw = (f"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&price=100&quantity={quantity}"
                       f"&timestamp={timestamp}")
                url = yarl.URL(f"{sim.rest_url}/api/v3/order?{_signed_query(secret, raw)}", encoded=True)
                async with session.post(url, headers={"X-MBX-APIKEY": key}) as resp:
                    return resp.status, await resp.json()

            now = str(int(time.time() * 1000))
            arabic = "".join(chr(0x660 + int(d)) for d in now)          # Arabic-Indic digits
            for quantity in ("1%0A", "%D9%A1", "1_0", "%201", "1e-5"):
                assert await order(quantity, now) == (400, {
                    "code": -1100, "msg": "Illegal characters found in parameter 'quantity'; legal range is "
                                          "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'."})
            for timestamp in (now + "%0A", "%20" + now, now[:3] + "_" + now[3:],
                              "".join(f"%{b:02X}" for b in arabic.encode())):
                status, body = await order("1", timestamp)
                assert (status, body["code"]) == (400, -1102) and "'timestamp'" in body["msg"]
            assert (await order("1", now))[0] == 200
    assert _no_tracebacks(caplog)


async def test_a_10_mb_body_is_413_without_a_traceback(caplog):
    async with SimulatedExchange(seed=1) as sim:
        key, secret = sim.create_account({"USDT": "1000"})
        async with aiohttp.ClientSession() as session:
            body = b"a=" + b"x" * (10 * 1024 * 1024)
            async with session.post(f"{sim.rest_url}/api/v3/order", data=body, headers={
                    "X-MBX-APIKEY": key, "Content-Type": "application/x-www-form-urlencoded"}) as resp:
                assert resp.status == 413
                assert (await resp.json())["code"] == -1000
            async with session.post(f"{sim.rest_url}/sim/accounts", data=body) as resp:
                assert resp.status == 413
            async with session.get(f"{sim.rest_url}/api/v3/ping") as resp:   # still serving
                assert resp.status == 200
    assert _no_tracebacks(caplog)


async def _raw_connect(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return sock


async def _read_all(sock: socket.socket, limit: float = 5.0) -> bytes:
    """What the server sends until it closes (or ``limit`` seconds pass)."""
    loop = asyncio.get_running_loop()
    out = b""
    try:
        while True:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), limit)
            if not chunk:
                return out
            out += chunk
    except (ConnectionError, asyncio.TimeoutError):
        return out


async def test_a_body_shorter_than_its_content_length_is_answered_408():
    async with SimulatedExchange(seed=1, body_timeout=0.3) as sim:
        sock = await _raw_connect(sim.port)
        try:
            await asyncio.get_running_loop().sock_sendall(sock, (
                b"POST /api/v3/order HTTP/1.1\r\nHost: x\r\nX-MBX-APIKEY: k\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nsymbol=BTC"))
            answer = await _read_all(sock)
        finally:
            sock.close()
        assert answer.startswith(b"HTTP/1.1 408")
        assert b'"code":-1000' in answer


async def test_half_sent_requests_hit_the_limit_and_the_header_timeout(caplog):
    caplog.set_level(logging.WARNING, logger="hummingbot_conn.sim")
    async with SimulatedExchange(seed=1, max_connections=12, header_timeout=0.5) as sim:
        socks = [await _raw_connect(sim.port) for _ in range(20)]
        try:
            loop = asyncio.get_running_loop()
            for sock in socks:
                try:
                    await loop.sock_sendall(sock, b"GET /api/v3/ping HTTP/1.1\r\nHost: x\r\n")   # never ends
                except ConnectionError:
                    pass        # refused already
            assert await holds_within(lambda: sim.guard.refused == 8)
            # all are closed by the server: 8 at once, 12 at the header timeout
            answers = await asyncio.gather(*(_read_all(s) for s in socks))
            assert answers == [b""] * 20
            assert await holds_within(lambda: sim.guard.open == 0) and sim.guard.header_timeouts == 12
        finally:
            for sock in socks:
                sock.close()
        async with aiohttp.ClientSession() as session:        # normal clients are served again
            async with session.get(f"{sim.rest_url}/api/v3/ping") as resp:
                assert resp.status == 200
    overload = [r for r in caplog.records if "connection limit reached" in r.getMessage()]
    assert len(overload) == 1
    assert _no_tracebacks(caplog)


# ---------------------------------------------------------------------------- WS API
async def test_ws_api_fields_of_the_wrong_type_get_an_error_and_the_session_stays(caplog):
    async with SimulatedExchange(seed=1) as sim:
        async with aiohttp.ClientSession() as session, session.ws_connect(sim.ws_api_url) as ws:
            bad = [
                ({"id": "a", "method": 5}, -1102),
                ({"id": "b", "method": ["ping"]}, -1102),
                ({"id": "c", "method": "ping", "params": "x"}, -1102),
                ({"id": "d", "method": "userDataStream.subscribe.signature",
                  "params": {"apiKey": 5, "timestamp": 1, "signature": "x"}}, -2014),
                ({"id": "e", "method": "userDataStream.subscribe.signature",
                  "params": {"apiKey": "k", "timestamp": [1], "signature": "x"}}, -1100),
                ({"id": "f", "method": "userDataStream.unsubscribe", "params": {"subscriptionId": [1]}}, -1100),
                ({"id": "g", "method": "userDataStream.unsubscribe", "params": {"subscriptionId": True}}, -1100),
                ({"id": [1], "method": "ping"}, -1102),
                ({"id": "h" * 37, "method": "ping"}, -1102),
            ]
            for request, code in bad:
                await ws.send_str(orjson.dumps(request).decode())
                reply = await asyncio.wait_for(ws.receive_json(), 5)
                assert reply["error"]["code"] == code, request
                assert reply["status"] >= 400
            await ws.send_str('{"id": "ok", "method": "ping"}')
            reply = await asyncio.wait_for(ws.receive_json(), 5)
            assert reply["id"] == "ok" and reply["status"] == 200
    assert _no_tracebacks(caplog)


def _ws_frame(text: bytes) -> bytes:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(text))
    size = len(text)
    header = bytes([0x81]) + (bytes([0x80 | size]) if size < 126 else bytes([0x80 | 126]) + struct.pack("!H", size))
    return header + mask + masked


async def test_a_ws_api_client_that_never_reads_is_cut_off():
    async with SimulatedExchange(seed=1, weight_limit=10**9, reply_queue_limit=50) as sim:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)     # a client that reads nothing
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, ("127.0.0.1", sim.port))
        key = base64.b64encode(os.urandom(16)).decode()
        await loop.sock_sendall(sock, (f"GET /ws-api/v3 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                       f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                                       f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        await asyncio.wait_for(loop.sock_recv(sock, 1024), 5)                # the 101 answer, then never again
        assert await holds_within(lambda: len(sim.user_streams.api_connections) == 1)
        conn = next(iter(sim.user_streams.api_connections))
        frame = _ws_frame(b'{"id":"' + b"x" * 30 + b'","method":"time"}')
        burst = frame * 500
        sent = 0
        try:
            for _ in range(400):                                              # at most 200k requests
                await asyncio.wait_for(loop.sock_sendall(sock, burst), 5)
                sent += 500
                assert len(conn.outbox) <= 50
                if conn.outbox.cut_off:
                    break
        except (ConnectionError, asyncio.TimeoutError):
            pass
        finally:
            sock.close()
        assert conn.outbox.cut_off and len(conn.outbox) <= 1
        assert await holds_within(lambda: not sim.user_streams.api_connections)
        async with aiohttp.ClientSession() as session, session.ws_connect(sim.ws_api_url) as ws:
            await ws.send_str('{"id": 1, "method": "ping"}')
            assert (await asyncio.wait_for(ws.receive_json(), 5))["status"] == 200
