"""``/sim/trace``: the simulator's venue-side stamps (depth frame leaves, order arrives), read across processes.

The simulator runs as ``hbconn sim`` in another process; this process reads the
same system-wide monotonic clock, so a stamp of the venue can be placed
between this side's own readings: a frame leaves before it is received here,
an order arrives after it is sent from here and before its answer is read.
"""
import asyncio
import hashlib
import hmac
import signal
import sys
import tempfile
import time
from urllib.parse import urlencode

import aiohttp
import pytest

from hummingbot_conn.sim.kernel.trace import CLOCK_NAME, Trace, now_ns


async def _start_sim():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hummingbot_conn", "sim", "--port", "0", "--symbols", "BTCUSDT",
        "--traders-rate", "50", "--seed", "3",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=tempfile.gettempdir())
    lines = {}
    while "API secret" not in lines:
        async with asyncio.timeout(30):
            line = (await proc.stdout.readline()).decode()
        assert line, (await proc.stderr.read()).decode()
        name, _, value = line.partition(":")
        lines[name.strip()] = value.strip()
    return proc, lines


async def _stop(proc):
    proc.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        await proc.communicate()
    assert proc.returncode == 0


async def _order(session, lines, client_id, price):
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
              "price": price, "newClientOrderId": client_id, "timestamp": int(time.time() * 1000)}
    query = urlencode(params)
    signature = hmac.new(lines["API secret"].encode(), query.encode(), hashlib.sha256).hexdigest()
    async with session.post(f"{lines['REST']}/order", data=f"{query}&signature={signature}",
                            headers={"X-MBX-APIKEY": lines["API key"],
                                     "Content-Type": "application/x-www-form-urlencoded"}) as resp:
        return resp.status, await resp.json()


async def _trace(session, base, method="GET"):
    async with session.request(method, f"{base}/sim/trace") as resp:
        assert resp.status == 200
        return await resp.json()


async def _depth_frame(ws):
    while True:
        msg = await ws.receive_json(timeout=20)
        if msg.get("e") == "depthUpdate":
            return msg


async def test_stamps_place_the_venue_between_the_clients_readings():
    proc, lines = await _start_sim()
    base = lines["REST"].removesuffix("/api/v3")
    stream = lines["market streams"].split()[0].replace("<stream>", "btcusdt@depth@100ms")
    try:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(stream)
            await _depth_frame(ws)                              # flowing, but nothing recorded: off by default
            idle = await _trace(session, base)
            assert idle["enabled"] is False and idle["depth_frames"] == [] and idle["orders"] == []
            assert idle["clock"] == CLOCK_NAME

            assert (await _trace(session, base, "POST")) == {"enabled": True}
            frame = await _depth_frame(ws)
            received_ns = now_ns()
            sent_ns = now_ns()
            status, placed = await _order(session, lines, "trace-1", "30000")
            answered_ns = now_ns()
            assert status == 200 and placed["clientOrderId"] == "trace-1"
            status, refused = await _order(session, lines, "trace-2", "30000.001")     # off the tick size
            assert status == 400, refused
            report = await _trace(session, base)

            port = ws.get_extra_info("sockname")[1]
            ours = [f for f in report["depth_frames"] if f["update_id"] == frame["u"]]
            assert len(ours) == 1, report["depth_frames"]
            assert ours[0]["symbol"] == "BTCUSDT" and ours[0]["first_update_id"] == frame["U"]
            assert ours[0]["peer_port"] == port
            assert ours[0]["t_ns"] <= received_ns                 # it left the venue before it arrived here
            order, rejected = report["orders"]
            assert order["path"] == "/api/v3/order" and order["client_order_id"] == "trace-1"
            assert order["status"] == 200 and sent_ns <= order["t_ns"] <= answered_ns
            assert rejected["status"] == 400 and rejected["client_order_id"] is None
            assert order["t_ns"] <= rejected["t_ns"]

            assert (await _trace(session, base, "DELETE")) == {"enabled": False}
            await _depth_frame(ws)
            assert (await _trace(session, base))["depth_frames"] == []
            await ws.close()
    finally:
        await _stop(proc)


def test_a_full_trace_keeps_the_newest_and_says_it_overflowed():
    trace = Trace(limit=2)
    trace.start()
    for u in (1, 2, 3):
        trace.frame_sent((1, 4000), f'{{"e":"depthUpdate","s":"BTCUSDT","U":{u},"u":{u},"b":[],"a":[]}}')
    trace.frame_sent((1, 4000), '{"e":"trade","s":"BTCUSDT"}')        # not a depth frame: not reported
    trace.frame_sent((1, 4000), "not json")
    report = trace.report()
    assert report["overflowed"] is True and report["depth_frames"] == []
    trace.start()
    trace.frame_sent((2, 4001), '{"stream":"btcusdt@depth","data":{"e":"depthUpdate","s":"BTCUSDT","U":7,"u":9}}')
    frames = trace.report()["depth_frames"]
    assert trace.report()["overflowed"] is False
    assert [(f["socket"], f["peer_port"], f["update_id"]) for f in frames] == [(2, 4001, 9)]
    with pytest.raises(ValueError):
        Trace(limit=0)
