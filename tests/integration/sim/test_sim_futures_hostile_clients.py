"""The simulator holds under hostile clients, for the USDⓈ-M futures venue.

The same bar as tests/integration/sim/test_sim_hostile_clients.py (spot), on
``/fapi`` and the futures stream paths: strict numbers over HTTP, an
oversized body, a body shorter than its Content-Length, half-sent requests
against the connection limit and the header timeout, stream control frames of
the wrong type, and market / user stream clients that never read. Each time:
a Binance-style error or a closed socket for the offender, no traceback, and
normal clients still served. Real sockets on 127.0.0.1, bounded counts.
"""
import asyncio
import base64
import hashlib
import hmac
import logging
import os
import socket
import time

import aiohttp
import yarl
from support.polling import holds_within

from hummingbot_conn.sim.futures import SimulatedFuturesExchange


def _signed_query(secret: str, raw: str) -> str:
    return raw + "&signature=" + hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()


def _no_tracebacks(caplog):
    return [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()] == []


# --------------------------------------------------------------------------------- HTTP
async def test_numbers_and_timestamps_with_hostile_text_are_refused_over_http(caplog):
    async with SimulatedFuturesExchange(auto_flush=False) as sim:
        key, secret = sim.create_account("100000", leverage={"BTCUSDT": 10})
        async with aiohttp.ClientSession() as session:
            async def call(method: str, path: str, raw: str):
                url = yarl.URL(f"{sim.rest_url}{path}?{_signed_query(secret, raw)}", encoded=True)
                async with session.request(method, url, headers={"X-MBX-APIKEY": key}) as resp:
                    return resp.status, await resp.json()

            async def order(quantity: str, timestamp: str):
                return await call("POST", "/fapi/v1/order", "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
                                  f"&price=50000&quantity={quantity}&timestamp={timestamp}")

            now = str(int(time.time() * 1000))
            arabic = "".join(chr(0x660 + int(d)) for d in now)          # Arabic-Indic digits
            for quantity in ("1%0A", "%D9%A1", "1_0", "%201", "1e-5", "%EF%BC%91"):
                assert await order(quantity, now) == (400, {
                    "code": -1100, "msg": "Illegal characters found in parameter 'quantity'; legal range is "
                                          "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'."})
            for timestamp in (now + "%0A", "%20" + now, now[:3] + "_" + now[3:],
                              "".join(f"%{b:02X}" for b in arabic.encode())):
                status, body = await order("0.01", timestamp)
                assert (status, body["code"]) == (400, -1102) and "'timestamp'" in body["msg"]
            for leverage in ("5%0A", "%D9%A5", "+5", "5.0"):
                status, body = await call("POST", "/fapi/v1/leverage",
                                          f"symbol=BTCUSDT&leverage={leverage}&timestamp={now}")
                assert (status, body["code"]) == (400, -1102) and "'leverage'" in body["msg"]
            status, body = await call("GET", "/fapi/v1/userTrades", f"symbol=BTCUSDT&startTime=1%0A&timestamp={now}")
            assert (status, body["code"]) == (400, -1102)
            async with session.get(yarl.URL(f"{sim.rest_url}/fapi/v1/depth?symbol=BTCUSDT&limit=5%0A",
                                            encoded=True)) as resp:
                assert resp.status == 400 and (await resp.json())["code"] == -1102
            assert (await order("0.01", now))[0] == 200
            assert sim.engine.open_orders(sim.account(key), "BTCUSDT")          # exactly the good one rests
            assert len(sim.engine.open_orders(sim.account(key), "BTCUSDT")) == 1
    assert _no_tracebacks(caplog)


async def test_a_10_mb_body_is_413_without_a_traceback(caplog):
    async with SimulatedFuturesExchange(auto_flush=False) as sim:
        key, _ = sim.create_account("1000")
        async with aiohttp.ClientSession() as session:
            body = b"a=" + b"x" * (10 * 1024 * 1024)
            async with session.post(f"{sim.rest_url}/fapi/v1/order", data=body, headers={
                    "X-MBX-APIKEY": key, "Content-Type": "application/x-www-form-urlencoded"}) as resp:
                assert resp.status == 413
                assert (await resp.json())["code"] == -1000
            async with session.post(f"{sim.rest_url}/sim/faults", data=body) as resp:
                assert resp.status == 413
            async with session.get(f"{sim.rest_url}/fapi/v1/ping") as resp:   # still serving
                assert resp.status == 200
    assert _no_tracebacks(caplog)


async def _raw_connect(port: int, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket()
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)     # a client that reads nothing
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
    async with SimulatedFuturesExchange(auto_flush=False, body_timeout=0.3) as sim:
        for path in (b"/fapi/v1/order", b"/sim/faults"):
            sock = await _raw_connect(sim.port)
            try:
                await asyncio.get_running_loop().sock_sendall(sock, (
                    b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nX-MBX-APIKEY: k\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nsymbol=BTC"))
                answer = await _read_all(sock)
            finally:
                sock.close()
            assert answer.startswith(b"HTTP/1.1 408"), path
            assert (b'"code":-1000' if path.startswith(b"/fapi") else b'"error"') in answer


async def test_half_sent_requests_hit_the_limit_and_the_header_timeout(caplog):
    caplog.set_level(logging.WARNING, logger="hummingbot_conn.sim")
    async with SimulatedFuturesExchange(auto_flush=False, max_connections=12, header_timeout=0.5) as sim:
        socks = [await _raw_connect(sim.port) for _ in range(20)]
        try:
            loop = asyncio.get_running_loop()
            for sock in socks:
                try:
                    await loop.sock_sendall(sock, b"GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\n")   # never ends
                except ConnectionError:
                    pass        # refused already
            assert await holds_within(lambda: sim.guard.refused == 8)
            answers = await asyncio.gather(*(_read_all(s) for s in socks))
            assert answers == [b""] * 20
            assert await holds_within(lambda: sim.guard.open == 0) and sim.guard.header_timeouts == 12
        finally:
            for sock in socks:
                sock.close()
        async with aiohttp.ClientSession() as session:        # normal clients are served again
            async with session.get(f"{sim.rest_url}/fapi/v1/ping") as resp:
                assert resp.status == 200
    overload = [r for r in caplog.records if "connection limit reached" in r.getMessage()]
    assert len(overload) == 1
    assert _no_tracebacks(caplog)


# ------------------------------------------------------------------------------ streams
async def test_stream_control_frames_of_the_wrong_type_get_an_error_and_the_socket_stays(caplog):
    async with SimulatedFuturesExchange(auto_flush=False) as sim:
        async with aiohttp.ClientSession() as session, session.ws_connect(f"{sim.ws_url}/public/ws") as ws:
            bad = [
                ("not json", 3),
                ("[1, 2]", 2),
                ('{"id": 1, "method": 5}', 2),
                ('{"id": 2, "method": "SUBSCRIBE", "params": "btcusdt@depth"}', 2),
                ('{"id": 3, "method": "SUBSCRIBE", "params": [5]}', 2),
                ('{"id": 4, "method": "SUBSCRIBE", "params": ["btcusdt@depth\\n"]}', 2),
                ('{"id": 5, "method": "SUBSCRIBE", "params": ["BTCUSDT@depth"]}', 2),
                ('{"id": 6, "method": "UNSUBSCRIBE", "params": {"a": 1}}', 2),
            ]
            for text, code in bad:
                await ws.send_str(text)
                reply = await asyncio.wait_for(ws.receive_json(), 5)
                assert reply["code"] == code, text
            await ws.send_str('{"id": 7, "method": "LIST_SUBSCRIPTIONS"}')
            assert await asyncio.wait_for(ws.receive_json(), 5) == {"result": [], "id": 7}
    assert _no_tracebacks(caplog)


async def _upgrade(port: int, path: str) -> socket.socket:
    """A WebSocket handshake on a raw socket with a tiny receive buffer; nothing is read after the 101."""
    sock = await _raw_connect(port, rcvbuf=4096)
    loop = asyncio.get_running_loop()
    key = base64.b64encode(os.urandom(16)).decode()
    await loop.sock_sendall(sock, (f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                                   f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = await asyncio.wait_for(loop.sock_recv(sock, 1024), 5)
    assert head.startswith(b"HTTP/1.1 101")
    return sock


async def test_a_market_stream_client_that_never_reads_is_cut_off():
    async with SimulatedFuturesExchange(auto_flush=False, queue_limit=50) as sim:
        for i in range(20):
            sim.place_liquidity("BTCUSDT", "SELL", str(60000 + i), "1")
            sim.place_liquidity("BTCUSDT", "BUY", str(59000 - i), "1")
        sock = await _upgrade(sim.port, "/public/ws/btcusdt@depth20")
        try:
            assert await holds_within(lambda: len(sim.streams.connections) == 1)
            conn = next(iter(sim.streams.connections))
            for i in range(20_000):                 # at most 20k frames of ~1.4 kB
                sim.streams.flush("250ms")
                assert len(conn.outbox) <= 50
                if conn.outbox.cut_off:
                    break
                if i % 10 == 0:
                    await asyncio.sleep(0)          # let the writer fill the socket's buffers
            assert conn.outbox.cut_off and len(conn.outbox) <= 1
            assert await holds_within(lambda: not sim.streams.connections)
            assert not sim.streams.subscribers.get("btcusdt@depth20")
        finally:
            sock.close()
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(f"{sim.ws_url}/public/ws/btcusdt@depth20") as ws:   # others still served
            assert await holds_within(lambda: len(sim.streams.connections) == 1)
            sim.streams.flush("250ms")
            frame = await asyncio.wait_for(ws.receive_json(), 5)
            assert frame["e"] == "depthUpdate" and len(frame["b"]) == 20


async def test_a_user_stream_client_that_never_reads_is_cut_off():
    async with SimulatedFuturesExchange(auto_flush=False, queue_limit=50) as sim:
        key, _ = sim.create_account("1000")
        listen_key = sim.listen_keys.create(sim.account(key).account_id)
        sock = await _upgrade(sim.port, f"/private/ws?listenKey={listen_key}")
        try:
            assert await holds_within(lambda: len(sim.streams.user_connections.get(listen_key, ())) == 1)
            conn = next(iter(sim.streams.user_connections[listen_key]))
            for i in range(100_000):                # at most 100k ACCOUNT_UPDATE events
                sim.deposit(key, "0.01")
                assert len(conn.outbox) <= 50
                if conn.outbox.cut_off:
                    break
                if i % 10 == 0:
                    await asyncio.sleep(0)
            assert conn.outbox.cut_off and len(conn.outbox) <= 1
            assert await holds_within(lambda: not sim.streams.user_connections.get(listen_key))
        finally:
            sock.close()
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(f"{sim.ws_url}/private/ws?listenKey={listen_key}") as ws:
            assert await holds_within(lambda: len(sim.streams.user_connections.get(listen_key, ())) == 1)
            sim.deposit(key, "1")
            event = await asyncio.wait_for(ws.receive_json(), 5)
            assert event["e"] == "ACCOUNT_UPDATE" and event["a"]["m"] == "DEPOSIT"
