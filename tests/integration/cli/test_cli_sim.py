"""``python -m hummingbot_conn.sim`` / ``hbconn sim``: starts, prints working URLs and keys, stops on SIGTERM."""
import asyncio
import hashlib
import hmac
import signal
import sys
import tempfile
import time
from decimal import Decimal

import aiohttp
import pytest
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


def _signed(rest: str, path: str, key: str, secret: str) -> tuple[str, dict]:
    query = f"timestamp={int(time.time() * 1000)}"
    sig = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{rest}{path}?{query}&signature={sig}", {"X-MBX-APIKEY": key}


async def _stop(proc) -> str:
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_ready_made_account_has_a_plausible_balance_and_says_how_to_choose():
    # every asset of every symbol, at a trader's size: ETHBTC's quote (BTC) is not funded like USDT
    proc, lines = await _start("--traders-rate", "0")
    try:
        assert lines["venue"].startswith("binance ")
        assert lines["balances"] == "BTC 1, ETH 10, USDT 100000 (choose with --balance ASSET=AMOUNT, repeatable)"
        url, headers = _signed(lines["REST"], "/account", lines["API key"], lines["API secret"])
        async with aiohttp.ClientSession() as session:
            async with session.get(yarl.URL(url, encoded=True), headers=headers) as resp:
                account = await resp.json()
        free = {b["asset"]: Decimal(b["free"]) for b in account["balances"]}
        assert free == {"BTC": Decimal(1), "ETH": Decimal(10), "USDT": Decimal(100000)}
    finally:
        await _stop(proc)


async def test_futures_venue_serves_its_books_with_background_traders_and_a_usdt_wallet():
    proc, lines = await _start("--venue", "binance_perpetual", "--seed", "2", "--traders-rate", "20",
                               "--balance", "USDT=2500")
    try:
        assert lines["venue"] == "binance_perpetual (Binance USDⓈ-M perpetuals)"
        assert lines["symbols"] == "BTCUSDT, ETHUSDT"
        assert lines["balances"] == "USDT 2500 (your choice)"
        rest = lines["REST"].removesuffix("/v1")                  # http://127.0.0.1:PORT/fapi
        url, headers = _signed(rest, "/v2/balance", lines["API key"], lines["API secret"])
        async with aiohttp.ClientSession() as session:
            async with session.get(yarl.URL(url, encoded=True), headers=headers) as resp:
                assert resp.status == 200, await resp.text()
                wallet = {b["asset"]: Decimal(b["balance"]) for b in await resp.json()}
            assert wallet["USDT"] == Decimal(2500)
            async with session.get(f"{rest}/v1/depth?symbol=BTCUSDT&limit=5") as resp:
                depth = await resp.json()
            assert depth["bids"] and depth["asks"]                # seeded by the traders
            assert Decimal(depth["bids"][0][0]) < Decimal(depth["asks"][0][0])
            depth_ws, market_ws = (part.split()[0] for part in lines["market streams"].split("|"))
            ws = await session.ws_connect(depth_ws.replace("<stream>", "btcusdt@depth@100ms"))
            frames = [await ws.receive_json(timeout=10) for _ in range(3)]   # the traders move the book
            assert all(f["e"] == "depthUpdate" and f["s"] == "BTCUSDT" for f in frames)
            assert all(f["pu"] < f["u"] for f in frames)
            await ws.close()
            ws = await session.ws_connect(market_ws.replace("<stream>", "btcusdt@aggTrade"))
            trade = await ws.receive_json(timeout=20)                  # takers print trades
            assert trade["e"] == "aggTrade" and trade["s"] == "BTCUSDT"
            await ws.close()
    finally:
        out = await _stop(proc)
    assert "simulator stopped" in out


@pytest.mark.parametrize("args, words", [
    (["--venue", "coinbase"], "unknown venue 'coinbase'; choose binance, binance_perpetual or kraken"),
    (["--venue", "binance_perpetual", "--symbols", "ETHBTC"], "binance_perpetual lists BTCUSDT, ETHUSDT"),
    (["--venue", "binance_perpetual", "--balance", "BTC=1"], "a USDT margin wallet: give --balance USDT=AMOUNT"),
    (["--balance", "BTC"], "is not ASSET=AMOUNT"),
])
async def test_cli_refuses_a_bad_venue_or_balance_in_one_sentence(args, words):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hummingbot_conn.sim", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=tempfile.gettempdir())
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2, err
    assert words in err.decode() and len(err.decode().strip().splitlines()) == 1, err


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
    text = capsys.readouterr().out
    assert "--traders-rate" in text
    # how to choose the ready-made account's balance, and what it is by default
    assert "--balance ASSET=AMOUNT" in text and "repeatable" in text
    assert "binance BTC 1, ETH 10, USDT 100000" in " ".join(text.split())
    assert "binance_perpetual" in text
