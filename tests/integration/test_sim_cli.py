"""``python -m hummingbot_conn.sim`` / ``hbconn sim``: starts, prints working URLs and keys, stops on SIGTERM."""
import asyncio
import hashlib
import hmac
import signal
import sys
import tempfile
import time

import aiohttp
import yarl


async def _start(*args):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hummingbot_conn.sim", "--port", "0", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=tempfile.gettempdir())
    lines = {}
    while "API secret" not in lines:
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        assert line, (await proc.stderr.read()).decode()
        name, _, value = line.partition(":")
        lines[name.strip()] = value.strip()
    return proc, lines


async def test_cli_serves_signed_requests_and_stops_cleanly():
    proc, lines = await _start("--seed", "1", "--symbols", "BTCUSDT", "--traders-rate", "20",
                               "--balance", "USDT=1234.5")
    try:
        rest = lines["REST"]
        key, secret = lines["API key"], lines["API secret"]
        assert lines["WebSocket API"].endswith("/ws-api/v3")
        query = f"timestamp={int(time.time() * 1000)}"
        sig = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        async with aiohttp.ClientSession() as session:
            async with session.get(yarl.URL(f"{rest}/account?{query}&signature={sig}", encoded=True),
                                   headers={"X-MBX-APIKEY": key}) as resp:
                account = await resp.json()
            assert account["balances"] == [{"asset": "USDT", "free": "1234.50000000", "locked": "0.00000000"}]
            async with session.get(f"{rest}/exchangeInfo") as resp:
                assert [s["symbol"] for s in (await resp.json())["symbols"]] == ["BTCUSDT"]
            stream = lines["market streams"].split()[0].replace("<stream>", "btcusdt@trade")
            ws = await session.ws_connect(stream)
            trade = await ws.receive_json(timeout=10)   # background traders print trades
            assert trade["e"] == "trade" and trade["s"] == "BTCUSDT"
            await ws.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    assert "simulator stopped" in out.decode()


async def test_cli_rejects_unknown_symbol():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hummingbot_conn.sim", "--symbols", "NOPE",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=tempfile.gettempdir())
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2 and b"unknown symbols: NOPE" in err


def test_hbconn_dispatches_to_sim_help(capsys):
    from hummingbot_conn.cli import main
    try:
        main(["sim", "--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert "--traders-rate" in capsys.readouterr().out
