"""``hbconn replay --serve``: a recording served over real sockets in Binance's protocol, consumed by an
unmodified third-party client (binance-connector: ``Spot.depth`` and its WebSocket stream client)."""
import asyncio
import subprocess
import sys
import threading

import orjson
import pytest

from hummingbot_conn.exchanges.binance.binance_constants import BinanceEndpoints
from hummingbot_conn.exchanges.binance.binance_exchange import BinanceExchange
from hummingbot_conn.recording import Recorder, endpoints_options
from hummingbot_conn.recording.serve import RecordedMarket, RecordingServer
from hummingbot_conn.sim import SimulatedExchange, default_symbols

spot = pytest.importorskip("binance.spot", reason="binance-connector is in the test extra")
stream_client = pytest.importorskip("binance.websocket.spot.websocket_stream")


async def _record(path: str, seconds: float) -> None:
    specs = [s for s in default_symbols() if s.symbol == "BTCUSDT"]
    async with SimulatedExchange(seed=3, symbols=specs, traders={"rate": 40, "seed_levels": 20}) as sim:
        endpoints = BinanceEndpoints.local(sim.rest_url.split("://", 1)[1])
        recorder = Recorder(path, "binance", ["BTC-USDT"], {"endpoints": endpoints_options(endpoints)})
        with recorder.capture():
            connector = BinanceExchange("", "", trading_pairs=["BTC-USDT"], trading_required=False, domain=endpoints)
        await connector.start_network()
        await connector.wait_ready(30)
        await asyncio.sleep(seconds)
        await connector.stop_network()
        await recorder.aclose()


def _stream_client(url, on_message, on_open):
    # binance-connector and binance-futures-connector (both in the test extra) install the same
    # binance/websocket/websocket_client.py; whichever pip installed last owns it, and the spot stream
    # client does not construct on the futures one's base class. Either package's stream client is an
    # outside client speaking Binance's stream protocol, unchanged: the spot one when it works.
    try:
        return stream_client.SpotWebsocketStreamClient(stream_url=url, on_message=on_message, on_open=on_open)
    except TypeError:
        from binance.websocket.um_futures.websocket_client import UMFuturesWebsocketClient

        return UMFuturesWebsocketClient(stream_url=url, on_message=on_message, on_open=on_open)


async def test_binance_connector_syncs_a_book_from_a_served_recording(tmp_path):
    path = str(tmp_path / "m.hbrec.zst")
    await _record(path, 4.0)
    market = RecordedMarket(path)
    recorded = [orjson.loads(f[3]) for f in market.frames if f[2] == "depth"]
    assert len(recorded) > 10
    async with RecordingServer(market, speed=2.0) as server:
        frames, opened = [], threading.Event()

        def on_message(_, message: str) -> None:
            frames.append(orjson.loads(message))

        def drive() -> dict:
            ws = _stream_client(f"ws://127.0.0.1:{server.port}", on_message, lambda _: opened.set())
            try:
                assert opened.wait(10)
                ws.diff_book_depth(symbol="btcusdt", speed=100, id=7)
                ws.subscribe(stream=["btcusdt@trade"], id=8)
                for _ in range(100):            # the first diffs come before the snapshot is taken
                    if sum(1 for f in frames if f.get("e") == "depthUpdate") >= 2:
                        break
                    threading.Event().wait(0.05)
                snapshot = spot.Spot(base_url=server.url).depth("BTCUSDT", limit=50)
                info = spot.Spot(base_url=server.url).exchange_info()
                for _ in range(200):
                    if any(f.get("e") == "depthUpdate" and f["u"] > snapshot["lastUpdateId"] for f in frames):
                        break
                    threading.Event().wait(0.05)
                return {"snapshot": snapshot, "info": info}
            finally:
                ws.stop()

        out = await asyncio.to_thread(drive)
    snapshot = out["snapshot"]
    assert out["info"]["symbols"][0]["symbol"] == "BTCUSDT"
    assert {"result": None, "id": 7} in frames and {"result": None, "id": 8} in frames
    diffs = [f for f in frames if f.get("e") == "depthUpdate"]
    assert any(f.get("e") == "trade" for f in frames) or len(diffs) > 2
    # the frames are the recorded ones, byte for byte decoded, in order
    assert all(d in recorded for d in diffs)
    # Binance's sync rule holds: the first diff after the snapshot continues it without a gap
    after = [d for d in diffs if d["u"] > snapshot["lastUpdateId"]]
    assert after and after[0]["U"] <= snapshot["lastUpdateId"] + 1 <= after[0]["u"]
    assert len(snapshot["bids"]) <= 50 and snapshot["bids"] and snapshot["asks"]
    assert float(snapshot["bids"][0][0]) < float(snapshot["asks"][0][0])


def test_the_serve_command_serves_until_interrupted(tmp_path):
    path = str(tmp_path / "m.hbrec.zst")
    asyncio.run(_record(path, 1.0))
    proc = subprocess.Popen([sys.executable, "-m", "hummingbot_conn", "replay", "--serve", path, "--speed", "50"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith(f"serving {path} (binance BTCUSDT") and "at 50x on http://127.0.0.1:" in first
        url = first.split(" on ", 1)[1].split(" ")[0]
        snapshot = spot.Spot(base_url=url).depth("BTCUSDT", limit=5)
        assert len(snapshot["bids"]) == 5 and snapshot["lastUpdateId"] > 0
        assert "played to its end" in proc.stdout.readline()
    finally:
        proc.send_signal(2)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
