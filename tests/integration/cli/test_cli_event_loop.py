"""The ``hbconn`` commands as a user runs them (subprocesses): each says and obeys the event loop it runs on.

``HBCONN_LOOP=asyncio`` forces asyncio's standard loop even with uvloop
installed (the test extra installs it), and every command that runs a loop
(``book``, ``demo``, ``sim``) goes through the choice: a bad value stops each
of them with the same sentence before anything starts.
"""
import asyncio
import os
import signal
import subprocess
import sys
import tempfile

import pytest

pytest.importorskip("uvloop")


def _env(loop):
    env = {k: v for k, v in os.environ.items() if k != "HBCONN_LOOP"}
    if loop is not None:
        env["HBCONN_LOOP"] = loop
    return env


def hbconn(*args: str, loop=None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hummingbot_conn", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=tempfile.gettempdir(), env=_env(loop))


@pytest.mark.parametrize("loop, expected", [
    (None, "(event loop: uvloop "),
    ("asyncio", "(event loop: asyncio (standard loop, HBCONN_LOOP=asyncio))"),
])
def test_version_names_the_loop(loop, expected):
    proc = hbconn("--version", loop=loop)
    assert proc.returncode == 0 and expected in proc.stdout, proc


@pytest.mark.parametrize("args", [["demo", "--duration", "0"], ["book", "BTC-USDT", "--duration", "1", "--no-ui"],
                                  ["sim", "--traders-rate", "0"]])
def test_every_command_obeys_the_choice(args):
    proc = hbconn(*args, loop="tokio")
    assert proc.returncode == 2, proc
    assert "HBCONN_LOOP='tokio' is not one of auto, uvloop, asyncio" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("loop, expected", [
    (None, "uvloop "),
    ("asyncio", "asyncio (standard loop, HBCONN_LOOP=asyncio)"),
])
def test_book_logs_the_loop_it_runs_on(loop, expected):
    proc = hbconn("book", "BTC-USDT", "--duration", "1", "--no-ui", "--verbose", loop=loop)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"event loop: {expected}" in proc.stderr


@pytest.mark.parametrize("loop, expected", [
    (None, "uvloop "),
    ("asyncio", "asyncio (standard loop, HBCONN_LOOP=asyncio)"),
])
async def test_sim_prints_the_loop_it_runs_on(loop, expected):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hummingbot_conn", "sim", "--port", "0", "--traders-rate", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=tempfile.gettempdir(), env=_env(loop))
    lines = {}
    try:
        while "API secret" not in lines:
            async with asyncio.timeout(30):
                line = (await proc.stdout.readline()).decode()
            assert line, (await proc.stderr.read()).decode()
            name, _, value = line.partition(":")
            lines[name.strip()] = value.strip()
    finally:
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await proc.communicate()
    assert lines["event loop"].startswith(expected), lines
    assert proc.returncode == 0
