"""``hbconn sim --venue kraken``: starts, prints working URLs and a base64 secret, serves, stops on SIGTERM."""
import asyncio
import base64
import hashlib
import hmac
import json
import signal
import sys
import tempfile
import time


async def _start(*args):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hummingbot_conn.sim", "--venue", "kraken", "--port", "0", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=tempfile.gettempdir())
    lines = {}
    while "API secret" not in lines:
        async with asyncio.timeout(20):
            line = (await proc.stdout.readline()).decode()
        assert line, (await proc.stderr.read()).decode()
        name, _, value = line.partition(":")
        lines[name.strip()] = value.strip()
    return proc, lines


async def test_cli_runs_the_kraken_venue():
    import aiohttp
    proc, lines = await _start("--seed", "2", "--symbols", "BTC-USD", "--traders-rate", "20",
                               "--balance", "USD=500", "--balance", "XBT=0.25")
    try:
        assert lines["venue"] == "kraken (Kraken spot)" and lines["symbols"] == "BTC/USD"
        rest, ws_url, auth_url = (lines[k].split()[0] for k in ("REST", "WS v2 public", "WS v2 private"))
        assert ws_url.endswith("/v2") and auth_url.endswith("/ws-auth/v2") and rest.count("/") == 2
        key, secret = lines["API key"], lines["API secret"]
        nonce, body, path = str(int(time.time() * 1000)), "", "/0/private/Balance"
        body = f"nonce={nonce}"
        mac = hmac.new(base64.b64decode(secret), path.encode() + hashlib.sha256((nonce + body).encode()).digest(),
                       hashlib.sha512)
        headers = {"API-Key": key, "API-Sign": base64.b64encode(mac.digest()).decode(),
                   "Content-Type": "application/x-www-form-urlencoded"}
        async with aiohttp.ClientSession() as session:
            async with session.post(rest + path, data=body, headers=headers) as resp:
                assert await resp.json() == {"error": [], "result": {"XXBT": "0.2500000000", "ZUSD": "500.0000"}}
            async with session.ws_connect(ws_url) as ws:
                await ws.send_str(json.dumps({"method": "subscribe",
                                              "params": {"channel": "trade", "symbol": ["BTC/USD"]}}))
                async with asyncio.timeout(20):
                    while True:
                        message = json.loads((await ws.receive()).data)
                        if message.get("channel") == "trade":
                            break
                assert message["data"][0]["symbol"] == "BTC/USD"      # background traders print trades
    finally:
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert "simulator stopped" in out.decode()


async def test_a_secret_that_is_not_base64_is_refused_in_one_sentence():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hummingbot_conn.sim", "--venue", "kraken", "--api-secret", "not base64!",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=tempfile.gettempdir())
    async with asyncio.timeout(20):
        out, err = await proc.communicate()
    assert proc.returncode == 2
    assert err.decode().strip() == "hbconn sim: a Kraken API secret is base64 text."
