"""A demo session with its injected faults, recorded and replayed twice, gives the
same digest both times (also in another process) and the same order events as the live run."""
import asyncio
import re
import subprocess
import sys

import zstandard

from hummingbot_conn.cli.demo.run import run_demo
from hummingbot_conn.recording import replay_file
from hummingbot_conn.sim import SimulatedExchange


async def test_a_recorded_demo_replays_to_the_same_digest_and_the_live_runs_events(tmp_path, monkeypatch):
    accounts = []
    create = SimulatedExchange.create_account

    def remember(self, *args, **kwargs):
        key, secret = create(self, *args, **kwargs)
        accounts.append((key, secret))
        return key, secret

    monkeypatch.setattr(SimulatedExchange, "create_account", remember)
    path = str(tmp_path / "demo.hbrec.zst")
    lines = []
    status = await run_demo(duration=6.0, pairs=("BTC-USDT", "ETH-BTC"), seed=11, out=lines.append, record=path)
    text = "\n".join(lines)
    assert status == 0, text[-3000:]
    # the live run went through both faults, so the recording holds them
    assert "drops the next BTC-USDT depth diff" in text and "closes our user data socket" in text
    assert re.search(r"recorded the session to .*: \d+ records, lost 0", text), text[-2000:]

    # secrets never reach the file: not the key, not the secret, not one signature
    raw = zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), read_across_frames=True).read().decode()
    (key, secret), = accounts
    assert key not in raw and secret not in raw
    assert not re.search(r"signature=[0-9a-f]{64}", raw) and not re.search(r'"signature":"[0-9a-f]{64}"', raw)
    assert '"X-MBX-APIKEY":"REDACTED"' in raw

    # a replay runs its own virtual-time loop: from async code, in a thread
    first = await asyncio.to_thread(replay_file, path)
    second = await asyncio.to_thread(replay_file, path)
    assert first.reached_end and not first.miss and not first.truncated, (first.miss, first.truncated)
    assert first.digest == second.digest and re.fullmatch(r"[0-9a-f]{64}", first.digest)
    assert first.state == second.state and first.events == second.events
    # the same events as the live run (the recorder noted them as they happened)
    names = [name for name, _ in first.recorded_events]
    assert "OrderFilled" in names and "OrderCancelled" in names
    assert first.events_match, first.first_event_difference()
    # the faults are in the replay too: the gap was seen and repaired, the user socket reconnected
    assert first.health["BTC-USDT"]["gaps"] >= 1 and first.health["BTC-USDT"]["resyncs"] >= 1
    assert any(o["fills"] for o in first.state["orders"])

    # another process (another hash seed, another run of the loop) gives the same digest
    proc = subprocess.run([sys.executable, "-m", "hummingbot_conn", "replay", path], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert last == f"digest: {first.digest}"
    assert "events: " in proc.stdout and "the same as recorded" in proc.stdout
