"""``hbconn demo`` as a user runs it (a subprocess): the market maker trades through ``BinanceExchange``
against the simulator, the injected faults are repaired, and the closing checks hold."""
import io
import re
import subprocess
import sys
import tempfile

import pytest
from rich.console import Console

from hummingbot_conn.cli import main as cli_main
from hummingbot_conn.cli.demo.run import run_demo


def _demo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hummingbot_conn", "demo", *args], capture_output=True,
                          text=True, timeout=120, cwd=tempfile.gettempdir())


def _count(text: str, name: str) -> int:
    match = re.search(rf"\b{name} (\d+)", text)
    assert match, (name, text)
    return int(match.group(1))


def test_demo_trades_repairs_faults_and_every_check_holds():
    # 10 s: both faults (at a third and two thirds of the run) injected and repaired, several fills
    proc = _demo("--duration", "10", "--no-ui")
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr
    assert "Traceback" not in proc.stderr
    summary = out[out.index("Summary after"):]
    assert _count(summary, "filled") >= 1, summary          # orders filled through the connector
    assert _count(summary, "fills") >= 1
    # both injected faults were caught and repaired, as the event lines show
    assert "drops the next BTC-USDT depth diff on purpose" in out
    assert re.search(r"Book +BTC-USDT out of sync \(gap\)", out), out
    assert re.search(r"Book +BTC-USDT resynced at update \d+ \(repaired: gap\)", out), out
    assert "closes our user data socket on purpose" in out
    assert "User stream reconnected (connection 2)" in out
    # the event stream: creations, fills and completions, with each pair's precision
    assert re.search(r"Created +\S+ (BUY|SELL) \d+\.\d{5} BTC-USDT @ [\d,]+\.\d{2}$", out, re.M), out
    assert re.search(r"Created +\S+ (BUY|SELL) \d+\.\d{3} ETH-BTC @ 0\.\d{5}$", out, re.M), out
    assert re.search(r"Filled +\S+ (BUY|SELL) ", out) and "Completed " in out
    assert "ETH-BTC @ 0.05 " not in out and "ETH-BTC @ 0.05\n" not in out   # never at a 0.01 grid
    # no open order survives the exit, and the closing checks hold
    assert _count(summary, "cancelled") >= 1
    assert re.search(r"BTC-USDT +equal at update \d+", summary) and re.search(r"ETH-BTC +equal at update", summary)
    assert "every book equal: yes; balances equal: yes" in summary
    assert "NOT EQUAL" not in summary
    # the plain status lines carry every health figure of the live view, stale diffs included
    status = [line for line in out.splitlines() if "open orders" in line]
    assert status and all(re.search(r"BTC-USDT [\d.]+ diffs/s .* reconnects \d+ stale \d+", line) for line in status)


def test_demo_with_no_duration_still_proves_each_book_current():
    # the dropped diff is the last one: nothing later reveals the gap, so the exit check must find it
    proc = _demo("--duration", "0", "--no-ui")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    summary = proc.stdout[proc.stdout.index("Summary after"):]
    assert "every book equal: yes; balances equal: yes" in summary, summary
    assert re.search(r"BTC-USDT +equal at update \d+", summary)


def test_cli_lists_demo(capsys):
    assert cli_main(["--help"]) == 0
    assert "demo" in capsys.readouterr().out


@pytest.mark.parametrize("width, height", [(80, 24), (120, 40)])
async def test_live_view_of_a_real_run_fits_the_terminal_and_keeps_each_fault_and_its_repair(width, height,
                                                                                           monkeypatch):
    # the live mode of a real run (simulator, connector, faults), every frame drawn for a terminal of this
    # size and read back as text: each fits, and once a fault is repaired its two lines stay on every
    # later frame (the run is shorter than FAULT_HOLD), however many events followed
    from hummingbot_conn.cli.demo import screen as demo_screen

    frames = []

    def recording_render(frame, w, h):
        text = demo_screen.join(demo_screen.screen(frame, w, h), w)
        buf = io.StringIO()
        Console(file=buf, width=w, height=h, color_system=None).print(text)
        frames.append((frame.elapsed, buf.getvalue().rstrip("\n").split("\n")))
        return text

    monkeypatch.setattr(demo_screen, "render", recording_render)
    console = Console(file=io.StringIO(), width=width, height=height, force_terminal=True)
    said = []
    status = await run_demo(duration=9.0, ui=True, out=said.append, console=console)
    assert status == 0
    assert len(frames) > 20
    # nothing is printed above the view (it scrolled the view's top rows off an 80x24 terminal): what the
    # demo says while starting is in the view, the first of its events; after the view, the summary and
    # the exit checks' lines fit the width, wrapped between fields
    assert said and said[said.index("") + 1].startswith("Summary after"), said
    assert not any("simulated binance exchange" in line or "connector ready" in line for line in said), said
    assert max(map(len, said)) <= width, said
    first = "\n".join(frames[0][1])
    assert re.search(r"^ +\d+\.\ds Start +simulated binance exchange on http://127\.0\.0\.1:\d+", first, re.M), first
    assert re.search(r"^ +\d+\.\ds Start +connector ready after", first, re.M), first
    drop = "injected: the exchange drops the next BTC-USDT depth diff"
    close = "injected: the exchange closes our user data socket"
    for _, lines in frames:
        text = "\n".join(lines)
        assert len(lines) < height and max(map(len, lines)) <= width, text
        for section in ("BTC-USDT mid", "orders", "balance", "health", "faults injected on purpose", "events"):
            assert section in text, (section, text)
    repaired = [i for i, (_, lines) in enumerate(frames) if any("resynced at update" in line for line in lines)]
    assert repaired, "the dropped diff's repair never showed"
    for _, lines in frames[repaired[0]:]:
        text = "\n".join(lines)
        assert drop in text and re.search(r"repaired: gap after update \d+, resynced at update \d+", text), text
    reconnected = [i for i, (_, lines) in enumerate(frames) if any("reconciled by REST" in line for line in lines)]
    assert reconnected, "the user socket's repair never showed"
    for _, lines in frames[reconnected[0]:]:
        text = "\n".join(lines)
        assert close in text and "repaired: reconnected (connection 2), reconciled by REST" in text, text
